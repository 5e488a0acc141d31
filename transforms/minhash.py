"""MinHash signatures of documents with datasketch.

One set of permutations per worker (built in ``setup``), datasketch's 64-bit ``affine64`` scheme over 64-bit
xxhash shingle values, so large documents do not saturate a 32-bit hash. Each signature carries a fingerprint of
the settings that made it; band keys include it, so signatures made with different settings never meet.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, NamedTuple

import apache_beam as beam
import numpy as np
import xxhash
from apache_beam.metrics import Metrics
from datasketch import MinHash

from transforms.normalize import ANY_DATELINE, LEDE_WORDS, figures_and_lede_words, hashing_form
from transforms.records import Document
from transforms.shingles import (
    UNITS,
    choose_unit,
    hash_strings,
    shingle_hashes,
    shingle_strings,
    token_count,
)

STAGE = "minhash"
SCHEME = "affine64"

# The lede signatures (the lede bands) are taken of a story's first ``LEDE_BAND_WORDS`` words, shorter than its
# lede: an excerpt or a round-up item of 25-50 words then carries all of the banded opening, where against the
# whole 50-word lede its Jaccard similarity falls to about its length share (a 24-word excerpt: 0.48, and no
# shared lede band). Verification still reads the whole lede (``Sketch.lede_shingles``).
LEDE_BAND_WORDS = 25


class Sketch(NamedTuple):
    """What near-duplicate detection needs of a document: small, without its text."""

    id: str
    content_hash: str
    published: str | None
    source: str | None
    length: int  # characters of display text
    fingerprint: str
    values: bytes = b""  # num_perm little-endian uint64; empty when the document is too short for LSH
    rank: tuple[object, ...] = ()  # canonical ordering, filled by the cluster stage's policy
    shingles: bytes = b""  # sorted unique shingle hashes (little-endian uint64): exact verification
    figures: tuple[str, ...] = ()  # numbers and number words of the text (see normalize.figures)
    lede_figures: tuple[str, ...] = ()  # those of its first words
    lede_values: bytes = b""  # MinHash of the lede's shingles (lede bands: excerpts and trims share the lede)
    # Lede MinHashes of the items of a round-up or digest (``section_ledes``), concatenated: a story whose opening
    # is carried by such an item meets it in the lede bands.
    section_values: bytes = b""
    lede_shingles: bytes = (
        b""  # sorted unique shingle hashes of the lede: is a story's opening inside a digest?
    )
    # for each of ``lede_figures``, the index of the first lede word that states it (a passage carries the figures
    # of the lede's words it carries)
    lede_figure_words: tuple[int, ...] = ()


def _identity(value: int) -> int:
    """Shingles arrive already hashed to 64 bits; datasketch applies its own mixing and permutations."""
    return value


def settings_fingerprint(
    *, unit: str, size: int, char_size: int, num_perm: int, seed: int, lede_perm: int = 0
) -> str:
    """8 hex digits naming everything that changes a signature's values."""
    spec = (
        f"v1|{SCHEME}|xxh64|unit={unit}|n={size}|cn={char_size}|perm={num_perm}|seed={seed}|lede={lede_perm}"
    )
    if lede_perm:  # lede signatures of the first LEDE_BAND_WORDS words (since session 4; before: of the lede)
        spec += f"|ledewords={LEDE_BAND_WORDS}"
    return xxhash.xxh32_hexdigest(spec.encode())


def minhash_template(num_perm: int, seed: int) -> MinHash:
    """An empty MinHash whose permutations every signature of a run shares."""
    return MinHash(num_perm=num_perm, seed=seed, hashfunc=_identity, scheme=SCHEME)


# MurmurHash3's 64-bit finalizer: datasketch's ``affine64`` scheme mixes each input hash with it once.
_FMIX64 = (np.uint64(33), np.uint64(0xFF51AFD7ED558CCD), np.uint64(0xC4CEB9FE1A85EC53))
_ROWS_PER_BLOCK = (
    2048  # shingles per block of the (shingles x permutations) product: 2 MiB at 128 permutations
)


