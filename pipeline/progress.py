"""Progress of a running job: live counts from Beam's FnApiRunner, shown on a terminal or as JSON lines.

How the counts are live. FnApiRunner runs the fused stages of a batch job one after another in the calling
thread (``_execute_bundle`` per bundle); with ``progress_request_frequency`` set, every running bundle gets a
``ProgressRequester`` thread that asks the SDK worker, in process or over gRPC in a subprocess, for the bundle's
in-flight monitoring infos — the user counters (``read/seen``, ``clean/kept``, ...) as they stand mid-bundle.
Only a worker behind Beam's control channel can answer mid-bundle: the subprocess workers of multi_processing,
or the in-process gRPC worker that :class:`LiveFnApiRunner` uses in place of the in-memory one.
Beam builds that requester without a callback and drops the answers, so :class:`LiveFnApiRunner` installs a
subclass that forwards them, for the duration of its own ``run_stages`` only, and adds the final counters of
every finished bundle. Counts shown = finished bundles + the latest answer of each bundle still running.

Other runners (Dataflow, Flink, Spark) run the job elsewhere: a run there reports its start and its end, not
live counts; their own consoles show progress.

Output, by ``--log-format``:

- ``text``: on a terminal one line rewritten in place (elapsed, stage, files and records read, documents,
  rejected); otherwise (cron, a log file) a line every ``NON_TTY_INTERVAL`` seconds and at each stage change.
  All of it on stderr; at the end the summary and a table of counts per stage and per rejection reason on stdout.
- ``json``: one JSON object a line on stdout, each with ``event`` and ``elapsed`` (seconds): ``start``,
  ``stage`` (the runner began a stage of other transforms), ``progress`` (at most every ``JSON_INTERVAL``
  seconds) and ``summary`` (the run's summary.json less its raw counters, with ``stages``: seen / kept / dropped
  per stage; ``outputs.report`` is the path of report.html). Errors and warnings stay on stderr as text.
- ``--quiet`` prints nothing but warnings and errors (stderr): for cron, where the exit status tells.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, TextIO

from apache_beam.metrics import monitoring_infos
from apache_beam.runners.portability.fn_api_runner import fn_runner
from apache_beam.runners.portability.fn_api_runner.fn_runner import FnApiRunner
from apache_beam.transforms import environments

LOG_FORMATS = ("text", "json")
TTY_INTERVAL = 0.5  # seconds between rewrites of the terminal line
NON_TTY_INTERVAL = 30.0  # seconds between progress lines in a log file
JSON_INTERVAL = 10.0  # seconds between `progress` events
REQUEST_FREQUENCY = 1.0  # seconds between Beam's progress requests to a running bundle

Counters = dict[tuple[str, str], int]

# What the progress line shows: label -> (namespace, counter names summed).
SHOWN: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("files", "read", ("files",)),
    ("records", "read", ("seen",)),
    ("documents", "clean", ("kept",)),
    ("deduplicated", "dedup", ("seen",)),
    ("written", "write", ("documents",)),
)
REJECTING_STAGES = ("read", "clean", "ids")


def user_counters(infos: Iterable[Any]) -> Counters:
    """``{(namespace, name): value}`` of the user counters in a list of Beam ``MonitoringInfo`` protos."""
    out: Counters = {}
    for info in infos:
        if monitoring_infos.is_user_monitoring_info(info) and monitoring_infos.is_counter(info):
            key = monitoring_infos.parse_namespace_and_name(info)
            out[key] = out.get(key, 0) + int(monitoring_infos.extract_counter_value(info))
    return out


def stage_label(transform_names: Iterable[str]) -> str:
    """A person's name for a fused stage: the top-level labels of its transforms (``Read``, ``Clean``...)."""
    labels: list[str] = []
    for name in transform_names:
        top = name.split("/", 1)[0]
        if top and not top.startswith("ref_") and top not in labels:
            labels.append(top)
    return ", ".join(labels) or "(runner)"


class ProgressTracker:
    """Counts of a running job: final counters of finished bundles plus the latest in-flight answer of each
    running bundle. Thread-safe: Beam's requester threads call :meth:`in_flight`."""

    def __init__(self, on_change: Callable[[ProgressTracker], None] | None = None):
        self._lock = threading.Lock()
        self._done: Counters = {}
        self._running: dict[str, Counters] = {}
        self._finished_ids: set[str] = set()
        self._on_change = on_change
        self.stage = ""
        self.bundles = 0

    def start_bundle(self, stage: str) -> None:
        with self._lock:
            self.stage, self.bundles = stage, self.bundles + 1
        self._notify()

    def in_flight(self, instruction_id: str, counters: Counters) -> None:
        """The latest mid-bundle counters of one running bundle (an empty answer is ignored)."""
        if not counters:
            return
        with self._lock:
            if instruction_id in self._finished_ids:  # a late answer for a bundle already counted in full
                return
            self._running[instruction_id] = counters
        self._notify()

    def finish_bundle(self, counters: Counters) -> None:
        """A bundle (all its parallel parts) finished: its final counters replace the in-flight answers."""
        with self._lock:
            for key, value in counters.items():
                self._done[key] = self._done.get(key, 0) + value
            self._finished_ids.update(self._running)
            self._running.clear()
        self._notify()

    def forget_running(self, instruction_id: str) -> None:
        with self._lock:
            self._finished_ids.add(instruction_id)

    def counters(self) -> Counters:
        with self._lock:
            total = dict(self._done)
            for running in self._running.values():
                for key, value in running.items():
                    total[key] = total.get(key, 0) + value
        return total

    def _notify(self) -> None:
        if self._on_change is not None:
            self._on_change(self)


