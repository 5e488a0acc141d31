"""Reading raw dumps: JSON Lines, WARC captures and one-article ``.html``/``.htm``/``.txt`` files, each plain or
compressed (gzip, bzip2, zstd, xz).

``ReadDumps``: ``PBegin -> PCollection[RawRecord]`` with a ``rejected`` output of ``Rejected``.
Every non-blank JSON line, every WARC record and every matched file is one record read: it comes out as a
RawRecord, as a Rejected, or is counted as skipped with a reason (WARC requests, metadata, revisits, non-HTML
responses: not articles, and not errors either). A broken archive stops its file: the records before the break are
kept and the break itself is one rejected record (``truncated``, ``decompression_bomb`` or ``read_error``) whose
origin says where it happened.

Counters (namespace ``read``): ``seen == kept + dropped:<reason> + skipped:<reason>``; and per input file
(namespace ``file:<path>``) ``read`` and ``skipped:<reason>``, which ``pipeline.report`` reconciles file by file.
"""

from __future__ import annotations

import bz2
import gzip
import io
import json
import lzma
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
from transforms.encoding import bom_encoding, decode_bytes, header_charset
from transforms.metrics import CounterCache
from transforms.normalize import normalize_published, registered_domain
from transforms.records import RawRecord, Rejected

__all__ = ["decode_bytes"]  # re-exported: the decoder lives in transforms.encoding

STAGE = "read"
FORMATS = ("auto", "jsonl", "html", "text", "warc")
FILE_NAMESPACE = "file:"  # + the file's path: per-file counters (read, skipped:<reason>)
# Compression by file name suffix, and the magic bytes each starts with.
_COMPRESSED = {".gz": "gzip", ".bz2": "bzip2", ".zst": "zstd", ".xz": "xz"}
_MAGIC = (
    (b"\x1f\x8b", "gzip"),
    (b"BZh", "bzip2"),
    (b"\x28\xb5\x2f\xfd", "zstd"),
    (b"\xfd7zXZ\x00", "xz"),
)
_EXTENSIONS = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".html": "html",
    ".htm": "html",
    ".txt": "text",
    ".warc": "warc",
    ".arc": "warc",  # warcio reads ARC too, as WARC response records
}
# Magic numbers of payloads that are not text: PNG, JPEG, GIF, PDF, ZIP, gzip, WebP/RIFF, MP4/ftyp at offset 4.
_BINARY_MAGIC = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"%PDF", b"PK\x03\x04", b"\x1f\x8b", b"RIFF")
_GLOB = re.compile(r"[*?\[]")
_KNOWN_FIELDS = ("id", "url", "html", "text", "source", "published", "title")
_SURROGATES = re.compile("[\ud800-\udfff]")
_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
_WARC_SKIPS = {
    "request": R.SKIP_WARC_REQUEST,
    "metadata": R.SKIP_WARC_METADATA,
    "revisit": R.SKIP_WARC_REVISIT,
    "warcinfo": R.SKIP_WARC_WARCINFO,
}
_CHUNK = 1 << 16
_ZSTD_INPUT = 1024  # compressed bytes fed to zstd at a time: bounds what one call can expand to


class DecompressionBomb(Exception):
    """A compressed input expanded beyond the configured ``max_decompressed_bytes``; reading it stopped."""


class TruncatedArchive(Exception):
    """A compressed stream ended before its end-of-stream marker (a cut-off download or copy).

    Not an ``EOFError`` on purpose: warcio takes an ``EOFError`` while it reads a record header as the end of the
    archive, and the break would be lost without a trace."""


class NotCompressed(ValueError):
    """A file named as compressed (``.gz``, ...) whose bytes are not that compression."""


def compression_by_name(path: str) -> str | None:
    """``gzip``, ``bzip2``, ``zstd`` or ``xz`` by the file name's last suffix; None for none."""
    name = path.lower()
    return next((kind for suffix, kind in _COMPRESSED.items() if name.endswith(suffix)), None)


