#!/usr/bin/env python3
"""Write the sample WARC capture that ``configs/warc.yaml`` runs on: a small crawl of four made-up news sites.

    python data/warc/make_warc.py              # rewrites data/warc/sample.warc.gz
    python data/warc/make_warc.py --out FILE   # writes the same capture to FILE (.warc.gz or .warc)

The records are written with warcio (the WARC library the pipeline reads with) the way a crawler writes them:
a ``warcinfo`` record, then for each fetch a ``request`` and a ``response``, some ``metadata``, a ``revisit``,
an image, a redirect and a 404. Four article pages come from four site templates; one story is syndicated: the
Harbour Times original and the Coastal Herald's copy (its own chrome, one sentence rewritten, published later).
One page is windows-1252 declared only in the HTTP header, one is served gzip-compressed (Content-Encoding).

Deterministic: record ids, dates and gzip headers are fixed, so two runs give identical bytes. Every gzip member
holds one record, as in crawls (Common Crawl, Heritrix). What the pipeline should make of each record:
``EXPECTED`` below (the end-to-end test checks it).
"""

from __future__ import annotations

import argparse
import gzip
import io
import os
import uuid
from typing import Any

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUT = os.path.join(HERE, "sample.warc.gz")
CRAWL_DATE = "2024-03-06T04:{minute:02d}:00Z"

PORT_STORY = [
    "Dock workers at the port of Valmera voted on Monday to end a nine-day strike that had left more than forty "
    "container ships waiting at anchor outside the harbour.",
    "The agreement gives crane operators and lashers a pay rise of 6.5 percent this year and a further 4 percent "
    "next year, according to a statement from the dockers' union, which represents about 3,200 workers.",
    "Port authority chief executive Helena Marsh said the first ships would berth on Tuesday morning and that the "
    "backlog should be cleared within two weeks if the weather holds.",
    "Retailers had warned that the stoppage was delaying deliveries of furniture, electronics and spring clothing, "
    "and several shipping lines had diverted vessels to neighbouring terminals.",
    "Union leaders said members had accepted the offer by a margin of 81 percent to 19 percent in a ballot held "
    "over the weekend at the port's main gate.",
]
# The syndicated copy: the same story with its fourth paragraph rewritten, as a syndicating site might.
PORT_COPY = [
    *PORT_STORY[:3],
    "Importers of household goods said the dispute had cost them millions in late fees, and at least two carriers "
    "had sent their vessels on to rival terminals further up the coast.",
    PORT_STORY[4],
]
COUNCIL_STORY = [
    "The city council approved a plan on Thursday evening to turn the disused tram depot on Mill Lane into a "
    "public library, a community kitchen and forty affordable flats.",
    "Councillors voted 27 to 12 in favour after a three-hour debate in which opponents questioned whether the "
    "building's Victorian roof could be saved at a reasonable cost.",
    "The project is expected to cost 18 million pounds, with a third of the money coming from a national heritage "
    "fund and the rest from borrowing and the sale of two smaller council offices.",
    "Residents who had campaigned for the library for almost a decade cheered from the public gallery when the "
    "result was announced.",
]
CAFE_STORY = [
    "The Café Amélie on the old market square will reopen in April after a renovation that restored its "
    "painted ceiling and the brass counter installed when the café first opened in 1911.",
    "Owner Zoë Lefèvre said the work had taken eighteen months because every tile of the façade was removed, "
    "numbered and cleaned by hand before being put back in its place.",
    "The town's heritage committee paid a third of the cost, and regulars raised the rest through a crowdfunding "
    "campaign that collected more than 40,000 euros in six weeks.",
    "The café will keep its famous crème brûlée on the menu, Lefèvre said, along with the hot chocolate that "
    "generations of schoolchildren have drunk there on winter afternoons.",
]
RAIL_STORY = [
    "Commuters on the northern rail line faced a second day of delays on Wednesday after a signal failure near "
    "Ashford junction forced trains to run at reduced speed through the morning rush hour.",
    "The operator said engineers had replaced a damaged cable overnight but that a fault in the backup system "
    "meant the section could not yet return to its normal timetable.",
    "Passengers reported journeys of up to ninety minutes on a route that usually takes forty, and several "
    "services were cancelled to let the most crowded trains through first.",
    "The operator apologised and said season-ticket holders could claim compensation online for any journey "
    "delayed by more than fifteen minutes this week.",
]


