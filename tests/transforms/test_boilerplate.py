"""Site templates learned from the batch: the pure functions, the two-pass transform on TestPipeline, its counters,
and the clean stage stripping the learned lines from text dumps of their source."""

from __future__ import annotations

import random

import apache_beam as beam
import pytest
from apache_beam.testing.util import assert_that, equal_to

from transforms.boilerplate import LearnBoilerplate, TemplateLine, document_lines, select_template_lines
from transforms.clean import CleanRecords, clean_record
from transforms.records import Document, RawRecord

STORIES = [
    "The port of Valmera reopened on Monday after a nine-day strike that left forty ships waiting at anchor.",
    "The city council approved a plan to turn the disused tram depot on Mill Lane into a public library.",
    "Importers of household goods said the dispute had cost them millions in late fees this spring.",
    "Residents who had campaigned for the library for almost a decade cheered from the public gallery.",
    "Union leaders said members had accepted the offer by a margin of 81 percent to 19 percent.",
    "Construction could begin next spring, and the council hopes the first tenants move in by 2027.",
    "Retailers had warned that the stoppage was delaying deliveries of furniture and spring clothing.",
]
HEADER = "Valmera Evening Post"
PITCH = "The Evening Post has told the stories of this harbour town for more than a century and a half."
FOOTER = "Call the newsroom on 0100 555 0134 with your news."


def _dump(i: int, *, views: int) -> str:
    """A text dump of the Evening Post: two fixed chrome lines above the story, one below, one varying line."""
    story = STORIES[i % len(STORIES)]
    second = STORIES[(i + 3) % len(STORIES)]
    return (
        f"{HEADER}\n\n{PITCH}\n\nHeadline number {i} for the story\n\n"
        f"VALMERA, June {i + 1} (Reuters) - {story}\n\n{second}\n\n{views} views\n\n{FOOTER}\n"
    )


def _records() -> list[RawRecord]:
    rng = random.Random(3)
    out = [
        RawRecord(
            origin=f"/d/post/{i}.txt",
            kind="text",
            body=_dump(i, views=rng.randint(100, 9999)),
            id=f"post-{i}",
            source="eveningpost.example",
        )
        for i in range(8)
    ]
    # another source with too few documents to learn from, an HTML page (not learned from) and a dump with no
    # source at all
    out += [
        RawRecord(
            origin=f"/d/other/{i}.txt",
            kind="text",
            body=_dump(i, views=7),
            id=f"other-{i}",
            source="other.example",
        )
        for i in range(3)
    ]
    out.append(
        RawRecord(
            origin="/d/page.html",
            kind="html",
            body=f"<p>{HEADER}</p>",
            id="page",
            source="eveningpost.example",
        )
    )
    out.append(RawRecord(origin="/d/anon.txt", kind="text", body=_dump(0, views=1), id="anon"))
    return out


# ---------------------------------------------------------------------------------------------------------------
# Pure functions


def test_document_lines_are_distinct_normalised_and_never_wire_credits() -> None:
    text = f"  {HEADER}  \n{HEADER}\n\n(Xinhua)\nReuter\n(Reporting by Jane Doe)\n{'x' * 600}\nShare  this\n"
    assert document_lines(text) == frozenset({HEADER, "Share this"})


def test_select_needs_both_min_docs_and_min_share() -> None:
    counts = [("in all", 40), ("in a quarter", 10), ("in four", 4)]
    chosen = select_template_lines("s", 40, counts, min_docs=5, min_share=0.2, max_lines=10)
    assert [(t.line, t.documents, t.share) for t in chosen] == [
        ("in all", 40, 1.0),
        ("in a quarter", 10, 0.25),
    ]
    assert select_template_lines("s", 40, counts, min_docs=5, min_share=0.5, max_lines=10)[0].line == "in all"
    assert select_template_lines("s", 0, counts, min_docs=5, min_share=0.2, max_lines=10) == []


