"""``newsdedup run|validate JOB.yaml``: the command line.

Values on the command line override the job file (``--output``, ``--workers``, ``--runner``, and any key with
``--set dedup.threshold=0.6``); flags this command does not know are passed to Beam as pipeline options.
"""

from __future__ import annotations

import logging

# Beam warns through the root logger while it is imported (optional GCP clients); keep that off the
# terminal until main() sets up logging for the run.
logging.getLogger().addHandler(logging.NullHandler())

import argparse
import json
import os
import shlex
import signal
import sys
import time
from datetime import datetime, timezone
from typing import Any

import apache_beam as beam
import yaml
from apache_beam.io.filesystems import FileSystems
from apache_beam.options.pipeline_options import PipelineOptions

from pipeline import dofn_specs, eval_dedup, eval_extraction, html_report
from pipeline import index as history_index
from pipeline.config import Job, JobError, load_job, parse_run_date
from pipeline.explain import cmd_explain
from pipeline.graph import OUTPUTS, build
from pipeline.options_views import CachedViewOptions
from pipeline.progress import LOG_FORMATS, LiveFnApiRunner, ProgressPrinter, ProgressTracker
from pipeline.report import (
    counters_from,
    dedup_figures,
    lsh_settings,
    reconcile,
    rejected_share_problem,
    render_summary,
)
from transforms.read import count_matches

EXIT_OK, EXIT_RUN_FAILED, EXIT_BAD_JOB = 0, 1, 2
# Fault injection for the commit-protocol tests: with NEWSDEDUP_FAULT=kill_before_publish, `newsdedup run` kills
# itself (SIGKILL) after the pipeline wrote the run's index files and before it publishes the manifest.
FAULT_ENV, KILL_BEFORE_PUBLISH = "NEWSDEDUP_FAULT", "kill_before_publish"

# Modules behind `newsdedup eval NAME`: each has add_parser(subparsers), which sets `handler` on its parser.
EVALUATIONS: tuple[Any, ...] = (eval_extraction, eval_dedup)


def _job_from_args(args: argparse.Namespace) -> Job:
    overrides = list(args.set or [])
    if getattr(args, "output", None):
        overrides.append(f"output.path={json.dumps(args.output)}")
    if getattr(args, "runner", None):
        overrides.append(f"runner.name={args.runner}")
    if getattr(args, "workers", None):
        overrides.append(f"runner.options.direct_num_workers={args.workers}")
        overrides.append(
            "runner.options.direct_running_mode=" + ("multi_processing" if args.workers > 1 else "in_memory")
        )
    return load_job(args.job, overrides, run_date=parse_run_date(getattr(args, "date", None)))


def list_inputs(job: Job) -> tuple[list[str], int]:
    """Problems with the inputs that are cheaper to report now than after the pipeline starts, and the number
    of files the inputs match (listed once: on a bucket a listing is a request per page of names)."""
    problems, total = [], 0
    for i, spec in enumerate(job.inputs):
        try:
            n = count_matches(spec.path)
        except Exception as e:  # a filesystem that cannot be listed (missing credentials, bad scheme)
            problems.append(f"inputs[{i}].path: cannot list {spec.path!r}: {e}")
            continue
        if n == 0:
            problems.append(f"inputs[{i}].path: {spec.path!r} matches no file")
        total += n
    return problems, total


def _worker_log(job: Job) -> str | None:
    """Where multi-process local workers write their own logs (they would flood the terminal otherwise)."""
    opts = job.runner.options
    if job.runner.name != "DirectRunner" or opts.get("direct_running_mode") != "multi_processing":
        return None
    base = job.output.path.rstrip("/")
    if "://" in base:
        return None
    os.makedirs(os.path.join(base, "logs"), exist_ok=True)
    return os.path.abspath(os.path.join(base, "logs", "workers.log"))


def pipeline_options(job: Job, beam_args: list[str], *, verbose: bool = False) -> PipelineOptions:
    """The runner options of the job file as Beam flags, then the command line's pass-through flags."""
    flags = [] if verbose else ["--default_sdk_harness_log_level=WARNING"]
    for key, value in job.runner.options.items():
        if key == "direct_running_mode" and _worker_log(job) and not verbose:
            continue  # make_runner sets up the same subprocess workers, with their logs sent to a file
        if isinstance(value, bool):
            if value:
                flags.append(f"--{key}")
        elif isinstance(value, list):
            flags += [f"--{key}={v}" for v in value]
        else:
            flags.append(f"--{key}={value}")
    # Beam reads views of the options ~1,500 times a run: each made once (pipeline/options_views.py)
    return CachedViewOptions(flags + beam_args)