def _fmix64(hv: np.ndarray) -> np.ndarray:
    shift, m1, m2 = _FMIX64
    hv = hv ^ (hv >> shift)
    hv = hv * m1
    hv = hv ^ (hv >> shift)
    hv = hv * m2
    return hv ^ (hv >> shift)


def signature(shingles: np.ndarray, template: MinHash) -> np.ndarray:
    """The MinHash values (uint64) of a set of shingle hashes; ``shingles`` must not be empty.

    The same values as ``template.copy().update_batch(shingles.tolist())`` (datasketch's ``affine64``: each value
    mixed once, then ``a * h + b`` mod 2^64 per permutation, the minimum per permutation), computed on the
    template's own permutations in numpy without a Python call per shingle, in blocks of bounded memory."""
    a, b = template.permutations
    hv = _fmix64(np.asarray(shingles, dtype=np.uint64))
    out = np.array(template.hashvalues, dtype=np.uint64)
    for start in range(0, hv.size, _ROWS_PER_BLOCK):
        block = hv[start : start + _ROWS_PER_BLOCK, np.newaxis] * a + b  # uint64 arrays wrap: mod 2^64
        np.minimum(out, block.min(axis=0), out=out)
    return out


def lede_form(hash_text: str, unit: str) -> str:
    """The opening of a hashing form: its first ``LEDE_WORDS`` words (three characters a word for unspaced
    scripts). Excerpts, trimmed copies and copies with a dropped sentence keep the lede of their story."""
    if (choose_unit(hash_text) if unit == "auto" else unit) == "char":
        return hash_text[: 3 * LEDE_WORDS]
    return " ".join(hash_text.split(maxsplit=LEDE_WORDS)[:LEDE_WORDS])  # not a split of the whole text


MAX_SECTIONS = 8  # items of a round-up given a lede signature of their own
_SECTION_HEAD_WORDS = (2, 15)
_SECTION_BODY_WORDS = 12
_TERMINAL = tuple(".!?…:;\"'”’)")
_SENTENCE_END = tuple(".!?…\"'”’)")
_NOTE = re.compile(r"\s*notes?\s*[:-]", re.I)
_SMALL_WORDS = frozenset(
    {"a", "an", "and", "as", "at", "by", "for", "from", "in", "of", "on", "or", "the", "to", "vs"}
)


def section_ledes(text: str) -> list[str]:
    """The openings of the items of a round-up or digest ("Markets briefs: ..."): for each line that reads as a
    headline (2-15 words in title case, no closing punctuation) between the end of a paragraph and a line of
    prose (12 words or more), the first ``LEDE_WORDS`` words after it, at most ``MAX_SECTIONS``. A headline
    whose next line opens with a wire dateline (``DAYTON, Ohio (Evening Chronicle) - Shr profit 11 cts ...``)
    heads an item in any case and however it is written: an earnings table carried under its headline has no
    line of prose, and an outlet's headline keeps lower-case words ("Ibj Establishes 200 million sterling CD
    Programme"), and it may follow the last row of a table item above it. The text's own opening is its lede,
    not a section.

    Round-ups carry the opening of each story under its headline; a story and the round-up share little else."""
    lines = text.split("\n")
    out: list[str] = []
    for i in range(1, len(lines) - 1):
        head = lines[i].strip()
        head_words = head.split()
        sized = _SECTION_HEAD_WORDS[0] <= len(head_words) <= _SECTION_HEAD_WORDS[1]
        lettered = [w for w in head_words if w[:1].isalpha()]
        if not sized or head.endswith(_TERMINAL) or len(lettered) < max(3, 2 * len(head_words) / 3):
            continue  # a row of figures ("Revs 1,471,257 vs 768,683", "Record April 14") heads nothing
        if _NOTE.match(lines[i + 1]):
            continue  # a table's note below its last row
        dated = ANY_DATELINE.match(lines[i + 1].strip()) is not None
        if not (lines[i - 1].rstrip().endswith(_SENTENCE_END) or _table_row(lines[i - 1]) or (dated and out)):
            continue  # an item follows the end of a paragraph or the last row of a table item
        if not dated:
            if len(lines[i + 1].split()) < _SECTION_BODY_WORDS:
                continue
            lettered = [w for w in lettered if w.lower() not in _SMALL_WORDS]
            if not lettered or sum(w[0].isupper() for w in lettered) < 0.75 * len(lettered):
                continue  # a headline is in title case; a hard-wrapped line of prose is not
        words: list[str] = []
        for line in lines[i + 1 :]:
            words += line.split()
            if len(words) >= LEDE_WORDS:
                break
        out.append(" ".join(words[:LEDE_WORDS]))
        if len(out) == MAX_SECTIONS:
            break
    return out


