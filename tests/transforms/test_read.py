"""Reading raw dumps: format detection, decoding, record parsing, and ReadDumps over real files."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import apache_beam as beam
import pytest
from apache_beam.testing.util import assert_that, equal_to

from transforms import records as R
from transforms.read import (
    InputSpec,
    ReadDumps,
    count_matches,
    decode_bytes,
    detect_format,
    expand_input,
    glob_root,
    looks_binary,
    parse_file_record,
    parse_json_record,
)
from transforms.records import RawRecord, Rejected, stable_id

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06\x00\x00\x00\x1f\xf3\xffa"

STORY_HTML = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>Ferry service resumes</title></head>
<body><article><h1>Ferry service resumes after engine fault</h1>
<p>The island ferry returned to its regular timetable on Friday after engineers replaced a faulty fuel pump
that had kept the vessel in dry dock for almost a week.</p>
<p>Operators said passengers who had booked crossings during the outage would be refunded in full, and that a
second vessel would be chartered during the summer season to provide cover.</p></article></body></html>
"""

BRIEF_TEXT = (
    "Library extends opening hours\n"
    "The central library will stay open until nine in the evening on weekdays from next month, the council said, "
    "after a survey found that most students wanted somewhere quiet to work after classes.\n"
)


def _line(**fields: object) -> str:
    return json.dumps(fields, ensure_ascii=False)


# ---------------------------------------------------------------------------------------------------------------
# detect_format / looks_binary / decode_bytes
# ---------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/dumps/2024-03-05.jsonl", "jsonl"),
        ("/dumps/feed.ndjson", "jsonl"),
        ("/dumps/FEED.JSONL.GZ", "jsonl"),
        ("gs://bucket/feed.jsonl.zst", "jsonl"),
        ("/pages/story.html", "html"),
        ("/pages/story.htm.bz2", "html"),
        ("/pages/story.html.gz", "html"),
        ("/text/brief.txt", "text"),
        ("/text/brief.txt.xz", "text"),
        ("/pages/README.md", None),
        ("/pages/archive.tar.gz", None),
        ("/pages/noextension", None),
        ("/pages/feed.json", None),
    ],
)
def test_detect_format_from_name(path: str, expected: str | None) -> None:
    assert detect_format(path) == expected


def test_detect_format_declared_wins() -> None:
    assert detect_format("/pages/story.html", "text") == "text"
    assert detect_format("/pages/unknown.dat", "jsonl") == "jsonl"


@pytest.mark.parametrize(
    "data",
    [
        PNG,
        b"\xff\xd8\xff\xe0\x00\x10JFIF\x00",
        b"GIF89a\x01\x00\x01\x00",
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3",
        b"PK\x03\x04\x14\x00\x00\x00",
        gzip.compress(b"<html></html>"),
        b"RIFF\x24\x00\x00\x00WEBPVP8 ",
        b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00",
        b"<html><body>text with a NUL \x00 byte</body></html>",
    ],
)
def test_looks_binary_true(data: bytes) -> None:
    assert looks_binary(data)


@pytest.mark.parametrize(
    "data",
    [
        b"<!DOCTYPE html><html><body><p>Plain page</p></body></html>",
        "Café prices rose 3% — «surprisingly»".encode(),
        "東京の株価は上昇した".encode(),
        b"x" * 5000 + b"\x00",  # a NUL beyond the first 4 KB does not count
    ],
)
def test_looks_binary_false(data: bytes) -> None:
    assert not looks_binary(data)


def test_decode_utf8() -> None:
    text = "Zürich — 東京 — “quotes” — €5"
    assert decode_bytes(text.encode("utf-8")) == text


def test_decode_strips_utf8_bom() -> None:
    assert decode_bytes(b"\xef\xbb\xbf<p>Hello</p>") == "<p>Hello</p>"


