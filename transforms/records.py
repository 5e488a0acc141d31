"""Element types that flow through the graph, the reason codes of dead letters, stable ids, and the window of what
a DoFn's ``finish_bundle`` emits.

Elements are NamedTuples: picklable, comparable, cheap. Update them with ``_replace``; never mutate one.
"""

from __future__ import annotations

import json
import pickle
from typing import Any, NamedTuple, TypeVar

import xxhash
from apache_beam.transforms.window import GlobalWindow
from apache_beam.utils.windowed_value import WindowedValue

# ---------------------------------------------------------------------------------------------------------------
# Reason codes of rejected records. One name per cause, used as the `reason` field and in `dropped:<reason>`.
# ---------------------------------------------------------------------------------------------------------------
INVALID_JSON = "invalid_json"  # a JSON Lines line that does not parse
NOT_AN_OBJECT = "not_an_object"  # a JSON line that parses to something other than an object
MISSING_FIELD = "missing_field"  # a required field (url) is absent or empty
MISSING_CONTENT = "missing_content"  # neither html nor text, or an empty file
WRONG_TYPE = "wrong_type"  # a field of the wrong JSON type
BAD_DATE = "bad_date"  # `published` is not an ISO 8601 date or datetime
BINARY_CONTENT = "binary_content"  # an image, PDF, archive or other non-text payload
TOO_LARGE = "too_large"  # a record above the configured size bound
READ_ERROR = "read_error"  # the file could not be opened or decompressed
NO_TEXT = "no_text"  # cleaning left no article text
EXTRACT_ERROR = "extract_error"  # the extractor raised on this page (or its child process died)
EXTRACT_TIMEOUT = "extract_timeout"  # extraction did not finish within the configured time bound
TOO_MANY_ELEMENTS = "too_many_elements"  # a page with more HTML elements than the configured bound
DUPLICATE_ID = "duplicate_id"  # another record of the run has the same id
TRUNCATED = (
    "truncated"  # an archive cut off mid-stream: the records before the break are kept, this is the break
)
DECOMPRESSION_BOMB = (
    "decompression_bomb"  # a compressed input expanding beyond max_decompressed_bytes: stopped
)

REASONS = (
    INVALID_JSON,
    NOT_AN_OBJECT,
    MISSING_FIELD,
    MISSING_CONTENT,
    WRONG_TYPE,
    BAD_DATE,
    BINARY_CONTENT,
    TOO_LARGE,
    READ_ERROR,
    NO_TEXT,
    EXTRACT_ERROR,
    EXTRACT_TIMEOUT,
    TOO_MANY_ELEMENTS,
    DUPLICATE_ID,
    TRUNCATED,
    DECOMPRESSION_BOMB,
)

# Reasons a record read is skipped: not an article to clean, and not an error either (counted, not written).
SKIP_WARC_REQUEST = "warc_request"  # the HTTP request a crawler sent
SKIP_WARC_METADATA = "warc_metadata"  # crawler metadata about a capture (outlinks, timings)
SKIP_WARC_REVISIT = "warc_revisit"  # a capture identical to an earlier one: no payload of its own
SKIP_WARC_WARCINFO = "warc_warcinfo"  # the description of the WARC file itself
SKIP_WARC_OTHER = "warc_other"  # resource, conversion, continuation records, an ARC file header
SKIP_NOT_HTML = "not_html"  # a response whose Content-Type is not HTML (images, PDFs, scripts, JSON)
SKIP_HTTP_STATUS = "http_status"  # a response that is not a success (redirects, 404s, server errors)

SKIP_REASONS = (
    SKIP_WARC_REQUEST,
    SKIP_WARC_METADATA,
    SKIP_WARC_REVISIT,
    SKIP_WARC_WARCINFO,
    SKIP_WARC_OTHER,
    SKIP_NOT_HTML,
    SKIP_HTTP_STATUS,
)

# dup_type values
EXACT = "exact"  # the same hashing form as the canonical
NEAR = "near"  # Jaccard similarity of shingles at or above the threshold
CONTAINED = "contained"  # an excerpt or truncated copy: its shingles lie mostly inside the canonical's
PASSAGE = "passage"  # a round-up or digest carrying the canonical's opening as one of its items


# Documents of earlier runs take part in a run's dedup (transforms/index.py) under ids that start with this mark:
# never the id of a document of the run (ids are URLs, hashes and record ids; a crawled-again page keeps its id).
HISTORY_MARK = "\x00"


def is_history(node_id: str) -> bool:
    """Is this dedup node a document of an earlier run (from the history index)?"""
    return node_id.startswith(HISTORY_MARK)


