"""The launcher's cache of Beam's DoFn state/timer look-up (pipeline/dofn_specs.py) gives Beam's own answers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import apache_beam as beam
import pytest
from apache_beam.coders import VarIntCoder
from apache_beam.transforms import userstate
from apache_beam.transforms.core import ParDo
from apache_beam.transforms.userstate import BagStateSpec, TimerSpec, on_timer

from pipeline import dofn_specs
from pipeline.config import load_job
from pipeline.graph import build

REPO = Path(__file__).resolve().parents[2]
BAG = BagStateSpec("seen", VarIntCoder())
TIMER = TimerSpec("flush", userstate.TimeDomain.WATERMARK)
BAG_PARAM, TIMER_PARAM = beam.DoFn.StateParam(BAG), beam.DoFn.TimerParam(TIMER)


class _StatefulFn(beam.DoFn):
    def process(self, kv: Any, seen: Any = BAG_PARAM, flush: Any = TIMER_PARAM):
        yield kv

    @on_timer(TIMER)
    def _flush(self, seen: Any = BAG_PARAM) -> Any:
        yield from seen.read()


class _PlainFn(beam.DoFn):
    def process(self, element: Any) -> Any:
        yield element


class _DuplicateParamsFn(beam.DoFn):
    def process(self, element: Any, a: Any = BAG_PARAM, b: Any = BAG_PARAM) -> Any:
        yield element


class _Holder:
    def emit(self, element: Any) -> Any:
        yield element


def _all_dofns() -> list[Any]:
    """Every DoFn of the demo job's graph."""
    job = load_job(str(REPO / "configs" / "demo.yaml"), [])
    p = beam.Pipeline()
    build(p, job)
    found: list[Any] = []

    class Visitor(beam.pipeline.PipelineVisitor):
        def visit_transform(self, node: Any) -> None:
            if isinstance(node.transform, ParDo):
                found.append(node.transform.fn)

    p.visit(Visitor())
    return found


@pytest.fixture(scope="module")
def original() -> Any:
    dofn_specs.install()
    assert dofn_specs._original is not None
    return dofn_specs._original


def test_installed_beam_look_up_goes_through_the_cache(original: Any) -> None:
    assert userstate.get_dofn_specs is dofn_specs.cached_dofn_specs
    dofn_specs.install()  # idempotent: the original stays Beam's own function
    assert dofn_specs._original is original
    assert original.__module__ == "apache_beam.transforms.userstate"


def test_same_answers_as_beam_for_every_dofn_of_the_demo_graph(original: Any) -> None:
    dofns = _all_dofns()
    assert len(dofns) > 100
    before = dict(dofn_specs.stats)
    for fn in dofns + dofns:
        assert dofn_specs.cached_dofn_specs(fn) == original(fn)
    assert dofn_specs.stats["hits"] - before["hits"] >= len(dofns)


def test_state_and_timer_specs_are_found_and_kept_apart_by_class(original: Any) -> None:
    for _ in range(2):
        assert dofn_specs.cached_dofn_specs(_StatefulFn()) == ({BAG}, {TIMER})
        assert dofn_specs.cached_dofn_specs(_PlainFn()) == (set(), set())
    assert userstate.is_stateful_dofn(_StatefulFn())
    assert not userstate.is_stateful_dofn(_PlainFn())
    state, _ = dofn_specs.cached_dofn_specs(_StatefulFn())
    state.clear()  # a caller's copy: the cached answer is not changed through it
    assert dofn_specs.cached_dofn_specs(_StatefulFn()) == ({BAG}, {TIMER})


def test_beam_errors_are_raised_every_time(original: Any) -> None:
    for _ in range(2):
        with pytest.raises(ValueError, match="duplicate"):
            dofn_specs.cached_dofn_specs(_DuplicateParamsFn())


def test_flatmap_of_a_bound_method_is_asked_each_time(original: Any) -> None:
    fn = beam.FlatMap(_Holder().emit).fn
    before = dofn_specs.stats["uncached"]
    assert dofn_specs.cached_dofn_specs(fn) == original(fn)
    assert dofn_specs.stats["uncached"] == before + 1


def test_local_worker_processes_run_the_harness_with_the_cache(tmp_path: Path) -> None:
    from apache_beam.transforms.environments import SubprocessSDKEnvironment

    from pipeline.cli import make_runner

    job = load_job(str(REPO / "configs" / "demo.yaml"), [f"output.path={tmp_path / 'out'}"])
    assert job.runner.options.get("direct_running_mode") == "multi_processing"
    environment = make_runner(job)._default_environment
    assert isinstance(environment, SubprocessSDKEnvironment)
    assert " -m pipeline.sdk_worker " in environment.command_string