def compression_by_magic(head: bytes) -> str | None:
    """The compression the first bytes of a stream announce; None for none."""
    return next((kind for magic, kind in _MAGIC if head.startswith(magic)), None)


def detect_format(path: str, declared: str = "auto") -> str | None:
    """``jsonl``, ``html``, ``text`` or ``warc`` for a file path (compression suffixes ignored); None if unknown."""
    if declared != "auto":
        return declared
    name = path.lower()
    for suffix in _COMPRESSED:
        if name.endswith(suffix):
            name = name[: -len(suffix)]
            break
    return _EXTENSIONS.get(os.path.splitext(name)[1])


def looks_binary(data: bytes) -> bool:
    """True for images, PDFs, archives and anything with NUL bytes in its first 4 KB, except UTF-16/32 text
    (whose ASCII characters carry NUL bytes): it has a byte-order mark or UTF-16's NUL pattern."""
    head = data[:4096]
    if head.startswith(_BINARY_MAGIC) or head[4:8] == b"ftyp":
        return True
    return b"\x00" in head and bom_encoding(head) is None


class _ZstdReader(io.RawIOBase):
    """zstd frames, one after another, that raises ``EOFError`` when the input ends inside a frame.

    zstandard's own ``stream_reader`` returns a cut-off frame's bytes and then a clean end of file, so a
    truncated ``.zst`` would lose its tail silently."""

    def __init__(self, source: Any):
        import zstandard  # a dependency of apache-beam

        self._new = zstandard.ZstdDecompressor().decompressobj
        self._src = source
        self._dec = self._new()
        self._started = False  # the current frame has received input
        self._out = b""
        self._pos = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while self._pos >= len(self._out):
            data = self._src.read(_ZSTD_INPUT)
            if not data:
                if self._started and not self._dec.eof:
                    raise EOFError("zstd stream ended before the end of its frame")
                return 0
            self._out, self._pos = b"", 0
            while data:
                if self._dec.eof:
                    self._dec, self._started = self._new(), False
                self._started = True
                self._out += self._dec.decompress(data)
                data = self._dec.unused_data if self._dec.eof else b""
        n = min(len(buffer), len(self._out) - self._pos)
        buffer[:n] = self._out[self._pos : self._pos + n]
        self._pos += n
        return n


class _Guarded(io.RawIOBase):
    """A decompressed stream that stops at ``limit`` bytes (``DecompressionBomb``) and turns a cut-off stream into
    ``TruncatedArchive``.

    The first problem is not raised at once: the stream ends there (``readinto`` returns 0) and ``broken`` holds
    the error, raised by any later read. A buffered read that spans the break thus returns the bytes before it
    (raising at once would lose them with the exception), and the readers check ``broken`` when they meet the end
    of the stream or a line cut short."""

    def __init__(self, inner: Any, limit: int | None, compression: str):
        self._inner = inner
        # one read of the decompressor at a time: GzipFile.read(n) loops, and loses what it has read when the
        # break comes in a later round
        self._read1 = getattr(inner, "read1", inner.read)
        self._limit = limit
        self._compression = compression
        self.count = 0
        self.broken: Exception | None = None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self.broken is not None:
            raise self.broken
        try:
            data = self._read1(len(buffer))
        except EOFError as e:
            self.broken = TruncatedArchive(
                f"the {self._compression} stream is cut off after {self.count} decompressed bytes ({e})"
            )
            return 0
        n = len(data)
        if self._limit is not None and self.count + n > self._limit:
            self.broken = DecompressionBomb(
                f"{self._compression} data expands beyond max_decompressed_bytes={self._limit}; reading stopped"
            )
            return 0
        self.count += n
        buffer[:n] = data
        return n

    def close(self) -> None:
        self._inner.close()
        super().close()


def broken(reader: Any) -> Exception | None:
    """Why a reader from ``open_decompressed`` ended early (truncated, bomb), or None when it ended normally."""
    return getattr(getattr(reader, "raw", None), "broken", None)


