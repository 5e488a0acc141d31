"""The history index of scheduled runs: its manifest, the commit protocol, retention, and ``newsdedup index``.

Layout under the job's ``index.path`` (local folder or any Beam filesystem)::

    manifest.json                         what later runs see (the only file they trust)
    manifest.prev.json                    the manifest before the last publish (a repair point)
    days/<YYYY-MM-DD>/<run id>/keys-PPPPP.parquet, docs-PPPPP.parquet   one published run per day

Commit protocol: a run writes its day files into a fresh ``days/<date>/<run id>/`` folder that nothing refers
to, and only after the pipeline succeeded and its counts reconcile does the launcher publish a new manifest
naming it (local: a temporary file renamed over ``manifest.json``; object stores: one object write, atomic).
A run that fails or is killed before that leaves the manifest as it was; its folder is an orphan that
``index verify`` reports and ``index compact`` deletes. A rerun of a date matches only the days before it and
replaces that date's entry (the old folder becomes an orphan). If the manifest changed while a run was running
(another run or a compaction published), the run refuses to publish.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NamedTuple

import pyarrow.parquet as pq
from apache_beam.io.filesystems import FileSystems

from pipeline.config import DedupConfig, Job, JobError, load_job, parse_run_date
from transforms.index import DOCS_PREFIX, DOCS_SCHEMA, KEYS_PREFIX, KEYS_SCHEMA, HistoryDay

MANIFEST, PREVIOUS = "manifest.json", "manifest.prev.json"
FORMAT, VERSION = "newsdedup-index", 1
DAYS = "days"


class IndexProblem(Exception):
    """The index cannot be used as it is; the message says what to do."""


class IndexRun(NamedTuple):
    """A run's plan against the index, made by the launcher before the pipeline starts."""

    state: str  # the index folder
    run_date: str
    run_id: str
    folder: str  # where this run writes its day files (invisible until published)
    partitions: int
    settings: str
    retention_days: int
    history: tuple[HistoryDay, ...]  # the published days it matches
    base: (
        str | None
    )  # the manifest's text when planned (None: no manifest yet), to detect a concurrent publish

    def window(self) -> tuple[str, str]:
        """The first and last day a run of ``run_date`` may match."""
        return window_bounds(self.run_date, self.retention_days)


# --------------------------------------------------------------------------------------------------------------
# Pure functions
# --------------------------------------------------------------------------------------------------------------


def index_settings(dedup: DedupConfig) -> str:
    """8 hex digits naming every setting that changes an index key: the MinHash fingerprint, bands and rows."""
    bands, rows = dedup.resolved_bands_rows()
    return f"{dedup.fingerprint()}:b{bands}r{rows}:lb{dedup.lede_bands}lr{dedup.lede_rows}"


def empty_manifest(settings: str, partitions: int) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "version": VERSION,
        "settings": settings,
        "partitions": partitions,
        "generation": 0,
        "updated": None,
        "days": {},
    }


def window_bounds(run_date: str, retention_days: int) -> tuple[str, str]:
    """A run of ``run_date`` matches the days from ``run_date - retention_days`` to the day before it."""
    d = dt.date.fromisoformat(run_date)
    return (d - dt.timedelta(days=retention_days)).isoformat(), (d - dt.timedelta(days=1)).isoformat()


def window_days(manifest: dict[str, Any], run_date: str, retention_days: int) -> list[str]:
    """The published days a run of ``run_date`` matches: strictly before it (a rerun never matches itself),
    not older than ``retention_days``."""
    first, last = window_bounds(run_date, retention_days)
    return sorted(d for d in manifest["days"] if first <= d <= last)


def expired_days(manifest: dict[str, Any], ref_date: str, retention_days: int) -> list[str]:
    """Days no run from ``ref_date`` on will match again."""
    first, _ = window_bounds(ref_date, retention_days)
    return sorted(d for d in manifest["days"] if d < first)


def new_run_id(now: dt.datetime | None = None) -> str:
    """``20261128T081500Z-1a2b3c4d``: the start time (orphans younger than a grace period are kept by
    compact: they may be runs in progress) and a random part."""
    now = now or dt.datetime.now(dt.timezone.utc)
    return f"{now:%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}"