def test_select_keeps_at_most_max_lines_the_most_frequent_whatever_the_order() -> None:
    counts = [(f"line {k:03d}", 10 + k % 7) for k in range(200)]
    first = select_template_lines("s", 20, counts, min_docs=2, min_share=0.1, max_lines=5)
    shuffled = list(counts)
    random.Random(1).shuffle(shuffled)
    assert select_template_lines("s", 20, iter(shuffled), min_docs=2, min_share=0.1, max_lines=5) == first
    assert len(first) == 5 and all(t.documents == 16 for t in first)
    assert first == sorted(first, key=lambda t: (-t.documents, t.line))


def test_learn_boilerplate_refuses_bad_settings() -> None:
    for kwargs, match in (
        (dict(min_docs=1), "min_docs"),
        (dict(min_share=0), "min_share"),
        (dict(max_lines_per_source=0), "max_lines_per_source"),
    ):
        with pytest.raises(ValueError, match=match):
            LearnBoilerplate(**kwargs)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------------------------
# The two passes on Beam


def test_learn_boilerplate_finds_each_sources_template(beam_pipeline) -> None:
    with beam_pipeline() as p:
        learned = (
            p | beam.Create(_records()) | LearnBoilerplate(min_docs=5, min_share=0.5, max_lines_per_source=10)
        )
        assert_that(
            learned,
            equal_to(
                [TemplateLine("eveningpost.example", line, 8, 8, 1.0) for line in (HEADER, PITCH, FOOTER)]
            ),
        )


def test_learn_boilerplate_counters(run_counted) -> None:
    def build(p: beam.Pipeline) -> None:
        _ = p | beam.Create(_records()) | LearnBoilerplate(min_docs=5, min_share=0.5)

    counters = run_counted(build)["boilerplate"]
    assert counters["seen"] == 12  # text records only
    assert counters["seen"] == counters["kept"] + counters["dropped:no_source"]
    assert counters["dropped:no_source"] == 1
    assert counters["learned_lines"] == 3 and counters["sources_with_template"] == 1


def test_clean_strips_the_learned_lines_of_the_records_source(run_counted) -> None:
    def build(p: beam.Pipeline) -> None:
        records = p | beam.Create(_records())
        learned = records | "Learn" >> LearnBoilerplate(min_docs=5, min_share=0.5)
        out = records | "Clean" >> CleanRecords(templates=learned)
        texts = out.documents | beam.Map(
            lambda d: (d.id, HEADER in d.text or PITCH in d.text or FOOTER in d.text)
        )
        assert_that(
            texts | "Leftovers" >> beam.Filter(lambda kv: kv[0].startswith("post-") and kv[1]),
            equal_to([]),
        )

    counters = run_counted(build)["clean"]
    assert counters["rule:site_template"] == 8 * 3  # header, pitch and footer of each Evening Post dump


def test_template_lines_are_stripped_but_a_date_line_still_gives_its_fields() -> None:
    lines = [HEADER, "Published: 2014-06-07 09:21", "Headline of the day", STORIES[0], STORIES[1], PITCH]
    body = "\n\n".join(lines) + "\n"
    record = RawRecord(origin="/d/x.txt", kind="text", body=body, id="x", source="eveningpost.example")
    templates = frozenset({HEADER, PITCH, "Published: 2014-06-07 09:21"})
    cleaned = clean_record(record, templates=templates)
    assert isinstance(cleaned.result, Document)
    assert cleaned.result.text == f"{STORIES[0]}\n{STORIES[1]}"
    assert cleaned.result.published == "2014-06-07T09:21:00Z"
    assert cleaned.removed.count("site_template") == 2 and "meta_line" in cleaned.removed


def test_without_templates_the_prose_like_pitch_stays() -> None:
    body = f"{STORIES[0]}\n\n{STORIES[1]}\n\n{PITCH}\n"
    record = RawRecord(origin="/d/x.txt", kind="text", body=body, id="x", source="eveningpost.example")
    cleaned = clean_record(record)
    assert isinstance(cleaned.result, Document) and PITCH in cleaned.result.text
