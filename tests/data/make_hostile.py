#!/usr/bin/env python3
"""Write the hostile input corpus of ``tests/pipeline/test_hostile.py``: every way a raw dump goes wrong, small.

    python tests/data/make_hostile.py              # rewrites tests/data/hostile/
    python tests/data/make_hostile.py --out DIR    # writes the same tree into DIR

Deterministic (gzip headers carry mtime 0, WARC ids and dates are fixed). ``expected.json`` holds the fate of every
record by its origin relative to the corpus folder (``document``, or ``rejected:<reason>``), and the skipped
records of each file by reason. The fates follow from how each input is built; where a break's position depends
on the archive (truncated gzip and zstd files), it is computed here with zlib and zstandard directly, not with
newsdedup's reader. The job settings the fates assume are in ``JOB`` (the test builds its job file from them).
"""

from __future__ import annotations

import argparse
import bz2
import gzip
import io
import json
import lzma
import os
import shutil
import sys
import zlib
from typing import Any

import zstandard
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUT = os.path.join(HERE, "hostile")
SOURCE = "hostile.example"
# The job settings the expected fates assume (sections of the job file; inputs are added by the test).
JOB: dict[str, Any] = {
    "read": {"max_record_bytes": 300_000, "max_decompressed_bytes": 10_000_000},
    "clean": {"max_html_elements": 20_000, "extract_timeout": 0.3, "isolate_min_bytes": 150_000},
    "max_rejected_share": 0.9,
}
BOMB_LIMIT = 1_000_000  # inputs[].max_decompressed_bytes of the bombs/ folder

TOPICS = [
    (
        "ferry",
        "The island ferry returned to its regular timetable on Friday after engineers replaced a faulty fuel",
    ),
    ("library", "The central library will stay open until nine in the evening on weekdays from next month"),
    (
        "orchard",
        "Growers in the valley expect the largest apple harvest in a decade after a warm and wet spring",
    ),
    (
        "bridge",
        "The old river bridge will close for three weeks in August while crews replace its worn bearings",
    ),
    ("museum", "The maritime museum has bought a collection of ship models built by a lighthouse keeper"),
    (
        "market",
        "Stallholders at the Saturday market voted to move the fish counters under the new glass roof",
    ),
    (
        "school",
        "Parents at the hill school raised enough money to rebuild the playground before the new term",
    ),
    (
        "choir",
        "The town choir will sing at the national festival for the first time in its ninety-year history",
    ),
    ("tram", "Tram drivers will trial a new timetable that adds late services on Friday and Saturday nights"),
    ("harbour", "The harbour master warned boat owners to check their moorings before the storm arrives"),
    ("stadium", "Work on the stadium roof is two months behind schedule because of a shortage of steel"),
    ("clinic", "The walk-in clinic on Station Road will open at weekends from the start of next month"),
    ("garden", "Volunteers planted four hundred trees along the ring road in a single weekend"),
    ("bakery", "A family bakery that has served the old town since 1923 will close at the end of the year"),
    ("cycling", "The council will paint protected cycle lanes on three of the busiest streets this summer"),
    ("archive", "Historians found letters from the town's first mayor in the attic of the old post office"),
    ("airport", "The regional airport expects a record number of passengers over the Easter holidays"),
    ("river", "Anglers reported the first salmon in the upper river since the weir was removed last year"),
    ("theatre", "The repertory theatre sold out its spring season within a day of tickets going on sale"),
    ("pool", "The public swimming pool will reopen after a two-year refurbishment that added a learner pool"),
]


def paragraphs(topic: str, n: int = 4) -> list[str]:
    """A short news story: the topic's lede, then paragraphs that differ by topic (never duplicates)."""
    lede = dict(TOPICS)[topic]
    return [
        f"{lede}, officials said on Tuesday, adding that the plans had been discussed with residents for months.",
        f"A spokesperson said the {topic} project had been funded from this year's budget and would not raise "
        "local taxes, although some councillors had asked for an independent review of the costs.",
        f"Residents who spoke at a public meeting about the {topic} plans said they welcomed the news but wanted "
        "clearer information about how long the work would take and who would be responsible for delays.",
        f"The next update on the {topic} plans is expected at the council meeting at the end of the month, when "
        "the final figures will be presented to members and published on the council's website.",
    ][:n]