def run_id_time(run_id: str) -> dt.datetime | None:
    try:
        return dt.datetime.strptime(run_id.split("-", 1)[0], "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.timezone.utc)
    except ValueError:
        return None


def day_entry(
    *, run_id: str, folder: str, files: Sequence[dict[str, Any]], settings: str, created: str
) -> dict[str, Any]:
    """A day of the manifest: its run, folder (relative to the index), files with rows and bytes, totals."""
    files = sorted(files, key=lambda f: f["name"])
    return {
        "run_id": run_id,
        "folder": folder,
        "settings": settings,
        "created": created,
        "documents": sum(f["rows"] for f in files if f["name"].startswith(DOCS_PREFIX)),
        "keys": sum(f["rows"] for f in files if f["name"].startswith(KEYS_PREFIX)),
        "bytes": sum(f["bytes"] for f in files),
        "files": list(files),
    }


def check_manifest(manifest: Any) -> list[str]:
    """What is wrong with a parsed manifest's structure (empty: nothing)."""
    if not isinstance(manifest, dict):
        return ["is not a JSON object"]
    problems = []
    if manifest.get("format") != FORMAT:
        problems.append(f"format is {manifest.get('format')!r}, not {FORMAT!r}")
    if manifest.get("version") != VERSION:
        problems.append(
            f"version {manifest.get('version')!r} is not {VERSION} (written by another newsdedup?)"
        )
    if not isinstance(manifest.get("partitions"), int) or manifest["partitions"] < 1:
        problems.append("partitions is not a positive integer")
    days = manifest.get("days")
    if not isinstance(days, dict):
        problems.append("days is not an object")
        return problems
    for day, entry in days.items():
        try:
            dt.date.fromisoformat(day)
        except (TypeError, ValueError):
            problems.append(f"day {day!r} is not a date")
        if not isinstance(entry, dict) or not isinstance(entry.get("files"), list) or "folder" not in entry:
            problems.append(f"day {day}: entry without folder or files")
    return problems


def join(base: str, *parts: str) -> str:
    return "/".join([base.rstrip("/"), *parts])


# --------------------------------------------------------------------------------------------------------------
# Files
# --------------------------------------------------------------------------------------------------------------


def _is_local(path: str) -> bool:
    return "://" not in path


def read_text(path: str) -> str | None:
    """A small file's text, or None when it does not exist."""
    if not FileSystems.exists(path):
        return None
    with FileSystems.open(path, mime_type="application/json") as fh:
        data: bytes = fh.read()
    return data.decode("utf-8")


def read_manifest(state: str) -> tuple[dict[str, Any] | None, str | None]:
    """The manifest and its text, or (None, None) for an index not yet created."""
    text = read_text(join(state, MANIFEST))
    if text is None:
        return None, None
    try:
        manifest = json.loads(text)
    except json.JSONDecodeError as e:
        raise IndexProblem(
            f"{join(state, MANIFEST)} is not valid JSON ({e}); run `newsdedup index verify {state}` for the repair"
        ) from None
    problems = check_manifest(manifest)
    if problems:
        raise IndexProblem(f"{join(state, MANIFEST)}: " + "; ".join(problems))
    return manifest, text


def manifest_text(manifest: dict[str, Any]) -> str:
    return json.dumps(manifest, indent=2, sort_keys=True) + "\n"


def write_atomic(path: str, text: str) -> None:
    """Replace a file in one step: readers see the old text or the new one, never a part. Local: a temporary
    file in the same folder renamed over it; object stores (gs://, s3://): a single object write is atomic."""
    data = text.encode("utf-8")
    if _is_local(path):
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        tmp = f"{path}.tmp-{uuid.uuid4().hex[:8]}"
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        return
    with FileSystems.create(path, mime_type="application/json") as fh:
        fh.write(data)


def list_files(folder: str) -> list[tuple[str, int]]:
    """(path, bytes) of the files directly in a folder."""
    result = FileSystems.match([join(folder, "*")])[0]
    return sorted((m.path, m.size_in_bytes) for m in result.metadata_list)


def parquet_rows(path: str) -> int:
    with FileSystems.open(path, mime_type="application/octet-stream") as fh:
        return int(pq.ParquetFile(fh).metadata.num_rows)


def run_folders(state: str) -> list[str]:
    """Every ``days/<date>/<run id>`` folder that holds files, relative to the index."""
    result = FileSystems.match([join(state, DAYS, "*", "*", "*")])[0]
    prefix = join(state, "")
    folders = set()
    for m in result.metadata_list:
        rel = m.path[len(prefix) :] if m.path.startswith(prefix) else m.path
        parts = rel.replace(os.sep, "/").split("/")
        if len(parts) == 4 and parts[0] == DAYS:
            folders.add("/".join(parts[:3]))
    return sorted(folders)


def delete_folder(state: str, rel: str) -> None:
    paths = [p for p, _ in list_files(join(state, rel))]
    if paths:
        FileSystems.delete(paths)
    if _is_local(state):
        folder = Path(join(state, rel))
        for d in (folder, folder.parent):
            try:
                d.rmdir()
            except OSError:
                break


# --------------------------------------------------------------------------------------------------------------
# A run: plan, publish
# --------------------------------------------------------------------------------------------------------------


def plan_run(job: Job, run_date: str, *, run_id: str | None = None) -> IndexRun:
    """Read the manifest and decide what the run matches and where it writes. Refuses an index made with other
    settings or another partition count (its keys would never match)."""
    assert job.index is not None
    state = job.index.path.rstrip("/")
    settings = index_settings(job.dedup)
    manifest, text = read_manifest(state)
    if manifest is None:
        manifest = empty_manifest(settings, job.index.partitions)
    if manifest["settings"] != settings:
        raise IndexProblem(
            f"the index at {state} was built with dedup settings {manifest['settings']}, this job has "
            f"{settings}: its keys would never match. Use a new index.path for new settings (or the old settings)."
        )
    run_id = run_id or new_run_id()
    for day in window_days(manifest, run_date, job.index.retention_days):
        check_day_files(state, day, manifest["days"][day])
    history = tuple(
        HistoryDay(
            day,
            join(state, manifest["days"][day]["folder"]),
            tuple(f["name"] for f in manifest["days"][day]["files"]),
        )
        for day in window_days(manifest, run_date, job.index.retention_days)
    )
    return IndexRun(
        state=state,
        run_date=run_date,
        run_id=run_id,
        folder=join(state, DAYS, run_date, run_id),
        partitions=int(manifest["partitions"]),
        settings=settings,
        retention_days=job.index.retention_days,
        history=history,
        base=text,
    )


def check_day_files(state: str, day: str, entry: dict[str, Any]) -> None:
    """A day the run will read has every file the manifest lists, of the listed size (one listing a day)."""
    present = dict((p.rsplit("/", 1)[-1], size) for p, size in list_files(join(state, entry["folder"])))
    for f in entry["files"]:
        if present.get(f["name"]) != f["bytes"]:
            raise IndexProblem(
                f"the index day {day} is damaged ({entry['folder']}/{f['name']} is missing or not the size the "
                f"manifest says): run `newsdedup index verify {state}` and follow its repair"
            )


def publish_run(run: IndexRun, *, now: dt.datetime | None = None) -> dict[str, Any]:
    """Make the run's day files visible: a new manifest whose ``run_date`` entry names the run's folder,
    written atomically. Refuses (IndexProblem) when the manifest changed since the run was planned."""
    manifest, text = read_manifest(run.state)
    if text != run.base:
        raise IndexProblem(
            f"the index manifest {join(run.state, MANIFEST)} changed while this run was running (another run or a "
            f"compaction published): this run's index files are not published, so later runs will not match its "
            f"documents. Rerun --date {run.run_date} once the other job is done (`newsdedup index compact` deletes "
            f"the unpublished folder {run.folder})."
        )
    if manifest is None:
        manifest = empty_manifest(run.settings, run.partitions)
    files = [
        {"name": path.rsplit("/", 1)[-1], "bytes": size, "rows": parquet_rows(path)}
        for path, size in list_files(run.folder)
    ]
    created = (now or dt.datetime.now(dt.timezone.utc)).isoformat(timespec="seconds")
    rel = f"{DAYS}/{run.run_date}/{run.run_id}"
    entry = day_entry(run_id=run.run_id, folder=rel, files=files, settings=run.settings, created=created)
    replaced = manifest["days"].get(run.run_date)
    updated = dict(manifest)
    updated["days"] = dict(sorted({**manifest["days"], run.run_date: entry}.items()))
    updated["generation"] = int(manifest.get("generation", 0)) + 1
    updated["updated"] = created
    if text is not None:
        write_atomic(join(run.state, PREVIOUS), text)
    write_atomic(join(run.state, MANIFEST), manifest_text(updated))
    return {"day": run.run_date, "entry": entry, "replaced_run": replaced["run_id"] if replaced else None}


# --------------------------------------------------------------------------------------------------------------
# stats, compact, verify
# --------------------------------------------------------------------------------------------------------------


def index_stats(state: str, *, run_date: str, retention_days: int) -> dict[str, Any]:
    manifest, _ = read_manifest(state)
    if manifest is None:
        raise IndexProblem(
            f"no index at {state} (no {MANIFEST}): the first run with this index.path creates it"
        )
    days = manifest["days"]
    matched = set(window_days(manifest, run_date, retention_days))
    expired = set(expired_days(manifest, run_date, retention_days))
    rows = [
        {
            "day": day,
            "documents": e["documents"],
            "keys": e["keys"],
            "bytes": e["bytes"],
            "files": len(e["files"]),
            "run_id": e["run_id"],
            "status": "expired"
            if day in expired
            else "in window"
            if day in matched
            else "run date"
            if day == run_date
            else "after date",
        }
        for day, e in sorted(days.items())
    ]
    return {
        "index": state,
        "settings": manifest["settings"],
        "partitions": manifest["partitions"],
        "generation": manifest.get("generation"),
        "window": {
            "run_date": run_date,
            "retention_days": retention_days,
            "days": list(window_bounds(run_date, retention_days)),
        },
        "days": rows,
        "total": {
            "days": len(rows),
            "documents": sum(r["documents"] for r in rows),
            "keys": sum(r["keys"] for r in rows),
            "bytes": sum(r["bytes"] for r in rows),
            "files": sum(r["files"] for r in rows),
        },
    }


def compact(
    state: str,
    *,
    ref_date: str,
    retention_days: int,
    orphan_grace_hours: float = 24.0,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """Drop the days older than the window of ``ref_date`` from the manifest (published atomically first),
    then delete their folders and the orphans: run folders the manifest does not name that are older than the
    grace period (younger ones may be runs in progress) or older than the published run of their day (replaced
    by a rerun, or an attempt that failed before it)."""
    now = now or dt.datetime.now(dt.timezone.utc)
    manifest, text = read_manifest(state)
    if manifest is None:
        raise IndexProblem(f"no index at {state} (no {MANIFEST})")
    expired = expired_days(manifest, ref_date, retention_days)
    expired_folders = [manifest["days"][d]["folder"] for d in expired]
    if expired:
        updated = dict(manifest)
        updated["days"] = {d: e for d, e in manifest["days"].items() if d not in expired}
        updated["generation"] = int(manifest.get("generation", 0)) + 1
        updated["updated"] = now.isoformat(timespec="seconds")
        write_atomic(join(state, PREVIOUS), text or "")
        write_atomic(join(state, MANIFEST), manifest_text(updated))
        manifest = updated
    named = {e["folder"] for e in manifest["days"].values()}
    orphans, young = [], []
    for rel in run_folders(state):
        if rel in named or rel in expired_folders:
            continue
        _, day, run_id = rel.split("/")
        started = run_id_time(run_id)
        published = manifest["days"].get(day)
        superseded = (
            published is not None
            and started is not None
            and (run_id_time(published["run_id"]) or started) > started
        )
        if (
            not superseded
            and started is not None
            and (now - started).total_seconds() < orphan_grace_hours * 3600
        ):
            young.append(rel)
        else:
            orphans.append(rel)
    for rel in expired_folders + orphans:
        delete_folder(state, rel)
    if _is_local(state):
        for leftover in Path(state).glob(f"{MANIFEST}.tmp-*"):
            leftover.unlink()
    return {"expired_days": expired, "deleted_orphans": orphans, "kept_recent_orphans": young}


class Finding(NamedTuple):
    problem: str
    repair: str


def verify_index(state: str) -> tuple[list[Finding], dict[str, Any] | None]:
    """Every problem of the index with its repair: the manifest readable and consistent, every file it lists
    present with its size and rows and readable as Parquet of the right columns, one settings fingerprint,
    and orphan folders (killed or failed runs, or runs in progress)."""
    findings: list[Finding] = []
    try:
        manifest, _ = read_manifest(state)
    except IndexProblem as e:
        has_prev = read_text(join(state, PREVIOUS)) is not None
        fix = (
            f"copy {join(state, PREVIOUS)} over {join(state, MANIFEST)} (the last publish before it), then rerun the "
            "days it lacks with `newsdedup run JOB --date D`"
            if has_prev
            else f"delete {state} and rerun the days of the window with `newsdedup run JOB --date D`"
        )
        return [Finding(str(e), fix)], None
    if manifest is None:
        return [
            Finding(f"no {MANIFEST} in {state}", "the first successful run with this index.path creates it")
        ], None
    settings = manifest["settings"]
    for day, entry in sorted(manifest["days"].items()):
        rerun = f"rerun that day: newsdedup run JOB --date {day}"
        if entry.get("settings") != settings:
            findings.append(
                Finding(
                    f"day {day} was written with settings {entry.get('settings')}, the index has {settings}",
                    rerun,
                )
            )
        folder = join(state, entry["folder"])
        present = (
            {p.rsplit("/", 1)[-1]: size for p, size in list_files(folder)}
            if FileSystems.exists(folder)
            else {}
        )
        for f in entry["files"]:
            name, path = f["name"], join(folder, f["name"])
            if name not in present:
                findings.append(Finding(f"day {day}: {entry['folder']}/{name} is missing", rerun))
                continue
            if present[name] != f["bytes"]:
                findings.append(
                    Finding(
                        f"day {day}: {name} has {present[name]} bytes, the manifest says {f['bytes']} "
                        "(half-written or replaced)",
                        rerun,
                    )
                )
                continue
            try:
                meta = pq.ParquetFile(FileSystems.open(path, mime_type="application/octet-stream"))
                schema = KEYS_SCHEMA if name.startswith(KEYS_PREFIX) else DOCS_SCHEMA
                if meta.schema_arrow.names != schema.names:
                    findings.append(
                        Finding(f"day {day}: {name} has columns {meta.schema_arrow.names}", rerun)
                    )
                elif meta.metadata.num_rows != f["rows"]:
                    findings.append(
                        Finding(
                            f"day {day}: {name} has {meta.metadata.num_rows} rows, the manifest says {f['rows']}",
                            rerun,
                        )
                    )
            except Exception as e:  # a corrupt file: pyarrow says why
                findings.append(Finding(f"day {day}: {name} is not readable Parquet ({e})", rerun))
    named = {e["folder"] for e in manifest["days"].values()}
    for rel in run_folders(state):
        if rel not in named:
            findings.append(
                Finding(
                    f"orphan folder {rel}: written by a run that was killed, failed, was replaced by a rerun, or is "
                    "still running; not part of the index",
                    "newsdedup index compact (deletes orphans older than --orphan-grace-hours)",
                )
            )
    if _is_local(state):
        for leftover in sorted(Path(state).glob(f"{MANIFEST}.tmp-*")):
            findings.append(
                Finding(f"leftover temporary manifest {leftover.name}", "newsdedup index compact")
            )
    return findings, manifest


# --------------------------------------------------------------------------------------------------------------
# newsdedup index stats|compact|verify
# --------------------------------------------------------------------------------------------------------------


def _target(args: argparse.Namespace) -> tuple[str, int]:
    """The index folder and retention of ``TARGET``: a job file (its index section, paths templated with
    ``--date``) or the folder itself."""
    run_date = parse_run_date(args.date)
    target = args.target
    if target.endswith((".yaml", ".yml")) and os.path.isfile(target):
        job = load_job(target, args.set, run_date=run_date)
        if job.index is None:
            raise JobError(f"{target} has no index section")
        return job.index.path.rstrip("/"), args.retention_days or job.index.retention_days
    return target.rstrip("/"), args.retention_days or 30


def render_stats(stats: dict[str, Any]) -> str:
    w = stats["window"]
    lines = [
        f"index {stats['index']}: {stats['total']['days']} days, {stats['total']['documents']} documents, "
        f"{stats['total']['keys']} keys, {stats['total']['bytes']} bytes in {stats['total']['files']} files",
        f"  settings {stats['settings']}, {stats['partitions']} partitions, generation {stats['generation']}",
        f"  a run of {w['run_date']} matches {w['days'][0]} .. {w['days'][1]} (retention {w['retention_days']} days)",
        f"  {'day':<10}  {'documents':>9}  {'keys':>9}  {'bytes':>11}  {'files':>5}  status",
    ]
    lines += [
        f"  {r['day']:<10}  {r['documents']:>9}  {r['keys']:>9}  {r['bytes']:>11}  {r['files']:>5}  {r['status']}"
        for r in stats["days"]
    ]
    return "\n".join(lines)


def cmd_index(args: argparse.Namespace) -> int:
    try:
        state, retention = _target(args)
        run_date = parse_run_date(args.date).isoformat()
        if args.action == "stats":
            stats = index_stats(state, run_date=run_date, retention_days=retention)
            print(json.dumps(stats, indent=2) if args.json else render_stats(stats))
            return 0
        if args.action == "compact":
            done = compact(
                state, ref_date=run_date, retention_days=retention, orphan_grace_hours=args.orphan_grace_hours
            )
            print(
                f"index {state}: dropped {len(done['expired_days'])} expired days "
                f"({', '.join(done['expired_days']) or 'none'}), deleted {len(done['deleted_orphans'])} orphan folders"
                + (
                    f", kept {len(done['kept_recent_orphans'])} recent ones (runs in progress?)"
                    if done["kept_recent_orphans"]
                    else ""
                )
            )
            return 0
        findings, manifest = verify_index(state)
        if not findings:
            assert manifest is not None
            days = manifest["days"]
            print(
                f"index {state}: ok ({len(days)} days, {sum(len(e['files']) for e in days.values())} files checked)"
            )
            return 0
        for f in findings:
            print(f"problem: {f.problem}\n  repair: {f.repair}")
        print(f"index {state}: {len(findings)} problems", file=sys.stderr)
        return 1
    except IndexProblem as e:
        print(f"error: {e}", file=sys.stderr)
        return 1


def add_parser(sub: Any) -> None:
    ip = sub.add_parser("index", help="the history index of scheduled runs: stats, compact, verify")
    ip.add_argument("action", choices=("stats", "compact", "verify"))
    ip.add_argument("target", help="the index folder, or a job file with an index section")
    ip.add_argument(
        "--date",
        help="reference date YYYY-MM-DD for the window and for {date} in a job file (default: today, UTC)",
    )
    ip.add_argument(
        "--retention-days", type=int, help="window in days (default: the job's index.retention_days, else 30)"
    )
    ip.add_argument(
        "--set", action="append", metavar="KEY=VALUE", help="override a job-file key (repeatable)"
    )
    ip.add_argument(
        "--orphan-grace-hours",
        type=float,
        default=24.0,
        help="compact keeps unpublished run folders younger than this: they may be runs in progress (default 24)",
    )
    ip.add_argument("--json", action="store_true", help="stats as JSON")
