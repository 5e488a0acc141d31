"""Locality-sensitive hashing over MinHash bands, grouped in Beam (no in-memory index), and pair verification.

A pair of similarity s becomes a candidate with probability ``1 - (1 - s**rows) ** bands``. Bands and rows are
given, or derived from a target threshold and a recall floor: the steepest curve that still makes a pair at the
threshold a candidate with at least that probability (datasketch's own choice at threshold 0.8 and 128
permutations gives a pair at 0.8 only a 40% chance; a recall floor does not).
"""

from __future__ import annotations

import math
import struct
from collections.abc import Iterable, Iterator
from typing import Any, NamedTuple

import apache_beam as beam
import numpy as np
import xxhash
from apache_beam.metrics import Metrics
from apache_beam.utils.windowed_value import WindowedValue

from transforms.minhash import Sketch, roundup_items
from transforms.normalize import LEDE_WORDS
from transforms.records import CONTAINED, NEAR, PASSAGE, at_end_of_global_window, is_history, pack, unpack

STAGE = "lsh"
VERIFY = "verify"


def candidate_probability(s: float, bands: int, rows: int) -> float:
    """Probability that a pair of Jaccard similarity ``s`` shares at least one band."""
    return float(1.0 - (1.0 - s**rows) ** bands)


def similarity_at(p: float, bands: int, rows: int) -> float:
    """The similarity at which a pair becomes a candidate with probability ``p`` (inverse of the S-curve)."""
    if not 0.0 < p < 1.0:
        raise ValueError("p must be strictly between 0 and 1")
    return float((1.0 - (1.0 - p) ** (1.0 / bands)) ** (1.0 / rows))


def choose_bands_rows(*, num_perm: int, threshold: float, recall_floor: float) -> tuple[int, int]:
    """Bands x rows (bands * rows <= num_perm) that give a pair at ``threshold`` at least ``recall_floor`` chance
    of becoming a candidate, with the least false-candidate mass below the threshold among those that do."""
    if not 0.0 < threshold < 1.0:
        raise ValueError("threshold must be strictly between 0 and 1")
    if not 0.0 < recall_floor < 1.0:
        raise ValueError("recall_floor must be strictly between 0 and 1")
    grid = np.linspace(0.0, threshold, 201)
    best: tuple[float, int, int] | None = None
    fallback: tuple[float, int, int] | None = None
    for rows in range(1, num_perm + 1):
        bands = num_perm // rows
        p = candidate_probability(threshold, bands, rows)
        if p >= recall_floor:
            curve = 1.0 - (1.0 - grid**rows) ** bands
            fp = float(np.sum((curve[1:] + curve[:-1]) * np.diff(grid)) / 2.0)  # trapezoid rule, any numpy
            if best is None or (fp, bands) < (best[0], best[1]):
                best = (fp, bands, rows)
        elif fallback is None or p > fallback[0]:
            fallback = (p, bands, rows)
    chosen = best or fallback
    assert chosen is not None
    return chosen[1], chosen[2]


def band_keys(
    values: np.ndarray, *, bands: int, rows: int, fingerprint: str, kind: bytes = b"B"
) -> list[bytes]:
    """One key per band: settings fingerprint, kind (``B`` body, ``L`` lede), band index and a 64-bit hash of
    the band's signature values."""
    prefix = bytes.fromhex(fingerprint) + kind
    return [
        prefix + struct.pack(">H", i) + xxhash.xxh64_digest(values[i * rows : (i + 1) * rows].tobytes())
        for i in range(bands)
    ]


def bucket_pairs(ids: Iterable[str], *, all_pairs_limit: int) -> list[tuple[str, str]]:
    """Candidate pairs of one bucket, each as (smaller id, larger id).

    Up to ``all_pairs_limit`` members every pair is a candidate; above it (templated pages, boilerplate) the
    bucket becomes a star to its smallest id, so a hot bucket costs edges linear in its size, not quadratic.
    Two documents of the history index (``records.is_history``) are never paired: earlier runs settled them.
    """
    members = sorted(set(ids))
    if len(members) <= all_pairs_limit:
        return [
            (a, b)
            for i, a in enumerate(members)
            for b in members[i + 1 :]
            if not (is_history(a) and is_history(b))
        ]
    return _star(members)


def _star(members: list[str]) -> list[tuple[str, str]]:
    """A hot bucket's pairs (its distinct members, sorted): each to the smallest id, two history nodes never."""
    head = members[0]
    return [(head, b) for b in members[1:] if not (is_history(head) and is_history(b))]


class Edge(NamedTuple):
    """A verified duplicate pair, with both ends' canonical ranks for clustering.

    ``relation`` is ``near`` (Jaccard similarity at or above the threshold), ``contained`` (one document's
    shingles lie mostly inside the other's: an excerpt or a truncated copy) or ``passage`` (a round-up carrying
    the other's opening); ``container`` names the end that must be the canonical: the containing end of a
    ``contained`` pair (``similarity`` is then the containment), the story of a ``passage`` pair (``similarity``
    the share of the story's shingles the round-up carries). ``shared`` counts the shingles the two texts have in
    common: a document verified against several canonicals joins the one it shares the most text with.
    """

    a: str
    b: str
    similarity: float
    rank_a: tuple[object, ...]
    rank_b: tuple[object, ...]
    relation: str = NEAR
    container: str | None = None
    shared: int = 0