def html_page(topic: str, *, title: str | None = None, charset: str | None = "utf-8", extra: str = "") -> str:
    head = f'<meta charset="{charset}">' if charset else ""
    body = "\n".join(f"<p>{p}</p>" for p in paragraphs(topic))
    return (
        f"<!DOCTYPE html><html><head>{head}<title>{title or topic.title()}</title></head><body>"
        f"<nav><a href='/'>Home</a> <a href='/news'>News</a></nav><article><h1>{title or topic.title()} news</h1>"
        f"\n{body}\n{extra}</article><footer>Copyright 2024 Hostile Example</footer></body></html>\n"
    )


def sloppy_cp1252(data: bytes) -> str:
    """Bytes read as windows-1252 the way Windows tools do: its five undefined bytes become C1 controls."""
    out = []
    for b in data:
        try:
            out.append(bytes([b]).decode("cp1252"))
        except UnicodeDecodeError:
            out.append(chr(b))
    return "".join(out)


def jline(**fields: Any) -> str:
    return json.dumps(fields, ensure_ascii=False)


def url(name: str) -> str:
    return f"https://news.{SOURCE}/{name}"


def gz(data: bytes) -> bytes:
    return gzip.compress(data, compresslevel=9, mtime=0)


def complete_lines(data: bytes) -> int:
    """Lines that end in a newline (what a reader can return whole before a break)."""
    return data.count(b"\n")


def nested_tables(kilobytes: int) -> str:
    """A pathological page: tables nested 120 deep, slow to extract (about 2 s for 200 KB) but few elements."""
    depth = 120
    rows = max(1, int(kilobytes * 1000 / depth / 45))
    inner = "<p>Deep cell text with a few words in it.</p>"
    for i in range(depth):
        body = "".join(f"<tr><td>r{i}.{j} cell</td><td>more {j}</td></tr>" for j in range(rows))
        inner = f"<table>{body}<tr><td>{inner}</td></tr></table>"
    return f"<html><body><article><p>An intro paragraph.</p>{inner}</article></body></html>"


