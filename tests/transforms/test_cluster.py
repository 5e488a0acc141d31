"""Canonical ranks, exact groups, clustering without chaining, verdicts and cluster records."""

from __future__ import annotations

import apache_beam as beam
import pytest
from apache_beam.testing.util import assert_that, equal_to

from transforms.cluster import (
    AssignClusters,
    Assignment,
    BuildVerdicts,
    ExactGroups,
    Neighbor,
    Node,
    best_offer,
    canonical_rank,
    cluster_record,
    group_verdicts,
    is_root,
)
from transforms.lsh import Edge
from transforms.minhash import Sketch
from transforms.records import CONTAINED, EXACT, NEAR, PASSAGE, Cluster, Verdict

EARLIEST = ("earliest",)
ALL = ("earliest", "source_priority", "longest")


def _rank(doc_id: str, published: str | None = None, source: str | None = None, length: int = 1000, **kw):
    kw.setdefault("order", EARLIEST)
    return canonical_rank(doc_id=doc_id, published=published, source=source, length=length, **kw)


# ---------------------------------------------------------------------------------------------------------------
# canonical_rank
# ---------------------------------------------------------------------------------------------------------------


def test_earliest_first_undated_last() -> None:
    ranks = {
        "wire": _rank("zz-wire", "2024-03-05T06:00:00Z"),
        "reprint": _rank("aa-reprint", "2024-03-05T09:30:00Z"),
        "next-day": _rank("bb-next", "2024-03-06"),
        "undated": _rank("00-undated", None),
        "same-day-date-only": _rank("cc-dateonly", "2024-03-05"),
        "previous-day-late": _rank("dd-prev", "2024-03-04T23:59:00Z"),
    }
    order = sorted(ranks, key=lambda k: ranks[k])
    # within a day, timed copies come first (by time), then a date-only copy; undated last despite its id
    assert order == ["previous-day-late", "wire", "reprint", "same-day-date-only", "next-day", "undated"]


def test_wire_first_puts_a_news_agencys_own_site_before_longer_outlet_copies() -> None:
    order = ("earliest", "wire_first", "longest")
    outlet = _rank("a-outlet", "2024-03-05", "dailyherald.example", length=2400, order=order)
    agency = _rank("z-agency", "2024-03-05", "reuters.com", length=2000, order=order)
    earlier_outlet = _rank("b-outlet", "2024-03-04", "dailyherald.example", length=2400, order=order)
    assert sorted([outlet, agency, earlier_outlet]) == [earlier_outlet, agency, outlet]
    # without the key, the longer outlet copy would be canonical
    assert _rank("a-outlet", length=2400, order=("longest",)) < _rank(
        "z-agency", length=2000, order=("longest",)
    )


def test_earliest_compares_days_so_other_keys_decide_within_a_day() -> None:
    prio = ("reuters.com",)
    blog_at_9 = _rank("a-blog", "2024-03-05T09:00:00Z", "blog.example", order=ALL, source_priority=prio)
    wire_at_11 = _rank("b-wire", "2024-03-05T11:00:00Z", "reuters.com", order=ALL, source_priority=prio)
    wire_date_only = _rank("c-wire", "2024-03-05", "reuters.com", order=ALL, source_priority=prio)
    assert sorted([blog_at_9, wire_date_only, wire_at_11]) == [wire_at_11, wire_date_only, blog_at_9]


def test_source_priority_then_unlisted() -> None:
    prio = ("reuters.com", "apnews.com")
    kw = dict(order=("source_priority",), source_priority=prio)
    ranks = [
        _rank("d1", source="blog.example", **kw),
        _rank("d2", source="APNEWS.COM", **kw),  # case-insensitive
        _rank("d3", source=None, **kw),
        _rank("d4", source="reuters.com", **kw),
    ]
    assert [r[-1] for r in sorted(ranks)] == ["d4", "d2", "d1", "d3"]
    assert ranks[0][0] == ranks[2][0] == 2  # unlisted and missing sources share the last place


def test_longest_first() -> None:
    ranks = [_rank("a", length=900, order=("longest",)), _rank("b", length=1500, order=("longest",))]
    assert min(ranks)[-1] == "b"


def test_id_breaks_every_tie() -> None:
    a = _rank("doc-a", "2024-03-05", "x.com", 500, order=ALL)
    b = _rank("doc-b", "2024-03-05", "x.com", 500, order=ALL)
    assert a < b
    assert canonical_rank(doc_id="only", published="2024-03-05", source=None, length=1, order=()) == ("only",)