def open_decompressed(raw: Any, *, name: str | None = None, max_decompressed_bytes: int | None = None) -> Any:
    """A binary reader of ``raw`` that decompresses gzip, bzip2, zstd or xz, detected by magic bytes.

    A file whose name says it is compressed must hold that compression (``NotCompressed`` otherwise); a file whose
    name says nothing is decompressed when its bytes are compressed (a ``.jsonl`` that is really gzip works).
    Python's own readers are used because they raise on a truncated stream, where Beam's CompressedFile stops
    silently and a cut-off archive would lose its tail without a trace; a truncated stream raises
    ``TruncatedArchive``, and one that expands beyond ``max_decompressed_bytes`` raises ``DecompressionBomb``.
    """
    buffered = raw if hasattr(raw, "peek") else io.BufferedReader(raw)
    head = buffered.peek(8)[:8]
    found = compression_by_magic(head)
    named = compression_by_name(name) if name else None
    if named is not None and found != named:
        what = f"{found} data" if found else f"not {named} data (it starts with {head[:6]!r})"
        raise NotCompressed(f"the file is named as {named} but is {what}")
    inner: Any
    if found == "gzip":
        inner = gzip.GzipFile(fileobj=buffered)
    elif found == "bzip2":
        inner = bz2.BZ2File(buffered)
    elif found == "xz":
        inner = lzma.LZMAFile(buffered)  # noqa: SIM115 (closed with the reader returned)
    elif found == "zstd":
        inner = _ZstdReader(buffered)
    else:
        return buffered
    return io.BufferedReader(_Guarded(inner, max_decompressed_bytes, found), buffer_size=_CHUNK)


def _reject(origin: str, reason: str, message: str, **kw: Any) -> Rejected:
    return Rejected(origin=origin, stage=STAGE, reason=reason, message=message, **kw)


def _break(origin: str, error: Exception) -> Rejected:
    """The rejected record that reports where and why a file stopped being read."""
    if isinstance(error, DecompressionBomb):
        return _reject(origin, R.DECOMPRESSION_BOMB, str(error))
    if isinstance(error, TruncatedArchive):
        return _reject(origin, R.TRUNCATED, f"{error}; the records before it are kept")
    return _reject(origin, R.READ_ERROR, f"reading stopped: {type(error).__name__}: {error}")


def _no_surrogates(value: Any) -> Any:
    """JSON may escape lone surrogates (``"\\ud800"``), which no UTF-8 output can hold: they become U+FFFD."""
    if isinstance(value, str):
        return _SURROGATES.sub("\ufffd", value)
    if isinstance(value, list):
        return [_no_surrogates(v) for v in value]
    if isinstance(value, dict):
        return {_no_surrogates(k): _no_surrogates(v) for k, v in value.items()}
    return value


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
    except (ValueError, RecursionError) as e:
        return _reject(origin, R.INVALID_JSON, f"not valid JSON: {type(e).__name__}: {e}"[:500])
    if not isinstance(obj, dict):
        return _reject(origin, R.NOT_AN_OBJECT, f"a JSON {type(obj).__name__}, not an object")
    if "\\ud" in line or "\\uD" in line:
        obj = _no_surrogates(obj)
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


def parse_warc_response(
    body: bytes,
    origin: str,
    *,
    url: str | None,
    content_type: str | None = None,
    fetched: str | None = None,
    record_id: str | None = None,
    default_source: str | None = None,
) -> RawRecord | Rejected:
    """The HTML payload of a WARC ``response`` record: the target URI is its url (and its id, by the URL rule of
    JSON Lines), the HTTP ``Content-Type`` charset decodes it, and the WARC-Date (the fetch time, not the
    publication date) and record id go to ``meta``."""
    if not url:
        return _reject(origin, R.MISSING_FIELD, "the response record has no WARC-Target-URI")
    rid = R.stable_id("url", url)
    if not body.strip():
        return _reject(origin, R.MISSING_CONTENT, "the response has an empty body", id=rid, url=url)
    if looks_binary(body):
        return _reject(
            origin,
            R.BINARY_CONTENT,
            f"binary payload (starts with {body[:8]!r}) in a response served as {content_type!r}",
            id=rid,
            url=url,
        )
    meta = {"fetched": fetched, "warc_record_id": record_id}
    return RawRecord(
        origin=origin,
        kind="html",
        body=decode_bytes(body, header_charset(content_type)),
        id=rid,
        url=url,
        source=registered_domain(url) or default_source,
        meta=json.dumps({k: v for k, v in meta.items() if v}, ensure_ascii=False, sort_keys=True),
    )