# How much of a story's lede a round-up item must carry (its dateline and a word or two may be the outlet's own).
PASSAGE_LEDE_CONTAINMENT = 0.5

# An excerpt is clearly shorter than its container: two texts of about the same length that overlap this much
# are near duplicates (or not duplicates at a strict threshold), never an excerpt of each other.
EXCERPT_MAX_SHARE = 0.8


def verify(
    a: np.ndarray, b: np.ndarray, *, threshold: float, containment_threshold: float, min_contained: int
) -> tuple[str, float, int] | None:
    """Relation of two shingle sets: ``("near", jaccard, 0)``, ``("contained", containment, side)`` where side
    is 0 when ``a`` contains ``b`` and 1 when ``b`` contains ``a``, or None. Near wins when both hold; an
    excerpt has at least ``min_contained`` shingles and at most ``EXCERPT_MAX_SHARE`` of its container's."""
    if a.size == 0 or b.size == 0:
        return None
    inter = int(np.intersect1d(a, b, assume_unique=True).size)
    jac = inter / (a.size + b.size - inter)
    if jac >= threshold:
        return NEAR, jac, 0
    smaller, larger = min(a.size, b.size), max(a.size, b.size)
    excerpt = smaller >= min_contained and smaller <= EXCERPT_MAX_SHARE * larger
    if containment_threshold > 0 and excerpt and inter / smaller >= containment_threshold:
        return CONTAINED, inter / smaller, 0 if a.size >= b.size else 1
    return None


# An edited copy's own figures: at least this many, every one of them in the other text.
EDITED_MIN_FIGURES = 2
# A copy stating fewer figures has nothing to check them against: it must lie this much further inside the other
# text, and be this long (in shingles). Measured at 101,849 documents: 0.6 and 20 keep about 30% of the heavy
# rewrites missed without figures for 19 of the 21,383 listed hard negatives (0.55: 27; 0.65: 9 for 18%).
EDITED_PLAIN_MARGIN = 0.1
EDITED_PLAIN_MIN_SHINGLES = 20


def edited_copy(
    a: np.ndarray,
    b: np.ndarray,
    figures_a: tuple[str, ...],
    figures_b: tuple[str, ...],
    *,
    containment_threshold: float,
    min_contained: int,
) -> tuple[str, float, int] | None:
    """A heavily edited copy (``verify``'s result form): the shorter text's shingles at least
    ``containment_threshold`` inside the longer's and every figure it states (at least ``EDITED_MIN_FIGURES``)
    stated by the longer too (one number word aside: a paraphrase may say "seven days" for "a week"). An outlet
    that trims a story, drops sentences and swaps words keeps the story's numbers: two different stories of one
    template (an earnings table, a weekly report) differ in exactly those.
    A shorter text with fewer figures (the one it states, if any, still in the longer) must lie
    ``EDITED_PLAIN_MARGIN`` further inside and have ``EDITED_PLAIN_MIN_SHINGLES`` shingles: a rewrite of a story
    without numbers shares 60-90% of its 3-grams with it, a story of the same template or topic rarely 60%.
    ``contained`` when the shorter is at most ``EXCERPT_MAX_SHARE`` of the longer, else ``near`` (with their
    Jaccard similarity). ``containment_threshold`` 0 turns it off."""
    if containment_threshold <= 0 or a.size == 0 or b.size == 0:
        return None
    small, large = (figures_a, figures_b) if a.size <= b.size else (figures_b, figures_a)
    missing = set(small).difference(large)
    if len(missing) > 1 or any(f[:1].isdigit() for f in missing):
        return None  # a paraphrase may bring in one number word ("a week" -> "seven days"), never a number
    need, floor = containment_threshold, min_contained
    if len(small) < EDITED_MIN_FIGURES:
        need = min(1.0, containment_threshold + EDITED_PLAIN_MARGIN)
        floor = max(min_contained, EDITED_PLAIN_MIN_SHINGLES)
    smaller, larger = min(a.size, b.size), max(a.size, b.size)
    if smaller < floor:
        return None
    inter = int(np.intersect1d(a, b, assume_unique=True).size)
    if inter < need * smaller:
        return None
    if smaller <= EXCERPT_MAX_SHARE * larger:
        return CONTAINED, inter / smaller, 0 if a.size >= b.size else 1
    return NEAR, inter / (a.size + b.size - inter), 0


# A round-up item this long (in shingles) is a passage of its story whatever share of a long story it is.
PASSAGE_MIN_SHINGLES = 40


class Carried(NamedTuple):
    """A passage found by ``passage``: the share of the story's shingles the carrier holds, the story's side
    (0: ``a``), and the share of the story's lede inside the carrier."""

    share: float
    side: int
    lede_share: float