def page(site: str, title: str, paragraphs: list[str], published: str, *, charset: str = "utf-8") -> str:
    """An article page in a site template: navigation, a most-read box, the story, a footer."""
    body = "\n".join(f"<p>{p}</p>" for p in paragraphs)
    meta = f'<meta charset="{charset}">' if charset else ""
    return f"""<!DOCTYPE html>
<html lang="en"><head>{meta}<title>{title} | {site}</title>
<meta property="article:published_time" content="{published}">
</head><body>
<header><nav><ul><li><a href="/">Home</a></li><li><a href="/news">News</a></li><li><a href="/sport">Sport</a></li>
<li><a href="/weather">Weather</a></li></ul></nav><div class="brand">{site}</div></header>
<main><article><h1>{title}</h1>
<div class="byline">By Staff Reporter | {published[:10]}</div>
{body}
</article>
<aside><h2>Most read</h2><ul><li><a href="/a">Weekend weather: sunshine returns</a></li>
<li><a href="/b">Five things to do this week</a></li><li><a href="/c">Letters to the editor</a></li></ul></aside>
</main>
<footer><p>Copyright 2024 {site}. All rights reserved.</p><p>We use cookies to improve your experience.</p>
</footer></body></html>
"""


def _id(*parts: str) -> str:
    return f"<urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, '|'.join(parts))}>"


def _headers(kind: str, url: str, minute: int, **extra: str) -> dict[str, str]:
    return {
        "WARC-Record-ID": _id(kind, url, str(minute)),
        "WARC-Date": CRAWL_DATE.format(minute=minute),
        **extra,
    }


def _record_bytes(writer_record: Any) -> bytes:
    out = io.BytesIO()
    WARCWriter(out, gzip=False).write_record(writer_record)
    return out.getvalue()


class Capture:
    """Records of a crawl, each kept as its uncompressed bytes (and the offset it starts at)."""

    def __init__(self) -> None:
        self.records: list[bytes] = []
        self.offsets: list[int] = []
        self._builder = WARCWriter(io.BytesIO(), gzip=False)
        self._minute = 0

    def _add(self, record: Any) -> int:
        offset = sum(map(len, self.records))
        self.records.append(_record_bytes(record))
        self.offsets.append(offset)
        return offset

    def warcinfo(self) -> int:
        info = {"software": "newsdedup sample generator", "format": "WARC File Format 1.0"}
        record = self._builder.create_warcinfo_record("sample.warc.gz", info)
        record.rec_headers.replace_header("WARC-Record-ID", _id("warcinfo"))
        record.rec_headers.replace_header("WARC-Date", CRAWL_DATE.format(minute=0))
        return self._add(record)

    def fetch(
        self,
        url: str,
        body: bytes,
        *,
        status: str = "200 OK",
        content_type: str = "text/html; charset=utf-8",
        extra_http: list[tuple[str, str]] | None = None,
        request: bool = True,
    ) -> int:
        """A request record (optional) and the response record; returns the response's offset."""
        self._minute += 1
        if request:
            host = url.split("/")[2]
            req = StatusAndHeaders(
                f"GET /{url.split('/', 3)[3]} HTTP/1.1",
                [("Host", host), ("User-Agent", "newsdedup-sample/1.0")],
                is_http_request=True,
            )
            self._add(
                self._builder.create_warc_record(
                    url, "request", http_headers=req, warc_headers_dict=_headers("request", url, self._minute)
                )
            )
        http = StatusAndHeaders(
            status, [("Content-Type", content_type), *(extra_http or [])], protocol="HTTP/1.1"
        )
        return self._add(
            self._builder.create_warc_record(
                url,
                "response",
                payload=io.BytesIO(body),
                length=len(body),
                http_headers=http,
                warc_headers_dict=_headers("response", url, self._minute),
            )
        )

    def metadata(self, url: str, text: str) -> int:
        payload = text.encode()
        return self._add(
            self._builder.create_warc_record(
                url,
                "metadata",
                payload=io.BytesIO(payload),
                length=len(payload),
                warc_content_type="application/warc-fields",
                warc_headers_dict=_headers("metadata", url, self._minute),
            )
        )

    def revisit(self, url: str, original_minute: int) -> int:
        self._minute += 1
        record = self._builder.create_revisit_record(
            url,
            digest="sha1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            refers_to_uri=url,
            refers_to_date=CRAWL_DATE.format(minute=original_minute),
        )
        record.rec_headers.replace_header("WARC-Record-ID", _id("revisit", url))
        record.rec_headers.replace_header("WARC-Date", CRAWL_DATE.format(minute=self._minute))
        return self._add(record)

    def warc_bytes(self, *, compress: bool) -> bytes:
        if not compress:
            return b"".join(self.records)
        return b"".join(gzip.compress(r, compresslevel=9, mtime=0) for r in self.records)


