"""Site templates learned from the batch: lines that recur across many text dumps of one source are its chrome.

Two passes over the text records (HTML pages are left to the extractor):

1. Every text dump gives the distinct lines it holds, each counted under its source: per (source, line) the
   number of documents holding it, summed per key; each source's number of documents is summed the same way. The
   counts are summed in each worker's memory first and cross the shuffle in batches, one element per partition
   of the (source, line) space and flush (see ``LINE_PARTITIONS``), not one element per line of a document.
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
import struct
from collections.abc import Iterable, Iterator
from typing import Any, NamedTuple

import apache_beam as beam
import xxhash
from apache_beam.metrics import Metrics

from transforms.normalize import registered_domain
from transforms.records import RawRecord, at_end_of_global_window
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


# Beam's cost follows the number of elements, and the (source, line) counts were a text run's biggest collection
# (10,212 dumps of the bench: CountLines gave 173,835 ``((source, line), 1)`` and 10,212 ``(source, 1)``
# elements, and 137,945 distinct (source, line) keys went through each step of the combine). So they cross the
# shuffle in batches, as the band keys do (transforms/lsh.py): a worker counts its documents per (source, line)
# in a dict, and sends one element per partition of the (source, line) space and flush; the step after the
# shuffle sums one partition's counts over the batches of all bundles and workers. Measured on those dumps in one
# in-memory process: CountLines gives 3,123 elements (3 flushes of 1,024 batches and 17 source counts),
# GroupByPartition 1,024 keys, SumLines 589 lines; a run's CPU time fell by 1.4-7.1 s of 56.4-60.7 s (5
# alternating pairs, median 3.6 s, ratio 0.94).
# 1024 partitions: enough keys to spread the summing over any number of workers, few enough that a batch holds
# many entries (a flush of LINE_BUFFER entries: ~64 a partition); after the shuffle a partition holds 1/1024 of
# the batch's distinct (source, line) counts (at 10,212 dumps ~135, at ten million ~130k, a few tens of MB).
LINE_PARTITIONS = 1024
# A worker flushes its counts when they hold this many distinct (source, line) entries, so its memory stays
# bounded whatever the size of its bundles. 2**16: ~5,000 of the bench's dumps (~13.5 new entries each); counting
# and packing them peaked at 17.8 MB traced (dicts, packed batches; the lines' strings, ~8 MB, came with the
# records). A flush sends at most 1024 elements, ~64 entries a batch. A line split over flushes, bundles or
# workers is summed after the shuffle.
LINE_BUFFER = 1 << 16

_SOURCE_HEAD = struct.Struct(">HI")  # source length (UTF-8 bytes), number of its lines in the block
_LINE_HEAD = struct.Struct(">II")  # line length (UTF-8 bytes), documents


def _encode(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


def line_partition(source: str, line: str, partitions: int) -> int:
    """The partition of the (source, line) space a line's count is batched in (the same on every worker)."""
    return _partition(xxhash.xxh64_intdigest(_encode(source)), _encode(line), partitions)


def _partition(source_hash: int, line: bytes, partitions: int) -> int:
    return int(xxhash.xxh64_intdigest(line, seed=source_hash) % partitions)


def unpack_line_counts(batch: bytes) -> Iterator[tuple[str, str, int]]:
    """The (source, line, documents) entries of a batch (``LineCounts.flush``), in the order they were packed."""
    for source, line, n in _unpack_encoded(batch):
        yield source.decode("utf-8", "surrogatepass"), line.decode("utf-8", "surrogatepass"), n


def _unpack_encoded(batch: bytes) -> Iterator[tuple[bytes, bytes, int]]:
    """A batch's entries with source and line as UTF-8 bytes: blocks of one source's lines, each block a
    ``_SOURCE_HEAD``, the source, then per line a ``_LINE_HEAD`` and the line."""
    pos, end = 0, len(batch)
    while pos < end:
        source_len, lines = _SOURCE_HEAD.unpack_from(batch, pos)
        pos += _SOURCE_HEAD.size
        source = batch[pos : pos + source_len]
        pos += source_len
        for _ in range(lines):
            line_len, n = _LINE_HEAD.unpack_from(batch, pos)
            pos += _LINE_HEAD.size
            yield source, batch[pos : pos + line_len], n
            pos += line_len


class LineCounts:
    """A worker's documents per (source, line) and per source, counted until flushed as ``(partition, batch)``
    items (see ``LINE_PARTITIONS``) and ``(source, documents)`` items."""

    def __init__(self, partitions: int, limit: int):
        self._partitions, self._limit = partitions, limit
        self._lines: dict[str, dict[str, int]] = {}
        self._docs: dict[str, int] = {}
        self._size = 0

    def add(self, source: str, lines: Iterable[str]) -> bool:
        """Count one document of ``source`` holding ``lines`` (distinct); True when the counts have reached
        their limit and should be flushed."""
        self._docs[source] = self._docs.get(source, 0) + 1
        counts = self._lines.setdefault(source, {})
        before = len(counts)
        for line in lines:
            counts[line] = counts.get(line, 0) + 1
        self._size += len(counts) - before
        return self._size >= self._limit

    def flush(self) -> tuple[list[tuple[int, bytes]], list[tuple[str, int]]]:
        """The counts so far, then empty: one ``(partition, batch)`` a partition that has lines, in partition
        order, and ``(source, documents)`` a source, in order of first sight."""
        parts: dict[int, bytearray] = {}
        for source, counts in self._lines.items():
            encoded = _encode(source)
            if len(encoded) > 0xFFFF:
                raise ValueError(f"source of {len(encoded)} bytes too long to batch")
            seed = xxhash.xxh64_intdigest(encoded)
            blocks: dict[int, list[bytes]] = {}
            for line, n in counts.items():
                line_bytes = _encode(line)
                blocks.setdefault(_partition(seed, line_bytes, self._partitions), []).append(
                    _LINE_HEAD.pack(len(line_bytes), n) + line_bytes
                )
            for part, entries in blocks.items():
                batch = parts.setdefault(part, bytearray())
                batch += _SOURCE_HEAD.pack(len(encoded), len(entries))
                batch += encoded
                batch += b"".join(entries)
        docs = list(self._docs.items())
        self._lines, self._docs, self._size = {}, {}, 0
        return [(part, bytes(batch)) for part, batch in sorted(parts.items())], docs


