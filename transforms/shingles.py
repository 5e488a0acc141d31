"""Shingles of a document's hashing form, chosen by script.

Space-delimited scripts get word n-grams; Chinese, Japanese, Korean and Thai text (no spaces between words) gets
character n-grams over the text with spaces removed. Shingles are returned as 64-bit xxhash values so that MinHash,
exact verification and the wire all use the same compact form.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import numpy as np
import xxhash

UNITS = ("auto", "word", "char")

# Han, Hiragana, Katakana, Hangul and Thai letters: scripts written without spaces between words.
_UNSPACED = re.compile(r"[\u0e00-\u0e7f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")
_LETTER = re.compile(r"[^\W\d_]")


def choose_unit(hash_text: str) -> str:
    """``char`` when most letters belong to scripts written without spaces, else ``word``."""
    sample = hash_text[:4000]
    if sample.isascii():  # every unspaced script is outside ASCII: no need to count letters
        return "word"
    letters = len(_LETTER.findall(sample))
    if letters == 0:
        return "word"
    return "char" if len(_UNSPACED.findall(sample)) * 2 > letters else "word"


def shingle_strings(hash_text: str, *, unit: str, size: int) -> list[str]:
    """The n-grams of ``hash_text`` (a hashing form: single spaces between tokens), in text order.

    ``unit`` is ``word`` or ``char`` (resolve ``auto`` with ``choose_unit`` first).
    """
    if unit == "word":
        tokens = hash_text.split()
        if len(tokens) < size:
            return []
        return list(
            map(" ".join, zip(*(tokens[i:] for i in range(size)), strict=False))
        )  # n-grams in text order
    chars = hash_text.replace(" ", "")
    if len(chars) < size:
        return []
    return [chars[i : i + size] for i in range(len(chars) - size + 1)]


def hash_strings(strings: Iterable[str]) -> np.ndarray:
    """64-bit xxhash values of UTF-8 strings (lone surrogates passed through), in the order given."""
    items = strings if isinstance(strings, (list, set, frozenset, tuple)) else list(strings)
    try:
        encoded = list(map(str.encode, items))
    except UnicodeEncodeError:  # lone surrogates: not in a hashing form, but the function takes any text
        encoded = [s.encode("utf-8", "surrogatepass") for s in items]
    return np.fromiter(map(xxhash.xxh64_intdigest, encoded), dtype=np.uint64, count=len(encoded))


def resolve_unit(hash_text: str, unit: str) -> str:
    """``word`` or ``char``: ``unit`` itself, or for ``auto`` the script's unit (``choose_unit``)."""
    return choose_unit(hash_text) if unit == "auto" else unit


def shingle_hashes(hash_text: str, *, unit: str = "auto", size: int = 3, char_size: int = 5) -> np.ndarray:
    """The set of shingles as sorted unique uint64 xxhash values (empty when the text is too short).

    ``size`` is the n of word n-grams, ``char_size`` the n of character n-grams; ``auto`` picks by script.
    """
    unit = resolve_unit(hash_text, unit)
    n = size if unit == "word" else char_size
    # Each distinct n-gram is hashed once (copies repeat whole paragraphs), then sorted: np.unique's result.
    values = hash_strings(set(shingle_strings(hash_text, unit=unit, size=n)))
    values.sort()
    return values


def token_count(hash_text: str, unit: str = "auto") -> int:
    """Words for space-delimited text, characters for unspaced scripts: the length that the short-text guard uses.
    ``unit``: the text's unit when the caller has resolved it already (``auto``: by script)."""
    if resolve_unit(hash_text, unit) == "char":
        return len(hash_text.replace(" ", ""))
    return len(hash_text.split())


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Exact Jaccard similarity of two sorted unique shingle-hash arrays."""
    if a.size == 0 and b.size == 0:
        return 0.0
    inter = np.intersect1d(a, b, assume_unique=True).size
    return inter / (a.size + b.size - inter)


def containment(a: np.ndarray, b: np.ndarray) -> float:
    """|A ∩ B| / |A|: how much of ``a`` is inside ``b``."""
    if a.size == 0:
        return 0.0
    return np.intersect1d(a, b, assume_unique=True).size / a.size