def passage(
    a: np.ndarray,
    b: np.ndarray,
    lede_a: np.ndarray,
    lede_b: np.ndarray,
    *,
    items_a: int,
    items_b: int,
    passage_threshold: float,
    lede_containment: float,
    min_contained: int,
) -> Carried | None:
    """Does one text carry the other's opening as a passage (a round-up item, a digest entry)? Returns the share
    of the story's shingles found in the carrier, the story's side (0: ``a`` is the story) and the share of its
    lede carried, or None.

    The carrier must be a round-up (``items_a``/``items_b``: items found under headlines of their own, see
    ``minhash.section_ledes``; two versions of one earnings table are not a story and its digest). The story's
    lede (``lede_a``/``lede_b``: its opening's shingle set) must lie at least ``lede_containment`` inside the
    carrier, and at least ``passage_threshold`` of the story's shingles (``min_contained`` or more) or
    ``PASSAGE_MIN_SHINGLES`` of them with it (a round-up runs the first part of each story, which is a small share
    of a long one), so a story that only shares a topic does not qualify. ``passage_threshold`` 0 turns the
    relation off."""
    if passage_threshold <= 0 or a.size == 0 or b.size == 0 or max(items_a, items_b) < 1:
        return None
    inter = int(np.intersect1d(a, b, assume_unique=True).size)
    if inter < min_contained:
        return None
    best: Carried | None = None
    for side, (story, lede, carrier, items) in enumerate(((a, lede_a, b, items_b), (b, lede_b, a, items_a))):
        if items < 1 or lede.size == 0:
            continue
        if inter / story.size < passage_threshold and inter < PASSAGE_MIN_SHINGLES:
            continue
        lede_share = np.intersect1d(lede, carrier, assume_unique=True).size / lede.size
        if lede_share < lede_containment:
            continue
        if best is None or inter / story.size > best.share:
            best = Carried(inter / story.size, side, lede_share)
    return best


def lede_figures_carried(
    lede: tuple[str, ...],
    carrier: tuple[str, ...],
    *,
    min_agreement: float,
    lede_share: float = 1.0,
    lede_words: tuple[int, ...] = (),
) -> bool:
    """A passage states its story's opening figures: the figures of the part of the lede it carries are in the
    carrier's (a round-up states other stories' figures too, so only this direction is judged). ``min_agreement``
    0 turns the check off.

    With ``lede_words`` (for each lede figure the index of the first lede word stating it, see
    ``normalize.figures_and_lede_words``) the carried part is the lede's first ``lede_share`` x ``LEDE_WORDS``
    words (``lede_share``: the share of the lede's shingles in the carrier; an item runs a story's first words):
    none of its figures, nothing to judge; one, it must be carried; more, at least ``min_agreement`` of them. A
    round-up item running the first sentence of a 50-word lede does not carry the figures of the second, and an
    item of another story of the same template differs in the figures of the words it runs. Without positions (a
    history index's probes) at least ``min_agreement`` of all the lede's figures, scaled by ``lede_share``, and
    fewer than two lede figures are not judged.

    Measured on the 101,849-document benchmark's round-ups (every round-up with its story, and with each
    look-alike of its story the gold keeps apart): with positions 96 of 6,644 true passages pass that failed on
    the scaled share (7 that passed fail), and of 7,142 look-alike pairs 12 pass that failed, 50 fail that
    passed."""
    if min_agreement <= 0:
        return True
    found = set(carrier)
    if lede_words and len(lede_words) == len(lede):
        carried_words = math.ceil(lede_share * LEDE_WORDS)
        carried = [figure for figure, word in zip(lede, lede_words, strict=True) if word < carried_words]
        if not carried:
            return True
        stated = sum(1 for figure in carried if figure in found)
        return stated == 1 if len(carried) == 1 else stated / len(carried) >= min_agreement
    if len(lede) < 2:
        return True
    return len(found.intersection(lede)) / len(lede) >= min_agreement * min(1.0, lede_share)


def _share(a: tuple[str, ...], b: tuple[str, ...]) -> float | None:
    """Share of the smaller figure set found in the other; None when either has fewer than two figures."""
    if min(len(a), len(b)) < 2:
        return None
    return len(set(a).intersection(b)) / min(len(a), len(b))


def figures_agree(
    a: tuple[str, ...],
    b: tuple[str, ...],
    *,
    min_agreement: float,
    lede_a: tuple[str, ...] = (),
    lede_b: tuple[str, ...] = (),
) -> bool:
    """Do two texts state the same figures? Templated stories share most words and differ in their numbers
    ("Shr 12 cts vs 10 cts"), so a pair whose figures mostly differ is two stories, however similar the words.

    The share is taken of the text with fewer figures (a trimmed copy or an excerpt states fewer). Weekly
    statistics repeat a boilerplate paragraph of constant figures after a lede with this week's numbers, so the
    ledes must also share at least one figure. Sets of fewer than two figures are not judged; ``min_agreement``
    0 turns the check off."""
    if min_agreement <= 0:
        return True
    whole, lede = _share(a, b), _share(lede_a, lede_b)
    return (whole is None or whole >= min_agreement) and (lede is None or lede > 0)


