"""KeepUniqueIds and FlagDuplicates end to end on realistic documents."""

from __future__ import annotations

import apache_beam as beam
import pytest
from apache_beam.testing.util import assert_that, equal_to

from transforms import records as R
from transforms.dedup import FlagDuplicates, KeepUniqueIds, origin_order
from transforms.records import EXACT, NEAR, Cluster
from transforms.shingles import jaccard, shingle_hashes

# two clustering rounds settle every cluster here (and halve the graph); the default is 4
SETTINGS = dict(num_perm=128, seed=1, bands=32, rows=4, threshold=0.5, cluster_rounds=2)


# ---------------------------------------------------------------------------------------------------------------
# KeepUniqueIds
# ---------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("origin", "key"),
    [
        ("/dumps/feed.jsonl:9", ("/dumps/feed.jsonl", 9)),
        ("/dumps/feed.jsonl:10", ("/dumps/feed.jsonl", 10)),
        ("gs://bucket/dumps/feed.jsonl:12", ("gs://bucket/dumps/feed.jsonl", 12)),
        ("/pages/story.html", ("/pages/story.html", 0)),
        ("gs://bucket/pages/story.html", ("gs://bucket/pages/story.html", 0)),
    ],
)
def test_origin_order(origin: str, key: tuple[str, int]) -> None:
    assert origin_order(origin) == key


def test_origin_order_line_9_before_10() -> None:
    origins = ["/d/feed.jsonl:10", "/d/feed.jsonl:9", "/d/feed.jsonl:100", "/d/a.jsonl:11"]
    assert sorted(origins, key=origin_order) == [
        "/d/a.jsonl:11",
        "/d/feed.jsonl:9",
        "/d/feed.jsonl:10",
        "/d/feed.jsonl:100",
    ]


def test_keep_unique_ids(make_doc, stories, run_counted) -> None:
    docs = [
        make_doc("same-url", stories.port, origin="/d/feed.jsonl:10"),
        make_doc("same-url", stories.port_edited, origin="/d/feed.jsonl:9"),
        make_doc("same-url", stories.council, origin="/d/later.jsonl:1"),
        make_doc("unique", stories.council, origin="/d/feed.jsonl:11"),
    ]

    def build(p: beam.Pipeline) -> None:
        out = p | beam.Create(docs) | KeepUniqueIds()
        kept = out.documents | "Kept" >> beam.Map(lambda d: (d.id, d.origin, d.text == stories.port_edited))
        rejected = out.rejected | "Rejected" >> beam.Map(
            lambda r: (r.origin, r.stage, r.reason, r.id, "/d/feed.jsonl:9" in r.message)
        )
        assert_that(
            kept,
            equal_to([("same-url", "/d/feed.jsonl:9", True), ("unique", "/d/feed.jsonl:11", False)]),
            label="K",
        )
        assert_that(
            rejected,
            equal_to(
                [
                    ("/d/feed.jsonl:10", "ids", R.DUPLICATE_ID, "same-url", True),
                    ("/d/later.jsonl:1", "ids", R.DUPLICATE_ID, "same-url", True),
                ]
            ),
            label="R",
        )

    ids = run_counted(build)["ids"]
    assert ids == {"seen": 4, "kept": 2, "dropped:duplicate_id": 2}
    assert ids["seen"] == ids["kept"] + ids["dropped:duplicate_id"]


# ---------------------------------------------------------------------------------------------------------------
# FlagDuplicates
# ---------------------------------------------------------------------------------------------------------------


def test_flag_duplicates_rejects_bad_settings() -> None:
    with pytest.raises(ValueError, match="exceeds num_perm"):
        FlagDuplicates(num_perm=64, bands=16, rows=8)
    with pytest.raises(ValueError, match="canonical_order"):
        FlagDuplicates(bands=16, rows=8, canonical_order=("earliest", "shortest"))
    with pytest.raises(ValueError):
        FlagDuplicates(bands=16, rows=8, cluster_rounds=0)
    with pytest.raises(ValueError):
        FlagDuplicates(bands=16, rows=8, threshold=0.0)


def _corpus(make_doc, stories):
    """Eight documents: a wire story with two exact and two near copies, an unrelated story, a short notice twice.

    Ids are chosen so that id order is not the canonical order: the earliest copy has the largest id.
    """
    return [
        make_doc("z-wire", stories.port, published="2024-03-05T06:00:00Z", source="wire.example"),
        make_doc("copy-1", stories.port, published="2024-03-05T09:00:00+01:00", source="daily.example"),
        make_doc("copy-2", stories.port, source="blog.example"),  # undated
        make_doc("edited", stories.port_edited, published="2024-03-05T12:00:00Z", source="gazette.example"),
        make_doc("edited-copy", stories.port_edited, published="2024-03-06", source="weekly.example"),
        make_doc("council", stories.council, published="2024-03-05", source="daily.example"),
        make_doc("notice-b", stories.short, published="2024-03-05", source="daily.example"),
        make_doc("notice-a", stories.short, published="2024-03-04", source="gazette.example"),
    ]


