"""The history index's pure functions: node ids, ranks, keys, partitions, file round trips; and the history
parts of LSH pairing and verdicts."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from transforms.cluster import cluster_record, resolve_history
from transforms.index import (
    DOCS_SCHEMA,
    KEYS_SCHEMA,
    doc_row,
    exact_key,
    file_name,
    history_node_id,
    history_rank,
    index_keys,
    is_exact_key,
    parse_history_id,
    partition_of_id,
    partition_of_key,
    probe_from_row,
    read_matching,
    real_id,
    run_rank,
    write_table,
)
from transforms.lsh import bucket_pairs
from transforms.minhash import Sketch
from transforms.records import Verdict, is_history


def _sketch(doc_id: str = "a", values: int = 128) -> Sketch:
    rng = np.random.default_rng(1)
    return Sketch(
        id=doc_id,
        content_hash="0123456789abcdef0123456789abcdef",
        published="2024-03-01",
        source="wire.example",
        length=400,
        fingerprint="deadbeef",
        values=rng.integers(0, 2**63, values, dtype=np.uint64).astype("<u8").tobytes() if values else b"",
        lede_values=rng.integers(0, 2**63, 30, dtype=np.uint64).astype("<u8").tobytes() if values else b"",
        shingles=np.arange(5, dtype="<u8").tobytes(),
        figures=("12", "3.5"),
        lede_figures=("12",),
    )


def test_history_ids_never_collide_with_run_ids_and_round_trip() -> None:
    node = history_node_id("https-page-1", "2024-03-01")
    assert is_history(node) and not is_history("https-page-1")
    assert node != "https-page-1"
    assert parse_history_id(node) == ("https-page-1", "2024-03-01")
    assert parse_history_id("plain") is None
    assert real_id(node) == "https-page-1" and real_id("plain") == "plain"
    assert history_node_id("x", "2024-03-01") != history_node_id("x", "2024-03-02")


def test_history_outranks_every_run_document_earlier_days_first() -> None:
    run = run_rank((0, "2000-01-01", 0, 0, -99999, "~", "aaa"))
    old, older = (
        history_rank(history_node_id("z", "2024-03-02")),
        history_rank(history_node_id("z", "2024-03-01")),
    )
    assert older < old < run
    assert run_rank((0, "a")) < run_rank((0, "b"))  # the job's own order is kept among run documents


def test_index_keys_are_the_exact_key_and_the_band_keys() -> None:
    keys = index_keys(_sketch(), bands=42, rows=3, lede_bands=10, lede_rows=3)
    assert len(keys) == 1 + 42 + 10
    assert keys[0] == exact_key("0123456789abcdef0123456789abcdef") and is_exact_key(keys[0])
    assert all(len(k) == 15 and not is_exact_key(k) for k in keys[1:])
    assert keys[1][4:5] == b"B" and keys[-1][4:5] == b"L"
    short = index_keys(_sketch(values=0), bands=42, rows=3, lede_bands=10, lede_rows=3)
    assert short == keys[:1]  # too short for LSH: found by its exact text only


def test_partitions_are_stable_and_in_range() -> None:
    keys = index_keys(_sketch(), bands=42, rows=3)
    parts = [partition_of_key(k, 16) for k in keys]
    assert all(0 <= p < 16 for p in parts) and len(set(parts)) > 4
    assert partition_of_key(keys[0], 16) == partition_of_key(bytes(keys[0]), 16)
    assert partition_of_id("abc", 7) == partition_of_id("abc", 7) < 7
    assert file_name("keys", 3) == "keys-00003.parquet"


def test_day_files_round_trip_and_filter(tmp_path: pytest.TempPathFactory) -> None:
    sketch = _sketch("doc-1")
    docs = pa.Table.from_pylist([doc_row(sketch), doc_row(_sketch("doc-2"))], schema=DOCS_SCHEMA)
    path = f"{tmp_path}/docs-00000.parquet"
    assert write_table(path, docs) > 0
    (row,) = read_matching(path, "id", pa.array(["doc-2"])).to_pylist()
    node, probe = probe_from_row(row, "2024-03-01")
    assert node == history_node_id("doc-2", "2024-03-01") == probe.id
    assert (probe.rank, probe.shingles, probe.figures, probe.fingerprint) == (
        history_rank(node),
        sketch.shingles,
        ("12", "3.5"),
        "deadbeef",
    )
    keys = pa.table({"key": [b"k1", b"k2"], "id": ["a", "b"]}, schema=KEYS_SCHEMA)
    write_table(f"{tmp_path}/keys-00000.parquet", keys)
    got = read_matching(f"{tmp_path}/keys-00000.parquet", "key", pa.array([b"k2", b"zz"], pa.binary()))
    assert got.to_pylist() == [{"key": b"k2", "id": "b"}]


def test_two_history_nodes_are_never_paired() -> None:
    h1, h2 = history_node_id("a", "2024-03-01"), history_node_id("b", "2024-03-02")
    assert bucket_pairs([h1, h2, "new"], all_pairs_limit=16) == [(h1, "new"), (h2, "new")]
    assert bucket_pairs([h1, h2], all_pairs_limit=16) == []
    # a hot bucket: a star to its smallest id, a history node, without history partners
    assert bucket_pairs([h1, h2, "n1", "n2"], all_pairs_limit=2) == [(h1, "n1"), (h1, "n2")]


def test_verdicts_of_copies_of_history_name_the_real_id_and_first_seen() -> None:
    node = history_node_id("d1-s1", "2024-03-01")
    copy = resolve_history(Verdict(node, duplicate_of=node, dup_type="near", similarity=0.8))
    assert copy == Verdict(
        "d1-s1", duplicate_of="d1-s1", dup_type="near", similarity=0.8, first_seen="2024-03-01"
    )
    assert resolve_history(Verdict("x")) == Verdict("x")
    record = cluster_record("d1-s1", [("d1-s1", Verdict("d1-s1")), ("d1-s1", copy)])  # the page crawled again
    assert record is not None and record.member_ids == ("d1-s1", "d1-s1") and record.near == 1