def shown_counts(counters: Counters) -> dict[str, int]:
    """The figures of a progress line: files, records, documents, deduplicated, written, rejected."""
    out = {label: sum(counters.get((ns, n), 0) for n in names) for label, ns, names in SHOWN}
    out["rejected"] = sum(
        v for (ns, name), v in counters.items() if ns in REJECTING_STAGES and name.startswith("dropped:")
    )
    return out


# The tracker that the requester threads of the current LiveFnApiRunner run report to.
_ACTIVE: list[ProgressTracker] = []


class _ForwardingProgressRequester(fn_runner.ProgressRequester):
    """Beam's progress requester, with a callback that hands each answer to the active tracker."""

    def __init__(self, worker_handler: Any, instruction_id: str, frequency: Any, callback: Any = None):
        tracker = _ACTIVE[-1] if _ACTIVE else None

        def forward(progress: Any) -> None:
            if callback is not None:
                callback(progress)
            if tracker is not None:
                tracker.in_flight(instruction_id, user_counters(progress.monitoring_infos))

        super().__init__(worker_handler, instruction_id, frequency, callback=forward)
        self._tracked_id = instruction_id
        self._tracker = tracker

    def stop(self) -> None:
        super().stop()
        if self._tracker is not None:
            self._tracker.forget_running(self._tracked_id)


@contextmanager
def _forwarding(tracker: ProgressTracker) -> Iterator[None]:
    """Route Beam's progress answers to ``tracker`` while the block runs (one live run per process)."""
    original = fn_runner.ProgressRequester
    _ACTIVE.append(tracker)
    fn_runner.ProgressRequester = _ForwardingProgressRequester
    try:
        yield
    finally:
        _ACTIVE.remove(tracker)
        if not _ACTIVE:
            fn_runner.ProgressRequester = original


class LiveFnApiRunner(FnApiRunner):
    """FnApiRunner that reports to a :class:`ProgressTracker`: stage starts, final counters of every bundle, and
    in-flight counters of running bundles (Beam's progress requests). Without a tracker it is FnApiRunner."""

    def __init__(
        self,
        tracker: ProgressTracker | None = None,
        *,
        request_frequency: float = REQUEST_FREQUENCY,
        **kwargs: Any,
    ):
        if tracker is not None:
            kwargs.setdefault("progress_request_frequency", request_frequency)
            # Beam's default in-memory worker runs a whole bundle synchronously inside the runner's own push, so
            # it cannot answer a progress request until the bundle is over (and one worker makes a whole stage one
            # bundle). The in-process gRPC worker (Beam's multi_threading mode) answers while it works.
            if kwargs.get("default_environment") is None:
                kwargs["default_environment"] = environments.EmbeddedPythonGrpcEnvironment.default()
        super().__init__(**kwargs)
        self._tracker = tracker

    def run_stages(self, stage_context: Any, stages: Any) -> Any:
        if self._tracker is None:
            return super().run_stages(stage_context, stages)
        with _forwarding(self._tracker):
            return super().run_stages(stage_context, stages)

    def _execute_bundle(
        self, runner_execution_context: Any, bundle_context_manager: Any, bundle_input: Any
    ) -> Any:
        if self._tracker is None:
            return super()._execute_bundle(runner_execution_context, bundle_context_manager, bundle_input)
        stage = bundle_context_manager.stage
        self._tracker.start_bundle(stage_label(t.unique_name for t in stage.transforms))
        result = super()._execute_bundle(runner_execution_context, bundle_context_manager, bundle_input)
        self._tracker.finish_bundle(user_counters(result.process_bundle.monitoring_infos))
        return result


