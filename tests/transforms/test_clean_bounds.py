"""The per-page bounds of HTML extraction: too many elements (rejected before parsing) and the time bound (a child
process killed at the deadline), with the run going on around a pathological page."""

from __future__ import annotations

import apache_beam as beam
import pytest
from apache_beam.testing.util import assert_that, equal_to

from transforms import records as R
from transforms.clean import CleanRecords, CleanSettings, clean_record
from transforms.extract import DEFAULT_OPTIONS, extract_article, trafilatura_config
from transforms.isolate import ExtractTimeout, IsolatedExtractor
from transforms.records import Document, RawRecord, Rejected

STORY = (
    "<html><body><article><h1>Harbour bridge reopens</h1>"
    + "".join(
        f"<p>Paragraph {i}: the Harbour Road bridge reopened to traffic on Tuesday morning, eleven weeks after "
        "winter storms tore away part of its eastern parapet, council officials said.</p>"
        for i in range(4)
    )
    + "</article></body></html>"
)


def nested_tables(megabytes: float = 5.0) -> str:
    """A pathological page: tables nested 120 deep, each with many rows, about ``megabytes`` of HTML."""
    depth = 120
    rows = max(1, int(megabytes * 1e6 / depth / 45))
    inner = "<p>Deep cell text with a few words in it.</p>"
    for i in range(depth):
        body = "".join(f"<tr><td>r{i}.{j} cell</td><td>more {j}</td></tr>" for j in range(rows))
        inner = f"<table>{body}<tr><td>{inner}</td></tr></table>"
    return f"<html><body><article><p>An intro paragraph.</p>{inner}</article></body></html>"


@pytest.fixture(scope="module")
def big_page() -> str:
    page = nested_tables(5.0)
    assert len(page) >= 5_000_000
    return page


def _record(record_id: str, body: str) -> RawRecord:
    return RawRecord(origin=f"/crawl/{record_id}.html", kind="html", body=body, id=record_id, url=None)


def test_too_many_elements_is_rejected_before_parsing(big_page: str) -> None:
    settings = CleanSettings(max_html_elements=10_000)
    result = clean_record(_record("big", big_page), settings=settings).result
    assert isinstance(result, Rejected)
    assert (result.reason, result.stage, result.id) == (R.TOO_MANY_ELEMENTS, "clean", "big")
    assert "max_html_elements=10000" in result.message


def test_the_child_process_gives_what_the_thread_gives_and_restarts_after_a_timeout(big_page: str) -> None:
    isolated = IsolatedExtractor(timeout=1.0)
    try:
        assert isolated.run(STORY, None, DEFAULT_OPTIONS) == extract_article(
            STORY, config=trafilatura_config()
        )
        with pytest.raises(ExtractTimeout, match="longer than 1 s"):
            isolated.run(big_page, None, DEFAULT_OPTIONS)
        # a fresh child takes the next page
        article = isolated.run(STORY, None, DEFAULT_OPTIONS)
        assert article.found is not None and "Paragraph 3" in article.found.text
        assert isolated.started == 2
    finally:
        isolated.close()


def test_timeout_must_be_positive() -> None:
    with pytest.raises(ValueError, match="timeout"):
        IsolatedExtractor(timeout=0)


def test_small_pages_stay_in_the_thread() -> None:
    isolated = IsolatedExtractor(timeout=1.0)
    try:
        cleaned = clean_record(_record("story", STORY), isolated=isolated)
        assert isinstance(cleaned.result, Document) and cleaned.isolated is False
        assert isolated.started == 0  # no child was ever started
    finally:
        isolated.close()


def test_pathological_page_is_cut_off_and_the_run_goes_on(big_page: str, run_counted) -> None:
    records = [
        _record("story", STORY),
        _record("big", big_page),
        _record("story-2", STORY.replace("Tuesday", "Wednesday")),
    ]

    def build(p: beam.Pipeline) -> None:
        out = (
            p
            | beam.Create(records)
            | CleanRecords(extract_timeout=1.0, isolate_min_bytes=1_000_000, max_html_elements=10_000_000)
        )
        assert_that(
            out.documents | "Ids" >> beam.Map(lambda d: d.id), equal_to(["story", "story-2"]), label="Docs"
        )
        assert_that(
            out.rejected | "Why" >> beam.Map(lambda r: (r.id, r.reason, r.stage)),
            equal_to([("big", R.EXTRACT_TIMEOUT, "clean")]),
            label="Rejected",
        )

    counters = run_counted(build)["clean"]
    assert counters["dropped:extract_timeout"] == 1 and counters["isolated"] == 1
    assert counters["seen"] == counters["kept"] + counters["dropped:extract_timeout"] == 3
    assert counters["rule:title"] == 2  # the headline, counted for each cleaned page


def test_reason_codes_are_registered() -> None:
    assert R.EXTRACT_TIMEOUT in R.REASONS and R.TOO_MANY_ELEMENTS in R.REASONS


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (dict(extract_timeout=-1), "extract_timeout"),
        (dict(isolate_min_bytes=-1), "isolate_min_bytes"),
        (dict(max_html_elements=0), "max_html_elements"),
        (dict(skip_rules=["no_such_rule"]), "unknown rule"),
    ],
)
def test_clean_records_refuses_bad_bounds(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        CleanRecords(**kwargs)  # type: ignore[arg-type]
