"""MinHash signatures: settings fingerprint, determinism, estimation accuracy, ComputeMinHash."""

from __future__ import annotations

import apache_beam as beam
import numpy as np
import pytest
from apache_beam.testing.util import assert_that, equal_to

from transforms.minhash import (
    ComputeMinHash,
    Sketch,
    _MinHashFn,
    estimated_jaccard,
    minhash_template,
    settings_fingerprint,
    signature,
)
from transforms.normalize import figures, figures_and_lede_words
from transforms.shingles import jaccard, shingle_hashes

BASE = dict(unit="auto", size=3, char_size=5, num_perm=128, seed=1)


def _sig(shingles: np.ndarray, num_perm: int = 128, seed: int = 1) -> bytes:
    return signature(shingles, minhash_template(num_perm, seed)).astype("<u8").tobytes()


# ---------------------------------------------------------------------------------------------------------------
# settings_fingerprint
# ---------------------------------------------------------------------------------------------------------------


def test_fingerprint_is_8_hex_digits_and_deterministic() -> None:
    fp = settings_fingerprint(**BASE)  # type: ignore[arg-type]
    assert len(fp) == 8 and int(fp, 16) >= 0
    assert fp == settings_fingerprint(**BASE)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("key", "value"),
    [("unit", "word"), ("unit", "char"), ("size", 4), ("char_size", 4), ("num_perm", 256), ("seed", 2)],
)
def test_fingerprint_changes_with_every_setting(key: str, value: object) -> None:
    changed = {**BASE, key: value}
    assert settings_fingerprint(**changed) != settings_fingerprint(**BASE)  # type: ignore[arg-type]


def test_fingerprints_of_all_variants_are_distinct() -> None:
    variants = [
        settings_fingerprint(unit=u, size=n, char_size=c, num_perm=k, seed=s)
        for u in ("auto", "word", "char")
        for n in (2, 3)
        for c in (4, 5)
        for k in (64, 128)
        for s in (1, 7)
    ]
    assert len(set(variants)) == len(variants)


# ---------------------------------------------------------------------------------------------------------------
# signature / estimated_jaccard
# ---------------------------------------------------------------------------------------------------------------


def test_signature_is_deterministic_across_template_instances(stories) -> None:
    shingles = shingle_hashes(stories.port.lower())
    a = signature(shingles, minhash_template(128, 1))
    b = signature(shingles, minhash_template(128, 1))
    assert a.dtype == np.uint64 and a.shape == (128,)
    np.testing.assert_array_equal(a, b)


def test_signature_does_not_mutate_the_template() -> None:
    template = minhash_template(64, 1)
    before = template.hashvalues.copy()
    signature(np.array([1, 2, 3], dtype=np.uint64), template)
    np.testing.assert_array_equal(template.hashvalues, before)


def test_signature_depends_on_seed_and_content() -> None:
    shingles = np.arange(1, 500, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    assert _sig(shingles, seed=1) != _sig(shingles, seed=2)
    assert _sig(shingles[:250]) != _sig(shingles[250:])
    assert len(_sig(shingles, num_perm=64)) == 64 * 8


def test_signature_handles_full_64_bit_values() -> None:
    shingles = np.array([0, 1, 2**63, 2**64 - 1], dtype=np.uint64)
    values = signature(shingles, minhash_template(32, 1))
    assert values.dtype == np.uint64 and values.size == 32


def test_estimated_jaccard_close_to_true_jaccard() -> None:
    rng = np.random.default_rng(20240305)
    pool = np.unique(rng.integers(0, 2**63, size=4000, dtype=np.uint64))[:2000]
    a, b = np.sort(pool[:1500]), np.sort(pool[500:2000])  # overlap 1000 of 2000: J = 0.5
    assert jaccard(a, b) == pytest.approx(0.5)
    est = estimated_jaccard(_sig(a, num_perm=256), _sig(b, num_perm=256))
    assert abs(est - 0.5) <= 0.1


def test_estimated_jaccard_on_news_texts(stories) -> None:
    from transforms.normalize import hashing_form

    a = shingle_hashes(hashing_form(stories.port))
    b = shingle_hashes(hashing_form(stories.port_edited))
    c = shingle_hashes(hashing_form(stories.council))
    assert abs(estimated_jaccard(_sig(a), _sig(b)) - jaccard(a, b)) <= 0.1
    assert estimated_jaccard(_sig(a), _sig(a)) == 1.0
    assert estimated_jaccard(_sig(a), _sig(c)) < 0.1


def test_estimated_jaccard_rejects_mismatched_or_empty() -> None:
    shingles = np.arange(100, dtype=np.uint64)
    with pytest.raises(ValueError, match="different lengths"):
        estimated_jaccard(_sig(shingles, num_perm=128), _sig(shingles, num_perm=64))
    with pytest.raises(ValueError):
        estimated_jaccard(b"", b"")


# ---------------------------------------------------------------------------------------------------------------
# the DoFn, called directly, and ComputeMinHash
# ---------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (dict(unit="sentence"), "unit"),
        (dict(num_perm=1), "num_perm"),
        (dict(size=0), "shingle sizes"),
        (dict(char_size=0), "shingle sizes"),
        (dict(size=5, min_tokens=4), "min_tokens"),
    ],
)
def test_compute_minhash_rejects_bad_settings(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        ComputeMinHash(**kwargs)  # type: ignore[arg-type]


def test_minhash_fn_direct(make_doc, stories) -> None:
    fn = _MinHashFn(unit="auto", size=3, char_size=5, num_perm=64, seed=1, min_tokens=20)
    fn.setup()
    doc = make_doc("a", stories.port, published="2024-03-05", source="valmera-post.example")
    (sketch,) = list(fn.process(doc))
    fp = settings_fingerprint(unit="auto", size=3, char_size=5, num_perm=64, seed=1)
    assert sketch == Sketch(
        id="a",
        content_hash=doc.content_hash,
        published="2024-03-05",
        source="valmera-post.example",
        length=len(doc.text),
        fingerprint=fp,
        values=_sig(shingle_hashes(doc.hash_text), num_perm=64),
        rank=(),
        shingles=shingle_hashes(doc.hash_text).astype("<u8").tobytes(),
        figures=figures(doc.text),
        lede_figures=figures(doc.text, lede_only=True),
        lede_figure_words=figures_and_lede_words(doc.text)[2],
    )
    (short,) = list(fn.process(make_doc("s", stories.short)))
    assert short.values == b"" and short.fingerprint == fp


def test_compute_minhash(beam_pipeline, make_doc, stories) -> None:
    docs = [
        make_doc("port", stories.port, published="2024-03-05"),
        make_doc("council", stories.council),
        make_doc("short", stories.short),  # 9 words < min_tokens
        make_doc(
            "zh", "国家统计局周三公布的数据显示三月份全国居民消费价格同比上涨百分之零点一"
        ),  # 33 chars >= 20
        make_doc("zh-short", "北京今天晴"),  # 5 chars < 20
    ]
    expected = {d.id: _sig(shingle_hashes(d.hash_text), num_perm=32, seed=3) for d in docs}
    expected["short"] = expected["zh-short"] = b""
    with beam_pipeline() as p:
        sketches = p | beam.Create(docs) | ComputeMinHash(num_perm=32, seed=3)
        got = sketches | beam.Map(lambda s: (s.id, s.values, s.length, s.fingerprint))
        fp = settings_fingerprint(unit="auto", size=3, char_size=5, num_perm=32, seed=3)
        assert_that(got, equal_to([(d.id, expected[d.id], len(d.text), fp) for d in docs]))