class ProgressPrinter:
    """Shows a run's progress and end in one of the log formats (see the module docstring)."""

    def __init__(
        self,
        *,
        log_format: str = "text",
        quiet: bool = False,
        out: TextIO | None = None,
        err: TextIO | None = None,
        clock: Callable[[], float] = time.monotonic,
    ):
        if log_format not in LOG_FORMATS:
            raise ValueError(f"log format {log_format!r} is not one of {', '.join(LOG_FORMATS)}")
        self.log_format, self.quiet = log_format, quiet
        self._out = out if out is not None else sys.stdout
        self._err = err if err is not None else sys.stderr
        self._clock = clock
        self._t0 = clock()
        self._lock = threading.Lock()
        self._last_emit = float("-inf")
        self._last_stage = ""
        self._files_total: int | None = None
        self._tty = self.log_format == "text" and bool(getattr(self._err, "isatty", lambda: False)())
        self._line_open = False

    @property
    def live(self) -> bool:
        """Whether live progress is shown at all (the runner need not poll otherwise)."""
        return not self.quiet

    def elapsed(self) -> float:
        return round(self._clock() - self._t0, 2)

    def emit(self, event: str, **fields: Any) -> None:
        """One JSON line on stdout (json format only; nothing when quiet)."""
        if self.quiet or self.log_format != "json":
            return
        record = {"event": event, "elapsed": self.elapsed(), **fields}
        with self._lock:
            self._out.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")
            self._out.flush()

    def start(self, *, job: str, runner: str, files_total: int | None, live: bool) -> None:
        self._files_total = files_total
        self.emit("start", job=job, runner=runner, files_total=files_total, live_progress=live)
        if not self.quiet and self.log_format == "text" and not live:
            self._err.write(
                f"job {job} running on {runner}: live progress is shown for the local runner only\n"
            )

    def update(self, tracker: ProgressTracker) -> None:
        """Called by the tracker on every change; shows or emits at the format's pace."""
        if self.quiet:
            return
        now = self._clock()
        stage_changed = tracker.stage != self._last_stage
        if self.log_format == "json":
            if stage_changed:
                self._last_stage = tracker.stage
                self.emit("stage", stage=tracker.stage, bundle=tracker.bundles)
            if now - self._last_emit >= JSON_INTERVAL:
                self._last_emit = now
                self.emit("progress", stage=tracker.stage, **shown_counts(tracker.counters()))
            return
        interval = TTY_INTERVAL if self._tty else NON_TTY_INTERVAL
        if now - self._last_emit < interval and not (stage_changed and self._tty):
            return
        self._last_emit, self._last_stage = now, tracker.stage
        line = self.progress_line(tracker.stage, shown_counts(tracker.counters()))
        with self._lock:
            if self._tty:
                self._err.write("\r\x1b[2K" + line[:200])
                self._line_open = True
            else:
                self._err.write(line + "\n")
            self._err.flush()

    def progress_line(self, stage: str, counts: dict[str, int]) -> str:
        files = f"{counts['files']}" + (f"/{self._files_total}" if self._files_total is not None else "")
        return (
            f"[{self.elapsed():7.1f}s] {stage[:60]:<60} files {files}  records {counts['records']}  "
            f"documents {counts['documents']}  rejected {counts['rejected']}  written {counts['written']}"
        )

    def close_line(self) -> None:
        with self._lock:
            if self._line_open:
                self._err.write("\n")
                self._err.flush()
                self._line_open = False

    def finish(self, summary: dict[str, Any], summary_text: str) -> None:
        """The end of a run: the summary and the stage table (text), or a `summary` event (json)."""
        self.close_line()
        if self.quiet:
            return
        if self.log_format == "json":
            self.emit(
                "summary", **{k: v for k, v in summary.items() if k != "counters"}, stages=stage_rows(summary)
            )
            return
        self._out.write(summary_text + "\n" + render_stage_table(summary) + "\n")
        self._out.flush()


def stage_rows(summary: dict[str, Any]) -> list[dict[str, Any]]:
    """Per stage with ``seen``: seen, kept and dropped (total and by reason), in pipeline order."""
    order = ("read", "clean", "ids", "minhash", "lsh", "verify", "dedup", "write")
    counters: dict[str, dict[str, int]] = summary.get("counters", {})
    rows = []
    for stage in sorted(counters, key=lambda s: (order.index(s) if s in order else len(order), s)):
        c = counters[stage]
        if "seen" not in c:
            continue
        dropped = {k.removeprefix("dropped:"): v for k, v in c.items() if k.startswith("dropped:")}
        rows.append(
            {
                "stage": stage,
                "seen": c["seen"],
                "kept": c.get("kept"),
                "dropped": sum(dropped.values()),
                "dropped_by_reason": dropped,
            }
        )
    return rows


def render_stage_table(summary: dict[str, Any]) -> str:
    """The end-of-run table: counts per stage, then rejected records per reason."""
    lines = [f"{'stage':<12} {'seen':>10} {'kept':>10} {'dropped':>10}"]
    for row in stage_rows(summary):
        kept = "" if row["kept"] is None else str(row["kept"])
        lines.append(f"{row['stage']:<12} {row['seen']:>10} {kept:>10} {row['dropped']:>10}")
    reasons = summary.get("reconciliation", {}).get("rejected_by_reason", {})
    if reasons:
        lines.append(f"{'rejected by reason':<34} {'records':>10}")
        lines += [f"  {reason:<32} {n:>10}" for reason, n in sorted(reasons.items(), key=lambda kv: -kv[1])]
    return "\n".join(lines)