def warc_skip_reason(rec_type: str | None, status: int | None, content_type: str | None) -> str | None:
    """Why a WARC record is not an article to clean (a skip reason), or None for an HTML response to read."""
    if rec_type != "response":
        return _WARC_SKIPS.get(rec_type or "", R.SKIP_WARC_OTHER)
    if status is not None and not 200 <= status < 300:
        return R.SKIP_HTTP_STATUS
    mime = (content_type or "").split(";", 1)[0].strip().lower()
    if mime and mime not in _HTML_TYPES:
        return R.SKIP_NOT_HTML
    return None


def _warc_date(value: str | None) -> str | None:
    try:
        return normalize_published(value) if value else None
    except ValueError:
        return None


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


def origin_file(origin: str) -> str:
    """The input file of a record's origin: ``path:line`` (JSON Lines) and ``path@offset`` (WARC) lose the
    suffix, a one-article file's origin is its path."""
    m = re.search(r"[:@]\d+$", origin)
    return origin[: m.start()] if m else origin


class InputSpec(NamedTuple):
    """One input as the read stage needs it (mirrors the job file's ``inputs[]`` entries)."""

    path: str
    format: str = "auto"
    source: str | None = None
    max_decompressed_bytes: int | None = None  # None: the job's read.max_decompressed_bytes


