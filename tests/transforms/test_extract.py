"""Article extraction (trafilatura) and cleaning: extract_html, build_document, CleanRecords."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import apache_beam as beam
import pytest
from apache_beam.testing.util import assert_that, equal_to

from transforms import records as R
from transforms.clean import CleanRecords, build_document, clean_record, parse_text_record
from transforms.extract import Extracted, extract_html, trafilatura_config
from transforms.normalize import display_text, hashing_form
from transforms.records import Document, RawRecord, Rejected

# A page from the Zyte article-extraction benchmark (MIT licence) in ../shared: a New York Post story.
ZYTE_PAGE = "432362af0be43f6da757ea778bd7f2f000094a565bdebac5af7442987a5372f3"

# A small news page with the usual chrome: navigation, a byline, a comments section, a most-read box, a footer.
PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Harbour bridge reopens after storm repairs | Coastal Courier</title>
<meta property="og:site_name" content="Coastal Courier">
<meta name="author" content="Maria Lindqvist">
<meta property="article:published_time" content="2024-03-05T07:30:00+01:00">
<link rel="canonical" href="https://www.coastalcourier.co.uk/news/harbour-bridge-reopens">
</head><body>
<header><nav><ul><li><a href="/">Home</a></li><li><a href="/news">News</a></li><li><a href="/sport">Sport</a></li>
<li><a href="/weather">Weather</a></li><li><a href="/subscribe">Subscribe today</a></li></ul></nav></header>
<main><article>
<h1>Harbour bridge reopens after storm repairs</h1>
<p class="byline">By Maria Lindqvist, 5 March 2024</p>
<p>The Harbour Road bridge reopened to traffic on Tuesday morning, eleven weeks after winter storms tore away part
of its eastern parapet and forced engineers to close the crossing.</p>
<p>Council officials said the repairs cost 2.4 million pounds, roughly half a million more than first estimated,
because divers found additional scour damage around two of the bridge's supporting piers.</p>
<p>Commuters had faced detours of up to forty minutes while the bridge was shut, and several shop owners on the
quayside reported that trade had fallen by a third during January and February.</p>
<p>"We are grateful for the patience of residents and businesses," said the council's head of infrastructure,
adding that a new monitoring system would now alert engineers to movement in the piers.</p>
<p>A temporary speed limit of 20 miles per hour will remain in place until the final resurfacing work is
completed later this spring.</p>
</article>
<section class="comments" id="comments"><h3>Comments (2)</h3>
<div class="comment"><p>Gerald from Eastcliff wrote: About time too, the diversion through the industrial estate was an
absolute nightmare every single morning.</p></div>
<div class="comment"><p>Priya wrote: Half a million over budget again, somebody at the council should be answering
questions about this overspend.</p></div>
</section></main>
<aside><h3>Most read</h3><ul><li><a href="/a">Lifeboat crew rescues stranded kayakers</a></li>
<li><a href="/b">New ferry timetable announced</a></li></ul></aside>
<footer><p>Copyright 2024 Coastal Courier Ltd. All rights reserved.</p>
<p><a href="/privacy">Privacy policy</a> | <a href="/cookies">Cookie settings</a> |
<a href="/contact">Contact us</a></p>
</footer></body></html>"""

PAGE_URL = "https://www.coastalcourier.co.uk/news/harbour-bridge-reopens"

TEXT_DUMP = """Home | News | Sport | Business | Weather
Share on Facebook
Share on Twitter
Harbour bridge reopens after storm repairs
By Maria Lindqvist | 5 March 2024 09:30
The Harbour Road bridge reopened to traffic on Tuesday morning, eleven weeks after winter storms tore away part \
of its eastern parapet and forced engineers to close the crossing.
Council officials said the repairs cost 2.4 million pounds, roughly half a million more than first estimated, \
because divers found additional scour damage around two of the bridge's supporting piers.
Commuters had faced detours of up to forty minutes while the bridge was shut, and several shop owners on the \
quayside reported that trade had fallen by a third.
Comments (2)
Most popular
Lifeboat crew rescues stranded kayakers
Copyright 2024 Coastal Courier. All rights reserved.
"""

