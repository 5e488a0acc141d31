"""Reading raw dumps: JSON Lines (plain or compressed) and one-article ``.html``/``.htm``/``.txt`` files.

``ReadDumps``: ``PBegin -> PCollection[RawRecord]`` with a ``rejected`` output of ``Rejected``.
Every non-blank JSON line and every matched file is one record: it comes out as a RawRecord or a Rejected.
"""

from __future__ import annotations

import bz2
import gzip
import io
import json
import os
import re
from collections.abc import Iterator
from typing import Any, NamedTuple

import apache_beam as beam
from apache_beam.io import fileio
from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems
from apache_beam.metrics import Metrics

from transforms import records as R
from transforms.normalize import normalize_published, registered_domain
from transforms.records import RawRecord, Rejected

STAGE = "read"
FORMATS = ("auto", "jsonl", "html", "text")
_COMPRESSED = (".gz", ".bz2", ".zst", ".deflate", ".xz")
_EXTENSIONS = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".html": "html",
    ".htm": "html",
    ".txt": "text",
}
# Magic numbers of payloads that are not text: PNG, JPEG, GIF, PDF, ZIP, gzip, WebP/RIFF, MP4/ftyp at offset 4.
_BINARY_MAGIC = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"%PDF", b"PK\x03\x04", b"\x1f\x8b", b"RIFF")
_GLOB = re.compile(r"[*?\[]")
_KNOWN_FIELDS = ("id", "url", "html", "text", "source", "published", "title")


def detect_format(path: str, declared: str = "auto") -> str | None:
    """``jsonl``, ``html`` or ``text`` for a file path (compression suffixes ignored); None if unknown."""
    if declared != "auto":
        return declared
    name = path.lower()
    for suffix in _COMPRESSED:
        if name.endswith(suffix):
            name = name[: -len(suffix)]
            break
    return _EXTENSIONS.get(os.path.splitext(name)[1])


def looks_binary(data: bytes) -> bool:
    """True for images, PDFs, archives and anything with NUL bytes in its first 4 KB."""
    head = data[:4096]
    return head.startswith(_BINARY_MAGIC) or head[4:8] == b"ftyp" or b"\x00" in head


def decode_bytes(data: bytes) -> str:
    """Bytes to text: UTF-8 (BOM stripped), else the charset the page declares, else cp1252; never raises."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    declared = re.search(rb"""charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", data[:4096])
    if declared:
        try:
            return data.decode(declared.group(1).decode("ascii"), errors="replace")
        except LookupError:
            pass
    return data.decode("cp1252", errors="replace")


def open_decompressed(raw: Any) -> Any:
    """A binary reader of ``raw`` that decompresses gzip, bzip2 or zstd, detected by magic bytes (not by name).

    Python's own readers are used because they raise on a truncated stream (``EOFError``), where Beam's
    CompressedFile stops silently and a cut-off archive would lose its tail without a trace.
    """
    buffered = raw if hasattr(raw, "peek") else io.BufferedReader(raw)
    head = buffered.peek(4)[:4]
    if head.startswith(b"\x1f\x8b"):
        return gzip.GzipFile(fileobj=buffered)
    if head.startswith(b"BZh"):
        return bz2.BZ2File(buffered)
    if head == b"\x28\xb5\x2f\xfd":
        import zstandard  # a dependency of apache-beam

        return zstandard.ZstdDecompressor().stream_reader(buffered, read_across_frames=True)
    return buffered


def _reject(origin: str, reason: str, message: str, **kw: Any) -> Rejected:
    return Rejected(origin=origin, stage=STAGE, reason=reason, message=message, **kw)


def _opt_str(obj: dict[str, Any], key: str) -> str | None:
    value = obj.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError(f"`{key}` must be a string, got {type(value).__name__}")
    return value.strip() or None