def _flags(d):
    return (d.id, d.cluster_id, d.is_duplicate, d.duplicate_of, d.dup_type, d.similarity, d.lsh)


def test_flag_duplicates_end_to_end(make_doc, stories, run_counted) -> None:
    docs = _corpus(make_doc, stories)
    # verification is exact: the similarity reported is the Jaccard similarity of the shingle sets
    sim = jaccard(shingle_hashes(docs[0].hash_text), shingle_hashes(docs[3].hash_text))
    assert 0.5 <= sim < 0.9  # near, not exact: one sentence of five rewritten
    expected_flags = [
        ("z-wire", "z-wire", False, None, None, None, True),  # canonical: earliest published
        ("copy-1", "z-wire", True, "z-wire", EXACT, 1.0, True),
        ("copy-2", "z-wire", True, "z-wire", EXACT, 1.0, True),
        ("edited", "z-wire", True, "z-wire", NEAR, sim, True),
        (
            "edited-copy",
            "z-wire",
            True,
            "z-wire",
            NEAR,
            sim,
            True,
        ),  # points at the canonical, not at "edited"
        ("council", "council", False, None, None, None, True),
        ("notice-a", "notice-a", False, None, None, None, False),  # too short for LSH ...
        ("notice-b", "notice-a", True, "notice-a", EXACT, 1.0, False),  # ... but exact copies are still found
    ]
    expected_clusters = [
        Cluster("z-wire", "z-wire", ("copy-1", "copy-2", "edited", "edited-copy", "z-wire"), 5, 2, 2, 0, sim),
        Cluster("notice-a", "notice-a", ("notice-a", "notice-b"), 2, 1, 0, 0, 1.0),
    ]

    def build(p: beam.Pipeline) -> None:
        for label, inputs in (("Forward", docs), ("Reversed", docs[::-1])):
            out = (
                p
                | f"{label}Docs" >> beam.Create(inputs, reshuffle=False)
                | f"{label}Flag" >> FlagDuplicates(**SETTINGS)
            )
            flags = out["documents"] | f"{label}Flags" >> beam.Map(_flags)
            assert_that(flags, equal_to(expected_flags), label=f"{label}CheckFlags")
            assert_that(out["clusters"], equal_to(expected_clusters), label=f"{label}CheckClusters")
            # documents keep their own fields; only the flags change
            texts = out["documents"] | f"{label}Texts" >> beam.Map(lambda d: (d.id, d.text, d.published))
            assert_that(
                texts, equal_to([(d.id, d.text, d.published) for d in docs]), label=f"{label}CheckTexts"
            )

    counters = run_counted(build)
    # both branches count into the same names: every number is twice one run's
    dedup = counters["dedup"]
    assert dedup["seen"] == dedup["kept"] == 2 * 8
    assert dedup["originals"] == 2 * 3
    assert dedup["exact_duplicates"] == 2 * 3
    assert dedup["near_duplicates"] == 2 * 2
    assert dedup.get("missing_verdict", 0) == 0
    assert counters["minhash"]["too_short"] == 2 * 2
    assert counters["cluster"].get("unresolved", 0) == 0
    verify = counters["verify"]
    assert verify["seen"] == verify["kept"] + sum(v for k, v in verify.items() if k.startswith("dropped:"))


def test_flag_duplicates_source_priority_picks_the_canonical(make_doc, stories, beam_pipeline) -> None:
    docs = _corpus(make_doc, stories)
    with beam_pipeline() as p:
        out = (
            p
            | beam.Create(docs)
            | FlagDuplicates(
                **SETTINGS,
                canonical_order=("source_priority", "earliest"),
                source_priority=("gazette.example",),
            )
        )
        canon = out["documents"] | "Canon" >> beam.Map(lambda d: (d.id, d.cluster_id, d.dup_type))
        # the gazette's edited copy is now the canonical of the port story; the exact copies of the wire text
        # are near duplicates of it
        assert_that(
            canon,
            equal_to(
                [
                    ("edited", "edited", None),
                    ("edited-copy", "edited", EXACT),
                    ("z-wire", "edited", NEAR),
                    ("copy-1", "edited", NEAR),
                    ("copy-2", "edited", NEAR),
                    ("council", "council", None),
                    ("notice-a", "notice-a", None),
                    ("notice-b", "notice-a", EXACT),
                ]
            ),
        )