CHROME = (
    "Gerald from Eastcliff",
    "Priya wrote",
    "Subscribe today",
    "Most read",
    "Lifeboat crew",
    "Privacy policy",
    "Cookie settings",
    "All rights reserved",
)


# ---------------------------------------------------------------------------------------------------------------
# extract_html
# ---------------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def config():
    return trafilatura_config()


def test_trafilatura_config_disables_signal_timeout(config) -> None:
    assert config.get("DEFAULT", "EXTRACTION_TIMEOUT") == "0"


def test_extract_inline_page_text_and_metadata(config) -> None:
    found = extract_html(PAGE, config=config)
    assert found is not None
    text = display_text(found.text)
    assert "The Harbour Road bridge reopened to traffic on Tuesday morning" in text
    assert "completed later this spring." in text
    assert '"We are grateful for the patience of residents and businesses," said the council\'s head' in text
    for chrome in CHROME:
        assert chrome not in text, chrome
    assert found.title == "Harbour bridge reopens after storm repairs"
    assert found.published == "2024-03-05"
    assert found.author == "Maria Lindqvist"
    assert found.site == "Coastal Courier"
    assert found.url == PAGE_URL
    assert found.credit is None


def test_extract_comments_are_off_by_default(config) -> None:
    found = extract_html(PAGE, config=config, include_comments=False)
    assert found is not None
    assert "Gerald" not in found.text
    assert "overspend" not in found.text
    assert "Comments (2)" not in found.text


def test_extract_include_comments_on_keeps_them(config) -> None:
    found = extract_html(PAGE, config=config, include_comments=True)
    assert found is not None
    assert "Gerald from Eastcliff" in found.text


def test_extract_page_without_article_is_none(config) -> None:
    assert extract_html("<html><head><title>Empty</title></head><body></body></html>", config=config) is None
    assert extract_html("<html><body><img src='/logo.png'></body></html>", config=config) is None


# A page whose only date is a line of text ("Published: 3 March 2024"): only htmldate's extensive search (dateparser)
# reads it.
DATED_IN_TEXT = (
    "<html><head><title>Harbour fees rise</title></head><body><article><h1>Harbour fees rise</h1>"
    "<p>Published: 3 March 2024</p>"
    + "".join(
        f"<p>The port authority said on Tuesday that harbour fees would rise by {i} percent next year, citing the "
        "cost of dredging the channel and repairing the old quay walls.</p>"
        for i in range(6)
    )
    + "</article></body></html>"
)


def test_extract_without_extensive_date_search_finds_the_same_article(config) -> None:
    full = extract_html(DATED_IN_TEXT, config=config)
    quick = extract_html(DATED_IN_TEXT, config=config, extensive_date_search=False)
    assert full is not None and quick is not None
    assert full.published == "2024-03-03" and quick.published is None
    assert quick == full._replace(published=None)


def test_clean_dated_record_gives_the_same_document_without_the_date_search(config) -> None:
    # The record's own date wins, so the extensive date search is skipped for it; an undated record still gets
    # the date of the page.
    undated = clean_record(_record(body=DATED_IN_TEXT, url="https://port.example/fees"), config=config).result
    assert isinstance(undated, Document) and undated.published == "2024-03-03"
    dated = clean_record(
        _record(body=DATED_IN_TEXT, url="https://port.example/fees", published="2024-03-04T10:00:00Z"),
        config=config,
    ).result
    assert dated == undated._replace(published="2024-03-04T10:00:00Z")