def parse_json_record(line: str, origin: str, *, default_source: str | None = None) -> RawRecord | Rejected:
    """One JSON Lines record: ``url`` and ``html`` or ``text``; optional id, source, published, title."""
    try:
        obj = json.loads(line)
    except ValueError as e:
        return _reject(origin, R.INVALID_JSON, f"not valid JSON: {e}")
    if not isinstance(obj, dict):
        return _reject(origin, R.NOT_AN_OBJECT, f"a JSON {type(obj).__name__}, not an object")
    raw_id = obj.get("id")
    if raw_id is not None and (isinstance(raw_id, bool) or not isinstance(raw_id, (str, int))):
        return _reject(origin, R.WRONG_TYPE, f"`id` must be a string or integer, got {type(raw_id).__name__}")
    try:
        url = _opt_str(obj, "url")
        source = _opt_str(obj, "source")
        published_raw = _opt_str(obj, "published")
        title = _opt_str(obj, "title")
        html = obj.get("html")
        text = obj.get("text")
        for key, value in (("html", html), ("text", text)):
            if value is not None and not isinstance(value, str):
                raise TypeError(f"`{key}` must be a string, got {type(value).__name__}")
    except TypeError as e:
        return _reject(
            origin, R.WRONG_TYPE, str(e), url=obj.get("url") if isinstance(obj.get("url"), str) else None
        )
    rid = str(raw_id).strip() or None if raw_id is not None else None
    if not url:
        return _reject(origin, R.MISSING_FIELD, "no `url`", id=rid)
    kind, body = ("html", html) if html and html.strip() else ("text", text)
    if not body or not body.strip():
        return _reject(origin, R.MISSING_CONTENT, "neither `html` nor `text` has content", id=rid, url=url)
    published = None
    if published_raw:
        try:
            published = normalize_published(published_raw)
        except ValueError:
            return _reject(
                origin, R.BAD_DATE, f"`published` is not an ISO 8601 date: {published_raw!r}", id=rid, url=url
            )
    meta = {k: v for k, v in obj.items() if k not in _KNOWN_FIELDS}
    return RawRecord(
        origin=origin,
        kind=kind,
        body=body,
        id=rid or R.stable_id("url", url),
        url=url,
        source=source or registered_domain(url) or default_source,
        published=published,
        title=title,
        meta=json.dumps(meta, ensure_ascii=False, sort_keys=True),
    )


def parse_file_record(
    data: bytes, path: str, rel_path: str, kind: str, *, default_source: str | None = None
) -> RawRecord | Rejected:
    """A one-article ``.html``/``.txt`` file: its path is its origin, its id comes from its relative path."""
    if not data.strip():
        return _reject(path, R.MISSING_CONTENT, "empty file")
    if looks_binary(data):
        return _reject(path, R.BINARY_CONTENT, f"binary content (starts with {data[:8]!r}), not {kind}")
    return RawRecord(
        origin=path,
        kind=kind,
        body=decode_bytes(data),
        id=R.stable_id("file", default_source or "", rel_path),
        source=default_source,
    )


def glob_root(pattern: str) -> str:
    """The folder a pattern's matches are taken relative to (the part before the first wildcard)."""
    m = _GLOB.search(pattern)
    head = pattern[: m.start()] if m else pattern
    return head if head.endswith("/") else head.rsplit("/", 1)[0] + "/" if "/" in head else ""


def expand_input(path: str) -> str:
    """A folder becomes a recursive glob of everything below it; files and globs stay as they are."""
    if path.endswith("/") or ("://" not in path and os.path.isdir(path)):
        return path.rstrip("/") + "/**"
    return path


class InputSpec(NamedTuple):
    """One input as the read stage needs it (mirrors the job file's ``inputs[]`` entries)."""

    path: str
    format: str = "auto"
    source: str | None = None


