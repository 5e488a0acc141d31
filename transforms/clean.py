"""Cleaning: raw record -> Document with display text, hashing form and metadata.

HTML pages go through trafilatura (``extract.py``), plain-text dumps through our chrome rules (``textdump.py``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import apache_beam as beam
from apache_beam.metrics import Metrics

from transforms import records as R
from transforms.extract import Extracted, extract_html, trafilatura_config
from transforms.normalize import display_text, hashing_form, normalize_published, registered_domain
from transforms.records import Document, RawRecord, Rejected
from transforms.textdump import parse_text_dump

STAGE = "clean"


def parse_text_record(text: str) -> Extracted:
    """A plain-text dump: header and footer chrome removed, header metadata parsed."""
    dump = parse_text_dump(text)
    return Extracted(
        text=dump.body,
        title=dump.title,
        published=dump.published,
        author=dump.author,
        site=dump.site,
        credit=dump.credit,
    )


def _published(record_value: str | None, found: str | None) -> str | None:
    """The record's own date wins; a date found in the page is used when it parses."""
    if record_value:
        return record_value
    if found:
        try:
            return normalize_published(found)
        except ValueError:
            return None
    return None


def build_document(record: RawRecord, found: Extracted | None) -> Document | Rejected:
    """Merge a record's own fields with what cleaning found; the record's fields win."""
    text = display_text(found.text) if found else ""
    if not text:
        what = "trafilatura found no article text" if record.kind == "html" else "no article text left"
        return Rejected(record.origin, STAGE, R.NO_TEXT, what, id=record.id, url=record.url)
    assert found is not None
    url = record.url or found.url
    hash_text = hashing_form(text)
    return Document(
        id=record.id,
        origin=record.origin,
        url=url,
        source=record.source or registered_domain(url) or found.site,
        title=record.title or (display_text(found.title) if found.title else None),
        published=_published(record.published, found.published),
        author=found.author,
        credit=found.credit,
        site=found.site,
        text=text,
        hash_text=hash_text,
        meta=record.meta,
        content_hash=R.content_hash(hash_text),
    )


class _CleanFn(beam.DoFn):
    def __init__(
        self, *, include_comments: bool, include_tables: bool, favor_precision: bool, favor_recall: bool
    ):
        self._html_options = dict(
            include_comments=include_comments,
            include_tables=include_tables,
            favor_precision=favor_precision,
            favor_recall=favor_recall,
        )

    def setup(self) -> None:
        self._config = trafilatura_config()
        self._seen = Metrics.counter(STAGE, "seen")
        self._kept = Metrics.counter(STAGE, "kept")
        self._chars = Metrics.distribution(STAGE, "text_chars")

    def process(self, record: RawRecord) -> Iterator[Any]:
        self._seen.inc()
        Metrics.counter(STAGE, f"kind:{record.kind}").inc()
        try:
            if record.kind == "html":
                found = extract_html(record.body, url=record.url, config=self._config, **self._html_options)
            else:
                found = parse_text_record(record.body)
            result = build_document(record, found)
        except Exception as e:  # one hostile page must not sink the run: it becomes a dead letter
            result = Rejected(
                record.origin,
                STAGE,
                R.EXTRACT_ERROR,
                f"{type(e).__name__}: {e}",
                id=record.id,
                url=record.url,
            )
        if isinstance(result, Rejected):
            Metrics.counter(STAGE, f"dropped:{result.reason}").inc()
            yield beam.pvalue.TaggedOutput("rejected", result)
            return
        self._kept.inc()
        self._chars.update(len(result.text))
        yield result


class CleanRecords(beam.PTransform):
    """``PCollection[RawRecord] -> PCollection[Document]``, with a ``rejected`` output of ``Rejected``."""

    def __init__(
        self,
        *,
        include_comments: bool = False,
        include_tables: bool = True,
        favor_precision: bool = False,
        favor_recall: bool = False,
    ):
        super().__init__()
        if favor_precision and favor_recall:
            raise ValueError("favor_precision and favor_recall cannot both be true")
        self._fn = _CleanFn(
            include_comments=include_comments,
            include_tables=include_tables,
            favor_precision=favor_precision,
            favor_recall=favor_recall,
        )

    def expand(self, records: beam.PCollection) -> beam.pvalue.DoOutputsTuple:
        return records | "Clean" >> beam.ParDo(self._fn).with_outputs("rejected", main="documents")
