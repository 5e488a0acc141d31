"""Live progress: Beam's in-flight counters reach the tracker while a bundle runs; the printers' formats."""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Iterator
from typing import Any

import apache_beam as beam
from apache_beam.metrics import Metrics
from apache_beam.runners.portability.fn_api_runner import fn_runner

from pipeline.progress import (
    LiveFnApiRunner,
    ProgressPrinter,
    ProgressTracker,
    render_stage_table,
    shown_counts,
    stage_label,
)

ELEMENTS = 50
# Set by the tracker when a progress answer shows every element counted while the bundle is still running.
LIVE_SEEN = threading.Event()


class _HoldLastFn(beam.DoFn):
    """Counts every element, and holds the bundle open at the last one until progress has reported all of them
    (the embedded worker runs in this process, so the module's Event is shared). The wait is bounded."""

    def setup(self) -> None:
        self._seen = Metrics.counter("test", "seen")

    def process(self, element: int) -> Iterator[int]:
        self._seen.inc()
        if element == ELEMENTS - 1:
            LIVE_SEEN.wait(timeout=120)
        yield element


class _RecordingTracker(ProgressTracker):
    def __init__(self) -> None:
        super().__init__()
        self.live_answers: list[dict[tuple[str, str], int]] = []
        self.stages: list[str] = []

    def start_bundle(self, stage: str) -> None:
        self.stages.append(stage)
        super().start_bundle(stage)

    def in_flight(self, instruction_id: str, counters: dict[tuple[str, str], int]) -> None:
        super().in_flight(instruction_id, counters)
        if counters:
            self.live_answers.append(counters)
        if counters.get(("test", "seen")) == ELEMENTS:
            LIVE_SEEN.set()


def test_in_flight_counters_arrive_while_the_bundle_runs() -> None:
    LIVE_SEEN.clear()
    tracker = _RecordingTracker()
    original = fn_runner.ProgressRequester
    p = beam.Pipeline(runner=LiveFnApiRunner(tracker, request_frequency=0.05))
    _ = p | "Make" >> beam.Create(list(range(ELEMENTS))) | "Hold" >> beam.ParDo(_HoldLastFn())
    p.run().wait_until_finish()
    # the bundle could only finish early if the wait timed out: progress must have shown all 50 mid-bundle
    assert LIVE_SEEN.is_set()
    assert any(a.get(("test", "seen")) == ELEMENTS for a in tracker.live_answers)
    assert tracker.counters()[("test", "seen")] == ELEMENTS  # final: counted once, not in-flight + final
    assert any("Hold" in s for s in tracker.stages)
    assert fn_runner.ProgressRequester is original  # Beam's class is back after the run


def test_without_a_tracker_it_is_a_plain_fn_api_runner() -> None:
    p = beam.Pipeline(runner=LiveFnApiRunner())
    _ = p | beam.Create([1, 2]) | beam.Map(lambda x: x)
    p.run().wait_until_finish()
    assert fn_runner.ProgressRequester.__name__ == "ProgressRequester"


def test_tracker_adds_finished_bundles_and_ignores_late_answers() -> None:
    tracker = ProgressTracker()
    tracker.start_bundle("Read")
    tracker.in_flight("bundle_1", {("read", "seen"): 5})
    tracker.in_flight("bundle_2", {("read", "seen"): 3})
    assert tracker.counters() == {("read", "seen"): 8}
    tracker.finish_bundle({("read", "seen"): 10})
    tracker.in_flight("bundle_1", {("read", "seen"): 9})  # arrives after the bundle was counted in full
    assert tracker.counters() == {("read", "seen"): 10}
    tracker.in_flight("bundle_3", {("read", "seen"): 2, ("read", "dropped:bad_date"): 1})
    counts = shown_counts(tracker.counters())
    assert counts["records"] == 12 and counts["rejected"] == 1


def test_stage_label_names_top_level_transforms() -> None:
    names = ["Read/Match0/Create/Impulse", "ref_AppliedPTransform_X", "Read/Parse", "Clean/Extract", ""]
    assert stage_label(names) == "Read, Clean"
    assert stage_label([]) == "(runner)"


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


SUMMARY: dict[str, Any] = {
    "job": "j",
    "reconciliation": {"rejected_by_reason": {"bad_date": 2, "no_text": 5}},
    "counters": {
        "read": {"seen": 10, "kept": 8, "dropped:bad_date": 2},
        "clean": {"seen": 8, "kept": 3, "dropped:no_text": 5},
        "write": {"documents": 3},
    },
}


def test_json_format_is_one_event_a_line_at_its_pace() -> None:
    out, err, clock = io.StringIO(), io.StringIO(), _Clock()
    printer = ProgressPrinter(log_format="json", out=out, err=err, clock=clock)
    printer.start(job="j", runner="DirectRunner", files_total=4, live=True)
    tracker = ProgressTracker(printer.update)
    tracker.start_bundle("Read")
    clock.now = 1.0
    tracker.in_flight(
        "bundle_1", {("read", "files"): 2, ("read", "seen"): 7}
    )  # within JSON_INTERVAL: no event
    clock.now = 20.0
    tracker.in_flight("bundle_1", {("read", "files"): 3, ("read", "seen"): 9})
    printer.finish(SUMMARY, "text not shown in json")
    events = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [e["event"] for e in events] == ["start", "stage", "progress", "progress", "summary"]
    assert events[0]["files_total"] == 4
    assert events[3]["files"] == 3 and events[3]["records"] == 9 and events[3]["elapsed"] == 20.0
    assert events[4]["stages"][1] == {
        "stage": "clean",
        "seen": 8,
        "kept": 3,
        "dropped": 5,
        "dropped_by_reason": {"no_text": 5},
    }
    assert "counters" not in events[4] and err.getvalue() == ""


def test_text_format_logs_lines_off_a_terminal_and_quiet_prints_nothing() -> None:
    out, err, clock = io.StringIO(), io.StringIO(), _Clock()
    printer = ProgressPrinter(out=out, err=err, clock=clock)
    printer.start(job="j", runner="DirectRunner", files_total=4, live=True)
    tracker = ProgressTracker(printer.update)
    tracker.in_flight("bundle_1", {("read", "files"): 2, ("read", "seen"): 7})
    clock.now = 5.0
    tracker.in_flight("bundle_1", {("read", "files"): 3})  # within NON_TTY_INTERVAL of the last line
    lines = err.getvalue().splitlines()
    assert len(lines) == 1 and "files 2/4" in lines[0] and "records 7" in lines[0]
    printer.finish(SUMMARY, "SUMMARY TEXT")
    assert out.getvalue().startswith("SUMMARY TEXT\n") and "no_text" in out.getvalue()

    quiet_out, quiet_err = io.StringIO(), io.StringIO()
    quiet = ProgressPrinter(log_format="json", quiet=True, out=quiet_out, err=quiet_err)
    quiet.start(job="j", runner="DirectRunner", files_total=1, live=False)
    ProgressTracker(quiet.update).in_flight("b", {("read", "seen"): 1})
    quiet.finish(SUMMARY, "x")
    assert quiet_out.getvalue() == "" and quiet_err.getvalue() == ""


def test_stage_table_counts_per_stage_and_reason() -> None:
    table = render_stage_table(SUMMARY).splitlines()
    assert table[1].split() == ["read", "10", "8", "2"]
    assert table[2].split() == ["clean", "8", "3", "5"]
    assert [line.split() for line in table[-2:]] == [["no_text", "5"], ["bad_date", "2"]]
