"""Round-ups and digests: the ``passage`` relation, from item detection to the flags."""

from __future__ import annotations

import apache_beam as beam
import numpy as np
import pytest
from apache_beam.testing.util import assert_that, equal_to

from transforms.dedup import FlagDuplicates
from transforms.lsh import PASSAGE_MIN_SHINGLES, lede_figures_carried, passage, verify
from transforms.minhash import lede_form, section_ledes
from transforms.normalize import figures, figures_and_lede, figures_and_lede_words, hashing_form
from transforms.records import PASSAGE
from transforms.shingles import shingle_hashes

FILLER_A = (
    "Hokuriku Electric Industry is issuing a 35 mln dlr equity warrant bond due May 7, 1992 paying an indicated "
    "coupon of 2-1/8 pct and priced at par, lead manager Nomura International Ltd said.\n"
    "The issue is guaranteed by Hokuriku Bank Ltd. The selling concession is 1-1/2 pct while management and "
    "underwriting combined pays 3/4 pct. Final terms are due April 16."
)
FILLER_B = (
    "Pork belly futures were expected to open steady to higher after yesterday's late strength and sharply "
    "higher close in the nearby.\n"
    "Traders anticipate carryover demand prompted by steady to mostly higher live hog calls and light hog runs."
)


def _opening(text: str, words: int) -> str:
    return " ".join(text.split()[:words])


def _roundup(story: str) -> str:
    """A markets round-up: a filler item first (its headline taken as the page's title), the story's opening
    under its own headline second, another filler last."""
    return (
        f"{FILLER_A}\n"
        "Dock Workers End Strike at Valmera Port\n" + "\n".join(story.split("\n")[:2]) + "\n"
        "Markets: Pork Belly Futures Expected Steady to Higher\n"
        f"{FILLER_B}"
    )


def _flags(p: beam.Pipeline, docs: list) -> tuple[dict, beam.PCollection]:
    """``FlagDuplicates``' outputs for ``docs`` and its (id, duplicate_of, dup_type) of each document."""
    out = p | beam.Create(docs) | FlagDuplicates(bands=64, rows=2, threshold=0.5, cluster_rounds=3)
    return out, out["documents"] | beam.Map(lambda d: (d.id, d.duplicate_of, d.dup_type))


def _sets(text: str) -> tuple[np.ndarray, np.ndarray]:
    form = hashing_form(text)
    return shingle_hashes(form), shingle_hashes(lede_form(form, "auto"))


def test_section_ledes_find_the_items_of_a_roundup(stories) -> None:
    ledes = section_ledes(_roundup(stories.port))
    assert ledes == [_opening(stories.port, 50), _opening(FILLER_B, 50)]


def test_section_ledes_skip_hard_wrapped_prose_and_plain_articles(stories) -> None:
    wrapped = "\n".join(
        " ".join(stories.port.split()[i : i + 11]) for i in range(0, len(stories.port.split()), 11)
    )
    assert section_ledes(wrapped) == []
    assert section_ledes(stories.port) == []  # paragraphs, no headlines between them


EARNINGS = (
    "DAYTON, Ohio (Evening Chronicle) - Shr profit 11 cts vs loss 1.45 dlrs\n"
    "Net profit 267,000 vs loss 3,458,000\n"
    "Sales 23.6 mln vs 23.0 mln\n"
    "First half\n"
    "Shr loss 27 cts vs loss 1.91 dlrs"
)


def test_section_ledes_find_items_opening_with_a_dateline() -> None:
    # an earnings table under its headline has no line of prose; an outlet's headline keeps lower-case words
    digest = (
        f"{FILLER_A}\n"
        "Robbins and Myers Inc second quarter Feb 28 Net\n"
        f"{EARNINGS}\n"
        "Ibj Establishes 200 million sterling CD Programme\n"
        "LONDON (Asia Trade Journal) - The Industrial Bank of Japan Ltd said it is setting up a programme.\n"
        "Pork Belly Futures Expected Steady\n"
        f"{FILLER_B}"
    )
    ibj = "LONDON (Asia Trade Journal) - The Industrial Bank of Japan Ltd said it is setting up a programme."
    # an item's opening is its first words, whatever follows (the next item, under a short one)
    assert section_ledes(digest) == [
        _opening(f"{EARNINGS} Ibj Establishes 200 million sterling CD Programme {ibj}", 50),
        _opening(f"{ibj} Pork Belly Futures Expected Steady {FILLER_B}", 50),
        _opening(FILLER_B, 50),
    ]
    # an item may follow the last row of a table item; a table's own rows and its note head nothing
    assert section_ledes(
        f"{FILLER_A}\nRobbins and Myers Inc Net\n{EARNINGS}\nPork Belly Futures\n{FILLER_B}"
    ) == [
        _opening(f"{EARNINGS} Pork Belly Futures {FILLER_B}", 50),
        _opening(FILLER_B, 50),
    ]
    note = "NOTE: Prior year excludes losses from discontinued operations of 1.2 mln dlrs, the company said."
    table = f"{FILLER_A}\nOper net 2,375,844 vs 1,741,437\nRevs 1,471,257 vs 768,683\nRecord April 14\n"
    assert section_ledes(table + note) == []
    assert section_ledes(table + "Company Results Were Restated\n" + note) == []
    # a dateline line after a line that does not end a paragraph (a headline and a byline over a story) is the
    # story's own opening, not an item
    assert section_ledes("Robbins and Myers Inc Net\nBy Staff Writer\n" + EARNINGS) == []