def test_policy_keys_apply_in_order() -> None:
    prio = ("reuters.com",)
    early_blog = _rank("a", "2024-03-05", "blog.example", 200, order=ALL, source_priority=prio)
    late_wire = _rank("b", "2024-03-06", "reuters.com", 200, order=ALL, source_priority=prio)
    same_day_wire_short = _rank("c", "2024-03-05", "reuters.com", 200, order=ALL, source_priority=prio)
    same_day_wire_long = _rank("d", "2024-03-05", "reuters.com", 900, order=ALL, source_priority=prio)
    ranked = sorted([early_blog, late_wire, same_day_wire_short, same_day_wire_long])
    assert [r[-1] for r in ranked] == ["d", "c", "a", "b"]
    # priority first: the wire wins even when published a day later
    prio_first = ("source_priority", "earliest")
    assert _rank("b", "2024-03-06", "reuters.com", order=prio_first, source_priority=prio) < _rank(
        "a", "2024-03-05", "blog.example", order=prio_first, source_priority=prio
    )


def test_unknown_policy_key() -> None:
    with pytest.raises(ValueError, match="unknown canonical policy key 'newest'"):
        _rank("a", order=("newest",))


# ---------------------------------------------------------------------------------------------------------------
# is_root / best_offer
# ---------------------------------------------------------------------------------------------------------------


def test_is_root() -> None:
    lonely = Node("a", ("a",), ())
    better = Node("a", ("a",), (Neighbor("b", ("b",), 0.9), Neighbor("c", ("c",), 0.7)))
    worse = Node("b", ("b",), (Neighbor("a", ("a",), 0.9), Neighbor("c", ("c",), 0.6)))
    assert is_root(lonely)
    assert is_root(better)
    assert not is_root(worse)


def test_best_offer() -> None:
    later = Neighbor("c", (0, "2024-03-06", "c"), 0.6, shared=120)
    earlier = Neighbor("a", (0, "2024-03-05", "a"), 0.9, shared=80)
    assert best_offer([earlier, later]) == later  # the most text in common, not the best rank nor similarity
    tied = earlier._replace(shared=120)
    assert best_offer([later, tied]) == tied  # the best rank on a tie
    assert best_offer([]) is None


# ---------------------------------------------------------------------------------------------------------------
# group_verdicts / cluster_record
# ---------------------------------------------------------------------------------------------------------------


def test_group_verdicts_rep_is_a_root() -> None:
    for assignment in (Assignment("r", None), None):  # a root, or a document without near neighbours
        assert group_verdicts(["r", "r-copy1", "r-copy2"], assignment) == [
            ("r", Verdict("r")),
            ("r-copy1", Verdict("r", duplicate_of="r", dup_type=EXACT, similarity=1.0)),
            ("r-copy2", Verdict("r", duplicate_of="r", dup_type=EXACT, similarity=1.0)),
        ]
    assert group_verdicts(["solo"], None) == [("solo", Verdict("solo"))]


def test_group_verdicts_rep_joined_another_root() -> None:
    assert group_verdicts(["x", "x-copy"], Assignment("root", 0.72, "near")) == [
        ("x", Verdict("root", duplicate_of="root", dup_type=NEAR, similarity=0.72)),
        ("x-copy", Verdict("root", duplicate_of="root", dup_type=NEAR, similarity=0.72)),
    ]


def test_cluster_record() -> None:
    verdicts = [
        ("c", Verdict("a", "a", NEAR, 0.81)),
        ("a", Verdict("a")),
        ("b", Verdict("a", "a", EXACT, 1.0)),
        ("d", Verdict("a", "a", NEAR, 0.66)),
    ]
    assert cluster_record("a", verdicts) == Cluster(
        cluster_id="a",
        canonical_id="a",
        member_ids=("a", "b", "c", "d"),
        size=4,
        exact=1,
        near=2,
        contained=0,
        min_similarity=0.66,
    )


def test_cluster_record_exact_only_and_singleton() -> None:
    record = cluster_record("a", [("a", Verdict("a")), ("b", Verdict("a", "a", EXACT, 1.0))])
    assert record is not None and (record.size, record.exact, record.near, record.min_similarity) == (
        2,
        1,
        0,
        1.0,
    )
    assert cluster_record("a", [("a", Verdict("a"))]) is None


# ---------------------------------------------------------------------------------------------------------------
# ExactGroups / BuildVerdicts
# ---------------------------------------------------------------------------------------------------------------


def _sk(doc_id: str, content_hash: str, published: str | None) -> Sketch:
    return Sketch(
        id=doc_id,
        content_hash=content_hash,
        published=published,
        source=None,
        length=100,
        fingerprint="00000000",
        rank=_rank(doc_id, published),
    )


