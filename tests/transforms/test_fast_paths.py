"""The fast shingle, signature and figure code gives what the code it replaced gave, value for value.

The reference implementations below are the functions as they were before the speed work (datasketch's own
``update_batch`` for signatures, a Python call per shingle, two passes over figures); they run on the tests' news
texts, on the bundled sample's texts and scripts (Chinese included), and on real Reuters-21578 stories where
``../shared`` is present.
"""

from __future__ import annotations

import gzip
import json
import re
import unicodedata
from pathlib import Path

import numpy as np
import pytest
import xxhash

from tests.conftest import PORT_STORY
from transforms.minhash import lede_form, minhash_template, signature, sketch_shingles
from transforms.normalize import (
    _DATELINE_DATE,
    _FIGURE,
    _NUMBER_WORDS,
    _WORD,
    LEDE_WORDS,
    figures,
    figures_and_lede,
    hashing_form,
)
from transforms.shingles import _LETTER, _UNSPACED, choose_unit, shingle_hashes, token_count

REPO = Path(__file__).resolve().parents[2]
REUTERS = REPO.parent / "shared" / "data" / "reuters21578" / "reuters21578.jsonl.gz"


# ---------------------------------------------------------------------------------------------------------------
# The code before the speed work.
# ---------------------------------------------------------------------------------------------------------------


def old_choose_unit(hash_text: str) -> str:
    sample = hash_text[:4000]
    letters = len(_LETTER.findall(sample))
    if letters == 0:
        return "word"
    return "char" if len(_UNSPACED.findall(sample)) * 2 > letters else "word"