def lede_keys(sketch: Sketch, *, lede_bands: int, lede_rows: int) -> list[bytes]:
    """The lede band keys of a sketch (kind ``L``), sorted and unique: its own lede's, and those of the items of
    a round-up (``Sketch.section_values``), which band like ledes so a story meets the round-up carrying its
    opening. None when ``lede_bands`` is 0 or the sketch has no lede signature."""
    if not lede_bands or not sketch.lede_values:
        return []
    lede = np.frombuffer(sketch.lede_values, dtype="<u8")
    if lede.size < lede_bands * lede_rows:
        raise ValueError(f"lede signature of {lede.size} values cannot fill the lede bands")
    fp = sketch.fingerprint
    keys = set(band_keys(lede, bands=lede_bands, rows=lede_rows, fingerprint=fp, kind=b"L"))
    sections = np.frombuffer(sketch.section_values, dtype="<u8")
    for k in range(0, sections.size, lede.size):
        part = sections[k : k + lede.size]
        keys.update(band_keys(part, bands=lede_bands, rows=lede_rows, fingerprint=fp, kind=b"L"))
    return sorted(keys)


# Beam's cost follows the number of elements, and the band keys are a run's biggest collection (72 a document with
# the default body and lede bands; the local runner's shuffle holds each as a few small Python objects). So they
# cross the shuffle in batches: a worker packs its (band key, id) entries per partition of the key space and sends
# one element per partition and bundle; the step after the shuffle groups one partition's entries into buckets.
# 1024 partitions: enough keys to spread the pairing over any number of workers, few enough that a partition's
# batch of a bundle holds many entries (a bundle of 10k documents: ~700); one partition holds 1/1024 of the
# batch's band keys (a million documents: ~70k entries, a few MB).
BAND_PARTITIONS = 1024
# A worker flushes its batches when they hold this many packed bytes, so its memory stays bounded whatever the
# size of its bundles (8 MiB: ~250k entries, a few thousand documents).
BAND_BUFFER_BYTES = 8 << 20
# Candidate pairs are de-duplicated by the pairing step (a pair meets in each band it shares, in as many
# partitions) and flushed at this many (~50 MB of Python tuples). At 78,596 documents (410k distinct pairs) 2**16
# flushed 6.7M pairs and 2**18 3.0M (7.8M when every bucket sent its own).
PAIR_BUFFER = 1 << 18
# The flushed pairs cross the shuffle batched per partition of the pair (as the band keys do): one element per
# partition and flush, and the step after the shuffle keeps each pair once. ``beam.Distinct`` did this before,
# one element per pair: a flush has no repeats left for its precombine, so at 78,596 documents 3.0M pairs crossed
# its shuffle. One partition holds 1/1024 of the flushed pairs (at 78,596 documents ~3k, ~400 of them distinct).
PAIR_PARTITIONS = 1024

_ENTRY_HEAD = struct.Struct(">BH")  # key length, id length (UTF-8 bytes)


def band_partition(key: bytes, partitions: int) -> int:
    """The partition of the band-key space a key is batched in (the same on every worker)."""
    return int(xxhash.xxh64_intdigest(key) % partitions)


def pack_band_entry(key: bytes, node: str) -> bytes:
    """One (band key, id) entry of a batch: key length, id length, key, UTF-8 id."""
    encoded = node.encode("utf-8", "surrogatepass")
    if len(key) > 0xFF or len(encoded) > 0xFFFF:
        raise ValueError(f"band key of {len(key)} bytes or id of {len(encoded)} bytes too long to batch")
    return _ENTRY_HEAD.pack(len(key), len(encoded)) + key + encoded


def unpack_band_entries(batch: bytes) -> Iterator[tuple[bytes, str]]:
    """The (band key, id) entries of a batch, in the order they were packed."""
    pos, end = 0, len(batch)
    while pos < end:
        key_len, id_len = _ENTRY_HEAD.unpack_from(batch, pos)
        pos += _ENTRY_HEAD.size
        key = batch[pos : pos + key_len]
        pos += key_len
        yield key, batch[pos : pos + id_len].decode("utf-8", "surrogatepass")
        pos += id_len


_PAIR_HEAD = struct.Struct(">HH")  # id lengths (UTF-8 bytes)


def pack_pair(a: str, b: str) -> bytes:
    """One (a, b) pair of a batch: both id lengths, then both UTF-8 ids."""
    left, right = a.encode("utf-8", "surrogatepass"), b.encode("utf-8", "surrogatepass")
    if len(left) > 0xFFFF or len(right) > 0xFFFF:
        raise ValueError(f"id of {max(len(left), len(right))} bytes too long to batch")
    return _PAIR_HEAD.pack(len(left), len(right)) + left + right


def unpack_pairs(batch: bytes) -> Iterator[tuple[str, str]]:
    """The pairs of a batch, in the order they were packed."""
    pos, end = 0, len(batch)
    while pos < end:
        a_len, b_len = _PAIR_HEAD.unpack_from(batch, pos)
        pos += _PAIR_HEAD.size
        a = batch[pos : pos + a_len].decode("utf-8", "surrogatepass")
        pos += a_len
        yield a, batch[pos : pos + b_len].decode("utf-8", "surrogatepass")
        pos += b_len


