"""The ``wire`` field: the news agency a story comes from, by its dateline or credit; the dateline stays text."""

from __future__ import annotations

import json

import pytest

from transforms.clean import build_document, clean_record
from transforms.extract import Extracted
from transforms.records import Document, RawRecord, to_json
from transforms.textdump import is_wire_line, wire_agency

BODY = (
    "Rescue crews searched through the night for survivors of the collapse, officials said on Saturday.\n"
    "The building, a six-storey block of flats, had been under renovation since the spring."
)


@pytest.mark.parametrize(
    ("first", "wire"),
    [
        ("NEW YORK, March 3 (Reuters) - Stocks fell sharply on Tuesday.", "reuters"),
        ("BEIJING, June 7 (Xinhua) -- A 5.1-magnitude earthquake jolted Yunnan province.", "xinhua"),
        ("WASHINGTON (AP) — Rescue crews searched through the night.", "ap"),
        ("ST. JOSEPH, Mich. (AP) — Michigan health authorities reported a sixth death.", "ap"),
        ("(AP) — Rescue crews searched through the night.", "ap"),
        ("PARIS, 7 June (AFP) - Strikes closed the Louvre.", "afp"),
        ("LONDON (CNN) — A network is not a wire agency.", None),
        ("The report cited (AP) sources - but this is no dateline.", None),
        ("A story without any dateline at all, told by a local reporter.", None),
    ],
)
def test_wire_from_the_dateline(first: str, wire: str | None) -> None:
    assert wire_agency(f"{first}\n{BODY}") == wire


@pytest.mark.parametrize(
    ("last", "wire"),
    [
        ("(Xinhua)", "xinhua"),
        ("Source: AFP", "afp"),
        ("— AP", "ap"),
        ("REUTER", "reuters"),
        ("Reporters", None),
    ],
)
def test_wire_from_a_credit_on_the_last_line(last: str, wire: str | None) -> None:
    assert wire_agency(f"{BODY}\n{last}") == wire


def test_wire_from_the_header_credit_when_it_is_an_agency() -> None:
    assert wire_agency(BODY, "xinhua") == "xinhua"
    assert wire_agency(BODY, "chinadaily.com.cn") is None


def test_wire_lines() -> None:
    for line in (
        "(Xinhua)",
        "Reuter",
        "BEIJING, June 7 (Xinhua) --",
        "(Reporting by Jane Doe; Editing by John Roe)",
    ):
        assert is_wire_line(line), line
    for line in ("Metro Tribune", "Share this story", "(Photo: Reuters staff)"):
        assert not is_wire_line(line), line


def test_text_dump_keeps_the_dateline_and_records_the_agency() -> None:
    dump = (
        "Home > World\n\nQuake shakes southwest China\n\n"
        "BEIJING, June 7 (Xinhua) -- A 5.1-magnitude earthquake jolted southwest China's Yunnan province early "
        "Saturday morning, the China Earthquake Networks Center said.\n\n"
        "The quake struck at a depth of 10 km, and no casualties have been reported so far, local authorities "
        "said.\n\nComments (0)\n"
    )
    record = RawRecord(origin="/d/quake.txt", kind="text", body=dump, id="quake")
    doc = clean_record(record).result
    assert isinstance(doc, Document)
    assert doc.text.startswith("BEIJING, June 7 (Xinhua) -- A 5.1-magnitude")
    assert doc.wire == "xinhua" and doc.title == "Quake shakes southwest China"


def test_html_page_keeps_the_dateline_and_records_the_agency() -> None:
    paragraphs = [
        "WASHINGTON (AP) — Rescue crews searched through the night for survivors of the collapse of a six-storey "
        "block of flats, officials said on Saturday.",
        "The building had been under renovation since the spring, and residents had complained about cracks in "
        "the walls for months, according to the city's housing department.",
        "Firefighters said four people had been pulled from the rubble alive and taken to hospital.",
    ]
    page = "<html><body><article>" + "".join(f"<p>{p}</p>" for p in paragraphs) + "</article></body></html>"
    doc = clean_record(RawRecord(origin="/d/p.html", kind="html", body=page, id="p")).result
    assert isinstance(doc, Document)
    assert doc.text.split("\n")[0] == paragraphs[0]
    assert doc.wire == "ap"


def test_wire_is_written_and_none_without_an_agency() -> None:
    record = RawRecord(origin="/d/x.txt", kind="text", body=BODY, id="x")
    doc = build_document(record, Extracted(text=BODY))
    assert isinstance(doc, Document) and doc.wire is None
    assert json.loads(to_json(doc))["wire"] is None
    assert "wire" in Document._fields
