"""Heavily edited copies: the ``edited_copy`` relation (figure-backed containment), from the pair check to the flags."""

from __future__ import annotations

import apache_beam as beam
import pytest
from apache_beam.testing.util import assert_that, equal_to

from transforms.dedup import FlagDuplicates
from transforms.lsh import edited_copy, verify
from transforms.normalize import figures, hashing_form
from transforms.records import CONTAINED, NEAR
from transforms.shingles import containment, jaccard, shingle_hashes

# An outlet's heavy edit of the conftest port story: the fourth paragraph and a clause of the last dropped,
# a dozen words swapped ("walkout", "vessels", "wage", "staff", "boss", "dock" ...), every figure kept.
HEAVY = (
    "Dock workers at Valmera port voted on Monday to end a nine-day walkout that had kept more than "
    "forty container vessels waiting at anchor beyond the harbour.\n"
    "The deal gives crane drivers and lashers a wage rise of 6.5 percent this year and another 4 percent "
    "next year, according to a statement by the dockers' union, which speaks for about 3,200 staff.\n"
    "Port authority boss Helena Marsh said the first vessels would dock on Tuesday morning and that "
    "the backlog could be cleared within two weeks if the weather stays fair.\n"
    "Union leaders said members had accepted the offer by a margin of 81 percent to 19 percent."
)

# The same template with other numbers: another strike, another ballot. Not a copy.
OTHER_STRIKE = (
    HEAVY.replace("nine-day", "five-day")
    .replace("forty", "twelve")
    .replace("6.5", "3.8")
    .replace("another 4", "another 2")
    .replace("3,200", "1,150")
    .replace("81 percent to 19", "64 percent to 36")
)


def _sets(*texts: str):
    return [shingle_hashes(hashing_form(t)) for t in texts]


def test_the_heavy_edit_is_neither_near_nor_an_excerpt_by_words_alone(stories) -> None:
    heavy, full = _sets(HEAVY, stories.port)
    assert jaccard(heavy, full) < 0.5 and 0.5 <= containment(heavy, full) < 0.7
    assert verify(heavy, full, threshold=0.5, containment_threshold=0.7, min_contained=15) is None


def test_edited_copy_needs_every_figure_of_the_shorter_text(stories) -> None:
    heavy, full, other = _sets(HEAVY, stories.port, OTHER_STRIKE)
    kw = {"containment_threshold": 0.5, "min_contained": 15}
    found = edited_copy(heavy, full, figures(HEAVY), figures(stories.port), **kw)
    assert found is not None
    relation, share, side = found
    assert relation == CONTAINED and side == 1 and share == pytest.approx(containment(heavy, full))
    # either order: the container is named by side
    assert edited_copy(full, heavy, figures(stories.port), figures(HEAVY), **kw)[::2] == (CONTAINED, 0)
    # the same words around other numbers: another story of the template
    assert containment(other, heavy) >= 0.5
    assert edited_copy(other, heavy, figures(OTHER_STRIKE), figures(HEAVY), **kw) is None
    assert edited_copy(other, full, figures(OTHER_STRIKE), figures(stories.port), **kw) is None
    # one number missing from the longer text is enough to refuse; a paraphrase may bring in one number word
    # ("a week" -> "seven days"), not two
    assert edited_copy(heavy, full, (*figures(HEAVY), "1987"), figures(stories.port), **kw) is None
    assert edited_copy(heavy, full, (*figures(HEAVY), "seven"), figures(stories.port), **kw) is not None
    assert edited_copy(heavy, full, (*figures(HEAVY), "seven", "dozen"), figures(stories.port), **kw) is None
    # fewer than two figures say nothing
    assert edited_copy(heavy, full, ("81",), figures(stories.port), **kw) is None
    # too little inside, too short, or switched off
    assert (
        edited_copy(
            heavy, full, figures(HEAVY), figures(stories.port), **{**kw, "containment_threshold": 0.6}
        )
        is None
    )
    assert (
        edited_copy(heavy, full, figures(HEAVY), figures(stories.port), **{**kw, "min_contained": 500})
        is None
    )
    assert (
        edited_copy(heavy, full, figures(HEAVY), figures(stories.port), **{**kw, "containment_threshold": 0})
        is None
    )


def test_edited_copy_of_about_the_same_length_is_near_with_its_jaccard(stories) -> None:
    # Swaps without trimming: about the same length, so not an excerpt; the relation is near, its similarity the
    # pair's Jaccard (below the threshold: this is the figure-backed path).
    swapped = (
        stories.port.replace("strike", "walkout").replace("ships", "vessels").replace("workers", "staff")
    )
    swapped = (
        swapped.replace("chief executive", "boss").replace("berth", "dock").replace("holds", "stays fair")
    )
    swapped = (
        swapped.replace("delaying", "holding up").replace("diverted", "sent").replace("main gate", "gates")
    )
    a, b = _sets(swapped, stories.port)
    found = edited_copy(
        a, b, figures(swapped), figures(stories.port), containment_threshold=0.5, min_contained=15
    )
    assert found is not None and found[0] == NEAR and found[1] == pytest.approx(jaccard(a, b))