def pair_partition(packed: bytes, partitions: int) -> int:
    """The partition of the pair space a packed pair (``pack_pair``) is batched in (the same on every worker)."""
    return int(xxhash.xxh64_intdigest(packed) % partitions)


def batch_pairs(pairs: Iterable[tuple[str, str]], partitions: int) -> list[tuple[int, bytes]]:
    """Pairs -> ``(partition, batch)`` items, one a partition, in partition order (a repeated pair is packed
    as often as it comes: de-duplicating is the reader's job)."""
    batches: dict[int, bytearray] = {}
    for a, b in pairs:
        packed = pack_pair(a, b)
        batches.setdefault(pair_partition(packed, partitions), bytearray()).extend(packed)
    return [(part, bytes(batch)) for part, batch in sorted(batches.items())]


class BandBatches:
    """A worker's (band key, id) entries packed per partition until flushed as ``(partition, batch)`` items."""

    def __init__(self, partitions: int, limit_bytes: int):
        self._partitions, self._limit = partitions, limit_bytes
        self._batches: dict[int, bytearray] = {}
        self._size = 0

    def add(self, key: bytes, node: str) -> bool:
        """Add an entry; True when the batches have reached their limit and should be flushed."""
        entry = pack_band_entry(key, node)
        self._batches.setdefault(band_partition(key, self._partitions), bytearray()).extend(entry)
        self._size += len(entry)
        return self._size >= self._limit

    def flush(self) -> list[tuple[int, bytes]]:
        items = [(part, bytes(batch)) for part, batch in sorted(self._batches.items())]
        self._batches, self._size = {}, 0
        return items


class _BatchBandsFn(beam.DoFn):
    """``(band key, id)`` elements (a history's band keys) -> ``(partition, batch)``, the batched form."""

    def __init__(self, partitions: int = BAND_PARTITIONS, buffer_bytes: int = BAND_BUFFER_BYTES):
        self._partitions, self._buffer_bytes = partitions, buffer_bytes

    def start_bundle(self) -> None:
        self._batches = BandBatches(self._partitions, self._buffer_bytes)

    def _add(self, keys: Iterable[bytes], node: str) -> Iterator[tuple[int, bytes]]:
        full = False
        for key in keys:
            full = self._batches.add(key, node) or full
        if full:
            yield from self._batches.flush()

    def process(self, element: tuple[bytes, str]) -> Iterator[tuple[int, bytes]]:
        key, node = element
        yield from self._add((key,), node)

    def finish_bundle(self) -> Iterator[WindowedValue]:
        for item in self._batches.flush():
            yield at_end_of_global_window(item)


class _BandFn(_BatchBandsFn):
    """``Sketch -> (partition, batch)``: a sketch's body and lede band keys, batched."""

    def __init__(
        self,
        bands: int,
        rows: int,
        lede_bands: int = 0,
        lede_rows: int = 3,
        partitions: int = BAND_PARTITIONS,
        buffer_bytes: int = BAND_BUFFER_BYTES,
    ):
        super().__init__(partitions, buffer_bytes)
        self._bands, self._rows = bands, rows
        self._lede_bands, self._lede_rows = lede_bands, lede_rows

    def setup(self) -> None:
        self._seen = Metrics.counter(STAGE, "seen")
        self._skipped = Metrics.counter(STAGE, "skipped:too_short")

    def process(self, sketch: Sketch) -> Iterator[tuple[int, bytes]]:  # type: ignore[override]
        self._seen.inc()
        if not sketch.values:
            self._skipped.inc()
            return
        values = np.frombuffer(sketch.values, dtype="<u8")
        if values.size < self._bands * self._rows:
            raise ValueError(
                f"signature of {values.size} values cannot fill {self._bands} x {self._rows} bands"
            )
        keys = band_keys(values, bands=self._bands, rows=self._rows, fingerprint=sketch.fingerprint)
        keys += lede_keys(sketch, lede_bands=self._lede_bands, lede_rows=self._lede_rows)
        yield from self._add(keys, sketch.id)


def is_shared_bucket(ids: list[str]) -> bool:
    """A bucket that can pair: two members or more, not all of the history index (a bucket of history nodes alone
    pairs nothing: their run copies are exact copies)."""
    return len(ids) > 1 and not all(is_history(member) for member in ids)


def shared_bucket_pairs(ids: list[str], *, all_pairs_limit: int) -> list[tuple[str, str]]:
    """Candidate pairs of one bucket (its members as they came, repeats included): ``bucket_pairs`` up to
    ``all_pairs_limit`` members, a star to the smallest id above it; none when it is not shared."""
    if not is_shared_bucket(ids):
        return []
    if len(ids) <= all_pairs_limit:
        return bucket_pairs(ids, all_pairs_limit=all_pairs_limit)
    return _star(sorted(set(ids)))