def test_decode_declared_latin1() -> None:
    page = '<html><head><meta charset="iso-8859-1"></head><body>Caf\u00e9 cr\u00e8me \u00bd</body></html>'
    data = page.encode("latin-1")
    assert decode_bytes(data) == page


def test_decode_declared_charset_is_honoured_over_cp1252() -> None:
    # Greek bytes read as cp1252 would be "áèÞíá": the page's declared charset must be used
    page = "<html><head><meta http-equiv='Content-Type' content='text/html; charset=iso-8859-7'></head>Αθήνα</html>"
    assert decode_bytes(page.encode("iso-8859-7")) == page


def test_decode_undeclared_cp1252() -> None:
    data = b"<p>\x93Smart quotes\x94 and a ticket for \x805 \x96 na\xefve</p>"
    assert decode_bytes(data) == "<p>“Smart quotes” and a ticket for €5 – naïve</p>"


def test_decode_unknown_declared_charset_falls_back_to_cp1252() -> None:
    assert decode_bytes(b'<meta charset="x-no-such-charset"><p>\x93hi\x94</p>') == (
        '<meta charset="x-no-such-charset"><p>“hi”</p>'
    )


def test_decode_never_raises() -> None:
    assert isinstance(decode_bytes(bytes(range(256)) * 3), str)


# ---------------------------------------------------------------------------------------------------------------
# parse_json_record
# ---------------------------------------------------------------------------------------------------------------

URL = "https://www.bbc.co.uk/news/business-68412345"


def test_parse_json_record_full() -> None:
    line = _line(
        url=URL,
        html="<html><body><p>Markets rallied.</p></body></html>",
        title="  Markets rally  ",
        published="2024-03-05T10:15:00+01:00",
        section="business",
        byline="Zoë Müller",
        lang="en",
        tags=["markets", "stocks"],
        crawl={"status": 200, "at": "2024-03-05"},
    )
    rec = parse_json_record(line, "/dumps/feed.jsonl:3")
    assert isinstance(rec, RawRecord)
    assert rec.origin == "/dumps/feed.jsonl:3"
    assert rec.kind == "html"
    assert rec.body == "<html><body><p>Markets rallied.</p></body></html>"
    assert rec.url == URL
    assert rec.title == "Markets rally"
    assert rec.published == "2024-03-05T09:15:00Z"
    assert rec.source == "bbc.co.uk"
    assert rec.id == stable_id("url", URL)
    # meta: every other field, keys sorted (nested ones too), non-ASCII kept as is
    assert rec.meta == (
        '{"byline": "Zoë Müller", "crawl": {"at": "2024-03-05", "status": 200}, "lang": "en", '
        '"section": "business", "tags": ["markets", "stocks"]}'
    )
    assert list(json.loads(rec.meta)) == ["byline", "crawl", "lang", "section", "tags"]


def test_parse_json_record_text_kind_and_empty_meta() -> None:
    rec = parse_json_record(_line(url=URL, text="Plain text dump."), "f:1")
    assert isinstance(rec, RawRecord)
    assert (rec.kind, rec.body, rec.meta, rec.published, rec.title) == (
        "text",
        "Plain text dump.",
        "{}",
        None,
        None,
    )


def test_parse_json_record_html_wins_over_text_unless_blank() -> None:
    both = parse_json_record(_line(url=URL, html="<p>page</p>", text="dump"), "f:1")
    blank_html = parse_json_record(_line(url=URL, html="  \n ", text="dump"), "f:2")
    assert isinstance(both, RawRecord) and (both.kind, both.body) == ("html", "<p>page</p>")
    assert isinstance(blank_html, RawRecord) and (blank_html.kind, blank_html.body) == ("text", "dump")


