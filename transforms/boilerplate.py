"""Site templates learned from the batch: lines that recur across many text dumps of one source are its chrome.

Two passes over the text records (HTML pages are left to the extractor):

1. Every text dump gives the distinct lines it holds, each keyed by its source: ``((source, line), 1)``, summed
   per key; each source's number of documents is summed the same way.
2. Per source (a CoGroupByKey of the two), a line is a template line when it is in at least ``min_docs`` documents
   of the source and in at least ``min_share`` of them. At most ``max_lines_per_source`` lines a source are kept
   (the most frequent first), in a bounded heap: what a worker holds for a source depends on that setting, never
   on how many documents the source has.

The learned lines go to the clean stage as a side input (``CleanRecords(templates=...)``), which drops them from
the text dumps of their source (rule ``site_template``), and are written out for inspection.

Lines that name a news agency (a credit such as ``(Xinhua)`` or ``Reuter``, a dateline) or credit reporters are
never learned: wire credits are article text even when every story of a source carries the same one.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator
from typing import Any, NamedTuple

import apache_beam as beam
from apache_beam.metrics import Metrics

from transforms.normalize import registered_domain
from transforms.records import RawRecord
from transforms.textdump import is_wire_line, template_key

STAGE = "boilerplate"


class TemplateLine(NamedTuple):
    """A line learned as part of a source's template, with the evidence for it."""

    source: str
    line: str
    documents: int  # documents of the source that hold the line
    source_documents: int  # text documents of the source in the batch
    share: float  # documents / source_documents


def template_source(record: RawRecord) -> str | None:
    """The key a record's template is learned and looked up under: its source, else its URL's domain."""
    return record.source or registered_domain(record.url)


def document_lines(text: str, *, max_line_chars: int = 500) -> frozenset[str]:
    """The distinct lines of a text dump that can be template lines (``template_key`` form): not empty, not
    longer than ``max_line_chars``, not a wire credit or dateline."""
    out = set()
    for raw in text.splitlines():
        line = template_key(raw)
        if line and len(line) <= max_line_chars and not is_wire_line(line):
            out.add(line)
    return frozenset(out)


def select_template_lines(
    source: str,
    source_documents: int,
    counts: Iterable[tuple[str, int]],
    *,
    min_docs: int,
    min_share: float,
    max_lines: int,
) -> list[TemplateLine]:
    """A source's template lines from ``(line, documents)`` counts: in at least ``min_docs`` documents and at
    least ``min_share`` of the source's; of those the ``max_lines`` largest by (documents, line), most frequent
    first. Streams ``counts`` through a heap of ``max_lines`` entries, so the result does not depend on order."""
    if source_documents <= 0:
        return []
    need = max(min_docs, min_share * source_documents)
    heap: list[tuple[int, str]] = []  # the max_lines largest (documents, line) so far, smallest on top
    for line, n in counts:
        if n < need:
            continue
        if len(heap) < max_lines:
            heapq.heappush(heap, (n, line))
        elif (n, line) > heap[0]:
            heapq.heapreplace(heap, (n, line))
    chosen = sorted(heap, key=lambda item: (-item[0], item[1]))
    return [
        TemplateLine(source, line, n, source_documents, round(n / source_documents, 4)) for n, line in chosen
    ]


class _CountLinesFn(beam.DoFn):
    """RawRecord -> ((source, line), 1) per distinct candidate line, tagged ``docs``: (source, 1) per document."""

    def __init__(self, max_line_chars: int):
        self._max_line_chars = max_line_chars

    def setup(self) -> None:
        self._seen = Metrics.counter(STAGE, "seen")
        self._kept = Metrics.counter(STAGE, "kept")
        self._no_source = Metrics.counter(STAGE, "dropped:no_source")
        self._lines = Metrics.distribution(STAGE, "candidate_lines")

    def process(self, record: RawRecord) -> Iterator[Any]:
        self._seen.inc()
        source = template_source(record)
        if not source:
            self._no_source.inc()
            return
        self._kept.inc()
        lines = document_lines(record.body, max_line_chars=self._max_line_chars)
        self._lines.update(len(lines))
        yield beam.pvalue.TaggedOutput("docs", (source, 1))
        for line in lines:
            yield (source, line), 1