class _CountLinesFn(beam.DoFn):
    """RawRecord -> ``(partition, batch)``: documents per (source, line) of its distinct candidate lines, batched
    per partition of the (source, line) space; tagged ``docs``: (source, documents) per flush."""

    def __init__(self, max_line_chars: int, partitions: int = LINE_PARTITIONS, buffer: int = LINE_BUFFER):
        self._max_line_chars, self._partitions, self._buffer = max_line_chars, partitions, buffer

    def setup(self) -> None:
        self._seen = Metrics.counter(STAGE, "seen")
        self._kept = Metrics.counter(STAGE, "kept")
        self._no_source = Metrics.counter(STAGE, "dropped:no_source")
        self._lines = Metrics.distribution(STAGE, "candidate_lines")

    def start_bundle(self) -> None:
        self._counts = LineCounts(self._partitions, self._buffer)

    def process(self, record: RawRecord) -> Iterator[Any]:
        self._seen.inc()
        source = template_source(record)
        if not source:
            self._no_source.inc()
            return
        self._kept.inc()
        lines = document_lines(record.body, max_line_chars=self._max_line_chars)
        self._lines.update(len(lines))
        if self._counts.add(source, lines):
            batches, docs = self._counts.flush()
            yield from batches
            for item in docs:
                yield beam.pvalue.TaggedOutput("docs", item)

    def finish_bundle(self) -> Iterator[Any]:
        batches, docs = self._counts.flush()
        for batch in batches:
            yield at_end_of_global_window(batch)
        for item in docs:
            yield beam.pvalue.TaggedOutput("docs", at_end_of_global_window(item))


class _SumLinesFn(beam.DoFn):
    """The batches of one partition -> ``(source, (line, documents))`` for each of its lines in at least
    ``min_docs`` documents, summed over the batches of all bundles and workers (a (source, line) lands in the
    same partition from each); the partition's distinct lines are held in memory."""

    def __init__(self, min_docs: int):
        self._min_docs = min_docs

    def process(self, element: tuple[int, Iterable[bytes]]) -> Iterator[tuple[str, tuple[str, int]]]:
        _, batches = element
        totals: dict[bytes, dict[bytes, int]] = {}
        for batch in batches:
            for source, line, n in _unpack_encoded(batch):
                counts = totals.setdefault(source, {})
                counts[line] = counts.get(line, 0) + n
        min_docs = self._min_docs
        for source, counts in totals.items():
            name = source.decode("utf-8", "surrogatepass")
            for line, n in counts.items():
                if n >= min_docs:
                    yield name, (line.decode("utf-8", "surrogatepass"), n)


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


class LearnBoilerplate(beam.PTransform):
    """``PCollection[RawRecord] -> PCollection[TemplateLine]``: the lines that recur across a source's text dumps.

    Arguments are the job file's ``clean`` keys ``template_min_docs``, ``template_min_share``,
    ``template_max_lines`` (here without the prefix) and ``template_max_line_chars``.

    The (source, line) counts cross the shuffle batched per partition of the (source, line) space
    (``partitions``, see ``LINE_PARTITIONS``), flushed by each worker at ``buffer`` distinct entries (see
    ``LINE_BUFFER``); the lines are those of counting per (source, line), whatever the bundles or partitions.
    """

    def __init__(
        self,
        *,
        min_docs: int = 5,
        min_share: float = 0.2,
        max_lines_per_source: int = 100,
        max_line_chars: int = 500,
        partitions: int = LINE_PARTITIONS,
        buffer: int = LINE_BUFFER,
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
        if partitions < 1 or buffer < 1:
            raise ValueError("partitions and buffer must be 1 or more")
        self._count = _CountLinesFn(max_line_chars, partitions, buffer)
        self._sum = _SumLinesFn(min_docs)
        self._select = _SelectFn(min_docs=min_docs, min_share=min_share, max_lines=max_lines_per_source)
        self._max_lines = max_lines_per_source

    def expand(self, records: beam.PCollection) -> beam.PCollection:
        counted = (
            records
            | "TextOnly" >> beam.Filter(lambda r: r.kind != "html")
            | "CountLines" >> beam.ParDo(self._count).with_outputs("docs", main="lines")
        )
        docs = counted.docs | "DocsPerSource" >> beam.CombinePerKey(sum)
        lines = (
            counted.lines
            | "GroupByPartition" >> beam.GroupByKey()
            | "SumLines" >> beam.ParDo(self._sum)  # (source, (line, documents)), at least min_docs
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