class _PairPartitionsFn(beam.DoFn):
    """The batches of one partition -> its buckets (band key -> ids, grouped here) -> their candidate pairs,
    batched per partition of the pair space (``(partition, batch)``, see ``PAIR_PARTITIONS``).

    A bucket is held in memory, a hot one too (a million templated pages sharing a band: a million ids on one
    worker, counted as ``hot_buckets``); the partition as a whole holds 1/``partitions`` of the batch's keys.
    The pairs of a bundle are de-duplicated here (a pair meets in every band it shares, in as many partitions)
    and flushed at ``pair_buffer``; ``_DistinctPairsFn`` merges the flushes of all bundles and workers."""

    def __init__(
        self, all_pairs_limit: int, pair_buffer: int = PAIR_BUFFER, pair_partitions: int = PAIR_PARTITIONS
    ):
        self._limit, self._pair_buffer, self._pair_partitions = all_pairs_limit, pair_buffer, pair_partitions

    def setup(self) -> None:
        self._buckets = Metrics.counter(STAGE, "shared_buckets")
        self._hot = Metrics.counter(STAGE, "hot_buckets")
        self._hot_members = Metrics.counter(STAGE, "hot_bucket_members")
        self._sizes = Metrics.distribution(STAGE, "shared_bucket_size")

    def start_bundle(self) -> None:
        self._pairs: set[tuple[str, str]] = set()

    def process(self, element: tuple[int, Iterable[bytes]]) -> Iterator[tuple[int, bytes]]:
        _, batches = element
        buckets: dict[bytes, list[str]] = {}
        for batch in batches:
            for key, node in unpack_band_entries(batch):
                buckets.setdefault(key, []).append(node)
        for ids in buckets.values():
            if not is_shared_bucket(ids):
                continue
            self._buckets.inc()
            self._sizes.update(len(ids))
            if len(ids) > self._limit:
                self._hot.inc()
                self._hot_members.inc(len(ids))
            self._pairs.update(shared_bucket_pairs(ids, all_pairs_limit=self._limit))
        if len(self._pairs) >= self._pair_buffer:
            yield from self._flush()

    def _flush(self) -> list[tuple[int, bytes]]:
        pairs, self._pairs = self._pairs, set()
        return batch_pairs(sorted(pairs), self._pair_partitions)

    def finish_bundle(self) -> Iterator[WindowedValue]:
        for item in self._flush():
            yield at_end_of_global_window(item)


class _DistinctPairsFn(beam.DoFn):
    """The batches of one partition of the pair space -> its distinct pairs, each once, sorted (counted as
    ``candidate_pairs``). A pair lands in the same partition from every bundle and worker, so keeping each once
    per partition keeps it once in all; the partition's pairs are held in memory (1/``PAIR_PARTITIONS`` of the
    flushed pairs)."""

    def setup(self) -> None:
        self._pairs = Metrics.counter(STAGE, "candidate_pairs")

    def process(self, element: tuple[int, Iterable[bytes]]) -> Iterator[tuple[str, str]]:
        _, batches = element
        distinct: set[tuple[str, str]] = set()
        for batch in batches:
            distinct.update(unpack_pairs(batch))
        self._pairs.inc(len(distinct))
        yield from sorted(distinct)


class FindCandidatePairs(beam.PTransform):
    """``PCollection[Sketch] -> PCollection[tuple[str, str]]``: distinct id pairs (a < b) sharing a band.

    Besides the bands of the whole signature, ``lede_bands`` x ``lede_rows`` bands of the lede's signature make
    a pair a candidate when the stories open alike: an excerpt shares little of its story's shingles (Jaccard
    0.25-0.5) but nearly all of its lede.

    The input may also be ``(sketches, history)``: ``history`` is a ``PCollection[(band_key, node_id)]`` of
    documents of earlier runs (``transforms.index.LookupHistoryKeys``) grouped with the batch's own bands; two
    history nodes are never paired.

    The band keys cross the shuffle batched per partition of the key space (``partitions``, see
    ``BAND_PARTITIONS``), the pairs batched per partition of the pair space (``pair_partitions``, see
    ``PAIR_PARTITIONS``); the pairs are those of grouping by band key, whatever the bundles or partitions."""

    def __init__(
        self,
        *,
        bands: int,
        rows: int,
        all_pairs_limit: int = 16,
        lede_bands: int = 0,
        lede_rows: int = 3,
        partitions: int = BAND_PARTITIONS,
        pair_partitions: int = PAIR_PARTITIONS,
    ):
        super().__init__()
        if bands < 1 or rows < 1:
            raise ValueError("bands and rows must be at least 1")
        if lede_bands < 0 or lede_rows < 1:
            raise ValueError("lede_bands must be 0 (off) or more, lede_rows at least 1")
        self._lede_bands, self._lede_rows = lede_bands, lede_rows
        if all_pairs_limit < 2:
            raise ValueError("all_pairs_limit must be at least 2")
        if partitions < 1 or pair_partitions < 1:
            raise ValueError("partitions and pair_partitions must be at least 1")
        self._bands, self._rows, self._limit = bands, rows, all_pairs_limit
        self._partitions, self._pair_partitions = partitions, pair_partitions

    def expand(
        self, inputs: beam.PCollection | tuple[beam.PCollection, beam.PCollection]
    ) -> beam.PCollection:
        sketches, history = inputs if isinstance(inputs, tuple) else (inputs, None)
        banded = sketches | "Band" >> beam.ParDo(
            _BandFn(self._bands, self._rows, self._lede_bands, self._lede_rows, self._partitions)
        )
        if history is not None:
            batched = history | "BatchHistory" >> beam.ParDo(_BatchBandsFn(self._partitions))
            banded = (banded, batched) | "WithHistory" >> beam.Flatten()
        pair_buckets = _PairPartitionsFn(self._limit, pair_partitions=self._pair_partitions)
        return (
            banded
            | "GroupByPartition" >> beam.GroupByKey()
            | "PairBuckets" >> beam.ParDo(pair_buckets)
            | "GroupPairs" >> beam.GroupByKey()
            | "DistinctPairs" >> beam.ParDo(_DistinctPairsFn())
        )