class Corpus:
    def __init__(self, out: str):
        self.out = out
        self.fates: dict[str, str] = {}
        self.skipped: dict[str, dict[str, int]] = {}

    def write(self, rel: str, data: bytes) -> str:
        path = os.path.join(self.out, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as fh:
            fh.write(data)
        return rel

    def fate(self, origin: str, fate: str) -> None:
        assert origin not in self.fates, origin
        self.fates[origin] = fate

    def skip(self, rel: str, reason: str) -> None:
        counts = self.skipped.setdefault(rel, {})
        counts[reason] = counts.get(reason, 0) + 1


def build_feeds(c: Corpus) -> None:
    """JSON Lines: every bad record kind, plus compression by name and by magic."""
    lines: list[tuple[str, str]] = [
        (jline(url=url("ferry"), text="\n".join(paragraphs("ferry"))), "document"),
        (jline(url=url("library"), html=html_page("library")), "document"),
        ('{"url": "' + url("broken") + '", "text": "unterminated', "rejected:invalid_json"),
        ("[1, 2, 3]", "rejected:not_an_object"),
        (jline(text="no url here"), "rejected:missing_field"),
        (jline(url=url("empty"), html="   ", text=""), "rejected:missing_content"),
        (jline(url=url("typed"), html=42), "rejected:wrong_type"),
        (jline(url=url("title"), text="x", title=["a", "b"]), "rejected:wrong_type"),
        (
            jline(url=url("dated"), text="\n".join(paragraphs("orchard")), published="last Tuesday"),
            "rejected:bad_date",
        ),
        # a JSON escape of a lone surrogate: replaced by U+FFFD, the record is kept
        (
            '{"url": "'
            + url("surrogate")
            + '", "text": "'
            + "\\n".join(paragraphs("bridge"))
            + ' \\ud800 end."}',
            "document",
        ),
        # mojibake (UTF-8 read as windows-1252 somewhere upstream): repaired in the display text
        (
            jline(
                url=url("mojibake"),
                text="\n".join(paragraphs("museum"))
                .replace("museum", "mus\u00e9e")
                .encode()
                .decode("cp1252"),
            ),
            "document",
        ),
        (
            jline(url=url("nav-only"), html="<html><body><nav><a href='/'>Home</a></nav></body></html>"),
            "rejected:no_text",
        ),
        (jline(id="dup-1", url=url("market"), text="\n".join(paragraphs("market"))), "document"),
        (jline(id="dup-1", url=url("school"), text="\n".join(paragraphs("school"))), "rejected:duplicate_id"),
        # trafilatura (htmldate) raises AssertionError on this page: found by fuzzing, kept as a regression case
        (
            jline(
                url=url("crash"),
                html='<svg class=x><img dir=rtl><object property="article:published_time" content="99999-01-01">',
            ),
            "rejected:extract_error",
        ),
    ]
    text = (
        "\ufeff"
        + "".join(line + "\n" for line, _ in lines[:5])
        + "\n"
        + "".join(line + "\n" for line, _ in lines[5:])
    )
    rel = c.write("feeds/feed.jsonl", text.encode("utf-8"))
    n = 0
    for i, (_, fate) in enumerate(lines):
        n = i + 1 if i < 5 else i + 2  # a blank line after the fifth record
        c.fate(f"{rel}:{n}", fate)

    # gzip data in a file named .jsonl: read by its magic bytes
    rel = c.write(
        "feeds/really-gzip.jsonl",
        gz((jline(url=url("choir"), text="\n".join(paragraphs("choir"))) + "\n").encode()),
    )
    c.fate(f"{rel}:1", "document")
    # a file named .gz that is not gzip: one read_error, nothing read
    rel = c.write(
        "feeds/not-gzip.jsonl.gz", (jline(url=url("tram"), text="plain text, not gzip") + "\n").encode()
    )
    c.fate(f"{rel}:1", "rejected:read_error")
    # a line over max_record_bytes (gzip keeps the corpus small): skipped without being held, the next line read
    big = (
        jline(url=url("huge"), text="word " * 70_000)
        + "\n"
        + jline(url=url("pool"), text="\n".join(paragraphs("pool")))
    )
    rel = c.write("feeds/big.jsonl.gz", gz((big + "\n").encode()))
    c.fate(f"{rel}:1", "rejected:too_large")
    c.fate(f"{rel}:2", "document")
    # bzip2 and xz, whole
    rel = c.write(
        "feeds/wire.jsonl.bz2",
        bz2.compress((jline(url=url("harbour"), text="\n".join(paragraphs("harbour"))) + "\n").encode()),
    )
    c.fate(f"{rel}:1", "document")
    rel = c.write(
        "feeds/wire.jsonl.xz",
        lzma.compress((jline(url=url("stadium"), text="\n".join(paragraphs("stadium"))) + "\n").encode()),
    )
    c.fate(f"{rel}:1", "document")

    # truncated archives: the lines before the break are kept, the break is one rejected record
    records = "".join(
        jline(
            url=url(f"cut/{i}"),
            text=f"Record {i} of a cut feed. " + "\n".join(paragraphs(TOPICS[i % 20][0], 2)),
        )
        + "\n"
        for i in range(40)
    ).encode()
    data = gz(records)
    cut = data[: len(data) // 2]
    rel = c.write("feeds/cut.jsonl.gz", cut)
    kept = complete_lines(zlib.decompressobj(wbits=31).decompress(cut))
    for i in range(kept):
        c.fate(f"{rel}:{i + 1}", "document")
    c.fate(f"{rel}:{kept + 1}", "rejected:truncated")

    # zstd in frames of five lines (as seekable-zstd writers do): the whole frames before the cut are readable
    lines = records.replace(b"/cut/", b"/cutz/").splitlines(keepends=True)  # other URLs, other ids
    compressor = zstandard.ZstdCompressor(level=19)
    data = b"".join(compressor.compress(b"".join(lines[i : i + 5])) for i in range(0, len(lines), 5))
    cut = data[: len(data) // 2]
    rel = c.write("feeds/cut.jsonl.zst", cut)
    decoded, rest = b"", cut
    while rest:
        frame = zstandard.ZstdDecompressor().decompressobj()
        decoded += frame.decompress(rest)
        rest = frame.unused_data if frame.eof else b""
    kept = complete_lines(decoded)
    for i in range(kept):
        c.fate(f"{rel}:{i + 1}", "document")
    c.fate(f"{rel}:{kept + 1}", "rejected:truncated")


def build_bombs(c: Corpus) -> None:
    """A bzip2 file of two records then 200 MB of spaces on one line, read with a 1 MB bound: stopped at line 3."""
    head = "".join(
        jline(url=url(f"bomb/{t}"), text="\n".join(paragraphs(t))) + "\n" for t in ("garden", "bakery")
    )
    compressor = bz2.BZ2Compressor(9)
    chunks = [compressor.compress(head.encode())]
    block = b" " * 1_000_000
    for _ in range(200):
        chunks.append(compressor.compress(block))
    chunks.append(compressor.flush())
    rel = c.write("bombs/bomb.jsonl.bz2", b"".join(chunks))
    c.fate(f"{rel}:1", "document")
    c.fate(f"{rel}:2", "document")
    c.fate(f"{rel}:3", "rejected:decompression_bomb")


def build_pages(c: Corpus) -> None:
    """One-article files: encodings, binary payloads, size and extraction bounds."""

    def page(rel: str, data: bytes, fate: str) -> None:
        c.fate(c.write(f"pages/{rel}", data), fate)

    page("good.html", html_page("cycling").encode(), "document")
    page(
        "latin1-meta.html",
        html_page("archive", title="Caf\u00e9 cr\u00e8me", charset="iso-8859-1").encode("latin-1"),
        "document",
    )
    undeclared = html_page("airport", charset=None).replace(
        "officials said", "\u201cofficials\u201d said \u2013 na\u00efvely"
    )
    page("cp1252-undeclared.html", undeclared.encode("cp1252"), "document")
    page("utf16-bom.html", html_page("river", charset=None).encode("utf-16"), "document")
    page("utf16le-nobom.html", html_page("theatre", charset=None).encode("utf-16-le"), "document")
    japanese = html_page("pool", charset="shift_jis").replace(
        "<h1>", "<h1>\u6771\u4eac\u306e\u30d7\u30fc\u30eb "
    )
    page("shift-jis.html", japanese.encode("shift_jis"), "document")
    mojibake = html_page("clinic").replace("walk-in clinic", "walk\u2011in clinic \u2018Sant\u00e9\u2019")
    page(
        "mojibake.html",
        sloppy_cp1252(mojibake.encode("utf-8")).encode("utf-8"),
        "document",
    )
    # a UTF-8 page (its “quotes” are UTF-8) with two stray bytes that are not: they become U+FFFD
    extra = "<p>Passengers bound for Zürich, Malmö and Kraków were told to expect “short” delays.</p>"
    invalid = html_page("ferry", extra=extra).encode()
    invalid = invalid.replace(b"officials said", b"officials \xff\xfe said", 1)
    page("invalid-bytes.html", invalid, "document")
    page("empty.html", b"  \n", "rejected:missing_content")
    page("photo.html", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(64)), "rejected:binary_content")
    page(
        "report.html",
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n",
        "rejected:binary_content",
    )
    page(
        "huge.html.gz",
        gz(html_page("garden", extra="<p>" + "filler " * 60_000 + "</p>").encode()),
        "rejected:too_large",
    )
    page("really-gzip.html", gz(html_page("bakery").encode()), "document")
    page("not-gzip.html.gz", html_page("bakery").encode(), "rejected:read_error")
    many = html_page("market", extra="<p>" + "<i>x</i>" * 25_000 + "</p>")
    page("many-elements.html.bz2", bz2.compress(many.encode()), "rejected:too_many_elements")
    page("slow.html.bz2", bz2.compress(nested_tables(200).encode()), "rejected:extract_timeout")
    page(
        "nav-only.html",
        b"<html><body><nav><a href='/'>Home</a></nav><script>var x = 1;</script></body></html>",
        "rejected:no_text",
    )
    page("brief.txt", ("Orchard news\n" + "\n".join(paragraphs("orchard"))).encode("cp1252"), "document")
    page(
        "brief-utf8.txt.zst",
        zstandard.ZstdCompressor().compress("\n".join(paragraphs("school")).encode()),
        "document",
    )


def _warc_record(
    builder: WARCWriter,
    kind: str,
    target: str | None,
    body: bytes = b"",
    *,
    status: str = "200 OK",
    content_type: str = "text/html; charset=utf-8",
    n: int = 0,
) -> bytes:
    headers = {
        "WARC-Record-ID": f"<urn:uuid:00000000-0000-4000-8000-{n:012d}>",
        "WARC-Date": f"2024-03-06T05:{n % 60:02d}:00Z",
    }
    http = None
    if kind == "response":
        http = StatusAndHeaders(status, [("Content-Type", content_type)], protocol="HTTP/1.1")
    elif kind == "request":
        http = StatusAndHeaders("GET / HTTP/1.1", [("Host", "news.hostile.example")], is_http_request=True)
        body = b""
    record = builder.create_warc_record(
        target or "",
        kind,
        payload=io.BytesIO(body) if body or kind not in ("request",) else None,
        length=len(body),
        http_headers=http,
        warc_content_type="text/plain" if kind in ("metadata", "resource", "warcinfo") else "",
        warc_headers_dict=headers,
    )
    if target is None:
        record.rec_headers.remove_header("WARC-Target-URI")
    out = io.BytesIO()
    WARCWriter(out, gzip=False).write_record(record)
    return out.getvalue()


def build_warc(c: Corpus) -> None:
    """WARC captures: hostile responses among skipped record types, and three broken archives."""
    builder = WARCWriter(io.BytesIO(), gzip=False)
    entries: list[tuple[bytes, str]] = []

    def add(kind: str, target: str | None, body: bytes = b"", fate: str = "", **kw: Any) -> None:
        entries.append((_warc_record(builder, kind, target, body, n=len(entries), **kw), fate))

    add("warcinfo", None, b"software: make_hostile\n", "skipped:warc_warcinfo")
    add("request", url("w/orchard"), fate="skipped:warc_request")
    add("response", url("w/orchard"), html_page("orchard").encode(), "document")
    # the HTTP header says latin-1 but the bytes are UTF-8 (a server default): UTF-8 wins
    add(
        "response",
        url("w/tram"),
        html_page("tram", charset=None).replace("officials", "\u00e9lus").encode(),
        "document",
        content_type="text/html; charset=ISO-8859-1",
    )
    add(
        "response",
        url("w/river"),
        html_page("river", charset=None).encode("utf-16"),
        "document",
        content_type="text/html",
    )
    add("response", url("w/pdf"), b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", "rejected:binary_content")
    add("response", url("w/empty"), b"", "rejected:missing_content")
    add(
        "response",
        url("w/big"),
        html_page("museum", extra="<p>" + "big " * 80_000 + "</p>").encode(),
        "rejected:too_large",
    )
    add("response", url("w/logo"), b"GIF89a\x01\x00\x01\x00", "skipped:not_html", content_type="image/gif")
    add("response", url("w/gone"), b"<html>gone</html>", "skipped:http_status", status="410 Gone")
    add("metadata", url("w/orchard"), b"fetchTimeMs: 12\n", "skipped:warc_metadata")
    add("resource", url("w/feed.txt"), b"a resource record\n", "skipped:warc_other")
    # a response without WARC-Target-URI: warcio itself fails on it (AttributeError), so it is the break of the
    # file, last here because nothing after it can be read
    add("response", None, html_page("garden").encode(), "rejected:read_error")

    rel = "warc/capture.warc.gz"
    c.write(rel, b"".join(gz(data) for data, _ in entries))
    offset = 0
    for data, fate in entries:
        if fate.startswith("skipped:"):
            c.skip(rel, fate.removeprefix("skipped:"))
        else:
            c.fate(f"{rel}@{offset}", fate)
        offset += len(data)

    # a gzipped WARC cut inside its fourth record: three records read, the fourth is the break
    parts = [
        _warc_record(builder, "response", url(f"wcut/{t}"), html_page(t).encode(), n=50 + i)
        for i, t in enumerate(("theatre", "pool", "clinic", "airport"))
    ]
    members = [gz(p) for p in parts]
    rel = c.write("warc/cut.warc.gz", b"".join(members[:3]) + members[3][: len(members[3]) // 2])
    offset = 0
    for i, p in enumerate(parts):
        c.fate(f"{rel}@{offset}", "document" if i < 3 else "rejected:truncated")
        offset += len(p)

    parts = [
        _warc_record(builder, "response", url(f"wplain/{t}"), html_page(t).encode(), n=60 + i)
        for i, t in enumerate(("stadium", "harbour", "choir"))
    ]
    # a plain WARC cut inside its second record's payload
    rel = c.write("warc/cut.warc", parts[0] + parts[1][: len(parts[1]) - 400])
    c.fate(f"{rel}@0", "document")
    c.fate(f"{rel}@{len(parts[0])}", "rejected:truncated")

    # a WARC whose second record is not a WARC record at all
    rel = c.write("warc/garbage.warc", parts[2] + b"this line is not a WARC header\r\nnor is this\r\n\r\n")
    c.fate(f"{rel}@0", "document")
    c.fate(f"{rel}@{len(parts[2])}", "rejected:read_error")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default=DEFAULT_OUT)
    args = ap.parse_args(argv)
    if os.path.isdir(args.out):
        shutil.rmtree(args.out)
    c = Corpus(args.out)
    build_feeds(c)
    build_bombs(c)
    build_pages(c)
    build_warc(c)
    expected = {
        "job": JOB,
        "bomb_limit": BOMB_LIMIT,
        "fates": dict(sorted(c.fates.items())),
        "skipped": c.skipped,
    }
    c.write("expected.json", (json.dumps(expected, indent=1, ensure_ascii=False) + "\n").encode())
    total = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(args.out) for f in fs)
    print(
        f"{len(c.fates)} records with a fate, {sum(sum(v.values()) for v in c.skipped.values())} skipped; {total} bytes"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
