"""Options whose views are made once (pipeline/options_views.py) read and write what Beam's own views do."""

from __future__ import annotations

import copy
import pickle
from pathlib import Path

from apache_beam.options.pipeline_options import (
    DebugOptions,
    DirectOptions,
    PipelineOptions,
    StandardOptions,
    TypeOptions,
)

from pipeline.cli import pipeline_options
from pipeline.config import load_job
from pipeline.options_views import CachedViewOptions

REPO = Path(__file__).resolve().parents[2]
FLAGS = ["--direct_num_workers=2", "--no_pipeline_type_check", "--experiments=a", "--experiments=b"]


def test_a_view_is_made_once_and_reads_what_beams_view_reads() -> None:
    ours, beams = CachedViewOptions(FLAGS), PipelineOptions(FLAGS)
    assert ours.view_as(TypeOptions) is ours.view_as(TypeOptions)
    assert beams.view_as(TypeOptions) is not beams.view_as(TypeOptions)
    for cls in (TypeOptions, DirectOptions, DebugOptions, StandardOptions):
        assert ours.view_as(cls).get_all_options() == beams.view_as(cls).get_all_options()
    assert ours.view_as(TypeOptions).pipeline_type_check is False
    assert ours.view_as(DirectOptions).direct_num_workers == 2
    assert ours.view_as(DebugOptions).experiments == ["a", "b"]


def test_writes_through_one_view_are_seen_by_every_view() -> None:
    options = CachedViewOptions(FLAGS)
    options.view_as(DirectOptions).direct_num_workers = 5
    assert options.view_as(DirectOptions).direct_num_workers == 5
    options.view_as(DebugOptions).add_experiment("c")
    assert options.view_as(DebugOptions).experiments == ["a", "b", "c"]
    assert options.get_all_options()["experiments"] == ["a", "b", "c"]


def test_a_copy_has_its_own_values_and_views() -> None:
    options = CachedViewOptions(FLAGS)
    options.view_as(DirectOptions)
    copied = copy.deepcopy(options)  # as beam.Pipeline copies the options it is given
    copied.view_as(DirectOptions).direct_num_workers = 7
    assert options.view_as(DirectOptions).direct_num_workers == 2
    assert copied.view_as(DirectOptions).direct_num_workers == 7
    assert copied.view_as(DirectOptions) is copied.view_as(DirectOptions)
    restored = pickle.loads(pickle.dumps(copied))
    assert restored.view_as(DirectOptions).direct_num_workers == 7
    assert restored.view_as(TypeOptions).pipeline_type_check is False


def test_the_launcher_gives_the_pipeline_these_options(tmp_path: Path) -> None:
    job = load_job(str(REPO / "configs" / "demo.yaml"), [f"output.path={tmp_path / 'out'}"])
    options = pipeline_options(job, ["--no_pipeline_type_check"])
    assert isinstance(options, CachedViewOptions)
    assert options.view_as(DirectOptions).direct_num_workers == job.runner.options["direct_num_workers"]
    assert options.view_as(TypeOptions).pipeline_type_check is False