def test_passage_needs_a_roundup_carrying_the_story_opening(stories) -> None:
    story, story_lede = _sets(stories.port)
    digest, digest_lede = _sets(_roundup(stories.port))
    kw = {"passage_threshold": 0.25, "lede_containment": 0.7, "min_contained": 15}
    found = passage(story, digest, story_lede, digest_lede, items_a=0, items_b=2, **kw)
    assert found is not None and found[1] == 0 and 0.25 <= found[0] < 0.7  # side 0: the first is the story
    flipped = passage(digest, story, digest_lede, story_lede, items_a=2, items_b=0, **kw)
    assert flipped is not None and flipped[1] == 1
    # the same overlap without items is not a round-up (two versions of one table, say)
    assert passage(story, digest, story_lede, digest_lede, items_a=0, items_b=0, **kw) is None
    # a story whose opening is not carried: the council story beside the same round-up
    council, council_lede = _sets(stories.council)
    assert passage(council, digest, council_lede, digest_lede, items_a=0, items_b=2, **kw) is None
    assert (
        passage(
            story, digest, story_lede, digest_lede, items_a=0, items_b=2, **{**kw, "passage_threshold": 0.0}
        )
        is None
    )


def test_a_long_story_is_carried_by_a_passage_of_its_opening(stories) -> None:
    # A round-up runs the first part of each story: of a long story that is a small share, still a passage.
    long_story = stories.port + "\n" + stories.council
    story, story_lede = _sets(long_story)
    digest, digest_lede = _sets(_roundup(long_story))
    kw = {"passage_threshold": 0.25, "lede_containment": 0.5, "min_contained": 15}
    inter = np.intersect1d(story, digest).size
    assert inter >= PASSAGE_MIN_SHINGLES and inter / story.size < 0.25
    found = passage(story, digest, story_lede, digest_lede, items_a=0, items_b=2, **kw)
    assert found is not None and found.side == 0 and found.share == pytest.approx(inter / story.size)
    assert found.lede_share == 1.0  # its 50-word lede is inside the two paragraphs the round-up carries
    # one short paragraph of it is neither a share nor a passage of its own
    short = _roundup(long_story.split("\n")[0])
    one, one_lede = _sets(short)
    assert np.intersect1d(story, one).size < PASSAGE_MIN_SHINGLES
    assert passage(story, one, story_lede, one_lede, items_a=0, items_b=2, **kw) is None


def test_lede_figures_must_be_carried() -> None:
    assert lede_figures_carried(("12", "20"), ("12", "20", "7", "99"), min_agreement=0.6)
    assert not lede_figures_carried(("12", "20"), ("13", "21", "7"), min_agreement=0.6)
    assert lede_figures_carried(("12",), ("13",), min_agreement=0.6)  # fewer than two: not judged
    assert lede_figures_carried(("12", "20"), ("13", "21"), min_agreement=0.0)  # 0: off
    # an item carrying half the lede is judged on as many of its figures as that half states
    assert not lede_figures_carried(("12", "20", "7"), ("12", "99"), min_agreement=0.6)
    assert lede_figures_carried(("12", "20", "7"), ("12", "99"), min_agreement=0.6, lede_share=0.5)
    assert not lede_figures_carried(("12", "20", "7"), ("13", "99"), min_agreement=0.6, lede_share=0.5)


# A story whose lede's second sentence states the deal's figures; a round-up runs only its first sentence.
TERMINAL = (
    "VALMERA, March 4 - Harbour Lines Corp said it agreed to acquire for one mln dlrs the freight terminal "
    "assets of a privately held Valmera shipping company, which it would not identify.\n"
    "Harbour Lines said the assets include nine berths totalling 2,600 metres of quay, cranes serving 15 "
    "shipping lines and a 50 pct stake in a rail spur to the inland depot.\n"
    "The company said the purchase would be paid in cash from its existing credit lines and would add to "
    "earnings in its first full year."
)
TERMINAL_BRIEFS = (
    f"{FILLER_A}\nHarbour Lines to Buy Valmera Terminal Assets\n{TERMINAL.split(chr(10))[0]}\n"
    f"Markets: Pork Belly Futures Expected Steady\n{FILLER_B}"
)


def test_lede_figures_come_with_the_word_that_states_them() -> None:
    whole, lede, words = figures_and_lede_words(TERMINAL)
    assert (whole, lede) == figures_and_lede(TERMINAL)
    assert lede == ("15", "2600", "nine", "one")
    # "one" in the first sentence, the rest in the second (the dateline's date is no figure)
    assert words == (45, 39, 36, 11)


