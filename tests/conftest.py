"""Shared fixtures: realistic news texts, a Document factory, Beam pipelines on the in-process runner.

Beam's own ``TestPipeline`` is imported under another name so pytest does not try to collect it, and every
pipeline runs on ``FnApiRunner``: a plain ``DirectRunner`` may try to download Prism.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import apache_beam as beam
import pytest
from apache_beam.runners.portability.fn_api_runner import FnApiRunner
from apache_beam.testing.test_pipeline import TestPipeline as BeamTestPipeline

from transforms.clean import build_document
from transforms.extract import Extracted
from transforms.records import Document, RawRecord

# ../shared next to the repo (tests/conftest.py -> parents[2] is the folder holding the repo; from a test module
# in tests/transforms/ the same folder is parents[3]).
SHARED_DIR = Path(__file__).resolve().parents[2] / "shared"
ZYTE_DIR = SHARED_DIR / "data" / "zyte-aeb"

# ---------------------------------------------------------------------------------------------------------------
# Texts. Written for these tests; paragraphs one per line, as display text is.
# ---------------------------------------------------------------------------------------------------------------

# ~150 words, five paragraphs.
PORT_STORY = (
    "Dock workers at the port of Valmera voted on Monday to end a nine-day strike that had left more than "
    "forty container ships waiting at anchor outside the harbour.\n"
    "The agreement gives crane operators and lashers a pay rise of 6.5 percent this year and a further 4 percent "
    "next year, according to a statement from the dockers' union, which represents about 3,200 workers.\n"
    "Port authority chief executive Helena Marsh said the first ships would berth on Tuesday morning and that "
    "the backlog should be cleared within two weeks if the weather holds.\n"
    "Retailers had warned that the stoppage was delaying deliveries of furniture, electronics and spring "
    "clothing, and several shipping lines had diverted vessels to neighbouring terminals.\n"
    "Union leaders said members had accepted the offer by a margin of 81 percent to 19 percent in a ballot held "
    "over the weekend at the port's main gate."
)

# The same story with one sentence (the retailers paragraph) rewritten, as a syndicating site might.
PORT_STORY_EDITED = PORT_STORY.replace(
    "Retailers had warned that the stoppage was delaying deliveries of furniture, electronics and spring "
    "clothing, and several shipping lines had diverted vessels to neighbouring terminals.",
    "Importers of household goods said the dispute had cost them millions in late fees, and at least two "
    "carriers had sent their vessels on to rival terminals further up the coast.",
)

# An unrelated story of similar length.
COUNCIL_STORY = (
    "The city council approved a plan on Thursday evening to turn the disused tram depot on Mill Lane into a "
    "public library, a community kitchen and forty affordable flats.\n"
    "Councillors voted 27 to 12 in favour after a three-hour debate in which opponents questioned whether the "
    "building's Victorian roof could be saved at a reasonable cost.\n"
    "The project is expected to cost 18 million pounds, with a third of the money coming from a national "
    "heritage fund and the rest from borrowing and the sale of two smaller council offices.\n"
    "Residents who had campaigned for the library for almost a decade cheered from the public gallery when the "
    "result was announced.\n"
    "Construction could begin next spring, and the council hopes the first tenants will move in before the end "
    "of 2027."
)

# Far below min_tokens=20: never enters LSH, but an exact copy is still an exact duplicate.
SHORT_NOTICE = "Weather warning: heavy rain expected across the north tonight."


class Stories(NamedTuple):
    port: str  # ~150 words, five paragraphs
    port_edited: str  # the same story, one sentence rewritten (word 3-shingle Jaccard ~0.67)
    council: str  # unrelated story of similar length
    short: str  # 9 words: too short for LSH


@pytest.fixture
def stories() -> Stories:
    """Realistic news texts (display text: one paragraph a line)."""
    return Stories(port=PORT_STORY, port_edited=PORT_STORY_EDITED, council=COUNCIL_STORY, short=SHORT_NOTICE)


@pytest.fixture
def make_doc() -> Callable[..., Document]:
    """A Document built the way cleaning builds one (``build_document``), so hash_text/content_hash are real."""

    def make(
        doc_id: str,
        text: str,
        *,
        published: str | None = None,
        source: str | None = None,
        url: str | None = None,
        title: str | None = None,
        origin: str | None = None,
        meta: str = "{}",
    ) -> Document:
        record = RawRecord(
            origin=origin or f"/dumps/{doc_id}.txt",
            kind="text",
            body=text,
            id=doc_id,
            url=url,
            source=source,
            published=published,
            title=title,
            meta=meta,
        )
        doc = build_document(record, Extracted(text=text))
        assert isinstance(doc, Document), doc
        return doc

    return make


@pytest.fixture
def beam_pipeline() -> Callable[[], BeamTestPipeline]:
    """A factory of Beam TestPipelines on the in-process portable runner (use as a context manager)."""

    def make() -> BeamTestPipeline:
        return BeamTestPipeline(runner=FnApiRunner())

    return make


@pytest.fixture
def run_counted() -> Callable[[Callable[[beam.Pipeline], object]], dict[str, dict[str, int]]]:
    """Run ``build(p)`` on FnApiRunner and return committed counters as ``{namespace: {name: value}}``."""

    def run(build: Callable[[beam.Pipeline], object]) -> dict[str, dict[str, int]]:
        p = beam.Pipeline(runner=FnApiRunner())
        build(p)
        result = p.run()
        result.wait_until_finish()
        counters: dict[str, dict[str, int]] = {}
        for c in result.metrics().query()["counters"]:
            ns = counters.setdefault(c.key.metric.namespace, {})
            ns[c.key.metric.name] = ns.get(c.key.metric.name, 0) + c.committed
        return counters

    return run


@pytest.fixture
def zyte_dir() -> Path:
    """The Zyte article-extraction benchmark in ../shared, or a skip when that folder is not there."""
    if not (ZYTE_DIR / "ground-truth.json").is_file():
        pytest.skip(f"shared benchmark data not found at {ZYTE_DIR} (needs ../shared next to the repo)")
    return ZYTE_DIR