class Probe(NamedTuple):
    """What verifying a pair needs of one end: a sketch without its signatures, sent once per candidate pair.

    The pair joins move one probe per pair, so at 100k documents (430k pairs) these are gigabytes on the
    wire; the MinHash values (1 KiB at 128 permutations) and lede signature have done their work by then."""

    id: str
    fingerprint: str
    rank: tuple[object, ...]
    shingles: bytes
    figures: tuple[str, ...]
    lede_figures: tuple[str, ...]
    lede_shingles: bytes = b""
    items: int = 0  # items of a round-up found in it (``minhash.section_ledes``): 0 for a single story
    # where in the lede each lede figure is stated (``Sketch.lede_figure_words``; a history index keeps none)
    lede_figure_words: tuple[int, ...] = ()


def to_probe(sketch: Sketch) -> Probe:
    return Probe(
        sketch.id,
        sketch.fingerprint,
        sketch.rank,
        sketch.shingles,
        sketch.figures,
        sketch.lede_figures,
        sketch.lede_shingles,
        roundup_items(sketch),
        sketch.lede_figure_words,
    )


def _send_probes(element: tuple[str, dict[str, list[Any]]]) -> Iterator[Any]:
    """Each pair (a, b) leaves a's group carrying a's probe (packed, passed on as it came), keyed by b; a probe
    goes on to ``JoinRight`` as the right end's own (output ``right``) only when some pair has it on the right.

    Before, every probe crossed ``JoinRight`` again, also those of documents that end no pair (a unique story,
    a cluster's smallest id: 4,449 of 9,970 in the bench's 10k corpus), and that join is where every run's
    memory peaks: the local runner holds its encoded values in the grouped output, the data channel and the
    worker's materialized input at once."""
    node, grouped = element
    for probe in grouped["probe"]:
        for other in grouped["pairs"]:
            yield other, probe
        if grouped["right"]:
            yield beam.pvalue.TaggedOutput("right", (node, probe))


def _shared(a: np.ndarray, b: np.ndarray) -> int:
    """Shingles two sorted unique shingle sets have in common (``Edge.shared``)."""
    return int(np.intersect1d(a, b, assume_unique=True).size)


class _VerifyFn(beam.DoFn):
    def __init__(
        self,
        threshold: float,
        containment_threshold: float,
        min_contained: int,
        figure_agreement: float,
        passage_threshold: float = 0.0,
        edited_containment: float = 0.0,
    ):
        self._threshold = threshold
        self._containment = containment_threshold
        self._min_contained = min_contained
        self._figures = figure_agreement
        self._passage = passage_threshold
        self._edited_containment = edited_containment

    def setup(self) -> None:
        self._seen = Metrics.counter(VERIFY, "seen")
        self._kept = Metrics.counter(VERIFY, "kept")
        self._near = Metrics.counter(VERIFY, "near")
        self._contained = Metrics.counter(VERIFY, "contained")
        self._passages = Metrics.counter(VERIFY, "passage")
        self._edited = Metrics.counter(VERIFY, "edited")
        self._low = Metrics.counter(VERIFY, "dropped:below_threshold")
        self._differ = Metrics.counter(VERIFY, "dropped:figures_differ")
        self._mismatch = Metrics.counter(VERIFY, "dropped:settings_mismatch")
        self._sims = Metrics.distribution(VERIFY, "jaccard_pct")

    def _agree(self, left: Probe, right: Probe) -> bool:
        return figures_agree(
            left.figures,
            right.figures,
            min_agreement=self._figures,
            lede_a=left.lede_figures,
            lede_b=right.lede_figures,
        )

    def process(self, element: tuple[str, dict[str, list[bytes]]]) -> Iterator[Edge]:
        _, grouped = element
        lefts = [unpack(Probe, packed) for packed in grouped["left"]]
        for right in (unpack(Probe, packed) for packed in grouped["probe"]):
            b = np.frombuffer(right.shingles, dtype="<u8")
            for left in lefts:
                self._seen.inc()
                if left.fingerprint != right.fingerprint:
                    self._mismatch.inc()
                    continue
                a = np.frombuffer(left.shingles, dtype="<u8")
                found = verify(
                    a,
                    b,
                    threshold=self._threshold,
                    containment_threshold=self._containment,
                    min_contained=self._min_contained,
                )
                agree = found is not None and self._agree(left, right)
                # A round-up item that overlaps its story like an excerpt but whose figures fall short of the
                # whole story's (the item stops early) is judged as the passage it is.
                carried = None
                if not agree:
                    carried = passage(
                        a,
                        b,
                        np.frombuffer(left.lede_shingles, dtype="<u8"),
                        np.frombuffer(right.lede_shingles, dtype="<u8"),
                        items_a=left.items,
                        items_b=right.items,
                        passage_threshold=self._passage,
                        lede_containment=PASSAGE_LEDE_CONTAINMENT,
                        min_contained=self._min_contained,
                    )
                if carried is not None:
                    share, side, lede_share = carried
                    story, carrier = (left, right) if side == 0 else (right, left)
                    if lede_figures_carried(
                        story.lede_figures,
                        carrier.figures,
                        min_agreement=self._figures,
                        lede_share=lede_share,
                        lede_words=story.lede_figure_words,
                    ):
                        self._kept.inc()
                        self._passages.inc()
                        yield Edge(
                            left.id, right.id, share, left.rank, right.rank, PASSAGE, story.id, _shared(a, b)
                        )
                        continue
                    if found is None:
                        self._differ.inc()
                        continue
                edited = found is None
                if edited:
                    found = edited_copy(
                        a,
                        b,
                        left.figures,
                        right.figures,
                        containment_threshold=self._edited_containment,
                        min_contained=self._min_contained,
                    )
                    agree = found is not None and self._agree(left, right)
                if found is None:
                    self._low.inc()
                    continue
                if not agree:
                    self._differ.inc()
                    continue
                relation, sim, side = found
                self._kept.inc()
                if edited:
                    self._edited.inc()
                self._sims.update(round(sim * 100))
                if relation == NEAR:
                    self._near.inc()
                    yield Edge(left.id, right.id, sim, left.rank, right.rank, shared=_shared(a, b))
                else:
                    self._contained.inc()
                    container = left.id if side == 0 else right.id
                    yield Edge(
                        left.id, right.id, sim, left.rank, right.rank, CONTAINED, container, _shared(a, b)
                    )