def test_extract_real_page_matches_ground_truth(zyte_dir: Path, config) -> None:
    truth = json.loads((zyte_dir / "ground-truth.json").read_text(encoding="utf-8"))[ZYTE_PAGE]
    html = gzip.decompress((zyte_dir / "html" / f"{ZYTE_PAGE}.html.gz").read_bytes()).decode(
        "utf-8", "replace"
    )
    found = extract_html(html, url=truth["url"], config=config)
    assert found is not None
    text = display_text(found.text)
    body = display_text(truth["articleBody"])
    # every paragraph of the benchmark's article body is a line of ours, in order, and little else is there
    assert hashing_form(body) in hashing_form(text)
    lines = text.split("\n")
    positions = [lines.index(par) for par in body.split("\n")]
    assert positions == sorted(positions)
    assert len(text) <= 1.15 * len(body)
    assert found.title == "Chinese hunter catches bubonic plague after eating wild rabbit"
    assert found.published == "2019-11-18"
    assert found.url == truth["url"]


# ---------------------------------------------------------------------------------------------------------------
# build_document
# ---------------------------------------------------------------------------------------------------------------


def _record(**kw: object) -> RawRecord:
    fields: dict[str, object] = dict(origin="/dumps/feed.jsonl:12", kind="html", body="<p>x</p>", id="doc-1")
    fields.update(kw)
    return RawRecord(**fields)  # type: ignore[arg-type]


FOUND = Extracted(
    text="  Harbour bridge \u200breopens.\n\n\tTraffic is  flowing again.  \n",
    title="  Found   headline ",
    published="2024-03-05T09:30",
    author="Maria Lindqvist",
    site="Coastal Courier",
    credit="pa media",
    url="https://www.coastalcourier.co.uk/news/harbour",
)


def test_build_document_record_fields_win() -> None:
    record = _record(
        url="https://syndicator.example.com/wire/harbour",
        source="Wire Desk",
        title="Record headline",
        published="2024-03-04",
        meta='{"lang": "en"}',
    )
    doc = build_document(record, FOUND)
    assert isinstance(doc, Document)
    assert (doc.id, doc.origin, doc.meta) == ("doc-1", "/dumps/feed.jsonl:12", '{"lang": "en"}')
    assert doc.url == "https://syndicator.example.com/wire/harbour"
    assert doc.source == "Wire Desk"
    assert doc.title == "Record headline"
    assert doc.published == "2024-03-04"
    # what only the page knows comes from the page
    assert (doc.author, doc.site, doc.credit) == ("Maria Lindqvist", "Coastal Courier", "pa media")


def test_build_document_falls_back_to_found_fields() -> None:
    doc = build_document(_record(), FOUND)
    assert isinstance(doc, Document)
    assert doc.url == FOUND.url
    assert doc.source == "coastalcourier.co.uk"  # the registered domain of the page's own URL
    assert doc.title == "Found headline"
    assert doc.published == "2024-03-05T09:30:00Z"


def test_build_document_source_from_record_url_then_site() -> None:
    from_url = build_document(_record(url="https://news.example.co.uk/a"), FOUND._replace(url=None))
    from_site = build_document(_record(), FOUND._replace(url=None))
    assert isinstance(from_url, Document) and from_url.source == "example.co.uk"
    assert isinstance(from_site, Document) and from_site.source == "Coastal Courier"


def test_build_document_texts_and_hash() -> None:
    doc = build_document(_record(), FOUND)
    assert isinstance(doc, Document)
    assert doc.text == "Harbour bridge reopens.\nTraffic is flowing again."
    assert doc.hash_text == "harbour bridge reopens traffic is flowing again"
    assert doc.content_hash == R.content_hash(doc.hash_text)
    assert len(doc.content_hash) == 32
    # dedup fields start empty
    assert (doc.lsh, doc.cluster_id, doc.is_duplicate, doc.duplicate_of, doc.dup_type, doc.similarity) == (
        False,
        None,
        False,
        None,
        None,
        None,
    )


def test_build_document_unparseable_found_date_is_dropped_not_fatal() -> None:
    doc = build_document(_record(), FOUND._replace(published="sometime in March"))
    assert isinstance(doc, Document) and doc.published is None


