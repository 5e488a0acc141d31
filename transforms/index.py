"""The history index: what later runs match against, read and written as Parquet through Beam's filesystems.

A scheduled run flags copies of documents published by earlier runs without re-reading them. Each run adds its
canonicals and unique documents (never its duplicates) to a day folder of the index, split by hash into
``partitions`` files of two kinds:

- ``keys-PPPPP.parquet``: ``key`` (binary) and ``id`` (string), one row per LSH band key of the document (body
  and lede bands, 15 bytes: settings fingerprint, kind, band index, band hash) and one per exact-copy key
  (17 bytes: ``X`` and the 128-bit content hash). Partition: ``xxh64(key) % partitions``.
- ``docs-PPPPP.parquet``: what verifying a pair needs of the document (``DOCS_SCHEMA``: id, content hash,
  settings fingerprint, published, source, length, sorted shingle hashes, figures, the lede's shingles, the
  count of round-up items). Partition: ``xxh64(id) % partitions``.

At run time the batch's keys are grouped by partition (``partitions`` keys in one shuffle) and each group reads
that partition's file of every day in the window, keeping only the rows whose key the batch holds
(``pyarrow.compute.is_in``): no global index is held anywhere, and one worker's memory is bounded by the
batch's keys of one partition and one day file. The history documents found this way join the batch's own
dedup as extra nodes (``history_node_id``) that outrank every new document, so the batch's clustering makes a
historical document the canonical of the new copies verified against it.

Which days are read is decided by the launcher (``pipeline/index.py``) from the index manifest: this module only
reads and writes the files it is given.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, NamedTuple

import apache_beam as beam
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import xxhash
from apache_beam.io.filesystems import FileSystems
from apache_beam.metrics import Metrics

from transforms.lsh import Probe, band_keys, lede_keys
from transforms.minhash import Sketch, roundup_items
from transforms.records import HISTORY_MARK, is_history

STAGE = "index"
EXACT_KIND = b"X"
EXACT_KEY_BYTES = 17
KEYS_PREFIX, DOCS_PREFIX = "keys", "docs"

KEYS_SCHEMA = pa.schema([("key", pa.binary()), ("id", pa.string())])
DOCS_SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("content_hash", pa.string()),
        ("fingerprint", pa.string()),
        ("published", pa.string()),
        ("source", pa.string()),
        ("length", pa.int64()),
        ("shingles", pa.binary()),
        ("figures", pa.list_(pa.string())),
        ("lede_figures", pa.list_(pa.string())),
        ("lede_shingles", pa.binary()),
        ("items", pa.int32()),
    ]
)


class HistoryDay(NamedTuple):
    """One published day of the index, as the launcher hands it to the run: its date, its folder (any Beam
    filesystem path) and the names of the files in it (partitions without rows have no file)."""

    day: str
    folder: str
    files: tuple[str, ...]


# --------------------------------------------------------------------------------------------------------------
# Pure functions: ids, ranks, keys, partitions, file names
# --------------------------------------------------------------------------------------------------------------


def history_node_id(doc_id: str, day: str) -> str:
    """The id a historical document has inside a run's dedup: never equal to a document id of the run (a page
    crawled again keeps its id and must come out as a copy of its earlier self), and unique per (day, id)."""
    return f"{HISTORY_MARK}{day}{HISTORY_MARK}{doc_id}"


def parse_history_id(node_id: str) -> tuple[str, str] | None:
    """``(document id, day)`` of a history node id; None for a document of the run."""
    if not is_history(node_id):
        return None
    day, _, doc_id = node_id[1:].partition(HISTORY_MARK)
    return doc_id, day


def real_id(node_id: str) -> str:
    """The document id behind a node id (itself for a document of the run)."""
    parsed = parse_history_id(node_id)
    return parsed[0] if parsed else node_id


def history_rank(node_id: str) -> tuple[object, ...]:
    """History always outranks the run (first seen wins across runs), earlier days first, then the id."""
    doc_id, day = parse_history_id(node_id) or (node_id, "")
    return (0, day, doc_id)


def run_rank(rank: tuple[object, ...]) -> tuple[object, ...]:
    """A run document's rank when history takes part: after every history node, in the job's own order."""
    return (1, *rank)


def exact_key(content_hash: str) -> bytes:
    """The index key of an exact copy: ``X`` and the 128-bit content hash (17 bytes; band keys have 15)."""
    return EXACT_KIND + bytes.fromhex(content_hash)


def is_exact_key(key: bytes) -> bool:
    return len(key) == EXACT_KEY_BYTES and key[:1] == EXACT_KIND


def index_keys(
    sketch: Sketch, *, bands: int, rows: int, lede_bands: int = 0, lede_rows: int = 3
) -> list[bytes]:
    """Every key a later run can find this document by: its exact-copy key, and its body and lede band keys
    (with a round-up's item ledes: the same keys ``FindCandidatePairs`` groups by) when it entered LSH."""
    keys = [exact_key(sketch.content_hash)] if sketch.content_hash else []
    if sketch.values:
        values = np.frombuffer(sketch.values, dtype="<u8")
        keys += band_keys(values, bands=bands, rows=rows, fingerprint=sketch.fingerprint)
        keys += lede_keys(sketch, lede_bands=lede_bands, lede_rows=lede_rows)
    return keys


def partition_of_key(key: bytes, partitions: int) -> int:
    return int(xxhash.xxh64_intdigest(key) % partitions)


def partition_of_id(doc_id: str, partitions: int) -> int:
    return int(xxhash.xxh64_intdigest(doc_id.encode("utf-8", "surrogatepass")) % partitions)


def file_name(kind: str, partition: int) -> str:
    """``keys-00003.parquet``, ``docs-00003.parquet``."""
    return f"{kind}-{partition:05d}.parquet"


def doc_row(sketch: Sketch) -> dict[str, Any]:
    """A document of the run as a row of ``docs-*.parquet``."""
    return {
        "id": sketch.id,
        "content_hash": sketch.content_hash,
        "fingerprint": sketch.fingerprint,
        "published": sketch.published,
        "source": sketch.source,
        "length": sketch.length,
        "shingles": sketch.shingles,
        "figures": list(sketch.figures),
        "lede_figures": list(sketch.lede_figures),
        "lede_shingles": sketch.lede_shingles,
        "items": roundup_items(sketch),
    }


def probe_from_row(row: dict[str, Any], day: str) -> tuple[str, Probe]:
    """A ``docs-*.parquet`` row of ``day`` as the probe verification compares, under its history node id."""
    node = history_node_id(row["id"], day)
    probe = Probe(
        node,
        row["fingerprint"],
        history_rank(node),
        row["shingles"] or b"",
        tuple(row["figures"] or ()),
        tuple(row["lede_figures"] or ()),
        row.get("lede_shingles") or b"",
        int(row.get("items") or 0),
    )
    return node, probe


def history_sketch(node_id: str, content_hash: str) -> Sketch:
    """A history node as an exact-group member: it shares the content hash of documents of the run."""
    return Sketch(
        id=node_id,
        content_hash=content_hash,
        published=None,
        source=None,
        length=0,
        fingerprint="",
        rank=history_rank(node_id),
    )


def write_table(path: str, table: pa.Table) -> int:
    """Write one Parquet file through Beam's filesystems (a bucket on a real runner); returns its bytes."""
    buffer = io.BytesIO()
    pq.write_table(table, buffer, compression="zstd")
    data = buffer.getvalue()
    with FileSystems.create(path, mime_type="application/octet-stream") as fh:
        fh.write(data)
    return len(data)


def read_table(path: str, columns: Sequence[str] | None = None) -> pa.Table:
    with FileSystems.open(path, mime_type="application/octet-stream") as fh:
        return pq.read_table(io.BytesIO(fh.read()), columns=list(columns) if columns else None)


def read_matching(path: str, column: str, values: pa.Array, columns: Sequence[str] | None = None) -> pa.Table:
    """The rows of a Parquet file whose ``column`` is in ``values``."""
    table = read_table(path, columns)
    return table.filter(pc.is_in(table[column], value_set=values))


# --------------------------------------------------------------------------------------------------------------
# Lookups
# --------------------------------------------------------------------------------------------------------------


class _LookupKeysFn(beam.DoFn):
    """One partition's keys of the batch -> the history rows holding them, over every day given."""

    def __init__(self, history: Sequence[HistoryDay]):
        self._history = tuple(history)

    def setup(self) -> None:
        self._matched = Metrics.counter(STAGE, "history_keys_matched")
        self._exact = Metrics.counter(STAGE, "history_exact_matches")
        self._files = Metrics.counter(STAGE, "history_files_read")

    def process(self, element: tuple[int, Iterable[bytes]]) -> Iterator[Any]:
        partition, keys = element
        wanted = pa.array(sorted(set(keys)), type=pa.binary())
        name = file_name(KEYS_PREFIX, partition)
        for day in self._history:
            if name not in day.files:
                continue
            self._files.inc()
            table = read_matching(f"{day.folder.rstrip('/')}/{name}", "key", wanted)
            for key, doc_id in zip(table["key"].to_pylist(), table["id"].to_pylist(), strict=True):
                node = history_node_id(doc_id, day.day)
                self._matched.inc()
                if is_exact_key(key):
                    self._exact.inc()
                    yield beam.pvalue.TaggedOutput("exact", history_sketch(node, key[1:].hex()))
                else:
                    yield key, node


def _any(sketches: Iterable[Sketch]) -> Sketch:
    return next(iter(sketches))  # the copies of one history node are equal


class LookupHistoryKeys(beam.PTransform):
    """``PCollection[Sketch] -> {"bands": PCollection[(band_key, node_id)], "exact": PCollection[Sketch]}``:
    the history documents that share a band key or the exact text of a document of the batch.

    The batch's keys are grouped by index partition; each group reads its partition's ``keys-*.parquet`` of
    every day of ``history`` and keeps the rows whose key the batch holds. With no history days it emits
    nothing (and reads nothing)."""

    def __init__(
        self,
        *,
        history: Sequence[HistoryDay],
        partitions: int,
        bands: int,
        rows: int,
        lede_bands: int = 0,
        lede_rows: int = 3,
    ):
        super().__init__()
        if partitions < 1:
            raise ValueError("partitions must be at least 1")
        self._history = tuple(HistoryDay(*h) for h in history)
        self._partitions = partitions
        self._keys = {"bands": bands, "rows": rows, "lede_bands": lede_bands, "lede_rows": lede_rows}

    def expand(self, sketches: beam.PCollection) -> dict[str, beam.PCollection]:
        partitions, keys = self._partitions, self._keys
        found = (
            sketches
            | "Keys"
            >> beam.FlatMap(lambda s: [(partition_of_key(k, partitions), k) for k in index_keys(s, **keys)])
            | "GroupByPartition" >> beam.GroupByKey()
            | "ReadHistory" >> beam.ParDo(_LookupKeysFn(self._history)).with_outputs("exact", main="bands")
        )
        # A history document appears once per matching key: one exact-group member is enough.
        exact = (
            found.exact
            | "KeyExact" >> beam.Map(lambda s: (s.id, s))
            | "OnePerNode" >> beam.CombinePerKey(_any)
            | "DropKey" >> beam.Values()
        )
        return {"bands": found.bands, "exact": exact}


class _LookupDocsFn(beam.DoFn):
    def __init__(self, history: Sequence[HistoryDay]):
        self._folders = {h.day: h for h in history}

    def setup(self) -> None:
        self._probes = Metrics.counter(STAGE, "history_probes")
        self._missing = Metrics.counter(STAGE, "history_probes_missing")

    def process(self, element: tuple[int, Iterable[str]]) -> Iterator[tuple[str, Probe]]:
        partition, nodes = element
        by_day: dict[str, set[str]] = {}
        for node in set(nodes):
            doc_id, day = parse_history_id(node) or (node, "")
            by_day.setdefault(day, set()).add(doc_id)
        name = file_name(DOCS_PREFIX, partition)
        for day, ids in sorted(by_day.items()):
            entry = self._folders.get(day)
            if entry is None or name not in entry.files:
                self._missing.inc(len(ids))
                continue
            table = read_matching(
                f"{entry.folder.rstrip('/')}/{name}", "id", pa.array(sorted(ids), pa.string())
            )
            found = 0
            for row in table.to_pylist():
                found += 1
                self._probes.inc()
                yield probe_from_row(row, day)
            self._missing.inc(len(ids) - found)


class LookupHistoryProbes(beam.PTransform):
    """``PCollection[(a, b)] -> PCollection[(node_id, Probe)]``: the probes of the history nodes among the
    candidate pairs, read from their day's ``docs-*.parquet`` (grouped by partition of the document id)."""

    def __init__(self, *, history: Sequence[HistoryDay], partitions: int):
        super().__init__()
        if partitions < 1:
            raise ValueError("partitions must be at least 1")
        self._history = tuple(HistoryDay(*h) for h in history)
        self._partitions = partitions

    def expand(self, pairs: beam.PCollection) -> beam.PCollection:
        partitions = self._partitions
        return (
            pairs
            | "HistoryEnds" >> beam.FlatMap(lambda pair: [n for n in pair if is_history(n)])
            | "ByPartition" >> beam.Map(lambda n: (partition_of_id(real_id(n), partitions), n))
            | "GroupByPartition" >> beam.GroupByKey()
            | "ReadProbes" >> beam.ParDo(_LookupDocsFn(self._history))
        )


# --------------------------------------------------------------------------------------------------------------
# Writing a day
# --------------------------------------------------------------------------------------------------------------


def _rows_of(sketch: Sketch, partitions: int, keys: dict[str, int]) -> Iterator[tuple[tuple[str, int], Any]]:
    for key in index_keys(sketch, **keys):
        yield (KEYS_PREFIX, partition_of_key(key, partitions)), (key, sketch.id)
    yield (DOCS_PREFIX, partition_of_id(sketch.id, partitions)), doc_row(sketch)


class _WritePartitionFn(beam.DoFn):
    def __init__(self, folder: str):
        self._folder = folder.rstrip("/")

    def setup(self) -> None:
        self._docs = Metrics.counter(STAGE, "written_documents")
        self._keys = Metrics.counter(STAGE, "written_keys")
        self._files = Metrics.counter(STAGE, "written_files")
        self._bytes = Metrics.counter(STAGE, "written_bytes")

    def process(self, element: tuple[tuple[str, int], Iterable[Any]]) -> Iterator[tuple[str, int, int]]:
        (kind, partition), rows = element
        if kind == KEYS_PREFIX:
            ordered = sorted(set(rows))
            table = pa.table(
                {"key": [k for k, _ in ordered], "id": [i for _, i in ordered]}, schema=KEYS_SCHEMA
            )
            self._keys.inc(len(ordered))
        else:
            docs = sorted(rows, key=lambda r: r["id"])
            table = pa.Table.from_pylist(docs, schema=DOCS_SCHEMA)
            self._docs.inc(len(docs))
        name = file_name(kind, partition)
        size = write_table(f"{self._folder}/{name}", table)  # a retried bundle rewrites the same file
        self._files.inc()
        self._bytes.inc(size)
        yield name, table.num_rows, size


class WriteIndexDay(beam.PTransform):
    """``PCollection[Sketch] -> PCollection[(file name, rows, bytes)]``: the run's canonicals and unique
    documents as one day folder of the index (``keys-*.parquet``, ``docs-*.parquet``, rows sorted, so a
    rerun of the same batch writes the same rows). The folder is not visible to later runs until the launcher
    publishes it in the manifest."""

    def __init__(
        self,
        *,
        folder: str,
        partitions: int,
        bands: int,
        rows: int,
        lede_bands: int = 0,
        lede_rows: int = 3,
    ):
        super().__init__()
        if partitions < 1:
            raise ValueError("partitions must be at least 1")
        if not folder:
            raise ValueError("folder must be given")
        self._folder, self._partitions = folder, partitions
        self._keys = {"bands": bands, "rows": rows, "lede_bands": lede_bands, "lede_rows": lede_rows}

    def expand(self, sketches: beam.PCollection) -> beam.PCollection:
        partitions, keys = self._partitions, self._keys
        return (
            sketches
            | "Rows" >> beam.FlatMap(_rows_of, partitions, keys)
            | "GroupByFile" >> beam.GroupByKey()
            | "WriteFiles" >> beam.ParDo(_WritePartitionFn(self._folder))
        )