def _table_row(line: str) -> bool:
    """A row of a table of figures ("Revs 27.1 mln vs 21.1 mln"): short, stating a number, no closing stop."""
    words = line.split()
    return (
        0 < len(words) <= _SECTION_BODY_WORDS
        and any(c.isdigit() for c in line)
        and not line.rstrip().endswith(_TERMINAL)
    )


def band_opening(lede_text: str, unit: str) -> str:
    """The part of a lede (``lede_form``, or a round-up item's opening) whose shingles make its lede signature."""
    if (choose_unit(lede_text) if unit == "auto" else unit) == "char":
        return lede_text[: 3 * LEDE_BAND_WORDS]
    return " ".join(lede_text.split(maxsplit=LEDE_BAND_WORDS)[:LEDE_BAND_WORDS])


_EMPTY = np.empty(0, dtype=np.uint64)


def sketch_shingles(
    hash_text: str, *, unit: str, size: int, char_size: int, min_tokens: int, lede: bool
) -> tuple[np.ndarray, np.ndarray] | None:
    """The shingle set of a document and of its lede (``lede_form``; empty unless ``lede``), or None when the
    document has fewer than ``min_tokens`` tokens or no shingle.

    The same sets as ``shingle_hashes(hash_text)`` and ``shingle_hashes(lede_form(hash_text))``, in one pass: the
    script is looked at once, and for word shingles the lede's n-grams are the first n-grams of the text (its
    first ``LEDE_WORDS`` words), so they are not made again."""
    auto = choose_unit(hash_text)
    if token_count(hash_text, auto) < min_tokens:  # the guard counts by script, whatever the unit
        return None
    resolved = auto if unit == "auto" else unit
    n = size if resolved == "word" else char_size
    strings = shingle_strings(hash_text, unit=resolved, size=n)
    if not strings:
        return None
    shingles = hash_strings(set(strings))
    shingles.sort()
    if not lede:
        return shingles, _EMPTY
    opening = lede_form(hash_text, unit)
    if resolved == "word" and (unit == "word" or choose_unit(opening) == "word"):
        first = strings[: max(0, LEDE_WORDS - size + 1)]
        lede_shingles = np.unique(hash_strings(first)) if first else _EMPTY
    else:
        lede_shingles = shingle_hashes(opening, unit=unit, size=size, char_size=char_size)
    return shingles, lede_shingles


def roundup_items(sketch: Sketch) -> int:
    """How many round-up items (``section_ledes``) a sketch carries lede signatures of: 0 for a single story."""
    return len(sketch.section_values) // len(sketch.lede_values) if sketch.lede_values else 0


def estimated_jaccard(a: bytes, b: bytes) -> float:
    """Jaccard similarity estimated from two signatures of the same settings."""
    va = np.frombuffer(a, dtype="<u8")
    vb = np.frombuffer(b, dtype="<u8")
    if va.size != vb.size or va.size == 0:
        raise ValueError("signatures of different lengths cannot be compared")
    return float(np.count_nonzero(va == vb)) / va.size