class _SelectFn(beam.DoFn):
    """(source, {docs: [n...], lines: [(line, n)...]}) -> TemplateLine*"""

    def __init__(self, *, min_docs: int, min_share: float, max_lines: int):
        self._min_docs, self._min_share, self._max_lines = min_docs, min_share, max_lines

    def setup(self) -> None:
        self._learned = Metrics.counter(STAGE, "learned_lines")
        self._sources = Metrics.counter(STAGE, "sources_with_template")

    def process(self, item: tuple[str, dict[str, Iterable[Any]]]) -> Iterator[TemplateLine]:
        source, grouped = item
        chosen = select_template_lines(
            source,
            sum(grouped["docs"]),
            grouped["lines"],
            min_docs=self._min_docs,
            min_share=self._min_share,
            max_lines=self._max_lines,
        )
        if chosen:
            self._sources.inc()
            self._learned.inc(len(chosen))
        yield from chosen


def _by_documents(item: tuple[str, int]) -> tuple[int, str]:
    line, n = item
    return n, line


def _line_counts(item: tuple[tuple[str, str], int]) -> tuple[str, tuple[str, int]]:
    (source, line), n = item
    return source, (line, n)


class LearnBoilerplate(beam.PTransform):
    """``PCollection[RawRecord] -> PCollection[TemplateLine]``: the lines that recur across a source's text dumps.

    Arguments are the job file's ``clean`` keys ``template_min_docs``, ``template_min_share``,
    ``template_max_lines`` (here without the prefix) and ``template_max_line_chars``.
    """

    def __init__(
        self,
        *,
        min_docs: int = 5,
        min_share: float = 0.2,
        max_lines_per_source: int = 100,
        max_line_chars: int = 500,
    ):
        super().__init__()
        if min_docs < 2:
            raise ValueError("min_docs must be 2 or more: a line in one document is no template")
        if not 0 < min_share <= 1:
            raise ValueError("min_share must be in (0, 1]")
        if max_lines_per_source < 1:
            raise ValueError("max_lines_per_source must be 1 or more")
        if max_line_chars < 1:
            raise ValueError("max_line_chars must be 1 or more")
        self._count = _CountLinesFn(max_line_chars)
        self._select = _SelectFn(min_docs=min_docs, min_share=min_share, max_lines=max_lines_per_source)
        self._min_docs, self._max_lines = min_docs, max_lines_per_source

    def expand(self, records: beam.PCollection) -> beam.PCollection:
        min_docs = self._min_docs
        counted = (
            records
            | "TextOnly" >> beam.Filter(lambda r: r.kind != "html")
            | "CountLines" >> beam.ParDo(self._count).with_outputs("docs", main="lines")
        )
        docs = counted.docs | "DocsPerSource" >> beam.CombinePerKey(sum)
        lines = (
            counted.lines
            | "DocsPerLine" >> beam.CombinePerKey(sum)
            | "MinDocs" >> beam.Filter(lambda kv: kv[1] >= min_docs)
            | "BySource" >> beam.Map(_line_counts)
            # A source's most frequent lines, by (documents, line), in a combiner: what reaches the join is at
            # most max_lines a source, whatever the variety of its lines. Selecting by share afterwards gives
            # the same lines as before it (the share bound is a bound on the same count).
            | "TopLinesPerSource" >> beam.combiners.Top.PerKey(self._max_lines, key=_by_documents)
            | "Unlist" >> beam.FlatMapTuple(lambda source, top: ((source, item) for item in top))
        )
        return (
            {"docs": docs, "lines": lines}
            | "JoinSource" >> beam.CoGroupByKey()
            | "Select" >> beam.ParDo(self._select)
        )