class _ReadFileFn(beam.DoFn):
    def __init__(
        self,
        root: str,
        declared_format: str,
        default_source: str | None,
        max_record_bytes: int,
        max_decompressed_bytes: int | None = None,
    ):
        self._root = root
        self._format = declared_format
        self._source = default_source
        self._max = max_record_bytes
        self._max_decompressed = max_decompressed_bytes

    def setup(self) -> None:
        self._seen = Metrics.counter(STAGE, "seen")
        self._kept = Metrics.counter(STAGE, "kept")
        self._files = Metrics.counter(STAGE, "files")
        self._blank = Metrics.counter(STAGE, "blank_lines")
        self._unknown = Metrics.counter(STAGE, "skipped_files:unknown_format")
        self._sizes = Metrics.distribution(STAGE, "record_bytes")
        self._named = CounterCache()

    def _count(self, path: str, name: str) -> None:
        self._named.inc(FILE_NAMESPACE + path, name)

    def _emit(self, result: RawRecord | Rejected, size: int, path: str) -> Iterator[Any]:
        self._seen.inc()
        self._count(path, "read")
        self._sizes.update(size)
        if isinstance(result, Rejected):
            self._named.inc(STAGE, f"dropped:{result.reason}")
            yield beam.pvalue.TaggedOutput("rejected", result)
        else:
            self._kept.inc()
            yield result

    def _skip(self, reason: str, path: str) -> None:
        self._seen.inc()
        self._count(path, "read")
        self._count(path, f"skipped:{reason}")
        self._named.inc(STAGE, f"skipped:{reason}")

    def _open(self, readable: fileio.ReadableFile, path: str) -> Any:
        raw = readable.open(compression_type=CompressionTypes.UNCOMPRESSED)
        return open_decompressed(raw, name=path, max_decompressed_bytes=self._max_decompressed)

    def process(self, readable: fileio.ReadableFile) -> Iterator[Any]:
        path = readable.metadata.path
        kind = detect_format(path, self._format)
        if kind is None:
            self._unknown.inc()
            return
        self._files.inc()
        if kind == "jsonl":
            yield from self._read_jsonl(readable, path)
        elif kind == "warc":
            yield from self._read_warc(readable, path)
        else:
            yield from self._read_file(readable, path, kind)

    def _read_file(self, readable: fileio.ReadableFile, path: str, kind: str) -> Iterator[Any]:
        try:
            with self._open(readable, path) as fh:
                data = fh.read(self._max + 1)
                error = broken(fh)
                if error is not None:
                    raise error
        except Exception as e:  # a corrupt archive or unreadable file is a dead letter, not a crash
            yield from self._emit(_break(path, e), 0, path)
            return
        if len(data) > self._max:
            yield from self._emit(
                _reject(path, R.TOO_LARGE, f"file over max_record_bytes={self._max}"), len(data), path
            )
            return
        rel = _relative(path, self._root)
        yield from self._emit(
            parse_file_record(data, path, rel, kind, default_source=self._source), len(data), path
        )

    def _read_jsonl(self, readable: fileio.ReadableFile, path: str) -> Iterator[Any]:
        lineno, at = 0, 1  # records read so far, and the line being read
        try:
            with self._open(readable, path) as fh:
                while True:
                    at = lineno + 1
                    raw = fh.readline(self._max + 1)
                    if not raw:
                        break
                    lineno = at
                    size = len(raw)
                    while size > self._max and not raw.endswith(b"\n"):  # skip the rest, never hold it
                        raw = fh.readline(_CHUNK)
                        if not raw:
                            break
                        size += len(raw)
                    error = broken(fh)
                    if error is not None and not raw.endswith(b"\n"):  # the line is cut by the break
                        raise error
                    origin = f"{path}:{lineno}"
                    if size > self._max:
                        yield from self._emit(
                            _reject(origin, R.TOO_LARGE, f"line over max_record_bytes={self._max}"),
                            size,
                            path,
                        )
                        continue
                    if lineno == 1 and raw.startswith(b"\xef\xbb\xbf"):
                        raw = raw[3:]
                    if not raw.strip():
                        self._blank.inc()
                        continue
                    line = raw.decode("utf-8", errors="replace")
                    yield from self._emit(
                        parse_json_record(line, origin, default_source=self._source), size, path
                    )
                error = broken(fh)
                if error is not None:
                    raise error
        except Exception as e:  # truncated or corrupt archive: what was read is kept, the break is reported
            yield from self._emit(_break(f"{path}:{at}", e), 0, path)

    def _read_warc(self, readable: fileio.ReadableFile, path: str) -> Iterator[Any]:
        from warcio.archiveiterator import ArchiveIterator

        records: Any = None
        try:
            with self._open(readable, path) as fh:
                # ARC parsing only for ARC files: with it on, warcio reads a line of garbage in a WARC as an ARC
                # record header instead of failing
                name = path.lower()
                suffix = compression_by_name(name)
                stem = name.rsplit(".", 1)[0] if suffix else name
                is_arc = stem.endswith(".arc")
                records = ArchiveIterator(fh, arc2warc=is_arc)
                for record in records:
                    yield from self._warc_record(record, f"{path}@{records.offset}", path)
                error = broken(fh)
                if error is not None:  # the stream broke between two records
                    raise error
        except Exception as e:  # the archive itself is broken: the records before the break are kept
            # warcio's offset is where the record being read starts (in the decompressed stream)
            where = records.offset if records is not None else 0
            yield from self._emit(_break(f"{path}@{where}", e), 0, path)

    def _warc_record(self, record: Any, origin: str, path: str) -> Iterator[Any]:
        http = record.http_headers
        status = None
        if http is not None:
            try:
                status = int(http.get_statuscode())
            except (TypeError, ValueError):
                status = None
        content_type = (http.get_header("Content-Type") if http is not None else None) or None
        skip = warc_skip_reason(record.rec_type, status, content_type)
        if skip is not None:
            self._skip(skip, path)
            return
        url = record.rec_headers.get_header("WARC-Target-URI")
        try:
            body = record.content_stream().read(self._max + 1)
        except (TruncatedArchive, DecompressionBomb):
            raise
        except Exception as e:  # a broken Content-Encoding or chunking of this response only
            yield from self._emit(
                _reject(origin, R.READ_ERROR, f"cannot decode the HTTP payload: {type(e).__name__}: {e}"),
                0,
                path,
            )
            return
        raw_stream = record.raw_stream
        while raw_stream.read(_CHUNK):
            pass
        missing = getattr(raw_stream, "limit", 0)
        if missing > 0:  # the archive ends inside this record: it is the break (reported by _read_warc)
            raise TruncatedArchive(f"the WARC ends {missing} bytes before the end of the record at {origin}")
        if len(body) > self._max:
            yield from self._emit(
                _reject(origin, R.TOO_LARGE, f"payload over max_record_bytes={self._max}", url=url),
                len(body),
                path,
            )
            return
        headers = record.rec_headers
        yield from self._emit(
            parse_warc_response(
                body,
                origin,
                url=url,
                content_type=content_type,
                fetched=_warc_date(headers.get_header("WARC-Date")),
                record_id=headers.get_header("WARC-Record-ID"),
                default_source=self._source,
            ),
            len(body),
            path,
        )