def old_shingle_hashes(
    hash_text: str, *, unit: str = "auto", size: int = 3, char_size: int = 5
) -> np.ndarray:
    if unit == "auto":
        unit = old_choose_unit(hash_text)
    n = size if unit == "word" else char_size
    if unit == "word":
        tokens = hash_text.split()
        strings = (
            [" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1)] if len(tokens) >= n else []
        )
    else:
        chars = hash_text.replace(" ", "")
        strings = [chars[i : i + n] for i in range(len(chars) - n + 1)] if len(chars) >= n else []
    values = [xxhash.xxh64_intdigest(s.encode("utf-8", "surrogatepass")) for s in strings]
    return np.unique(np.array(values, dtype=np.uint64))


def old_token_count(hash_text: str) -> int:
    if old_choose_unit(hash_text) == "char":
        return len(hash_text.replace(" ", ""))
    return len(hash_text.split())


def old_signature(shingles: np.ndarray, num_perm: int, seed: int) -> np.ndarray:
    m = minhash_template(num_perm, seed).copy()
    m.update_batch(shingles.tolist())
    return np.asarray(m.hashvalues, dtype=np.uint64)


def old_figures(text: str, *, lede_only: bool = False) -> tuple[str, ...]:
    text = _DATELINE_DATE.sub(r"\g<place>", unicodedata.normalize("NFKC", text))
    if lede_only:
        text = " ".join(text.split()[:LEDE_WORDS])
    found = {re.sub(r"(?<=\d),(?=\d{3})", "", m.group().rstrip(".,:/-")) for m in _FIGURE.finditer(text)}
    found.update(w for w in (m.group().lower() for m in _WORD.finditer(text)) if w in _NUMBER_WORDS)
    return tuple(sorted(found))


def old_sketch_shingles(
    hash_text: str, *, unit: str, size: int, char_size: int, min_tokens: int
) -> tuple[np.ndarray, np.ndarray] | None:
    """What ``_MinHashFn.process`` computed before: the shingles (None when short) and the lede's shingles."""
    shingles = (
        old_shingle_hashes(hash_text, unit=unit, size=size, char_size=char_size)
        if old_token_count(hash_text) >= min_tokens
        else np.empty(0, dtype=np.uint64)
    )
    if shingles.size == 0:
        return None
    lede = old_shingle_hashes(lede_form(hash_text, unit), unit=unit, size=size, char_size=char_size)
    return shingles, lede


# ---------------------------------------------------------------------------------------------------------------
# Texts
# ---------------------------------------------------------------------------------------------------------------


def _sample_texts() -> list[str]:
    texts = [PORT_STORY, "", "短", "a b", "Shr 12 cts vs 10 cts Net 1,042,000 vs 987,000 Revs 6-3/16 mln"]
    for path in sorted((REPO / "data" / "sample").rglob("*")):
        if path.suffix in (".txt", ".html", ".jsonl"):
            texts.append(path.read_text(encoding="utf-8", errors="replace"))
    # mixed scripts, a lone surrogate, odd whitespace
    texts += [
        "北京 6月7日电 国务院总理 " * 20,
        "Tokyo 東京 news " * 30,
        "a\ud800b c d e f",
        "x\u3000y\u00a0z w v u",
    ]
    return texts


def _reuters_texts(limit: int = 400) -> list[str]:
    if not REUTERS.is_file():
        return []
    out = []
    with gzip.open(REUTERS, "rt", encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            out.append(f"{row.get('title') or ''}\n{row.get('dateline') or ''} {row.get('body') or ''}")
            if len(out) >= limit:
                break
    return out


TEXTS = _sample_texts()


@pytest.fixture(scope="module")
def reuters() -> list[str]:
    texts = _reuters_texts()
    if not texts:
        pytest.skip(f"Reuters-21578 not found at {REUTERS} (needs ../shared next to the repo)")
    return texts


def _check_shingles(raw: str) -> None:
    for text in (raw, hashing_form(raw)):
        assert choose_unit(text) == old_choose_unit(text)
        assert token_count(text) == old_token_count(text)
        for unit in ("auto", "word", "char"):
            assert np.array_equal(shingle_hashes(text, unit=unit), old_shingle_hashes(text, unit=unit))
            for min_tokens in (3, 20):
                kw = dict(unit=unit, size=3, char_size=5, min_tokens=min_tokens)
                new = sketch_shingles(text, lede=True, **kw)  # type: ignore[arg-type]
                old = old_sketch_shingles(text, **kw)  # type: ignore[arg-type]
                assert (new is None) == (old is None), (unit, text[:80])
                if new is not None and old is not None:
                    assert np.array_equal(new[0], old[0]) and np.array_equal(new[1], old[1]), (
                        unit,
                        text[:80],
                    )


def _check_figures(text: str) -> None:
    assert figures(text) == old_figures(text)
    assert figures(text, lede_only=True) == old_figures(text, lede_only=True)
    assert figures_and_lede(text) == (old_figures(text), old_figures(text, lede_only=True))


@pytest.mark.parametrize("text", TEXTS, ids=range(len(TEXTS)))
def test_shingles_and_figures_as_before_on_sample_texts(text: str) -> None:
    _check_shingles(text)
    _check_figures(text)


def test_shingles_and_figures_as_before_on_reuters(reuters: list[str]) -> None:
    for text in reuters:
        _check_shingles(text)
        _check_figures(text)


@pytest.mark.parametrize(("num_perm", "seed"), [(128, 1), (30, 2), (2, 7), (256, 1)])
def test_signature_equals_datasketch_update_batch(num_perm: int, seed: int) -> None:
    template = minhash_template(num_perm, seed)
    for text in TEXTS + _reuters_texts(300):
        shingles = shingle_hashes(hashing_form(text))
        if shingles.size:
            assert np.array_equal(signature(shingles, template), old_signature(shingles, num_perm, seed))


def test_signature_of_a_long_document_spans_blocks() -> None:
    rng = np.random.default_rng(3)
    shingles = np.unique(rng.integers(0, 2**63, size=10_000, dtype=np.uint64) * np.uint64(2))
    assert np.array_equal(signature(shingles, minhash_template(128, 1)), old_signature(shingles, 128, 1))
    extremes = np.array([0, 1, 2**64 - 1], dtype=np.uint64)
    assert np.array_equal(signature(extremes, minhash_template(64, 1)), old_signature(extremes, 64, 1))