@pytest.mark.parametrize(
    ("kind", "found"),
    [
        ("html", None),
        ("html", Extracted(text="  \n\u200b\n ")),
        ("text", Extracted(text="")),
    ],
)
def test_build_document_no_text(kind: str, found: Extracted | None) -> None:
    rej = build_document(_record(kind=kind, url="https://e.com/a"), found)
    assert isinstance(rej, Rejected)
    assert (rej.origin, rej.stage, rej.reason, rej.id, rej.url) == (
        "/dumps/feed.jsonl:12",
        "clean",
        R.NO_TEXT,
        "doc-1",
        "https://e.com/a",
    )
    assert ("trafilatura" in rej.message) == (kind == "html")


def test_parse_text_record_drops_chrome_and_reads_header() -> None:
    found = parse_text_record(TEXT_DUMP)
    assert found.text.startswith("The Harbour Road bridge reopened")
    assert found.text.endswith("trade had fallen by a third.")
    for chrome in ("Share on", "Home | News", "Comments (2)", "Most popular", "Lifeboat", "Copyright"):
        assert chrome not in found.text
    assert found.title == "Harbour bridge reopens after storm repairs"
    assert found.published == "2024-03-05T09:30"
    assert found.author == "Maria Lindqvist"


# ---------------------------------------------------------------------------------------------------------------
# CleanRecords
# ---------------------------------------------------------------------------------------------------------------


def test_clean_records_rejects_conflicting_options() -> None:
    with pytest.raises(ValueError, match="favor_precision"):
        CleanRecords(favor_precision=True, favor_recall=True)


def test_clean_records(beam_pipeline) -> None:
    records = [
        RawRecord(origin="/d/feed.jsonl:1", kind="html", body=PAGE, id="page", url=None, source=None),
        RawRecord(
            origin="/d/feed.jsonl:2",
            kind="text",
            body=TEXT_DUMP,
            id="dump",
            url="https://www.coastalcourier.co.uk/print/harbour",
            title="Bridge reopens (print edition)",
        ),
        RawRecord(origin="/d/empty.html", kind="html", body="<html><body></body></html>", id="empty"),
        RawRecord(
            origin="/d/chrome.txt", kind="text", body="Share on Facebook\nShare on Twitter\n", id="chrome"
        ),
    ]
    with beam_pipeline() as p:
        out = p | beam.Create(records) | CleanRecords()
        docs = out.documents | "Docs" >> beam.Map(
            lambda d: (d.id, d.url, d.source, d.title, d.published, d.author, d.text.split("\n")[0][:40])
        )
        chrome_free = out.documents | "NoComments" >> beam.Map(lambda d: (d.id, "Gerald" in d.text))
        rejected = out.rejected | "Rejected" >> beam.Map(lambda r: (r.origin, r.stage, r.reason, r.id))
        assert_that(
            docs,
            equal_to(
                [
                    (
                        "page",
                        PAGE_URL,
                        "coastalcourier.co.uk",
                        "Harbour bridge reopens after storm repairs",
                        "2024-03-05",
                        "Maria Lindqvist",
                        # the headline and the byline are fields, no longer the first lines of the text
                        "The Harbour Road bridge reopened to traf",
                    ),
                    (
                        "dump",
                        "https://www.coastalcourier.co.uk/print/harbour",
                        "coastalcourier.co.uk",
                        "Bridge reopens (print edition)",
                        "2024-03-05T09:30:00Z",
                        "Maria Lindqvist",
                        "The Harbour Road bridge reopened to traf",
                    ),
                ]
            ),
            label="Documents",
        )
        assert_that(chrome_free, equal_to([("page", False), ("dump", False)]), label="NoComments")
        assert_that(
            rejected,
            equal_to(
                [
                    ("/d/empty.html", "clean", R.NO_TEXT, "empty"),
                    ("/d/chrome.txt", "clean", R.NO_TEXT, "chrome"),
                ]
            ),
            label="Rejected",
        )