def test_heavy_edits_are_flagged_and_templated_stories_kept_apart(beam_pipeline, make_doc, stories) -> None:
    docs = [
        make_doc("wire", stories.port, published="2024-03-04"),
        make_doc("outlet", HEAVY, published="2024-03-05"),
        make_doc("other", OTHER_STRIKE, published="2024-03-06"),
    ]
    # 64 x 2 bands make the three a candidate pair each (at Jaccard 0.28 a pair meets with 99.4% chance), so
    # verification alone decides
    flags = [("wire", None, None), ("outlet", "wire", CONTAINED), ("other", None, None)]
    with beam_pipeline() as p:
        out = p | beam.Create(docs) | FlagDuplicates(bands=64, rows=2)
        got = out["documents"] | beam.Map(lambda d: (d.id, d.duplicate_of, d.dup_type))
        assert_that(got, equal_to(flags), label="Flags")

    with beam_pipeline() as p:  # switched off: the words alone do not make the edit a copy
        out = p | beam.Create(docs) | FlagDuplicates(bands=64, rows=2, edited_containment=0)
        got = out["documents"] | beam.Map(lambda d: (d.id, d.duplicate_of, d.dup_type))
        assert_that(got, equal_to([(d, None, None) for d in ("wire", "outlet", "other")]), label="Off")


# A story that states no figure, and an outlet's rewrite of it: its last paragraph dropped, words swapped.
PLAIN_STORY = (
    "The city council voted on Tuesday night to close the old river bridge to heavy lorries after engineers "
    "warned that its supports had been weakened by the winter floods.\n"
    "Council leader Maria Okafor said the decision had not been taken lightly, because the bridge carries most "
    "of the freight bound for the industrial estate on the east bank.\n"
    "Hauliers will have to use the ring road until repairs are finished, adding time to every delivery, the "
    "transport committee said in a statement after the meeting.\n"
    "Residents of the streets near the bridge welcomed the vote, saying the lorries had shaken their houses "
    "for years and that the council should have acted much sooner."
)
PLAIN_REWRITE = (
    "The city council voted on Tuesday night to shut the old river bridge to heavy trucks after engineers "
    "warned that its supports had been weakened by the winter floods.\n"
    "Council leader Maria Okafor said the decision had not been taken lightly, because the bridge carries most "
    "of the freight headed for the industrial estate on the east bank.\n"
    "Hauliers will have to use the ring road until repairs are done, adding time to every delivery, the "
    "transport committee said in a statement after the meeting."
)
# Another council story on the same bridge: the same setting in other words. Not a copy.
PLAIN_OTHER = (
    "Engineers began inspecting the old river bridge on Monday after the city council said that its supports "
    "may have been weakened by the winter floods and that heavy lorries could be banned.\n"
    "The transport committee will receive their report before the council votes, a spokesman said, and "
    "hauliers have been told to plan for the ring road.\n"
    "Council leader Maria Okafor said the freight bound for the industrial estate on the east bank would be "
    "kept moving whatever the engineers found."
)


def test_edited_copy_without_figures_must_lie_further_inside(stories) -> None:
    rewrite, story, other = _sets(PLAIN_REWRITE, PLAIN_STORY, PLAIN_OTHER)
    kw = {"containment_threshold": 0.5, "min_contained": 15}
    assert figures(PLAIN_REWRITE) == () and jaccard(rewrite, story) < 0.7
    assert containment(rewrite, story) >= 0.6
    found = edited_copy(rewrite, story, (), (), **kw)
    assert found is not None and found[0] == CONTAINED and found[2] == 1
    # the same-topic story shares its setting, not its sentences
    assert containment(other, story) < 0.6
    assert edited_copy(other, story, (), (), **kw) is None
    # a rewrite without figures needs a tenth more inside than one whose figures are checked
    assert (
        edited_copy(
            rewrite, story, (), (), **{**kw, "containment_threshold": containment(rewrite, story) - 0.05}
        )
        is None
    )
    # the one figure it states must be in the story too
    assert edited_copy(rewrite, story, ("1987",), (), **kw) is None
    assert edited_copy(rewrite, story, ("1987",), ("1987",), **kw) is not None
    # too short to judge without figures
    short = shingle_hashes(hashing_form(" ".join(PLAIN_REWRITE.split()[:18])))
    assert containment(short, story) >= 0.6 and short.size < 20
    assert edited_copy(short, story, (), (), **kw) is None
