"""Writing outputs: JSON Lines and Parquet read back from disk."""

from __future__ import annotations

import json
from pathlib import Path

import apache_beam as beam
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from transforms import records as R
from transforms.records import Cluster, Document, Rejected, to_json
from transforms.write import DOCUMENT_SCHEMA, WriteRecords, to_parquet_row

# first_seen is written only by runs with a history index (HISTORY_DOCUMENT_SCHEMA)
DOC_FIELDS = [f for f in Document._fields if f not in ("hash_text", "first_seen")]


@pytest.fixture
def flagged(make_doc, stories) -> list[Document]:
    meta = json.dumps({"lang": "en", "section": "Häfen", "tags": ["ports", "strike"]}, ensure_ascii=False)
    wire = make_doc(
        "z-wire", stories.port, published="2024-03-05T06:00:00Z", source="wire.example", meta=meta
    )
    copy = make_doc(
        "copy-1", stories.port_edited, url="https://daily.example/port-strike", title="Strike ends"
    )
    return [
        wire._replace(lsh=True, cluster_id="z-wire"),
        copy._replace(
            lsh=True,
            cluster_id="z-wire",
            is_duplicate=True,
            duplicate_of="z-wire",
            dup_type="near",
            similarity=0.71,
        ),
    ]


def _read_jsonl(folder: Path) -> list[dict]:
    rows = []
    for shard in sorted(folder.glob("part-*.jsonl")):
        rows += [json.loads(line) for line in shard.read_text(encoding="utf-8").splitlines() if line]
    return rows


# ---------------------------------------------------------------------------------------------------------------
# pure helpers
# ---------------------------------------------------------------------------------------------------------------


def test_to_json_document(flagged: list[Document]) -> None:
    line = to_json(flagged[0])
    data = json.loads(line)
    assert list(data) == DOC_FIELDS  # declaration order, hashing form left out
    assert data["meta"] == {"lang": "en", "section": "Häfen", "tags": ["ports", "strike"]}
    assert "Häfen" in line  # not \\u-escaped
    assert data["text"] == flagged[0].text


def test_to_json_cluster_and_rejected() -> None:
    cluster = json.loads(to_json(Cluster("a", "a", ("a", "b"), 2, 1, 0, 0, 1.0)))
    assert cluster == {
        "cluster_id": "a",
        "canonical_id": "a",
        "member_ids": ["a", "b"],
        "size": 2,
        "exact": 1,
        "near": 0,
        "contained": 0,
        "min_similarity": 1.0,
        "passage": 0,
    }
    rejected = json.loads(to_json(Rejected("/d/f.jsonl:4", "read", R.INVALID_JSON, "not valid JSON")))
    assert rejected == {
        "origin": "/d/f.jsonl:4",
        "stage": "read",
        "reason": "invalid_json",
        "message": "not valid JSON",
        "id": None,
        "url": None,
    }


def test_to_parquet_row(flagged: list[Document]) -> None:
    row = to_parquet_row(flagged[1])
    assert list(row) == DOCUMENT_SCHEMA.names == DOC_FIELDS
    assert isinstance(row["meta"], str)
    assert "hash_text" not in row


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (dict(name="documents", fmt="csv"), "format"),
        (dict(name="clusters", fmt="parquet"), "only documents"),
        (dict(name="documents", num_shards=-1), "num_shards"),
    ],
)
def test_write_records_rejects_bad_arguments(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        WriteRecords(path="/tmp/out", **kwargs)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------------------------
# WriteRecords
# ---------------------------------------------------------------------------------------------------------------


def test_write_jsonl_and_parquet(tmp_path: Path, flagged: list[Document], run_counted) -> None:
    clusters = [Cluster("z-wire", "z-wire", ("copy-1", "z-wire"), 2, 0, 1, 0, 0.71)]
    rejected = [
        Rejected("/d/f.jsonl:4", "read", R.BAD_DATE, "`published` is not an ISO 8601 date", url="https://x")
    ]
    out = str(tmp_path / "out")

    def build(p: beam.Pipeline) -> None:
        docs = p | "Docs" >> beam.Create(flagged)
        docs | "WriteDocs" >> WriteRecords(path=out, name="documents", num_shards=1)
        docs | "WriteParquet" >> WriteRecords(path=str(tmp_path / "pq"), name="documents", fmt="parquet")
        (
            p
            | "Clusters" >> beam.Create(clusters)
            | "WriteClusters" >> WriteRecords(path=out + "/", name="clusters")
        )
        p | "Rejected" >> beam.Create(rejected) | "WriteRejected" >> WriteRecords(path=out, name="rejected")

    counters = run_counted(build)
    assert counters["write"] == {"documents": 4, "clusters": 1, "rejected": 1}  # documents written twice

    # JSON Lines: one shard as asked, one object per document, meta an object, no hashing form
    assert [f.name for f in (tmp_path / "out" / "documents").iterdir()] == ["part-00000-of-00001.jsonl"]
    docs = sorted(_read_jsonl(tmp_path / "out" / "documents"), key=lambda d: d["id"])
    assert [d["id"] for d in docs] == ["copy-1", "z-wire"]
    for row, doc in zip(docs, sorted(flagged), strict=True):
        assert list(row) == DOC_FIELDS
        assert "hash_text" not in row
        assert row["text"] == doc.text
        assert isinstance(row["meta"], dict)
    assert docs[1]["meta"] == {"lang": "en", "section": "Häfen", "tags": ["ports", "strike"]}
    assert (docs[0]["is_duplicate"], docs[0]["duplicate_of"], docs[0]["dup_type"], docs[0]["similarity"]) == (
        True,
        "z-wire",
        "near",
        0.71,
    )
    assert _read_jsonl(tmp_path / "out" / "clusters") == [
        {
            "cluster_id": "z-wire",
            "canonical_id": "z-wire",
            "member_ids": ["copy-1", "z-wire"],
            "size": 2,
            "exact": 0,
            "near": 1,
            "contained": 0,
            "min_similarity": 0.71,
            "passage": 0,
        }
    ]
    (bad,) = _read_jsonl(tmp_path / "out" / "rejected")
    assert (bad["origin"], bad["reason"], bad["url"]) == ("/d/f.jsonl:4", "bad_date", "https://x")

    # Parquet: the DOCUMENT_SCHEMA columns, meta kept as a JSON string
    shards = sorted((tmp_path / "pq" / "documents").glob("part-*.parquet"))
    assert shards
    table = pa.concat_tables([pq.read_table(s) for s in shards])
    assert table.schema.names == DOCUMENT_SCHEMA.names
    assert [table.schema.field(n).type for n in DOCUMENT_SCHEMA.names] == list(DOCUMENT_SCHEMA.types)
    rows = sorted(table.to_pylist(), key=lambda r: r["id"])
    assert [r["id"] for r in rows] == ["copy-1", "z-wire"]
    assert json.loads(rows[1]["meta"]) == {"lang": "en", "section": "Häfen", "tags": ["ports", "strike"]}
    assert (rows[0]["lsh"], rows[0]["is_duplicate"], rows[0]["similarity"], rows[0]["url"]) == (
        True,
        True,
        0.71,
        "https://daily.example/port-strike",
    )
    assert (rows[1]["similarity"], rows[1]["duplicate_of"], rows[1]["published"]) == (
        None,
        None,
        "2024-03-05T06:00:00Z",
    )