def test_id_from_url_is_stable_and_explicit_id_wins() -> None:
    a = parse_json_record(_line(url=URL, text="one", lang="en"), "/a.jsonl:1")
    b = parse_json_record(_line(url=URL, text="two", title="Other"), "/b.jsonl:99")
    c = parse_json_record(_line(url=URL + "?amp=1", text="one"), "/a.jsonl:2")
    d = parse_json_record(_line(id="reuters-123", url=URL, text="one"), "/a.jsonl:3")
    e = parse_json_record(_line(id=4711, url=URL, text="one"), "/a.jsonl:4")
    f = parse_json_record(_line(id="  ", url=URL, text="one"), "/a.jsonl:5")
    assert all(isinstance(r, RawRecord) for r in (a, b, c, d, e, f))
    assert a.id == b.id == stable_id("url", URL)  # type: ignore[union-attr]
    assert len(a.id) == 16 and int(a.id, 16) >= 0  # type: ignore[union-attr]
    assert c.id != a.id  # type: ignore[union-attr]
    assert d.id == "reuters-123"  # type: ignore[union-attr]
    assert e.id == "4711"  # type: ignore[union-attr]
    assert f.id == a.id  # type: ignore[union-attr]  # a blank id is no id


def test_source_explicit_then_registered_domain_then_input_default() -> None:
    explicit = parse_json_record(_line(url=URL, text="t", source="BBC News"), "f:1", default_source="dump-a")
    from_url = parse_json_record(_line(url=URL, text="t"), "f:2", default_source="dump-a")
    default = parse_json_record(
        _line(url="http://intranet/story/1", text="t"), "f:3", default_source="dump-a"
    )
    nothing = parse_json_record(_line(url="http://intranet/story/1", text="t"), "f:4")
    assert [r.source for r in (explicit, from_url, default, nothing)] == [
        "BBC News",
        "bbc.co.uk",
        "dump-a",
        None,
    ]


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ('{"url": "https://e.com/a", "text": "unterminated', R.INVALID_JSON),
        ("not json at all", R.INVALID_JSON),
        ("{'url': 'single quotes'}", R.INVALID_JSON),
        ('["https://e.com/a", "text"]', R.NOT_AN_OBJECT),
        ('"a string"', R.NOT_AN_OBJECT),
        ("42", R.NOT_AN_OBJECT),
        ("null", R.NOT_AN_OBJECT),
        ('{"text": "no url here"}', R.MISSING_FIELD),
        ('{"url": "", "text": "empty url"}', R.MISSING_FIELD),
        ('{"url": "   ", "text": "blank url"}', R.MISSING_FIELD),
        ('{"url": null, "text": "null url"}', R.MISSING_FIELD),
        ('{"url": "https://e.com/a"}', R.MISSING_CONTENT),
        ('{"url": "https://e.com/a", "html": "", "text": "  "}', R.MISSING_CONTENT),
        ('{"url": "https://e.com/a", "html": null, "text": null}', R.MISSING_CONTENT),
        ('{"url": "https://e.com/a", "html": 42}', R.WRONG_TYPE),
        ('{"url": "https://e.com/a", "html": ["<p>a</p>"]}', R.WRONG_TYPE),
        ('{"url": "https://e.com/a", "text": {"body": "x"}}', R.WRONG_TYPE),
        ('{"url": "https://e.com/a", "text": "t", "title": 5}', R.WRONG_TYPE),
        ('{"url": "https://e.com/a", "text": "t", "title": ["a", "b"]}', R.WRONG_TYPE),
        ('{"url": "https://e.com/a", "text": "t", "id": 1.5}', R.WRONG_TYPE),
        ('{"url": "https://e.com/a", "text": "t", "id": true}', R.WRONG_TYPE),
        ('{"url": "https://e.com/a", "text": "t", "id": {"n": 1}}', R.WRONG_TYPE),
        ('{"url": 17, "text": "t"}', R.WRONG_TYPE),
        ('{"url": "https://e.com/a", "text": "t", "source": ["bbc"]}', R.WRONG_TYPE),
        ('{"url": "https://e.com/a", "text": "t", "published": 20240305}', R.WRONG_TYPE),
        ('{"url": "https://e.com/a", "text": "t", "published": "yesterday"}', R.BAD_DATE),
        ('{"url": "https://e.com/a", "text": "t", "published": "2024-02-30"}', R.BAD_DATE),
        ('{"url": "https://e.com/a", "text": "t", "published": "05/03/2024"}', R.BAD_DATE),
    ],
)
def test_parse_json_record_reasons(line: str, reason: str) -> None:
    rej = parse_json_record(line, "/dumps/feed.jsonl:7")
    assert isinstance(rej, Rejected)
    assert (rej.origin, rej.stage, rej.reason) == ("/dumps/feed.jsonl:7", "read", reason)
    assert rej.message
    assert rej.reason in R.REASONS