def _size_flushed_data_plane() -> None:
    """The local runner's side of the gRPC data plane flushes by size only.

    Beam 2.77's FnApiRunner sends each worker its share of a shuffle through an output stream that a timer
    thread also flushes every second; the flush (send what is buffered, then clear the buffer) takes a lock the
    writer does not, so bytes written between the send and the clear are dropped. At 100k documents with two
    worker processes this lost 2.6k-125k of 429,166 candidate pairs in five of eight runs, with no error
    (``candidate_pairs`` in the reconciliation catches it). Size-based flushing has no timer thread."""
    from apache_beam.runners.portability.fn_api_runner import worker_handlers

    worker_handlers.DATA_BUFFER_TIME_LIMIT_MS = 0


def make_runner(job: Job, *, verbose: bool = False, tracker: ProgressTracker | None = None) -> Any:
    """The runner to use. ``DirectRunner`` means Beam's in-process FnApiRunner, chosen explicitly: in Beam 2.77 a
    plain DirectRunner first tries the Prism runner, which downloads a binary (no network here, and a scheduled
    batch job must not fetch code at run time). FnApiRunner honours direct_num_workers and direct_running_mode;
    for multi_processing we start the worker command ourselves (Beam's SDK harness with the DoFn look-up cache,
    ``pipeline/sdk_worker.py``), with its stderr going to a log file. With a ``tracker`` it reports live progress
    (pipeline/progress.py)."""
    if job.runner.name != "DirectRunner":
        return job.runner.name
    _size_flushed_data_plane()
    log = _worker_log(job)
    if log is None or verbose:
        return LiveFnApiRunner(tracker)
    from apache_beam.transforms.environments import SubprocessSDKEnvironment

    command = f"{shlex.quote(sys.executable)} -m pipeline.sdk_worker 2>>{shlex.quote(log)}"
    return LiveFnApiRunner(
        tracker, default_environment=SubprocessSDKEnvironment.from_command_string(command_string=command)
    )


def clear_outputs(path: str) -> None:
    """A rerun replaces its outputs: old shards would otherwise mix with new ones."""
    base = path.rstrip("/")
    stale = [f"{base}/{name}/part-*" for name in OUTPUTS] + [
        f"{base}/summary.json",
        f"{base}/logs/workers.log",
        f"{base}/{html_report.REPORT_NAME}",
    ]
    for result in FileSystems.match(stale):
        paths = [m.path for m in result.metadata_list]
        if paths:
            FileSystems.delete(paths)


def run_job(
    job: Job,
    beam_args: list[str] | None = None,
    *,
    verbose: bool = False,
    printer: ProgressPrinter | None = None,
    files_total: int | None = None,
    index: history_index.IndexRun | None = None,
) -> dict[str, Any]:
    """Run a job to completion and write its ``summary.json`` and ``report.html``; returns the summary. A
    ``printer`` shows progress while it runs (live counts on the local runner), against ``files_total`` input
    files when the caller has listed them. A job with an index section needs its plan (``index``); the run
    writes its additions to the plan's folder, and the caller publishes them (``pipeline.index.publish_run``)
    once the run checks out."""
    if job.index is not None and index is None:
        raise ValueError("a job with an index section needs its run plan (pipeline.index.plan_run)")
    clear_outputs(job.output.path)
    bands, rows = job.dedup.resolved_bands_rows()
    started = datetime.now(timezone.utc)
    t0 = time.perf_counter()
    tracker = None
    if printer is not None:
        live = printer.live and job.runner.name == "DirectRunner"
        tracker = ProgressTracker(printer.update) if live else None
        if files_total is None:
            files_total = list_inputs(job)[1]
        printer.start(job=job.name, runner=job.runner.name, files_total=files_total, live=live)
    dofn_specs.install()  # Beam re-inspects every DoFn's methods ~8 times a run (pipeline/dofn_specs.py)
    p = beam.Pipeline(
        runner=make_runner(job, verbose=verbose, tracker=tracker),
        options=pipeline_options(job, beam_args or [], verbose=verbose),
    )
    build(p, job, index)
    result = p.run()
    result.wait_until_finish()
    wall = time.perf_counter() - t0
    counters = counters_from(result)
    base = job.output.path.rstrip("/")
    summary = {
        "job": job.name,
        "runner": job.runner.name,
        "started": started.isoformat(timespec="seconds"),
        "wall_seconds": round(wall, 2),
        "settings": {"lsh": lsh_settings(bands=bands, rows=rows, threshold=job.dedup.threshold)},
        "reconciliation": reconcile(counters),
        "dedup": dedup_figures(counters),
        "counters": counters,
        "outputs": {name: f"{base}/{name}/" for name in OUTPUTS} | {"summary": f"{base}/summary.json"},
    }
    if index is not None:
        summary["index"] = index_summary(index, counters)
    write_summary(summary, base)
    if printer is not None:
        printer.close_line()
    try:
        report = html_report.write_report(
            base, dedup=job.dedup, settings_note=f"with the shingling of job {job.name}"
        )
    except Exception as e:  # the outputs are written and reconciled; a report failure must not hide them
        logging.getLogger(__name__).error("report.html not written: %s", e, exc_info=verbose)
    else:
        outputs: Any = summary["outputs"]
        outputs["report"] = report
    return summary