def test_a_passage_is_judged_on_the_figures_of_the_lede_words_it_carries() -> None:
    lede, words = ("15", "2600", "nine", "one"), (45, 39, 36, 11)
    item = ("1992", "35", "one")  # a round-up carrying the first sentence (31 words: 0.6 of the lede)
    assert lede_figures_carried(lede, item, min_agreement=0.6, lede_share=0.6, lede_words=words)
    # on all the lede's figures, scaled by the share carried, it failed: 1 of 4 < 0.6 x 0.6
    assert not lede_figures_carried(lede, item, min_agreement=0.6, lede_share=0.6)
    # another story of the template ("two mln dlrs"): the one figure of the words carried must be stated
    assert not lede_figures_carried(
        lede, ("1992", "35", "two"), min_agreement=0.6, lede_share=0.6, lede_words=words
    )
    # no figure in the words carried: nothing to judge; more than one: at least min_agreement of them
    assert lede_figures_carried(lede, (), min_agreement=0.6, lede_share=0.2, lede_words=words)
    assert not lede_figures_carried(
        lede, ("one", "nine"), min_agreement=0.6, lede_share=1.0, lede_words=words
    )
    assert lede_figures_carried(
        lede, ("one", "nine", "2600"), min_agreement=0.6, lede_share=1.0, lede_words=words
    )
    assert lede_figures_carried(lede, (), min_agreement=0.0, lede_share=1.0, lede_words=words)  # 0: off


def test_a_roundup_running_the_first_sentence_is_its_passage(beam_pipeline, make_doc) -> None:
    (story, story_lede), (digest, digest_lede) = _sets(TERMINAL), _sets(TERMINAL_BRIEFS)
    carried = passage(
        story, digest, story_lede, digest_lede, items_a=0, items_b=2,
        passage_threshold=0.25, lede_containment=0.5, min_contained=15,
    )  # fmt: skip
    assert carried is not None and carried.side == 0 and carried.lede_share < 0.7
    assert "2600" not in figures(TERMINAL_BRIEFS)
    docs = [
        make_doc("story", TERMINAL, published="2024-03-04"),
        make_doc("briefs", TERMINAL_BRIEFS, published="2024-03-05"),
    ]
    with beam_pipeline() as p:
        _, got = _flags(p, docs)
        assert_that(got, equal_to([("briefs", "story", PASSAGE), ("story", None, None)]))


def test_a_roundup_is_flagged_passage_under_the_story(beam_pipeline, make_doc, stories) -> None:
    docs = [
        make_doc("story", stories.port, published="2024-03-05"),
        # the round-up ran first: still the story is the canonical (a round-up carries several stories)
        make_doc("briefs", _roundup(stories.port), published="2024-03-04"),
        make_doc("other", stories.council, published="2024-03-01"),
    ]
    with beam_pipeline() as p:
        out, got = _flags(p, docs)
        expected = [("briefs", "story", PASSAGE), ("story", None, None), ("other", None, None)]
        assert_that(got, equal_to(expected), label="Flags")
        sizes = out["clusters"] | beam.Map(lambda c: (c.cluster_id, c.size, c.passage))
        assert_that(sizes, equal_to([("story", 2, 1)]), label="Clusters")


def test_passage_off_leaves_the_roundup_alone(beam_pipeline, make_doc, stories) -> None:
    docs = [make_doc("story", stories.port), make_doc("briefs", _roundup(stories.port))]
    with beam_pipeline() as p:
        out = p | beam.Create(docs) | FlagDuplicates(bands=64, rows=2, threshold=0.5, passage_threshold=0.0)
        got = out["documents"] | beam.Map(lambda d: (d.id, d.is_duplicate))
        assert_that(got, equal_to([("story", False), ("briefs", False)]))


# A short story a round-up carries nearly whole: by its words alone an excerpt of the round-up, but the round-up
# opens with another story's figures, so the two texts' figures disagree where a passage's need not.
BOND = (
    "LONDON, March 5 - The Industrial Bank of Japan Ltd said it is establishing a sterling certificate of deposit "
    "programme for up to 200 mln stg, with Lloyds Merchant Bank Ltd as arranger and 45 dealers.\n"
    "The programme will have maturities of between seven and 365 days and the issue price was 99.75 pct."
)


def test_a_roundup_carrying_a_short_story_whole_is_its_passage(beam_pipeline, make_doc) -> None:
    briefs = f"{FILLER_A}\nIbj Establishes 200 million sterling CD Programme\n{BOND}\nPork Belly Futures\n{FILLER_B}"
    (story, _), (digest, _) = _sets(BOND), _sets(briefs)
    assert verify(story, digest, threshold=0.5, containment_threshold=0.7, min_contained=15)[0] == "contained"
    docs = [
        make_doc("story", BOND, published="2024-03-05"),
        make_doc("briefs", briefs, published="2024-03-06"),
    ]
    with beam_pipeline() as p:
        _, got = _flags(p, docs)
        assert_that(got, equal_to([("briefs", "story", PASSAGE), ("story", None, None)]))