def test_rejections_carry_what_is_known() -> None:
    bad_date = parse_json_record(_line(id="x1", url=URL, text="t", published="soon"), "f:1")
    no_content = parse_json_record(_line(id=7, url=URL), "f:2")
    no_url = parse_json_record(_line(id="x3", text="t"), "f:3")
    wrong_title = parse_json_record(_line(url=URL, text="t", title=3), "f:4")
    assert isinstance(bad_date, Rejected) and (bad_date.id, bad_date.url) == ("x1", URL)
    assert "soon" in bad_date.message
    assert isinstance(no_content, Rejected) and (no_content.id, no_content.url) == ("7", URL)
    assert isinstance(no_url, Rejected) and (no_url.id, no_url.url) == ("x3", None)
    assert isinstance(wrong_title, Rejected) and wrong_title.url == URL
    assert "title" in wrong_title.message


# ---------------------------------------------------------------------------------------------------------------
# parse_file_record
# ---------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("data", [b"", b"  \n\t\r\n "])
def test_parse_file_record_empty(data: bytes) -> None:
    rej = parse_file_record(data, "/pages/empty.html", "empty.html", "html")
    assert isinstance(rej, Rejected)
    assert (rej.origin, rej.reason) == ("/pages/empty.html", R.MISSING_CONTENT)


def test_parse_file_record_binary_png() -> None:
    rej = parse_file_record(PNG, "/pages/photo.html", "photo.html", "html")
    assert isinstance(rej, Rejected)
    assert (rej.origin, rej.stage, rej.reason) == ("/pages/photo.html", "read", R.BINARY_CONTENT)
    assert "PNG" in rej.message


def test_parse_file_record_html() -> None:
    rec = parse_file_record(STORY_HTML.encode(), "/data/pages/2024/story.html", "2024/story.html", "html")
    assert isinstance(rec, RawRecord)
    assert rec.origin == "/data/pages/2024/story.html"
    assert (rec.kind, rec.body, rec.url, rec.source, rec.published, rec.meta) == (
        "html",
        STORY_HTML,
        None,
        None,
        None,
        "{}",
    )
    assert rec.id == stable_id("file", "", "2024/story.html")


def test_parse_file_record_id_from_relative_path_and_source() -> None:
    def rid(path: str, rel: str, source: str | None = None) -> str:
        rec = parse_file_record(b"Some text.", path, rel, "text", default_source=source)
        assert isinstance(rec, RawRecord)
        return rec.id

    # the same file under another mount point keeps its id
    assert rid("/mnt/a/dumps/x/brief.txt", "x/brief.txt") == rid("/home/b/copy/x/brief.txt", "x/brief.txt")
    assert rid("/a/x/brief.txt", "x/brief.txt") != rid("/a/y/brief.txt", "y/brief.txt")
    assert rid("/a/x/brief.txt", "x/brief.txt", "courier") != rid("/a/x/brief.txt", "x/brief.txt", "gazette")
    rec = parse_file_record(b"Some text.", "/a/x/brief.txt", "x/brief.txt", "text", default_source="courier")
    assert isinstance(rec, RawRecord) and rec.source == "courier"
    assert rec.id == stable_id("file", "courier", "x/brief.txt")