def write_summary(summary: dict[str, Any], base: str) -> None:
    with FileSystems.create(f"{base}/summary.json") as fh:
        fh.write(json.dumps(summary, indent=2).encode("utf-8"))


def index_summary(index: history_index.IndexRun, counters: dict[str, dict[str, int]]) -> dict[str, Any]:
    """The index part of ``summary.json``: the days matched, what the run found in them and what it added."""
    c = counters.get("index", {})
    days = [h.day for h in index.history]
    return {
        "path": index.state,
        "run_date": index.run_date,
        "run_id": index.run_id,
        "folder": index.folder,
        "partitions": index.partitions,
        "retention_days": index.retention_days,
        "window": list(index.window()),
        "days_matched": len(days),
        "first_day_matched": days[0] if days else None,
        "last_day_matched": days[-1] if days else None,
        "history_keys_matched": c.get("history_keys_matched", 0),
        "history_probes": c.get("history_probes", 0),
        "duplicates_of_history": c.get("duplicates_of_history", 0),
        "documents_added": c.get("written_documents", 0),
        "keys_added": c.get("written_keys", 0),
        "published": False,
    }


def cmd_run(args: argparse.Namespace, beam_args: list[str]) -> int:
    run_date = parse_run_date(args.date)
    job = _job_from_args(args)
    problems, files_total = list_inputs(job)
    if problems:
        print("job cannot run:\n" + "\n".join(problems), file=sys.stderr)
        return EXIT_BAD_JOB
    index = None
    if job.index is not None:
        try:
            index = history_index.plan_run(job, run_date.isoformat())
        except history_index.IndexProblem as e:
            print(f"error: {e}", file=sys.stderr)
            return EXIT_RUN_FAILED
    printer = ProgressPrinter(log_format=args.log_format, quiet=args.quiet)
    summary = run_job(
        job, beam_args, verbose=args.verbose, printer=printer, files_total=files_total, index=index
    )
    printer.finish(summary, render_summary(summary))
    if not summary["reconciliation"]["balanced"]:
        print(
            "error: the counts do not reconcile (records read != documents + dropped + rejected + skipped, for the "
            "run or for an input file, or a stage lost records); see summary.json",
            file=sys.stderr,
        )
        return EXIT_RUN_FAILED
    problem = rejected_share_problem(summary["reconciliation"], job.max_rejected_share)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return EXIT_RUN_FAILED
    if index is not None:
        return _publish(index, summary, job.output.path.rstrip("/"), quiet=args.quiet)
    return EXIT_OK


def _publish(index: history_index.IndexRun, summary: dict[str, Any], base: str, *, quiet: bool) -> int:
    """The commit: the run's index files become visible to later runs (see pipeline/index.py)."""
    if os.environ.get(FAULT_ENV) == KILL_BEFORE_PUBLISH:
        os.kill(os.getpid(), signal.SIGKILL)
    try:
        published = history_index.publish_run(index)
    except history_index.IndexProblem as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_RUN_FAILED
    summary["index"]["published"] = True
    summary["index"]["replaced_run"] = published["replaced_run"]
    write_summary(summary, base)
    if not quiet:
        entry = published["entry"]
        print(
            f"index: published {index.run_date} ({entry['documents']} documents, {entry['keys']} keys, "
            f"{entry['bytes']} bytes)"
            + (f", replacing run {published['replaced_run']}" if published["replaced_run"] else "")
        )
    return EXIT_OK


