"""Records packed for shuffles (``records.pack``) and counters made once (``metrics.CounterCache``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import apache_beam as beam
import pytest
from apache_beam.testing.util import assert_that, equal_to

from transforms import records as R
from transforms.cluster import Assignment, Neighbor, Node
from transforms.lsh import Probe
from transforms.metrics import CounterCache
from transforms.minhash import Sketch
from transforms.records import Cluster, Document, RawRecord, Rejected, Verdict, pack, unpack

RECORDS: list[Any] = [
    RawRecord("/d/feed.jsonl:3", "text", "Body ünïcode \u2014 text\n", "id1", url=None, meta='{"a": 1}'),
    Document(
        "id1",
        "/d/feed.jsonl:3",
        "https://x.example/a",
        "x.example",
        "Title",
        "2024-03-01",
        None,
        None,
        None,
        "Text",
        "text",
        wire="reuters",
        is_duplicate=True,
        duplicate_of="id0",
        dup_type=R.NEAR,
        similarity=0.8125,
    ),
    Rejected("/d/feed.jsonl:4", "ids", R.DUPLICATE_ID, "id id1 is already used", id="id1"),
    Verdict("id0", "id0", R.EXACT, 1.0, first_seen="2024-02-29"),
    Cluster("id0", "id0", ("id0", "id1"), 2, 1, 1, 0, 0.8125),
    Sketch(
        "id1",
        "c" * 32,
        None,
        "x.example",
        4,
        "deadbeef",
        values=b"\x00\x01" * 8,
        rank=(0, "2024-03-01", -4, "id1"),
        shingles=b"\xff" * 16,
        figures=("6.5", "81"),
        lede_figures=("6.5",),
    ),
    Probe("id1", "deadbeef", (1, "", "~", "id1"), b"\x01" * 8, ("3",), (), b"", 2),
    Node("a", ("a",), (Neighbor("b", ("b",), 0.9), Neighbor("c", ("c",), 0.7, R.CONTAINED, -1))),
    Assignment("a", None),
]


@pytest.mark.parametrize("record", RECORDS, ids=lambda r: type(r).__name__)
def test_unpack_gives_back_the_same_record_of_the_same_type(record: Any) -> None:
    data = pack(record)
    assert isinstance(data, bytes)
    back = unpack(type(record), data)
    assert back == record
    assert type(back) is type(record)
    assert back._asdict() == record._asdict()


def test_a_packed_document_names_no_class() -> None:
    """What makes it cheaper than Beam's pickle fallback: only the fields are written."""
    doc = RECORDS[1]
    assert b"Document" not in pack(doc) and b"transforms" not in pack(doc)


def test_packed_records_through_a_shuffle_on_the_portable_runner(beam_pipeline: Callable[[], Any]) -> None:
    docs = [d for d in RECORDS if isinstance(d, Document)]
    docs += [docs[0]._replace(id="id2", origin="/d/feed.jsonl:5", text="Another text")]
    with beam_pipeline() as p:
        out = (
            p
            | beam.Create(docs)
            | beam.Map(lambda d: (d.id, pack(d)))
            | beam.GroupByKey()
            | beam.FlatMap(lambda kv: [unpack(Document, b) for b in kv[1]])
        )
        assert_that(out, equal_to(docs))


class _NamedFn(beam.DoFn):
    def __init__(self, limit: int):
        self._limit = limit

    def setup(self) -> None:
        self._named = CounterCache(limit=self._limit)

    def process(self, element: tuple[str, int]) -> Iterator[str]:
        name, n = element
        self._named.inc("cached", name, n)
        self._named.inc("cached", "seen")
        yield name


@pytest.mark.parametrize("limit", [2, 4096])
def test_counter_cache_counts_every_increment(limit: int, run_counted: Callable[..., Any]) -> None:
    """The same totals whether the cache keeps every counter or starts again (a limit of 2, with 5 names)."""
    elements = [("rule:a", 1), ("rule:b", 3), ("rule:a", 2), ("rule:c", 1), ("file:/x", 1), ("rule:d", 4)]

    def build(p: beam.Pipeline) -> None:
        p | beam.Create(elements) | beam.ParDo(_NamedFn(limit))

    counters = run_counted(build)["cached"]
    assert counters == {"rule:a": 3, "rule:b": 3, "rule:c": 1, "file:/x": 1, "rule:d": 4, "seen": 6}


def test_counter_cache_bound() -> None:
    with pytest.raises(ValueError):
        CounterCache(limit=0)