def test_parse_file_record_decodes_cp1252() -> None:
    rec = parse_file_record(b"\x93Quoted\x94 price \x8010", "/t/a.txt", "a.txt", "text")
    assert isinstance(rec, RawRecord) and rec.body == "“Quoted” price €10"


# ---------------------------------------------------------------------------------------------------------------
# glob_root / expand_input
# ---------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "root"),
    [
        ("/data/dumps/*.jsonl", "/data/dumps/"),
        ("/data/dumps/**", "/data/dumps/"),
        ("/data/dumps/2024-*/day?.jsonl", "/data/dumps/"),
        ("/data/dumps/feed[12].jsonl", "/data/dumps/"),
        ("/data/dumps/feed.jsonl", "/data/dumps/"),
        ("/data/dumps/", "/data/dumps/"),
        ("feed.jsonl", ""),
        ("*.jsonl", ""),
        ("dumps/**/x.jsonl", "dumps/"),
        ("gs://bucket/news/2024/*.gz", "gs://bucket/news/2024/"),
    ],
)
def test_glob_root(pattern: str, root: str) -> None:
    assert glob_root(pattern) == root


def test_expand_input(tmp_path: Path) -> None:
    folder = tmp_path / "pages"
    folder.mkdir()
    file = folder / "a.html"
    file.write_text("<p>x</p>")
    assert expand_input(str(folder)) == f"{folder}/**"
    assert expand_input(f"{folder}/") == f"{folder}/**"
    assert expand_input(str(file)) == str(file)
    assert expand_input(f"{folder}/*.html") == f"{folder}/*.html"
    assert expand_input("gs://bucket/dumps/") == "gs://bucket/dumps/**"
    assert expand_input("gs://bucket/dumps/feed.jsonl") == "gs://bucket/dumps/feed.jsonl"


# ---------------------------------------------------------------------------------------------------------------
# ReadDumps over real files
# ---------------------------------------------------------------------------------------------------------------


def test_count_matches(tmp_path: Path) -> None:
    paths = _write_dumps(tmp_path)
    assert count_matches(str(paths["pages"])) == 5  # recursive; README.md matches too (it is skipped on read)
    assert count_matches(str(paths["feeds"]) + "/*.jsonl") == 1
    assert count_matches(str(paths["jsonl"])) == 1
    assert count_matches(str(tmp_path / "nothing-here") + "/*.jsonl") == 0


def test_read_dumps_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError, match="at least one input"):
        ReadDumps(inputs=[])
    with pytest.raises(ValueError, match=r"inputs\.format"):
        ReadDumps(inputs=[InputSpec("/x", format="csv")])
    with pytest.raises(ValueError, match="max_record_bytes"):
        ReadDumps(inputs=[InputSpec("/x")], max_record_bytes=0)