def test_exact_groups(beam_pipeline) -> None:
    sketches = [
        _sk("b-reprint", "h1", "2024-03-05T09:00:00Z"),
        _sk("c-undated", "h1", None),
        _sk("z-wire", "h1", "2024-03-05T06:00:00Z"),
        _sk("solo", "h2", "2024-03-01"),
    ]
    with beam_pipeline() as p:
        out = p | beam.Create(sketches) | ExactGroups()
        reps = out["reps"] | beam.Map(lambda s: s.id)
        assert_that(reps, equal_to(["z-wire", "solo"]), label="Reps")
        assert_that(
            out["groups"],
            equal_to([("z-wire", ("z-wire", "b-reprint", "c-undated")), ("solo", ("solo",))]),
            label="Groups",
        )


def test_build_verdicts(beam_pipeline) -> None:
    groups = [("a", ("a", "a2")), ("b", ("b", "b2")), ("lonely", ("lonely",))]
    assignments = [("a", Assignment("a", None)), ("b", Assignment("a", 0.8, "near"))]
    with beam_pipeline() as p:
        out = {
            "groups": p | "Groups" >> beam.Create(groups),
            "assignments": p | "Assignments" >> beam.Create(assignments),
        } | BuildVerdicts()
        assert_that(
            out["verdicts"],
            equal_to(
                [
                    ("a", Verdict("a")),
                    ("a2", Verdict("a", "a", EXACT, 1.0)),
                    ("b", Verdict("a", "a", NEAR, 0.8)),
                    ("b2", Verdict("a", "a", NEAR, 0.8)),
                    ("lonely", Verdict("lonely")),
                ]
            ),
            label="Verdicts",
        )
        assert_that(
            out["clusters"],
            equal_to([Cluster("a", "a", ("a", "a2", "b", "b2"), 4, 1, 2, 0, 0.8)]),
            label="Clusters",
        )


# ---------------------------------------------------------------------------------------------------------------
# AssignClusters
# ---------------------------------------------------------------------------------------------------------------

# Publication days decide the ranks; where it matters, ids are chosen so that id order is NOT rank order.


def _edge(a: str, b: str, sim: float, days: dict[str, str]) -> Edge:
    return Edge(a, b, sim, _rank(a, days[a]), _rank(b, days[b]))


def _assert_assigned(beam_pipeline, edges: list[Edge], expected: list[tuple[str, Assignment]]) -> None:
    """The assignments two rounds of ``AssignClusters`` make of ``edges`` are ``expected``."""
    with beam_pipeline() as p:
        assert_that(p | beam.Create(edges) | AssignClusters(rounds=2), equal_to(expected))


def test_assign_clusters_rejects_zero_rounds() -> None:
    with pytest.raises(ValueError):
        AssignClusters(rounds=0)


def test_star_one_root_all_join(beam_pipeline) -> None:
    days = {
        "zz-original": "2024-03-01",
        "a": "2024-03-02",
        "b": "2024-03-03",
        "c": "2024-03-04",
        "d": "2024-03-05",
    }
    edges = [
        _edge("a", "zz-original", 0.91, days),
        _edge("zz-original", "b", 0.88, days),
        _edge("c", "zz-original", 0.83, days),
        _edge("zz-original", "d", 0.79, days),
        _edge("a", "b", 0.95, days),  # copies are also similar to each other
        _edge("c", "d", 0.9, days),
    ]
    _assert_assigned(
        beam_pipeline,
        edges,
        [
            ("zz-original", Assignment("zz-original", None)),
            ("a", Assignment("zz-original", 0.91, "near")),
            ("b", Assignment("zz-original", 0.88, "near")),
            ("c", Assignment("zz-original", 0.83, "near")),
            ("d", Assignment("zz-original", 0.79, "near")),
        ],
    )


def test_chain_does_not_join_through_an_intermediate(beam_pipeline) -> None:
    """a~b and b~c but not a~c: b joins a, c must not end up in a's cluster."""
    days = {"c": "2024-03-03", "b": "2024-03-02", "a": "2024-03-01"}
    edges = [_edge("a", "b", 0.7, days), _edge("b", "c", 0.7, days)]
    _assert_assigned(
        beam_pipeline,
        edges,
        [
            ("a", Assignment("a", None)),
            ("b", Assignment("a", 0.7, "near")),
            ("c", Assignment("c", None)),
        ],
    )