ORIGINAL_URL = "https://www.harbourtimes.example.com/news/2024/03/05/valmera-dockers-end-strike"
COPY_URL = "https://coastalherald.example.net/business/valmera-port-strike-ends"
COUNCIL_URL = "https://www.valleypost.example.org/local/tram-depot-library-approved"
CAFE_URL = "https://metrowire.example.com/culture/cafe-amelie-reopens"
RAIL_URL = "https://www.valleypost.example.org/travel/northern-line-delays"


def build() -> tuple[Capture, dict[str, str]]:
    """The capture and what should happen to each record, by its origin suffix ``@offset``."""
    cap = Capture()
    expected: dict[str, str] = {}
    expected[f"@{cap.warcinfo()}"] = "skipped:warc_warcinfo"
    original = page(
        "Harbour Times", "Valmera dockers end nine-day strike", PORT_STORY, "2024-03-05T08:00:00Z"
    )
    expected[f"@{cap.fetch(ORIGINAL_URL, original.encode())}"] = "document:original"
    copy = page(
        "Coastal Herald", "Port strike over as Valmera dockers back deal", PORT_COPY, "2024-03-06T09:30:00Z"
    )
    expected[f"@{cap.fetch(COPY_URL, copy.encode())}"] = "document:near_duplicate"
    council = page(
        "Valley Post", "Tram depot to become library and flats", COUNCIL_STORY, "2024-03-04T19:00:00Z"
    )
    expected[f"@{cap.fetch(COUNCIL_URL, council.encode())}"] = "document"
    cap.metadata(COUNCIL_URL, "outlink: https://www.valleypost.example.org/local\nfetchTimeMs: 182\n")
    expected[f"@{cap.offsets[-1]}"] = "skipped:warc_metadata"
    # windows-1252, declared only in the HTTP header (no <meta charset>)
    cafe = page(
        "Metro Wire",
        "Café Amélie to reopen after restoration",
        CAFE_STORY,
        "2024-03-05T10:00:00Z",
        charset="",
    )
    expected[
        f"@{cap.fetch(CAFE_URL, cafe.encode('cp1252'), content_type='text/html; charset=windows-1252')}"
    ] = "document:cafe"
    # served gzip-compressed (Content-Encoding), as most servers do
    rail = page(
        "Valley Post", "Signal failure delays northern line again", RAIL_STORY, "2024-03-06T07:00:00Z"
    )
    expected[
        f"@{cap.fetch(RAIL_URL, gzip.compress(rail.encode(), mtime=0), extra_http=[('Content-Encoding', 'gzip')])}"
    ] = "document"
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    expected[
        f"@{cap.fetch('https://www.harbourtimes.example.com/img/port.png', png, content_type='image/png')}"
    ] = "skipped:not_html"
    redirect = b'<html><body><a href="https://coastalherald.example.net/">moved</a></body></html>'
    expected[
        f"@{cap.fetch('http://coastalherald.example.net/', redirect, status='301 Moved Permanently')}"
    ] = "skipped:http_status"
    missing = b"<html><body><h1>Page not found</h1></body></html>"
    expected[f"@{cap.fetch('https://metrowire.example.com/old-story', missing, status='404 Not Found')}"] = (
        "skipped:http_status"
    )
    expected[f"@{cap.revisit(ORIGINAL_URL, 1)}"] = "skipped:warc_revisit"
    for offset in cap.offsets:  # every request record
        expected.setdefault(f"@{offset}", "skipped:warc_request")
    return cap, dict(sorted(expected.items(), key=lambda kv: int(kv[0][1:])))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default=DEFAULT_OUT, help="the WARC file to write (.warc.gz or .warc)")
    args = ap.parse_args(argv)
    cap, _ = build()
    with open(args.out, "wb") as fh:
        fh.write(cap.warc_bytes(compress=args.out.endswith(".gz")))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