def _write_dumps(root: Path) -> dict[str, Path]:
    """A realistic input tree: two JSON Lines feeds (one gzipped) and a folder of one-article files."""
    feeds = root / "feeds"
    feeds.mkdir(parents=True)
    jsonl = feeds / "wire-2024-03-05.jsonl"
    jsonl.write_text(
        "\n".join(
            [
                _line(url="https://www.reuters.com/markets/a1", text="Stocks rose.", published="2024-03-05"),
                _line(url="https://www.apnews.com/article/b2", html="<p>Rain.</p>", lang="en"),
                "",  # blank line: counted, not a record
                '{"url": "https://www.reuters.com/markets/a3", "text": ',  # invalid_json
                _line(text="no url"),  # missing_field
                _line(
                    url="https://www.reuters.com/markets/a5", text="x", published="last Tuesday"
                ),  # bad_date
                _line(url="https://www.reuters.com/markets/a6", html=12),  # wrong_type
                "[1, 2, 3]",  # not_an_object
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    gz = feeds / "wire-2024-03-06.jsonl.gz"
    gz.write_bytes(
        gzip.compress(
            (
                _line(id="afp-1", url="https://www.afp.com/en/news/c1", text="Wildfire contained.")
                + "\n"
                + _line(url="https://www.afp.com/en/news/c2")  # missing_content
                + "\n"
            ).encode()
        )
    )
    pages = root / "pages"
    (pages / "sports").mkdir(parents=True)
    (pages / "story.html").write_text(STORY_HTML, encoding="utf-8")
    (pages / "sports" / "brief.txt").write_text(BRIEF_TEXT, encoding="utf-8")
    (pages / "photo.html").write_bytes(PNG)  # binary_content
    (pages / "empty.txt").write_bytes(b"")  # missing_content
    (pages / "README.md").write_text("# Pages scraped on 2024-03-05\nNot an article.\n")  # ignored
    return {"feeds": feeds, "pages": pages, "jsonl": jsonl, "gz": gz}


def test_read_dumps_folder_and_glob(tmp_path: Path, beam_pipeline) -> None:
    paths = _write_dumps(tmp_path)
    root = str(tmp_path) + "/"
    inputs = [
        InputSpec(str(paths["feeds"]) + "/*.jsonl*"),  # a glob over a plain and a gzipped feed
        InputSpec(str(paths["pages"]), source="courier.example"),  # a folder, read recursively
    ]
    pages = str(paths["pages"])
    expected_records = [
        (
            "feeds/wire-2024-03-05.jsonl:1",
            "text",
            stable_id("url", "https://www.reuters.com/markets/a1"),
            "reuters.com",
        ),
        (
            "feeds/wire-2024-03-05.jsonl:2",
            "html",
            stable_id("url", "https://www.apnews.com/article/b2"),
            "apnews.com",
        ),
        ("feeds/wire-2024-03-06.jsonl.gz:1", "text", "afp-1", "afp.com"),
        ("pages/story.html", "html", stable_id("file", "courier.example", "story.html"), "courier.example"),
        (
            "pages/sports/brief.txt",
            "text",
            stable_id("file", "courier.example", "sports/brief.txt"),
            "courier.example",
        ),
    ]
    expected_rejected = [
        ("feeds/wire-2024-03-05.jsonl:4", R.INVALID_JSON),
        ("feeds/wire-2024-03-05.jsonl:5", R.MISSING_FIELD),
        ("feeds/wire-2024-03-05.jsonl:6", R.BAD_DATE),
        ("feeds/wire-2024-03-05.jsonl:7", R.WRONG_TYPE),
        ("feeds/wire-2024-03-05.jsonl:8", R.NOT_AN_OBJECT),
        ("feeds/wire-2024-03-06.jsonl.gz:2", R.MISSING_CONTENT),
        ("pages/photo.html", R.BINARY_CONTENT),
        ("pages/empty.txt", R.MISSING_CONTENT),
    ]
    with beam_pipeline() as p:
        out = p | ReadDumps(inputs=inputs)
        records = out["records"] | "ProjectRecords" >> beam.Map(
            lambda r: (r.origin.removeprefix(root), r.kind, r.id, r.source)
        )
        rejected = out["rejected"] | "ProjectRejected" >> beam.Map(
            lambda r: (r.origin.removeprefix(root), r.reason)
        )
        bodies = (
            out["records"]
            | "OnlyPages" >> beam.Filter(lambda r: r.origin.startswith(pages))
            | "Bodies" >> beam.Map(lambda r: r.body)
        )
        assert_that(records, equal_to(expected_records), label="Records")
        assert_that(rejected, equal_to(expected_rejected), label="Rejected")
        assert_that(bodies, equal_to([STORY_HTML, BRIEF_TEXT]), label="Bodies")


def test_read_dumps_ids_do_not_depend_on_how_a_file_is_named(tmp_path: Path, beam_pipeline) -> None:
    """A folder input, a glob over it and the file itself give one id (relative to the input root)."""
    paths = _write_dumps(tmp_path)
    story = paths["pages"] / "story.html"
    inputs = [
        InputSpec(str(paths["pages"]), source="courier.example"),
        InputSpec(str(paths["pages"]) + "/*.html", source="courier.example"),
        InputSpec(str(story), source="courier.example"),
    ]
    expected = [stable_id("file", "courier.example", "story.html")] * 3
    with beam_pipeline() as p:
        out = p | ReadDumps(inputs=inputs, reshuffle=False)
        ids = (
            out["records"] | beam.Filter(lambda r: r.origin.endswith("story.html")) | beam.Map(lambda r: r.id)
        )
        assert_that(ids, equal_to(expected))


def test_read_dumps_too_large(tmp_path: Path, beam_pipeline) -> None:
    feed = tmp_path / "feed.jsonl"
    small = _line(url="https://e.com/1", text="short")
    big = _line(url="https://e.com/2", text="word " * 100)
    feed.write_text(small + "\n" + big + "\n")
    (tmp_path / "big.html").write_text(STORY_HTML)
    with beam_pipeline() as p:
        out = p | ReadDumps(inputs=[InputSpec(str(tmp_path))], max_record_bytes=200)
        kept = out["records"] | "Origins" >> beam.Map(lambda r: r.origin)
        reasons = out["rejected"] | "Reasons" >> beam.Map(lambda r: (r.origin, r.reason))
        assert_that(kept, equal_to([f"{feed}:1"]), label="Kept")
        assert_that(
            reasons,
            equal_to([(f"{feed}:2", R.TOO_LARGE), (str(tmp_path / "big.html"), R.TOO_LARGE)]),
            label="Big",
        )


def test_read_dumps_corrupt_gzip_is_a_read_error(tmp_path: Path, beam_pipeline) -> None:
    (tmp_path / "broken.jsonl.gz").write_bytes(b"\x1f\x8b\x08\x00" + b"definitely not deflate data" * 4)
    with beam_pipeline() as p:
        out = p | ReadDumps(inputs=[InputSpec(str(tmp_path))])
        reasons = out["rejected"] | beam.Map(lambda r: (r.origin, r.reason))
        assert_that(out["records"], equal_to([]), label="NoRecords")
        assert_that(reasons, equal_to([(f"{tmp_path}/broken.jsonl.gz:1", R.READ_ERROR)]), label="ReadError")


def test_read_dumps_truncated_gzip_reports_the_break(tmp_path: Path, beam_pipeline) -> None:
    lines = "".join(
        _line(url=f"https://e.com/{i}", text="Council budget vote " * 20) + "\n" for i in range(200)
    )
    data = gzip.compress(lines.encode())
    (tmp_path / "cut.jsonl.gz").write_bytes(data[: len(data) // 2])
    with beam_pipeline() as p:
        out = p | ReadDumps(inputs=[InputSpec(str(tmp_path))])
        reasons = out["rejected"] | beam.Map(lambda r: r.reason)
        assert_that(reasons, lambda got: _assert_contains(got, R.TRUNCATED))


def _assert_contains(got: list[str], reason: str) -> None:
    if reason not in got:
        raise AssertionError(f"no {reason} among {got}")


# ---------------------------------------------------------------------------------------------------------------
# Counters: seen == kept + sum(dropped:*)
# ---------------------------------------------------------------------------------------------------------------


def test_read_counters(tmp_path: Path, run_counted) -> None:
    paths = _write_dumps(tmp_path)
    inputs = [InputSpec(str(paths["feeds"])), InputSpec(str(paths["pages"]), source="courier.example")]
    counters = run_counted(lambda p: p | ReadDumps(inputs=inputs))
    read = counters["read"]
    dropped = {k: v for k, v in read.items() if k.startswith("dropped:")}
    assert read["seen"] == read["kept"] + sum(dropped.values())
    assert (read["seen"], read["kept"]) == (13, 5)
    assert dropped == {
        "dropped:invalid_json": 1,
        "dropped:missing_field": 1,
        "dropped:bad_date": 1,
        "dropped:wrong_type": 1,
        "dropped:not_an_object": 1,
        "dropped:missing_content": 2,
        "dropped:binary_content": 1,
    }
    assert read["files"] == 6  # README.md is not a dump: skipped, not read
    assert read["skipped_files:unknown_format"] == 1
    assert read["blank_lines"] == 1


# ---------------------------------------------------------------------------------------------------------------
# Compression by name and magic bytes, breaks, bombs, per-file counters
# ---------------------------------------------------------------------------------------------------------------


def test_read_dumps_compression_breaks_and_bombs(tmp_path: Path, run_counted) -> None:
    import bz2

    import zstandard

    good = "".join(
        _line(url=f"https://e.com/{i}", text=f"Story {i} " * 30) + "\n" for i in range(300)
    ).encode()
    head = b"".join(good.splitlines(keepends=True)[:7])
    feeds, bombs = tmp_path / "feeds", tmp_path / "bombs"
    feeds.mkdir()
    bombs.mkdir()
    (feeds / "magic.jsonl").write_bytes(gzip.compress(head))  # gzip named .jsonl: read by its magic
    (feeds / "plain.jsonl.gz").write_bytes(head)  # named gzip, is not: one read_error
    (feeds / "bom.jsonl").write_bytes(b"\xef\xbb\xbf" + head)  # a UTF-8 BOM before the first record
    zst = zstandard.ZstdCompressor().compress(good)
    (feeds / "cut.jsonl.zst").write_bytes(zst[: len(zst) // 2])
    bomb = bz2.compress(good[:1000] + b" " * 3_000_000)  # 3 MB of spaces on one line, under a 100 KB bound
    (bombs / "bomb.jsonl.bz2").write_bytes(bomb)
    first = 7
    inputs = [InputSpec(str(feeds)), InputSpec(str(bombs), max_decompressed_bytes=100_000)]

    def build(p: beam.Pipeline) -> None:
        out = p | ReadDumps(inputs=inputs, max_record_bytes=50_000)
        reasons = out["rejected"] | beam.Map(lambda r: (r.origin.removeprefix(str(tmp_path)), r.reason))
        assert_that(
            reasons,
            lambda got: _check_breaks(got, good[:1000].count(b"\n")),
        )

    counters = run_counted(build)
    read = counters["read"]
    assert counters[f"file:{feeds / 'magic.jsonl'}"]["read"] == first
    assert counters[f"file:{feeds / 'bom.jsonl'}"]["read"] == first
    assert "dropped:invalid_json" not in read  # the BOM is not part of the first record
    assert counters[f"file:{feeds / 'plain.jsonl.gz'}"]["read"] == 1
    cut = counters[f"file:{feeds / 'cut.jsonl.zst'}"]["read"]
    assert 1 <= cut <= 300
    assert read["seen"] == read["kept"] + sum(v for k, v in read.items() if k.startswith("dropped:"))


def _check_breaks(got: list[tuple[str, str]], bomb_line: int) -> None:
    reasons = dict(got)
    assert reasons["/feeds/plain.jsonl.gz:1"] == R.READ_ERROR, got
    assert [o for o, r in got if r == R.TRUNCATED and o.startswith("/feeds/cut.jsonl.zst:")], got
    assert reasons[f"/bombs/bomb.jsonl.bz2:{bomb_line + 1}"] == R.DECOMPRESSION_BOMB, got
    assert len(got) == 3, got


def test_read_dumps_refuses_a_bad_decompression_bound() -> None:
    with pytest.raises(ValueError, match="max_decompressed_bytes"):
        ReadDumps(inputs=[InputSpec("/x")], max_decompressed_bytes=0)
    with pytest.raises(ValueError, match="max_decompressed_bytes"):
        ReadDumps(inputs=[InputSpec("/x", max_decompressed_bytes=-1)])