def test_two_rounds_needed(beam_pipeline) -> None:
    """a~b, b~c, c~d: round 1 settles {a, b}; only in round 2 does c become a root and d join it."""
    days = {"a": "2024-03-01", "b": "2024-03-02", "c": "2024-03-03", "d": "2024-03-04"}
    edges = [_edge("a", "b", 0.8, days), _edge("b", "c", 0.75, days), _edge("c", "d", 0.85, days)]
    _assert_assigned(
        beam_pipeline,
        edges,
        [
            ("a", Assignment("a", None)),
            ("b", Assignment("a", 0.8, "near")),
            ("c", Assignment("c", None)),
            ("d", Assignment("c", 0.85, "near")),
        ],
    )


def test_joins_the_root_it_shares_the_most_text_with(beam_pipeline) -> None:
    """Two roots offer (two stories of one template, not verified against each other): the copy joins the one
    it has the most shingles in common with, not the earlier one."""
    days = {"early": "2024-03-01", "later": "2024-03-02", "copy": "2024-03-03"}
    edges = [
        _edge("copy", "early", 0.55, days)._replace(shared=110),
        _edge("copy", "later", 0.9, days)._replace(shared=190),
    ]
    _assert_assigned(
        beam_pipeline,
        edges,
        [
            ("early", Assignment("early", None)),
            ("later", Assignment("later", None)),
            ("copy", Assignment("later", 0.9, "near")),
        ],
    )


def test_a_round_up_joins_the_story_it_carries_most_of(beam_pipeline) -> None:
    """A round-up verified as the passage of two stories joins the one whose text it carries more of, though
    the other was published first and more of its shorter text is in the round-up."""
    days = {"early": "2024-03-01", "story": "2024-03-02", "roundup": "2024-03-03"}
    carried = _edge("roundup", "story", 0.45, days)._replace(relation=PASSAGE, container="story", shared=64)
    alike = _edge("early", "roundup", 0.6, days)._replace(relation=PASSAGE, container="early", shared=41)
    _assert_assigned(
        beam_pipeline,
        [alike, carried],
        [
            ("early", Assignment("early", None)),
            ("story", Assignment("story", None)),
            ("roundup", Assignment("story", 0.45, "passage")),
        ],
    )


def test_joins_the_best_ranked_root_when_they_share_as_much(beam_pipeline) -> None:
    days = {"early": "2024-03-01", "later": "2024-03-02", "copy": "2024-03-03"}
    edges = [_edge("copy", "early", 0.6, days), _edge("copy", "later", 0.95, days)]  # shared: 0 both
    _assert_assigned(
        beam_pipeline,
        edges,
        [
            ("early", Assignment("early", None)),
            ("later", Assignment("later", None)),
            ("copy", Assignment("early", 0.6, "near")),
        ],
    )


def test_too_few_rounds_leave_nodes_unresolved(run_counted) -> None:
    days = {"a": "2024-03-01", "b": "2024-03-02", "c": "2024-03-03", "d": "2024-03-04"}
    edges = [_edge("a", "b", 0.8, days), _edge("b", "c", 0.75, days), _edge("c", "d", 0.85, days)]

    def build(p: beam.Pipeline) -> None:
        out = p | beam.Create(edges) | AssignClusters(rounds=1)
        assert_that(
            out,
            equal_to(
                [
                    ("a", Assignment("a", None)),
                    ("b", Assignment("a", 0.8, "near")),
                    ("c", Assignment("c", None)),  # unresolved: its own canonical, not flagged
                    ("d", Assignment("d", None)),
                ]
            ),
        )

    counters = run_counted(build)
    assert counters["cluster"] == {"roots": 1, "joined": 1, "unresolved": 2}


def test_a_cycle_of_container_and_rank_preferences_is_broken_by_rank_in_the_last_round(run_counted) -> None:
    # a contains b, b outranks c (earlier), c contains a: every node is beaten by a neighbour, so no node is a
    # root until the last round, which decides by rank alone (b is the earliest).
    days = {"a": "2024-03-02", "b": "2024-03-01", "c": "2024-03-03"}
    ab = _edge("a", "b", 0.8, days)._replace(relation=CONTAINED, container="a")
    bc = _edge("b", "c", 0.7, days)
    ca = _edge("c", "a", 0.75, days)._replace(relation=CONTAINED, container="c")

    def build(rounds: int):
        def run(p: beam.Pipeline) -> None:
            out = p | beam.Create([ab, bc, ca]) | AssignClusters(rounds=rounds)
            got = out | beam.Map(lambda kv: (kv[0], kv[1].root))
            want = [("a", "b"), ("b", "b"), ("c", "b")] if rounds > 1 else [(n, n) for n in "abc"]
            assert_that(got, equal_to(want))

        return run

    assert run_counted(build(1))["cluster"] == {"unresolved": 3}
    counters = run_counted(build(3))["cluster"]
    assert counters["roots"] == 1 and counters["joined"] == 2 and "unresolved" not in counters
