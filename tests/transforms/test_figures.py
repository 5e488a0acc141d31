"""Templated stories with different figures are different stories: the figures check of verification."""

from __future__ import annotations

import apache_beam as beam
from apache_beam.testing.util import assert_that, equal_to

from transforms.dedup import FlagDuplicates
from transforms.lsh import figures_agree
from transforms.normalize import figures

REPO_TEMPLATE = (
    "The Federal Reserve entered the U.S. Government securities market to arrange {amount} billion dlrs of "
    "customer repurchase agreements, a Fed spokesman said.\n"
    "Dealers said Federal funds were trading at {rate} pct when the Fed began its temporary and indirect supply "
    "of reserves to the banking system, and that the operation was widely expected by the market.\n"
    "Economists said the Fed was likely to add reserves again later this week as the Treasury's balance at the "
    "central bank rose and the statement period drew to a close on {day}."
)


def test_figures_are_numbers_as_written_and_number_words() -> None:
    text = (
        "Shr 12 cts vs 10 cts. Net 1,042,000 vs 4,077,000; funds at 6-3/16 pct. One of five ships, 38.5 mln."
    )
    assert figures(text) == ("10", "1042000", "12", "38.5", "4077000", "6-3/16", "five", "one")
    assert figures(text, lede_only=True) == figures(text)  # all within the first 50 words
    assert figures("word " * 60 + "then 17 and 18.", lede_only=True) == ()
    assert figures("No numbers here at all.") == ()


def test_a_wire_datelines_date_is_not_a_figure() -> None:
    # a next-day re-send and an outlet's copy without the date state the same story
    original = figures("NEW YORK, March 3 (Reuters) - Shr 12 cts vs 10 cts\nNet 1,042,000")
    assert original == ("10", "1042000", "12")
    assert figures("NEW YORK, March 4 (Reuters) - Shr 12 cts vs 10 cts\nNet 1,042,000") == original
    assert figures("NEW YORK (The Daily) - Shr 12 cts vs 10 cts\nNet 1,042,000") == original
    assert figures("FRESNO, Calif., 3 Mar. 1987 - Profit was 4.5 mln", lede_only=True) == ("4.5",)
    # a date inside the story is a figure
    assert figures("He said on March 3 - a day early - that 5 ships sailed.") == ("3", "5")
    assert figures("Talks end on March 3, officials said.") == ("3",)


def test_figures_agree_on_copies_and_excerpts_not_on_templates() -> None:
    full = ("1.5", "6-3/16", "15", "1987", "two")
    assert figures_agree(full, full, min_agreement=0.6)
    assert figures_agree(("1.5", "6-3/16", "15"), full, min_agreement=0.6)  # an excerpt states fewer
    assert not figures_agree(("2", "6-1/2", "16", "1987"), full, min_agreement=0.6)
    assert figures_agree(("7",), ("9",), min_agreement=0.6)  # fewer than two figures: not judged
    assert figures_agree(("1", "2"), ("3", "4"), min_agreement=0.0)  # 0: off
    # weekly statistics: a constant boilerplate paragraph agrees, the lede with this week's numbers does not
    week_a, week_b = (
        ("1001430", "1850000", "1986", "1987", "25192", "6"),
        ("1001430", "1850000", "1986", "1987", "5988", "9"),
    )
    assert figures_agree(week_a, week_b, min_agreement=0.6)
    assert not figures_agree(week_a, week_b, min_agreement=0.6, lede_a=("25192", "6"), lede_b=("5988", "9"))
    # a copy whose lede window also holds chrome figures (a date bar) still shares one with its original
    assert figures_agree(
        week_a, week_a, min_agreement=0.6, lede_a=("1987", "3", "25192"), lede_b=("25192", "6")
    )


def test_templated_reports_with_other_figures_are_not_flagged(beam_pipeline, make_doc) -> None:
    days = [("1.5", "6-3/16", "Wednesday"), ("two", "6-1/2", "Friday"), ("1.5", "6-3/16", "Wednesday")]
    docs = [
        make_doc(f"repo-{i}", REPO_TEMPLATE.format(amount=a, rate=r, day=d), published=f"1987-03-0{i + 1}")
        for i, (a, r, d) in enumerate(days)
    ]
    docs[2] = make_doc("repo-2", docs[2].text + "\nReporting by the markets desk.", published="1987-03-03")
    with beam_pipeline() as p:
        out = p | beam.Create(docs) | FlagDuplicates(bands=64, rows=2, threshold=0.5, cluster_rounds=2)
        flags = out["documents"] | beam.Map(lambda d: (d.id, d.duplicate_of))
        # the third repeats the first's figures (a re-send with a sign-off): a copy; the second is another day
        assert_that(flags, equal_to([("repo-0", None), ("repo-1", None), ("repo-2", "repo-0")]))


def test_with_the_check_off_the_template_merges(beam_pipeline, make_doc) -> None:
    docs = [
        make_doc(
            "repo-a",
            REPO_TEMPLATE.format(amount="1.5", rate="6-3/16", day="Wednesday"),
            published="1987-03-02",
        ),
        make_doc(
            "repo-b", REPO_TEMPLATE.format(amount="two", rate="6-1/2", day="Friday"), published="1987-03-03"
        ),
    ]
    with beam_pipeline() as p:
        out = p | beam.Create(docs) | FlagDuplicates(bands=64, rows=2, threshold=0.5, figure_agreement=0.0)
        flags = out["documents"] | beam.Map(lambda d: (d.id, d.duplicate_of))
        assert_that(flags, equal_to([("repo-a", None), ("repo-b", "repo-a")]))