class _ReadFileFn(beam.DoFn):
    def __init__(self, root: str, declared_format: str, default_source: str | None, max_record_bytes: int):
        self._root = root
        self._format = declared_format
        self._source = default_source
        self._max = max_record_bytes

    def setup(self) -> None:
        self._seen = Metrics.counter(STAGE, "seen")
        self._kept = Metrics.counter(STAGE, "kept")
        self._files = Metrics.counter(STAGE, "files")
        self._blank = Metrics.counter(STAGE, "blank_lines")
        self._unknown = Metrics.counter(STAGE, "skipped_files:unknown_format")
        self._sizes = Metrics.distribution(STAGE, "record_bytes")

    def _emit(self, result: RawRecord | Rejected, size: int) -> Iterator[Any]:
        self._seen.inc()
        self._sizes.update(size)
        if isinstance(result, Rejected):
            Metrics.counter(STAGE, f"dropped:{result.reason}").inc()
            yield beam.pvalue.TaggedOutput("rejected", result)
        else:
            self._kept.inc()
            yield result

    def process(self, readable: fileio.ReadableFile) -> Iterator[Any]:
        path = readable.metadata.path
        kind = detect_format(path, self._format)
        if kind is None:
            self._unknown.inc()
            return
        self._files.inc()
        if kind == "jsonl":
            yield from self._read_jsonl(readable, path)
            return
        try:
            with open_decompressed(readable.open(compression_type=CompressionTypes.UNCOMPRESSED)) as fh:
                data = fh.read(self._max + 1)
        except Exception as e:  # a corrupt archive or unreadable file is a dead letter, not a crash
            yield from self._emit(_reject(path, R.READ_ERROR, f"{type(e).__name__}: {e}"), 0)
            return
        if len(data) > self._max:
            yield from self._emit(
                _reject(path, R.TOO_LARGE, f"file over max_record_bytes={self._max}"), len(data)
            )
            return
        rel = _relative(path, self._root)
        yield from self._emit(
            parse_file_record(data, path, rel, kind, default_source=self._source), len(data)
        )

    def _read_jsonl(self, readable: fileio.ReadableFile, path: str) -> Iterator[Any]:
        lineno = 0
        try:
            with open_decompressed(readable.open(compression_type=CompressionTypes.UNCOMPRESSED)) as fh:
                while True:
                    raw = fh.readline()
                    if not raw:
                        break
                    lineno += 1
                    if not raw.strip():
                        self._blank.inc()
                        continue
                    origin = f"{path}:{lineno}"
                    if len(raw) > self._max:
                        yield from self._emit(
                            _reject(origin, R.TOO_LARGE, f"line over max_record_bytes={self._max}"), len(raw)
                        )
                        continue
                    line = raw.decode("utf-8", errors="replace")
                    yield from self._emit(
                        parse_json_record(line, origin, default_source=self._source), len(raw)
                    )
        except Exception as e:  # truncated or corrupt archive: what was read is kept, the break is reported
            yield from self._emit(
                _reject(f"{path}:{lineno + 1}", R.READ_ERROR, f"reading stopped: {type(e).__name__}: {e}"), 0
            )


def _relative(path: str, root: str) -> str:
    if "://" not in path and "://" not in root:
        return os.path.relpath(os.path.abspath(path), os.path.abspath(root or "."))
    return path[len(root) :] if root and path.startswith(root) else path


class ReadDumps(beam.PTransform):
    """``PBegin -> PCollection[RawRecord]``, with a ``rejected`` output of ``Rejected``.

    Each input is a file, a folder (read recursively) or a glob; its format is detected from the file name unless
    declared. Records are spread over workers after reading (one large file is otherwise one worker's job).
    """

    def __init__(self, *, inputs: list[InputSpec], max_record_bytes: int = 5_000_000, reshuffle: bool = True):
        super().__init__()
        if not inputs:
            raise ValueError("inputs: at least one input is needed")
        for spec in inputs:
            if spec.format not in FORMATS:
                raise ValueError(f"inputs.format: {spec.format!r} is not one of {', '.join(FORMATS)}")
        if max_record_bytes < 1:
            raise ValueError("max_record_bytes must be positive")
        self._inputs = inputs
        self._max = max_record_bytes
        self._reshuffle = reshuffle

    def expand(self, pbegin: beam.pvalue.PBegin) -> beam.pvalue.DoOutputsTuple:
        records, rejected = [], []
        for i, spec in enumerate(self._inputs):
            pattern = expand_input(spec.path)
            outputs = (
                pbegin
                | f"Match{i}" >> fileio.MatchFiles(pattern)
                | f"Open{i}" >> fileio.ReadMatches()
                | f"Parse{i}"
                >> beam.ParDo(
                    _ReadFileFn(glob_root(pattern), spec.format, spec.source, self._max)
                ).with_outputs("rejected", main="records")
            )
            records.append(outputs.records)
            rejected.append(outputs.rejected)
        all_records = tuple(records) | "FlattenRecords" >> beam.Flatten()
        if self._reshuffle:
            all_records = all_records | "Spread" >> beam.Reshuffle()
        return {"records": all_records, "rejected": tuple(rejected) | "FlattenRejected" >> beam.Flatten()}


def count_matches(path: str) -> int:
    """How many files an input path matches (for checking a job before running it)."""
    result = FileSystems.match([expand_input(path)])[0]
    return len(result.metadata_list)