class _MinHashFn(beam.DoFn):
    def __init__(
        self,
        *,
        unit: str,
        size: int,
        char_size: int,
        num_perm: int,
        seed: int,
        min_tokens: int,
        lede_perm: int = 0,
    ):
        self._unit, self._size, self._char_size = unit, size, char_size
        self._num_perm, self._seed, self._min_tokens = num_perm, seed, min_tokens
        self._lede_perm = lede_perm
        self._fingerprint = settings_fingerprint(
            unit=unit, size=size, char_size=char_size, num_perm=num_perm, seed=seed, lede_perm=lede_perm
        )

    def setup(self) -> None:
        self._template = minhash_template(self._num_perm, self._seed)
        self._lede_template = minhash_template(self._lede_perm, self._seed + 1) if self._lede_perm else None
        self._seen = Metrics.counter(STAGE, "seen")
        self._signed = Metrics.counter(STAGE, "signed")
        self._short = Metrics.counter(STAGE, "too_short")
        self._shingles = Metrics.distribution(STAGE, "shingles")
        self._sections = Metrics.distribution(STAGE, "sections")

    def process(self, doc: Document) -> Iterator[Sketch]:
        self._seen.inc()
        sketch = Sketch(
            id=doc.id,
            content_hash=doc.content_hash,
            published=doc.published,
            source=doc.source,
            length=len(doc.text),
            fingerprint=self._fingerprint,
        )
        shingled = sketch_shingles(
            doc.hash_text,
            unit=self._unit,
            size=self._size,
            char_size=self._char_size,
            min_tokens=self._min_tokens,
            lede=self._lede_template is not None,
        )
        if shingled is None:
            # Empty signatures all collide: a document too short to shingle never enters LSH.
            self._short.inc()
            yield sketch
            return
        shingles, lede = shingled
        self._signed.inc()
        self._shingles.update(int(shingles.size))
        lede_values = section_values = lede_shingles = b""
        if self._lede_template is not None:
            unit, size, char_size = self._unit, self._size, self._char_size
            if lede.size:
                opening_form = band_opening(lede_form(doc.hash_text, unit), unit)
                banded = shingle_hashes(opening_form, unit=unit, size=size, char_size=char_size)
                lede_values = (
                    signature(banded if banded.size else lede, self._lede_template).astype("<u8").tobytes()
                )
                lede_shingles = lede.astype("<u8").tobytes()
            sections = []
            for opening_text in section_ledes(doc.text):
                item_form = band_opening(hashing_form(opening_text), unit)
                part = shingle_hashes(item_form, unit=unit, size=size, char_size=char_size)
                if part.size:
                    sections.append(signature(part, self._lede_template).astype("<u8").tobytes())
            if sections:
                self._sections.update(len(sections))
            section_values = b"".join(sections)
        whole, opening, opening_words = figures_and_lede_words(doc.text)
        yield sketch._replace(
            lede_values=lede_values,
            section_values=section_values,
            lede_shingles=lede_shingles,
            values=signature(shingles, self._template).astype("<u8").tobytes(),
            shingles=shingles.astype("<u8").tobytes(),
            figures=whole,
            lede_figures=opening,
            lede_figure_words=opening_words,
        )


def sketch_of(document: Document, **settings: Any) -> Sketch:
    """The sketch a run makes of one document (``ComputeMinHash``'s keyword arguments), outside a pipeline:
    for ``newsdedup explain`` and tests."""
    fn = _MinHashFn(**settings)
    fn.setup()
    (sketch,) = fn.process(document)
    return sketch


class ComputeMinHash(beam.PTransform):
    """``PCollection[Document] -> PCollection[Sketch]``: one sketch per document, with its MinHash signature
    unless the document has fewer than ``min_tokens`` tokens (words, or characters for unspaced scripts)."""

    def __init__(
        self,
        *,
        num_perm: int = 128,
        seed: int = 1,
        unit: str = "auto",
        size: int = 3,
        char_size: int = 5,
        min_tokens: int = 20,
        lede_perm: int = 0,
    ):
        super().__init__()
        if lede_perm < 0:
            raise ValueError("lede_perm must be 0 (no lede signature) or more")
        if unit not in UNITS:
            raise ValueError(f"unit: {unit!r} is not one of {', '.join(UNITS)}")
        if num_perm < 2:
            raise ValueError("num_perm must be at least 2")
        if size < 1 or char_size < 1:
            raise ValueError("shingle sizes must be at least 1")
        if min_tokens < max(size, 1):
            raise ValueError(f"min_tokens ({min_tokens}) must be at least the shingle size ({size})")
        self._fn = _MinHashFn(
            unit=unit,
            size=size,
            char_size=char_size,
            num_perm=num_perm,
            seed=seed,
            min_tokens=min_tokens,
            lede_perm=lede_perm,
        )

    def expand(self, docs: beam.PCollection) -> beam.PCollection:
        return docs | "Sign" >> beam.ParDo(self._fn)
