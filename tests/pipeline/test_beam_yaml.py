"""newsdedup's stages from Beam YAML: ``configs/beam_yaml_example.yaml`` run by Beam's YAML runner in process
(the FnApiRunner, named explicitly), its outputs checked record by record against the sample's gold; and the
stages' Rows, which Beam YAML's own transforms read by field."""

from __future__ import annotations

import json
from itertools import combinations
from pathlib import Path
from typing import Any

import apache_beam as beam
import pytest
from apache_beam.portability.api import schema_pb2
from apache_beam.runners.portability.fn_api_runner import FnApiRunner
from apache_beam.testing.util import assert_that, equal_to
from apache_beam.typehints.schemas import schema_from_element_type

from tests.pipeline.test_cli import GOLD, _lines, _relative_origin
from transforms.records import Cluster, Document
from transforms.yaml_stages import from_row, row_type, to_row

pytest.importorskip("jinja2", reason="Beam YAML needs apache-beam[yaml]")

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "configs" / "beam_yaml_example.yaml"
FNAPI = "apache_beam.runners.portability.fn_api_runner.FnApiRunner"


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[dict[str, Any]]]:
    """The example pipeline, run once as its header says (from the repository root, output on the command line)."""
    from apache_beam.yaml import main as yaml_main

    out = tmp_path_factory.mktemp("beam-yaml") / "out"
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(REPO)
        yaml_main.run(
            [
                f"--yaml_pipeline_file={EXAMPLE}",
                f"--runner={FNAPI}",
                "--jinja_variables=" + json.dumps({"output": str(out)}),
            ]
        )
    return {name: _lines(out / name) for name in ("documents", "canonicals", "clusters", "rejected")}


def test_every_sample_record_comes_out_once_with_its_fate(example: dict[str, list[dict[str, Any]]]) -> None:
    docs = {_relative_origin(d["origin"]): d for d in example["documents"]}
    rejected = {_relative_origin(r["origin"]): r["reason"] for r in example["rejected"]}
    assert len(docs) == len(example["documents"]) and len(rejected) == len(example["rejected"])
    gold = GOLD["records"]
    assert set(docs) == {r["origin"] for r in gold if r["fate"] == "document"}
    assert rejected == {r["origin"]: r["reason"] for r in gold if r["fate"] == "rejected"}


def test_copies_share_a_cluster_and_point_at_its_canonical(example: dict[str, list[dict[str, Any]]]) -> None:
    gold = {r["origin"]: r for r in GOLD["records"] if r["fate"] == "document"}
    docs = example["documents"]
    for a, b in combinations(docs, 2):
        same = gold[_relative_origin(a["origin"])]["story"] == gold[_relative_origin(b["origin"])]["story"]
        assert (a["cluster_id"] == b["cluster_id"]) == same, (a["title"], b["title"])
    for d in docs:
        relation = gold[_relative_origin(d["origin"])]["relation"]
        assert d["is_duplicate"] == (relation not in ("original", "unique")), d["title"]
        if d["is_duplicate"]:
            assert d["dup_type"] == relation and d["duplicate_of"] == d["cluster_id"]
    sizes = sorted(c["size"] for c in example["clusters"])
    assert sizes == sorted(s["documents"] for s in GOLD["stories"].values() if s["documents"] > 1)
    # Beam YAML's Filter read the Rows' is_duplicate field
    assert sorted(d["id"] for d in example["canonicals"]) == sorted(
        d["id"] for d in docs if not d["is_duplicate"]
    )


def test_rows_carry_typed_schemas_and_convert_back() -> None:
    cluster = Cluster("a", "a", ("a", "b"), 2, 0, 1, 1, 0.8)
    schema = row_type(Cluster)
    fields = {f.name: f.type for f in schema_from_element_type(schema).fields}
    assert fields["member_ids"].WhichOneof("type_info") == "array_type"
    url = {f.name: f.type for f in schema_from_element_type(row_type(Document)).fields}["url"]
    assert url.nullable and url.atomic_type == schema_pb2.STRING  # a typed field, not a pickled object
    with beam.Pipeline(runner=FnApiRunner()) as p:
        rows = (
            p
            | beam.Create([cluster])
            | "ToRow" >> beam.Map(to_row).with_output_types(schema)
            | "Ids" >> beam.Map(lambda r: (r.cluster_id, tuple(r.member_ids), r.min_similarity))
        )
        assert_that(rows, equal_to([("a", ("a", "b"), 0.8)]))
    doc_row = beam.Row(
        id="x",
        origin="o",
        url=None,
        source="s",
        title=None,
        published=None,
        author=None,
        credit=None,
        site=None,
        text="t",
        hash_text="t",
        extra="ignored",
    )
    doc = from_row(Document)(doc_row)
    assert doc.id == "x" and doc.cluster_id is None and doc.meta == "{}"
