"""The scaling note of a scheduled job with a history index (configs/daily.yaml): its graph has the shuffles of
the plain job (tests/pipeline/test_scaling_note.py) plus the index's, each documented here and in the README, and
no global combine or side input of history."""

from __future__ import annotations

from pathlib import Path

import apache_beam as beam
from apache_beam.runners.portability.fn_api_runner import FnApiRunner

from pipeline.config import load_job
from pipeline.graph import build
from pipeline.index import plan_run
from tests.pipeline.test_scaling_note import SHUFFLES, SIDE_INPUTS, graph_shuffles

REPO = Path(__file__).resolve().parents[2]

INDEX_SHUFFLES = {
    "Dedup/LookupHistory/GroupByPartition": "per index partition: the batch's keys of the partition (batch / P)",
    "Dedup/LookupHistory/OnePerNode": "combine per history node: constant",
    "Dedup/HistoryProbes/GroupByPartition": "per index partition: the ids of the history nodes of its pairs",
    "WriteIndex/GroupByFile": "per index file: the run's rows of one partition (additions / P)",
}


def test_the_index_adds_only_partition_keyed_shuffles(tmp_path: Path) -> None:
    job = load_job(REPO / "configs" / "daily.yaml", [f"index.path={tmp_path / 'index'}"])
    p = beam.Pipeline(runner=FnApiRunner())
    build(p, job, plan_run(job, "2014-06-08"))
    shuffles, sides, labels = graph_shuffles(p)
    assert set(INDEX_SHUFFLES) <= shuffles
    assert shuffles <= set(SHUFFLES) | set(INDEX_SHUFFLES), sorted(
        shuffles - set(SHUFFLES) - set(INDEX_SHUFFLES)
    )
    assert sides <= set(SIDE_INPUTS)
    assert not [label for label in labels if "CombineGlobally" in label]


def test_the_readme_lists_the_index_shuffles() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for label in INDEX_SHUFFLES:
        assert f"`{label}`" in readme, label