def cmd_validate(args: argparse.Namespace, beam_args: list[str]) -> int:
    job = _job_from_args(args)
    bands, rows = job.dedup.resolved_bands_rows()
    lsh = lsh_settings(bands=bands, rows=rows, threshold=job.dedup.threshold)
    print(f"job {job.name}: valid")
    dumped = job.model_dump()
    if dumped["index"] is None:
        del dumped["index"]
    print(yaml.safe_dump(dumped, sort_keys=False).rstrip())
    derived = "given" if job.dedup.bands else f"derived from threshold {job.dedup.threshold}"
    print(
        f"lsh: {bands} bands x {rows} rows = {bands * rows} of {job.dedup.num_perm} permutations ({derived})"
    )
    print(
        f"  a pair becomes a candidate with 50% chance at similarity {lsh['similarity_at_50pct']}, "
        f"95% at {lsh['similarity_at_95pct']}"
    )
    print("  similarity  " + "  ".join(lsh["s_curve"]))
    print("  P(cand.)    " + "  ".join(f"{p:.2f}" for p in lsh["s_curve"].values()))
    if job.index is not None:
        run_date = parse_run_date(args.date).isoformat()
        first, last = history_index.window_bounds(run_date, job.index.retention_days)
        try:
            plan = history_index.plan_run(job, run_date)
            known = f"{len(plan.history)} published days in it"
        except history_index.IndexProblem as e:
            known = f"warning: {e}"
        print(f"index: {job.index.path}: a run of {run_date} matches {first} .. {last} ({known})")
    problems, _ = list_inputs(job)
    for problem in problems:
        print(f"warning: {problem}", file=sys.stderr)
    if beam_args:
        print("beam options passed through: " + " ".join(beam_args))
    return EXIT_OK


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="newsdedup", description=__doc__.split("\n\n")[0] if __doc__ else None)
    sub = ap.add_subparsers(dest="command", required=True)
    evaluate = sub.add_parser("eval", help="score newsdedup against evaluation data").add_subparsers(
        dest="evaluation", required=True
    )
    for module in EVALUATIONS:
        module.add_parser(evaluate)
    ex = sub.add_parser("explain", help="why two documents were or were not flagged as copies")
    ex.add_argument("job", help="YAML job file (its dedup settings are used)")
    ex.add_argument("a", help="a .html/.htm/.txt file, or the id of a document in the run's output")
    ex.add_argument("b", help="the other document, likewise")
    ex.add_argument("--run", help="output folder to look ids up in (default: the job's output.path)")
    ex.add_argument(
        "--set", action="append", metavar="KEY=VALUE", help="override a job-file key (repeatable)"
    )
    ex.add_argument("--json", action="store_true", help="print the figures as JSON")
    ex.add_argument("-v", "--verbose", action="store_true")
    for name, help_text in (
        ("run", "run a job"),
        ("validate", "check a job file and print its resolved settings"),
    ):
        sp = sub.add_parser(name, help=help_text)
        sp.add_argument("job", help="YAML job file")
        sp.add_argument(
            "--set", action="append", metavar="KEY=VALUE", help="override a job-file key (repeatable)"
        )
        sp.add_argument("--output", help="output folder (output.path)")
        sp.add_argument("--runner", help="Beam runner (runner.name)")
        sp.add_argument(
            "--workers", type=int, help="local worker processes (runner.options.direct_num_workers)"
        )
        sp.add_argument(
            "--date",
            help="run date YYYY-MM-DD: fills {date} in the job's paths, the index day (default: today, UTC)",
        )
        sp.add_argument("-v", "--verbose", action="store_true", help="Beam's INFO logging")
        if name == "run":
            sp.add_argument("-q", "--quiet", action="store_true", help="no progress or summary (for cron)")
            sp.add_argument(
                "--log-format",
                choices=LOG_FORMATS,
                default="text",
                help="text (terminal) or json (one event a line on stdout, for schedulers)",
            )
    html_report.add_parser(sub)
    history_index.add_parser(sub)
    return ap


def main(argv: list[str] | None = None) -> int:
    args, beam_args = parser().parse_known_args(argv)
    logging.basicConfig(
        level=logging.INFO if getattr(args, "verbose", False) else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        force=True,
    )
    if not getattr(args, "verbose", False):
        # multi-process workers forward their own start-up warnings through the local job service
        logging.getLogger("apache_beam.runners.portability.local_job_service").setLevel(logging.ERROR)
        # it warns that running_mode is in_memory when make_runner has set up subprocess workers itself
        logging.getLogger("apache_beam.runners.portability.fn_api_runner.fn_runner").setLevel(logging.ERROR)
    try:
        if args.command == "run":
            return cmd_run(args, beam_args)
        if args.command == "eval":
            return int(args.handler(args))
        if args.command == "explain":
            return cmd_explain(args, _job_from_args(args))
        if args.command == "report":
            return html_report.cmd_report(args)
        if args.command == "index":
            return history_index.cmd_index(args)
        return cmd_validate(args, beam_args)
    except JobError as e:
        print(
            f"invalid job {getattr(args, 'job', None) or getattr(args, 'target', '')}:\n{e}", file=sys.stderr
        )
        return EXIT_BAD_JOB


if __name__ == "__main__":
    sys.exit(main())
