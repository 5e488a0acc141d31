"""The run summary: counters per stage, the reconciliation of records in and out (for the run and for each input
file), the rejected-share check, and its text rendering."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from apache_beam.io.filesystems import FileSystems

from transforms.lsh import candidate_probability, similarity_at
from transforms.read import FILE_NAMESPACE

# Stages whose counters follow seen == kept + sum(dropped:*) + sum(skipped:*).
BALANCED_STAGES = ("read", "clean", "ids", "verify")


def counters_from(result: Any) -> dict[str, dict[str, int]]:
    """``{namespace: {name: value}}`` from a pipeline result, summed over steps (committed values if known)."""
    out: dict[str, dict[str, int]] = defaultdict(dict)
    for metric in result.metrics().query()["counters"]:
        value = metric.committed if metric.committed is not None else metric.attempted
        ns, name = metric.key.metric.namespace, metric.key.metric.name
        out[ns][name] = out[ns].get(name, 0) + int(value or 0)
    return {ns: dict(sorted(names.items())) for ns, names in sorted(out.items())}


def stage_balance(counters: dict[str, dict[str, int]]) -> dict[str, bool]:
    """For each balanced stage present: does ``seen == kept + sum(dropped:*) + sum(skipped:*)`` hold? And
    ``candidate_pairs``: did every candidate pair the LSH stage emitted reach verification? (Pairs cross two
    joins; a runner that lost some would leave copies unflagged while every document count still adds up.)"""
    checks = {}
    for stage in BALANCED_STAGES:
        c = counters.get(stage)
        if not c:
            continue
        dropped = sum(v for k, v in c.items() if k.startswith(("dropped:", "skipped:")))
        checks[stage] = c.get("seen", 0) == c.get("kept", 0) + dropped
    pairs = counters.get("lsh", {}).get("candidate_pairs")
    if pairs is not None:
        checks["candidate_pairs"] = pairs == counters.get("verify", {}).get("seen", 0)
    return checks


def _by_prefix(names: dict[str, int], prefix: str) -> dict[str, int]:
    return dict(sorted((k.removeprefix(prefix), v) for k, v in names.items() if k.startswith(prefix) and v))


def reconcile_files(counters: dict[str, dict[str, int]]) -> dict[str, dict[str, Any]]:
    """Per input file: records read = documents written + duplicates dropped + rejected + skipped, by reason.

    From the ``file:<path>`` counters the read stage (``read``, ``skipped:<reason>``) and the graph
    (``documents``, ``duplicates_dropped``, ``rejected:<reason>``, counted by each record's origin) keep."""
    files = {}
    for ns, names in counters.items():
        if not ns.startswith(FILE_NAMESPACE):
            continue
        rejected, skipped = _by_prefix(names, "rejected:"), _by_prefix(names, "skipped:")
        read, docs, dropped = (
            names.get("read", 0),
            names.get("documents", 0),
            names.get("duplicates_dropped", 0),
        )
        files[ns.removeprefix(FILE_NAMESPACE)] = {
            "records_read": read,
            "documents_written": docs,
            "duplicates_dropped": dropped,
            "rejected": sum(rejected.values()),
            "rejected_by_reason": rejected,
            "skipped": sum(skipped.values()),
            "skipped_by_reason": skipped,
            "balanced": read == docs + dropped + sum(rejected.values()) + sum(skipped.values()),
        }
    return dict(sorted(files.items()))


def reconcile(counters: dict[str, dict[str, int]]) -> dict[str, Any]:
    """records read = documents written + duplicates dropped + rejected + skipped, with rejected and skipped
    broken down by reason, for the run and for each input file (``files``); ``balanced`` when every sum holds."""
    read = counters.get("read", {}).get("seen", 0)
    write = counters.get("write", {})
    docs, dropped, rejected = (
        write.get("documents", 0),
        write.get("dropped_duplicates", 0),
        write.get("rejected", 0),
    )
    by_reason: dict[str, int] = defaultdict(int)
    for stage in ("read", "clean", "ids"):
        for name, value in counters.get(stage, {}).items():
            if name.startswith("dropped:"):
                by_reason[name.removeprefix("dropped:")] += value
    skipped = _by_prefix(counters.get("read", {}), "skipped:")
    balance = stage_balance(counters)
    files = reconcile_files(counters)
    files_add_up = not files or (  # summaries of runs before per-file counters have none
        all(f["balanced"] for f in files.values())
        and sum(f["records_read"] for f in files.values()) == read
        and sum(f["documents_written"] for f in files.values()) == docs
        and sum(f["rejected"] for f in files.values()) == rejected
    )
    usable = read - sum(skipped.values())
    return {
        "records_read": read,
        "documents_written": docs,
        "duplicates_dropped": dropped,
        "rejected": rejected,
        "rejected_by_reason": dict(sorted(by_reason.items())),
        "skipped": sum(skipped.values()),
        "skipped_by_reason": skipped,
        "rejected_share": round(rejected / usable, 4) if usable else 0.0,
        "stages_balanced": balance,
        "files_balanced": files_add_up,
        "balanced": read == docs + dropped + rejected + sum(skipped.values())
        and sum(by_reason.values()) == rejected
        and all(balance.values())
        and files_add_up,
        "files": files,
    }


def rejected_share_problem(reconciliation: dict[str, Any], max_share: float | None) -> str | None:
    """The error to report when more than ``max_share`` of the records read (skipped ones aside) was rejected,
    naming the main reasons and the files with the most rejected; None when the share is within the bound."""
    usable = reconciliation["records_read"] - reconciliation["skipped"]
    if max_share is None or usable <= 0 or reconciliation["rejected"] / usable <= max_share:
        return None
    share = reconciliation["rejected"] / usable
    reasons = sorted(reconciliation["rejected_by_reason"].items(), key=lambda kv: (-kv[1], kv[0]))[:3]
    worst = sorted(
        (
            (f["rejected"] / max(1, f["records_read"] - f["skipped"]), path)
            for path, f in reconciliation.get("files", {}).items()
            if f["rejected"]
        ),
        reverse=True,
    )[:3]
    return (
        f"{reconciliation['rejected']} of {usable} records read were rejected ({share:.0%}), more than "
        f"max_rejected_share={max_share}. So many rejections usually mean the input is not what the job says it "
        "is: check each input's `format` (jsonl, html, text, warc) and its compression. Main reasons: "
        + ", ".join(f"{k} {v}" for k, v in reasons)
        + (". Most rejected files: " + ", ".join(f"{p} ({s:.0%})" for s, p in worst) if worst else "")
    )


def dedup_figures(counters: dict[str, dict[str, int]]) -> dict[str, int]:
    d, c = counters.get("dedup", {}), counters.get("cluster", {})
    return {
        "documents": d.get("seen", 0),
        "exact_duplicates": d.get("exact_duplicates", 0),
        "near_duplicates": d.get("near_duplicates", 0),
        "contained_duplicates": d.get("contained_duplicates", 0),
        "passage_duplicates": d.get("passage_duplicates", 0),
        "originals": d.get("originals", 0),
        "too_short_for_lsh": counters.get("minhash", {}).get("too_short", 0),
        "candidate_pairs": counters.get("verify", {}).get("seen", 0),
        "verified_pairs": counters.get("verify", {}).get("kept", 0),
        "hot_buckets": counters.get("lsh", {}).get("hot_buckets", 0),
        "clusters": counters.get("write", {}).get("clusters", 0),
        "unresolved_nodes": c.get("unresolved", 0),
    }


def lsh_settings(*, bands: int, rows: int, threshold: float) -> dict[str, Any]:
    """Bands x rows, the similarities at 50% / 95% candidate chance, and the S-curve from 0.3 to 0.9."""
    return {
        "bands": bands,
        "rows": rows,
        "threshold": threshold,
        "similarity_at_50pct": round(similarity_at(0.5, bands, rows), 3),
        "similarity_at_95pct": round(similarity_at(0.95, bands, rows), 3),
        "s_curve": {
            f"{s / 10:.1f}": round(candidate_probability(s / 10, bands, rows), 3) for s in range(3, 10)
        },
    }


def render_summary(summary: dict[str, Any]) -> str:
    """The few lines a person reads at the end of a run."""
    rec = summary["reconciliation"]
    dd = summary["dedup"]
    lines = [
        f"job {summary['job']}: {rec['records_read']} records read in {summary['wall_seconds']:.1f}s "
        f"({summary['runner']})",
        f"  documents written  {rec['documents_written']}"
        + (f" (+{rec['duplicates_dropped']} duplicates dropped)" if rec["duplicates_dropped"] else ""),
        f"  exact duplicates   {dd['exact_duplicates']}",
        f"  near duplicates    {dd['near_duplicates']}",
        f"  excerpts           {dd['contained_duplicates']}",
        f"  round-up passages  {dd.get('passage_duplicates', 0)}",
        f"  clusters (2+)      {dd['clusters']}",
        f"  too short for LSH  {dd['too_short_for_lsh']}",
        f"  rejected           {rec['rejected']}"
        + (
            " (" + ", ".join(f"{k} {v}" for k, v in rec["rejected_by_reason"].items()) + ")"
            if rec["rejected"]
            else ""
        ),
        f"  skipped            {rec.get('skipped', 0)}"
        + (
            " (" + ", ".join(f"{k} {v}" for k, v in rec["skipped_by_reason"].items()) + ")"
            if rec.get("skipped")
            else ""
        ),
        f"  reconciliation     {'ok' if rec['balanced'] else 'FAILED'}: read {rec['records_read']} = documents "
        f"{rec['documents_written']} + dropped {rec['duplicates_dropped']} + rejected {rec['rejected']} + skipped "
        f"{rec.get('skipped', 0)}, in {len(rec.get('files', {}))} input files",
    ]
    lines += [
        f"  file FAILED        {path}: read {f['records_read']} != documents {f['documents_written']} + dropped "
        f"{f['duplicates_dropped']} + rejected {f['rejected']} + skipped {f['skipped']}"
        for path, f in rec.get("files", {}).items()
        if not f["balanced"]
    ]
    ix = summary.get("index")
    if ix:
        matched = (
            f"{ix['days_matched']} days ({ix['first_day_matched']} .. {ix['last_day_matched']})"
            if ix["days_matched"]
            else "no earlier day"
        )
        lines.append(
            f"  index              {ix['run_date']}: matched {matched}: {ix['duplicates_of_history']} copies of "
            f"earlier days; adding {ix['documents_added']} documents ({ix['keys_added']} keys)"
        )
    lines.append("outputs:")
    lines += [f"  {name:<12} {path}" for name, path in summary["outputs"].items()]
    return "\n".join(lines)


def part_paths(base: str, name: str) -> list[str]:
    """The shards of one output folder (``documents``, ``clusters``, ``rejected``), sorted."""
    result = FileSystems.match([f"{base.rstrip('/')}/{name}/part-*"])[0]
    return sorted(m.path for m in result.metadata_list)


def iter_rows(base: str, name: str, columns: list[str] | None = None) -> Iterator[dict[str, Any]]:
    """Records of one output, streamed: JSON Lines line by line, Parquet (documents) batch by batch."""
    for path in part_paths(base, name):
        if path.endswith(".parquet"):
            import pyarrow.parquet as pq

            with FileSystems.open(path) as fh:
                parquet = pq.ParquetFile(fh)
                wanted = [c for c in columns if c in parquet.schema_arrow.names] if columns else None
                for batch in parquet.iter_batches(batch_size=2048, columns=wanted):
                    yield from batch.to_pylist()
            continue
        with FileSystems.open(path) as fh:
            while line := fh.readline():
                if line.strip():
                    yield json.loads(line)