def _relative(path: str, root: str) -> str:
    if "://" not in path and "://" not in root:
        return os.path.relpath(os.path.abspath(path), os.path.abspath(root or "."))
    return path[len(root) :] if root and path.startswith(root) else path


class ReadDumps(beam.PTransform):
    """``PBegin -> PCollection[RawRecord]``, with a ``rejected`` output of ``Rejected``.

    Each input is a file, a folder (read recursively) or a glob; its format is detected from the file name unless
    declared, its compression from its magic bytes (and checked against its name). ``max_decompressed_bytes``
    stops a compressed file that expands beyond it (an input's own value wins). Records are spread over workers
    after reading (one large file is otherwise one worker's job).
    """

    def __init__(
        self,
        *,
        inputs: list[InputSpec],
        max_record_bytes: int = 5_000_000,
        max_decompressed_bytes: int | None = None,
        reshuffle: bool = True,
    ):
        super().__init__()
        if not inputs:
            raise ValueError("inputs: at least one input is needed")
        for spec in inputs:
            if spec.format not in FORMATS:
                raise ValueError(f"inputs.format: {spec.format!r} is not one of {', '.join(FORMATS)}")
            if spec.max_decompressed_bytes is not None and spec.max_decompressed_bytes < 1:
                raise ValueError("inputs.max_decompressed_bytes must be positive")
        if max_record_bytes < 1:
            raise ValueError("max_record_bytes must be positive")
        if max_decompressed_bytes is not None and max_decompressed_bytes < 1:
            raise ValueError("max_decompressed_bytes must be positive (or None: no bound)")
        self._inputs = inputs
        self._max = max_record_bytes
        self._max_decompressed = max_decompressed_bytes
        self._reshuffle = reshuffle

    def expand(self, pbegin: beam.pvalue.PBegin) -> beam.pvalue.DoOutputsTuple:
        records, rejected = [], []
        for i, spec in enumerate(self._inputs):
            pattern = expand_input(spec.path)
            bound = spec.max_decompressed_bytes or self._max_decompressed
            outputs = (
                pbegin
                | f"Match{i}" >> fileio.MatchFiles(pattern)
                | f"Open{i}" >> fileio.ReadMatches()
                | f"Parse{i}"
                >> beam.ParDo(
                    _ReadFileFn(glob_root(pattern), spec.format, spec.source, self._max, bound)
                ).with_outputs("rejected", main="records")
            )
            records.append(outputs.records)
            rejected.append(outputs.rejected)
        all_records = tuple(records) | "FlattenRecords" >> beam.Flatten()
        if self._reshuffle:
            # packed (records.pack) while they cross the shuffle
            all_records = (
                all_records
                | "Pack" >> beam.Map(R.pack)
                | "Spread" >> beam.Reshuffle()
                | "Unpack" >> beam.Map(lambda packed: R.unpack(RawRecord, packed))
            )
        return {"records": all_records, "rejected": tuple(rejected) | "FlattenRejected" >> beam.Flatten()}


def count_matches(path: str) -> int:
    """How many files an input path matches (for checking a job before running it)."""
    result = FileSystems.match([expand_input(path)])[0]
    return len(result.metadata_list)
