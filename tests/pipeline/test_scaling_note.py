"""The scaling note, kept honest: every GroupByKey (CoGroupByKey, combine and reshuffle included) and every side
input in a job's graph is listed below with what bounds it, and the README's scaling note is this list. Walks the
pipeline proto of the built graph, so a new shuffle or side input fails here until it is documented."""

from __future__ import annotations

import re
from pathlib import Path

import apache_beam as beam
import pytest
from apache_beam.portability import common_urns
from apache_beam.portability.api import beam_runner_api_pb2
from apache_beam.runners.portability.fn_api_runner import FnApiRunner

from pipeline.config import load_job
from pipeline.graph import build

REPO = Path(__file__).resolve().parents[2]

# Normalized label -> what bounds the values of one key (what one worker holds for it).
SHUFFLES = {
    "Read/Spread": "Reshuffle: random keys; each record once",
    "LearnTemplates/DocsPerSource": "combine per source: one running sum a key",
    "LearnTemplates/GroupByPartition": "per partition of the (source, line) space (1024): its document counts, "
    "packed one batch a flush (each worker's counts summed per flush), summed in memory: 1/1024 of the distinct "
    "(source, line)",
    "LearnTemplates/TopLinesPerSource": "combine per source: a heap of template_max_lines (documents, line)",
    "LearnTemplates/JoinSource": "CoGBK per source: its document count and at most template_max_lines lines",
    "Clean/GroupTemplates": "per source: at most template_max_lines lines",
    "UniqueIds/GroupById": "per id: the records sharing one id (normally 1)",
    "Dedup/ExactGroups/GroupByContent": "per content hash: the exact copies of one text (sketches, sorted in memory)",
    "Dedup/CandidatePairs/GroupByPartition": "per partition of the band-key space (1024): its band keys, packed "
    "one batch a bundle (the batch's keys / 1024), grouped into buckets in memory, a hot one too",
    "Dedup/CandidatePairs/GroupPairs": "per partition of the pair space (1024): its pairs, packed one batch a "
    "flush (each worker's pairs de-duplicated per bundle), kept once in memory: 1/1024 of the flushed pairs",
    "Dedup/VerifyPairs/JoinLeft": "CoGBK per id: its probe, its candidate partners (a star head: its bucket) and "
    "one marker per pair it is the right end of",
    "Dedup/VerifyPairs/JoinRight": "CoGBK per id (right ends of pairs only): its probe and the probes of its "
    "candidates with smaller ids",
    "Dedup/Cluster/GroupByNode": "per document: its verified edges",
    "Dedup/Cluster/Round{k}GroupOffers": "CoGBK per document: its state and its neighbours' offers",
    "Dedup/Cluster/Round{k}GroupGone": "CoGBK per document: its state and its decided neighbours",
    "Dedup/Verdicts/JoinGroups": "CoGBK per representative: its exact group's ids and one assignment",
    "Dedup/Verdicts/GroupByCluster": "per cluster: (id, verdict) of its members: the cluster's size",
    "Dedup/JoinVerdicts": "CoGBK per id: the document, one verdict, one flag",
    "Write*/WriteImpl": "num_shards 0: the temporary file names, one per bundle; num_shards N: every record, "
    "over N keys (streamed by the writer)",
}
SIDE_INPUTS = {
    "Clean/Clean/ParDo(_CleanFn)": "AsDict source -> template lines: sources with a template x template_max_lines",
    "Write*/WriteImpl/WriteBundles": "AsSingleton: the sink's initialization result",
    "Write*/WriteImpl/PreFinalize": "AsIter: the temporary file names (one per bundle or shard)",
    "Write*/WriteImpl/FinalizeWrite": "AsIter: the temporary file names (one per bundle or shard)",
}
SUFFIXES = (
    "/CoGroupByKeyImpl/GroupByKey",
    "/ReshufflePerKey/GroupByKey",
    "/CombinePerKey(TopCombineFn)/GroupByKey",
    "/GroupByKey",
)


def normalize(label: str) -> str:
    """A transform's label as documented: rounds as ``Round{k}``, every output's writer as ``Write*``, a
    CoGroupByKey, combine or reshuffle by its own label rather than its inner GroupByKey's."""
    label = re.sub(r"Round\d+", "Round{k}", label)
    label = re.sub(r"^Write\w+/Write(Json|Parquet)/Write/WriteImpl", "Write*/WriteImpl", label)
    for suffix in SUFFIXES:
        if label.endswith(suffix):
            return label[: -len(suffix)]
    return label


def graph_shuffles(p: beam.Pipeline) -> tuple[set[str], set[str], list[str]]:
    """The normalized labels of a built pipeline's GroupByKeys and of its ParDos with side inputs, and every
    transform's label."""
    shuffles, sides, labels = set(), set(), []
    for t in p.to_runner_api().components.transforms.values():
        labels.append(t.unique_name)
        if t.spec.urn == common_urns.primitives.GROUP_BY_KEY.urn:
            shuffles.add(normalize(t.unique_name))
        elif (
            t.spec.urn == common_urns.primitives.PAR_DO.urn
            and beam_runner_api_pb2.ParDoPayload.FromString(t.spec.payload).side_inputs
        ):
            sides.add(normalize(t.unique_name))
    return shuffles, sides, labels


def shuffles_and_side_inputs(job_file: Path, **sections: dict[str, object]) -> tuple[set[str], set[str]]:
    overrides = [f"{s}.{k}={v}" for s, values in sections.items() for k, v in values.items()]
    p = beam.Pipeline(runner=FnApiRunner())
    build(p, load_job(job_file, overrides))
    shuffles, sides, _ = graph_shuffles(p)
    return shuffles, sides


@pytest.mark.parametrize(
    "job, sections",
    [
        ("demo.yaml", {}),
        ("dataflow.yaml", {}),
        ("demo.yaml", {"clean": {"templates": "false"}, "output": {"drop_duplicates": "true"}}),
    ],
)
def test_every_shuffle_and_side_input_is_documented(job: str, sections: dict[str, dict[str, object]]) -> None:
    shuffles, sides = shuffles_and_side_inputs(REPO / "configs" / job, **sections)
    assert shuffles <= set(SHUFFLES), f"undocumented GroupByKey: {sorted(shuffles - set(SHUFFLES))}"
    assert sides <= set(SIDE_INPUTS), f"undocumented side input: {sorted(sides - set(SIDE_INPUTS))}"
    if not sections:  # the full graph uses every documented one: none is stale
        assert shuffles == set(SHUFFLES) and sides == set(SIDE_INPUTS)


def test_no_global_combine() -> None:
    """A global combine gathers everything on one worker; the graph has none (its GroupByKeys are all keyed)."""
    p = beam.Pipeline(runner=FnApiRunner())
    build(p, load_job(REPO / "configs" / "demo.yaml"))
    labels = [t.unique_name for t in p.to_runner_api().components.transforms.values()]
    assert not [label for label in labels if "CombineGlobally" in label]