class RawRecord(NamedTuple):
    """One input record as read: a page (``kind="html"``) or a text dump (``kind="text"``)."""

    origin: str  # "path:line" for JSON Lines, the path for one-article files
    kind: str  # "html" | "text"
    body: str
    id: str
    url: str | None = None
    source: str | None = None
    published: str | None = None  # normalized ISO 8601 (see normalize_published)
    title: str | None = None
    meta: str = "{}"  # the record's other fields, as a JSON object with sorted keys


class Document(NamedTuple):
    """A cleaned document, and after dedup its syndication flags."""

    id: str
    origin: str
    url: str | None
    source: str | None
    title: str | None
    published: str | None
    author: str | None
    credit: str | None  # publisher named by the text itself (byline/header line), e.g. "chinadaily.com.cn"
    site: str | None  # the site that served this copy, when the page says so (site name, copyright line)
    text: str  # display text: faithful, paragraphs one per line
    hash_text: str  # hashing form: used for exact and near-duplicate keys only
    # news agency the story comes from, by its dateline or credit ("reuters", "xinhua", "ap"). Declared here, not
    # after credit: a NamedTuple field with a default cannot come before site/text/hash_text, and the JSON and
    # Parquet outputs follow declaration order.
    wire: str | None = None
    meta: str = "{}"
    content_hash: str = ""
    lsh: bool = False  # True when the document was long enough to enter near-duplicate detection
    cluster_id: str | None = None
    is_duplicate: bool = False
    duplicate_of: str | None = None
    dup_type: str | None = None
    similarity: float | None = None
    # with a history index: the run date the canonical was first seen, when it is a document of an earlier run
    # (written only by runs with an index, so the outputs of runs without one keep their fields)
    first_seen: str | None = None


class Rejected(NamedTuple):
    """A dead letter: a record that could not be used, with where it came from and why."""

    origin: str
    stage: str
    reason: str
    message: str
    id: str | None = None
    url: str | None = None


class Verdict(NamedTuple):
    """What dedup decided for one document."""

    cluster_id: str
    duplicate_of: str | None = None
    dup_type: str | None = None
    similarity: float | None = None
    first_seen: str | None = None  # the canonical's first run date, when it comes from the history index


class Cluster(NamedTuple):
    """A cluster of two or more copies of one story."""

    cluster_id: str
    canonical_id: str
    member_ids: tuple[str, ...]
    size: int
    exact: int
    near: int
    contained: int
    min_similarity: float
    passage: int = 0


def stable_id(*parts: str) -> str:
    """A 16-hex-digit id from stable content (URL, or path of a file relative to its input root)."""
    h = xxhash.xxh3_64()
    for part in parts:
        h.update(part.encode("utf-8", "surrogatepass"))
        h.update(b"\x00")
    return h.hexdigest()


def content_hash(hash_text: str) -> str:
    """The exact-duplicate key of a document: a 128-bit hash of its hashing form."""
    return xxhash.xxh3_128_hexdigest(hash_text.encode("utf-8", "surrogatepass"))


_T = TypeVar("_T", bound=tuple[Any, ...])


def pack(record: tuple[Any, ...]) -> bytes:
    """A record's compact form for a shuffle: its fields as a plain pickled tuple (``unpack`` reads it back).

    Beam encodes a NamedTuple it has no coder for with its pickle fallback, which names the class in every
    element and looks it up again on decoding; measured on 200 documents, 16 µs a document encoded and decoded
    against 6 µs for its fields as a plain tuple. Shuffled as ``bytes``, an element also stays opaque to the local
    runner, which otherwise decodes every grouped value into a Python object and holds it until the stage
    reading it has run. Only for values: the bytes are not a deterministic key."""
    return pickle.dumps(tuple(record), protocol=pickle.HIGHEST_PROTOCOL)


def unpack(cls: type[_T], data: bytes) -> _T:
    """The record of type ``cls`` that ``pack`` made ``data`` from."""
    return cls._make(pickle.loads(data))  # type: ignore[attr-defined]


def at_end_of_global_window(item: Any) -> WindowedValue:
    """An output of ``finish_bundle``, which has no input element to inherit a window from: the batch pipeline's
    elements are in the global window. Wrap it in ``beam.pvalue.TaggedOutput`` for a tagged output."""
    return WindowedValue(item, GlobalWindow().max_timestamp(), (GlobalWindow(),))


def to_json(record: NamedTuple, *, first_seen: bool = False) -> str:
    """One output line: the record's fields in declaration order, ``meta`` as an object. A document's
    ``first_seen`` is written only when asked (runs with a history index)."""
    data: dict[str, Any] = record._asdict()
    if not first_seen:
        data.pop("first_seen", None)
    if "meta" in data:
        data["meta"] = json.loads(data["meta"])
    data.pop("hash_text", None)
    if "member_ids" in data:
        data["member_ids"] = list(data["member_ids"])
    return json.dumps(data, ensure_ascii=False)
