"""Excerpts and truncated copies: the ``contained`` relation, from the pair check to the flags."""

from __future__ import annotations

import apache_beam as beam
import numpy as np
import pytest
from apache_beam.testing.util import assert_that, equal_to

from transforms.cluster import Neighbor, Node, beats, is_root
from transforms.dedup import FlagDuplicates
from transforms.lsh import EXCERPT_MAX_SHARE, lede_keys, verify
from transforms.minhash import estimated_jaccard, sketch_of
from transforms.records import CONTAINED, NEAR
from transforms.shingles import containment, jaccard, shingle_hashes


def _excerpt(text: str, share: float) -> str:
    words = text.split()
    return " ".join(words[: int(len(words) * share)])


def test_verify_finds_an_excerpt_and_names_the_container(stories) -> None:
    full = shingle_hashes(stories.port.lower())
    part = shingle_hashes(_excerpt(stories.port.lower(), 0.4))
    kw = {"threshold": 0.5, "containment_threshold": 0.8, "min_contained": 25}
    assert verify(full, part, **kw) == (CONTAINED, 1.0, 0)  # side 0: the first set contains the second
    assert verify(part, full, **kw) == (CONTAINED, 1.0, 1)


def test_verify_near_wins_and_equal_lengths_are_never_excerpts(stories) -> None:
    a = shingle_hashes(stories.port.lower())
    b = shingle_hashes(stories.port_edited.lower())
    assert verify(a, b, threshold=0.5, containment_threshold=0.8, min_contained=25)[0] == NEAR
    # at a strict threshold the pair is not near; it overlaps ~0.8, but the texts are the same length
    assert containment(a, b) >= 0.8 and min(a.size, b.size) > EXCERPT_MAX_SHARE * max(a.size, b.size)
    assert verify(a, b, threshold=0.9, containment_threshold=0.8, min_contained=25) is None


def test_verify_guards(stories) -> None:
    full = shingle_hashes(stories.port.lower())
    tiny = shingle_hashes(_excerpt(stories.port.lower(), 0.1))  # ~15 words: too few shingles to judge
    assert tiny.size < 25
    assert verify(full, tiny, threshold=0.5, containment_threshold=0.8, min_contained=25) is None
    assert verify(full, tiny, threshold=0.5, containment_threshold=0.0, min_contained=1) is None  # 0: off
    empty = np.empty(0, dtype=np.uint64)
    assert verify(full, empty, threshold=0.5, containment_threshold=0.8, min_contained=1) is None


def test_a_container_always_outranks_its_excerpt() -> None:
    excerpt = Node("e", (0, "2024-03-01", "e"), (Neighbor("f", (0, "2024-03-05", "f"), 1.0, CONTAINED, +1),))
    assert not beats(excerpt, excerpt.neighbors[0]) and not is_root(excerpt)  # earlier, but cut from "f"
    full = Node("f", (0, "2024-03-05", "f"), (Neighbor("e", (0, "2024-03-01", "e"), 1.0, CONTAINED, -1),))
    assert is_root(full)


def test_excerpts_are_flagged_contained_under_the_full_story(beam_pipeline, make_doc, stories) -> None:
    docs = [
        make_doc("full", stories.port, published="2024-03-05"),
        # the excerpt ran a day before the full story (a first take): still the full story is the canonical
        make_doc("brief", _excerpt(stories.port, 0.4), published="2024-03-04"),
        make_doc("copy", stories.port_edited, published="2024-03-06"),
        make_doc("other", stories.council, published="2024-03-01"),
    ]
    flags = (
        ("brief", "full", True, "full", CONTAINED),
        ("copy", "full", True, "full", NEAR),
        ("full", "full", False, None, None),
        ("other", "other", False, None, None),
    )
    with beam_pipeline() as p:
        out = p | beam.Create(docs) | FlagDuplicates(bands=64, rows=2, threshold=0.5, cluster_rounds=3)
        got = out["documents"] | beam.Map(
            lambda d: (d.id, d.cluster_id, d.is_duplicate, d.duplicate_of, d.dup_type)
        )
        assert_that(got, equal_to(list(flags)), label="Flags")
        sizes = out["clusters"] | beam.Map(lambda c: (c.cluster_id, c.size, c.near, c.contained))
        assert_that(sizes, equal_to([("full", 3, 1, 1)]), label="Clusters")


def test_a_short_excerpt_under_another_dateline_shares_the_lede_signature_of_its_story(
    make_doc, stories
) -> None:
    # An outlet's first take: its own dateline, then the story's first 20 words. Against the story's whole 50-word
    # lede its Jaccard similarity is about its length share (0.37 here: one lede band in two shared, 10 x 3); the
    # lede signature is of the first 25 words, which the excerpt carries but for the dateline.
    settings = {"unit": "auto", "size": 3, "char_size": 5, "num_perm": 128, "seed": 1, "min_tokens": 20}
    full = make_doc("full", "VALMERA, March 4 (Reuters) - " + stories.port)
    brief = make_doc("brief", "VALMERA (The Harbour Times) - " + " ".join(stories.port.split()[:20]))
    a, b = (sketch_of(d, lede_perm=30, **settings) for d in (full, brief))
    assert jaccard(
        np.frombuffer(a.lede_shingles, dtype="<u8"), np.frombuffer(b.lede_shingles, dtype="<u8")
    ) == pytest.approx(0.37, abs=0.01)
    assert estimated_jaccard(a.lede_values, b.lede_values) >= 0.6
    assert (
        len(set(lede_keys(a, lede_bands=10, lede_rows=3)) & set(lede_keys(b, lede_bands=10, lede_rows=3)))
        >= 2
    )