class VerifyPairs(beam.PTransform):
    """``(PCollection[(a, b)], PCollection[Sketch]) -> PCollection[Edge]``: candidates verified on their exact
    shingle sets: Jaccard similarity at least ``threshold`` (near), or the smaller set at least
    ``containment_threshold`` inside the larger one (contained; the smaller needs ``min_contained`` shingles,
    0 turns containment off), and stating the same figures (``figures_agree``); or, with ``passage_threshold``,
    one carrying the other's opening and that share of its shingles (``passage``: round-ups); or, with
    ``edited_containment``, a heavily edited copy (``edited_copy``: that much inside, every figure of the shorter
    stated by the longer). Two joins bring each pair both sketches (``JoinLeft`` every probe and the pairs'
    ends, ``JoinRight`` the probes of the pairs' right ends only, see ``_send_probes``); nothing is held
    globally. A third input, ``PCollection[(node_id, Probe)]``, adds the probes of history nodes
    (``transforms.index.LookupHistoryProbes``)."""

    def __init__(
        self,
        *,
        threshold: float,
        containment_threshold: float = 0.7,
        min_contained: int = 15,
        figure_agreement: float = 0.6,
        passage_threshold: float = 0.0,
        edited_containment: float = 0.0,
    ):
        super().__init__()
        if not 0.0 <= edited_containment <= 1.0:
            raise ValueError("edited_containment must be in [0, 1] (0 turns edited copies off)")
        if not 0.0 <= passage_threshold <= 1.0:
            raise ValueError("passage_threshold must be in [0, 1] (0 turns the passage relation off)")
        if not 0.0 < threshold <= 1.0:
            raise ValueError("threshold must be in (0, 1]")
        if not 0.0 <= containment_threshold <= 1.0:
            raise ValueError("containment_threshold must be in [0, 1] (0 turns containment off)")
        if min_contained < 1:
            raise ValueError("min_contained must be at least 1")
        if not 0.0 <= figure_agreement <= 1.0:
            raise ValueError("figure_agreement must be in [0, 1] (0 turns the figures check off)")
        self._fn = _VerifyFn(
            threshold,
            containment_threshold,
            min_contained,
            figure_agreement,
            passage_threshold,
            edited_containment,
        )

    def expand(self, inputs: tuple[beam.PCollection, ...]) -> beam.PCollection:
        pairs, sketches = inputs[0], inputs[1]
        # probes cross both joins packed (records.pack): the history's probes too
        by_id = sketches | "KeyById" >> beam.Map(lambda s: (s.id, pack(to_probe(s))))
        if len(inputs) > 2:
            history = inputs[2] | "PackHistory" >> beam.MapTuple(lambda node, probe: (node, pack(probe)))
            by_id = (by_id, history) | "WithHistory" >> beam.Flatten()
        rights = pairs | "KeyByRight" >> beam.MapTuple(lambda _, b: (b, b""))
        sent = (
            {"pairs": pairs, "right": rights, "probe": by_id}
            | "JoinLeft" >> beam.CoGroupByKey()
            | "SendProbes" >> beam.FlatMap(_send_probes).with_outputs("right", main="left")
        )
        return (
            {"left": sent.left, "probe": sent.right}
            | "JoinRight" >> beam.CoGroupByKey()
            | "Verify" >> beam.ParDo(self._fn)
        )
