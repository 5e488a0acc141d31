"""LSH: the S-curve, choosing bands x rows, band keys, bucket pairs, FindCandidatePairs and VerifyPairs."""

from __future__ import annotations

import apache_beam as beam
import numpy as np
import pytest
from apache_beam.testing.util import assert_that, equal_to

from transforms.lsh import (
    Edge,
    FindCandidatePairs,
    VerifyPairs,
    _BandFn,
    band_keys,
    bucket_pairs,
    candidate_probability,
    choose_bands_rows,
    similarity_at,
)
from transforms.minhash import Sketch, estimated_jaccard, minhash_template, settings_fingerprint, signature
from transforms.shingles import jaccard, shingle_hashes

FP = settings_fingerprint(unit="auto", size=3, char_size=5, num_perm=128, seed=1)
OTHER_FP = settings_fingerprint(unit="word", size=3, char_size=5, num_perm=128, seed=1)


def _sketch(doc_id: str, hash_text: str, *, fingerprint: str = FP, rank: tuple[object, ...] = ()) -> Sketch:
    shingles = shingle_hashes(hash_text)
    values = signature(shingles, minhash_template(128, 1)).astype("<u8").tobytes()
    return Sketch(
        id=doc_id,
        content_hash="",
        published=None,
        source=None,
        length=len(hash_text),
        fingerprint=fingerprint,
        values=values,
        rank=rank or (doc_id,),
        shingles=shingles.astype("<u8").tobytes(),
    )


def _shingles(sketch: Sketch) -> np.ndarray:
    return np.frombuffer(sketch.shingles, dtype="<u8")


# ---------------------------------------------------------------------------------------------------------------
# the S-curve
# ---------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("bands", "rows"), [(1, 1), (16, 8), (32, 4), (18, 7), (9, 13), (64, 2)])
@pytest.mark.parametrize("p", [0.01, 0.5, 0.95, 0.999])
def test_similarity_at_inverts_candidate_probability(bands: int, rows: int, p: float) -> None:
    s = similarity_at(p, bands, rows)
    assert 0.0 < s < 1.0
    assert candidate_probability(s, bands, rows) == pytest.approx(p, abs=1e-9)


@pytest.mark.parametrize("s", [0.1, 0.3, 0.5, 0.8])  # (near s=1, p rounds to 1.0)
def test_candidate_probability_inverts_similarity_at(s: float) -> None:
    p = candidate_probability(s, 20, 5)
    assert similarity_at(p, 20, 5) == pytest.approx(s, abs=1e-9)


def test_candidate_probability_ends_and_monotone() -> None:
    assert candidate_probability(0.0, 16, 8) == 0.0
    assert candidate_probability(1.0, 16, 8) == 1.0
    curve = [candidate_probability(s, 16, 8) for s in np.linspace(0, 1, 51)]
    assert curve == sorted(curve)


@pytest.mark.parametrize("p", [0.0, 1.0, -0.1, 1.5])
def test_similarity_at_rejects_p_outside_open_interval(p: float) -> None:
    with pytest.raises(ValueError):
        similarity_at(p, 16, 8)


# ---------------------------------------------------------------------------------------------------------------
# choose_bands_rows
# ---------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("num_perm", [64, 128, 256])
@pytest.mark.parametrize("threshold", [0.5, 0.7, 0.8, 0.9])
@pytest.mark.parametrize("recall_floor", [0.9, 0.95, 0.99])
def test_choose_bands_rows_meets_recall_floor(num_perm: int, threshold: float, recall_floor: float) -> None:
    bands, rows = choose_bands_rows(num_perm=num_perm, threshold=threshold, recall_floor=recall_floor)
    assert bands >= 1 and rows >= 1
    assert bands * rows <= num_perm
    assert candidate_probability(threshold, bands, rows) >= recall_floor


def test_choose_bands_rows_128_at_08_against_datasketch() -> None:
    bands, rows = choose_bands_rows(num_perm=128, threshold=0.8, recall_floor=0.95)
    assert (bands, rows) == (18, 7)
    assert candidate_probability(0.8, bands, rows) >= 0.95
    # datasketch's own choice for the same threshold balances error areas instead: a pair at 0.8 is found ~40%
    from datasketch.lsh import _optimal_param

    ds_bands, ds_rows = _optimal_param(0.8, 128, 0.5, 0.5)
    assert candidate_probability(0.8, ds_bands, ds_rows) == pytest.approx(0.40, abs=0.02)


def test_choose_bands_rows_is_the_steepest_that_meets_the_floor() -> None:
    """Among splits b = num_perm // r meeting the floor, the chosen one has the least candidate mass below it."""
    num_perm, threshold, floor = 128, 0.8, 0.95
    grid = np.linspace(0.0, threshold, 201)

    def mass(b: int, r: int) -> float:  # trapezoid rule, written out
        y = 1.0 - (1.0 - grid**r) ** b
        return float(np.sum((y[1:] + y[:-1]) / 2 * np.diff(grid)))

    chosen = choose_bands_rows(num_perm=num_perm, threshold=threshold, recall_floor=floor)
    feasible = [
        (num_perm // r, r)
        for r in range(1, num_perm + 1)
        if candidate_probability(threshold, num_perm // r, r) >= floor
    ]
    assert chosen in feasible
    assert mass(*chosen) == pytest.approx(min(mass(b, r) for b, r in feasible), abs=1e-12)


def test_choose_bands_rows_falls_back_to_the_best_probability() -> None:
    # no split of 2 permutations gives a pair at 0.1 a 99% chance: take the likeliest
    assert choose_bands_rows(num_perm=2, threshold=0.1, recall_floor=0.99) == (2, 1)


def test_choose_bands_rows_works_on_the_oldest_allowed_numpy(monkeypatch: pytest.MonkeyPatch) -> None:
    # NumPy 1.26 as far as this function can tell: np.trapz present, np.trapezoid absent
    monkeypatch.setattr(np, "trapz", np.trapezoid, raising=False)
    monkeypatch.delattr(np, "trapezoid")
    assert choose_bands_rows(num_perm=128, threshold=0.8, recall_floor=0.95) == (18, 7)


@pytest.mark.parametrize(("threshold", "floor"), [(0.0, 0.9), (1.0, 0.9), (0.8, 0.0), (0.8, 1.0)])
def test_choose_bands_rows_rejects_bad_arguments(threshold: float, floor: float) -> None:
    with pytest.raises(ValueError):
        choose_bands_rows(num_perm=128, threshold=threshold, recall_floor=floor)


# ---------------------------------------------------------------------------------------------------------------
# band_keys / bucket_pairs
# ---------------------------------------------------------------------------------------------------------------


def test_band_keys_shape_and_determinism() -> None:
    values = np.arange(128, dtype=np.uint64) * np.uint64(2654435761)
    keys = band_keys(values, bands=16, rows=8, fingerprint=FP)
    assert len(keys) == 16 and len(set(keys)) == 16
    assert all(
        isinstance(k, bytes) and len(k) == 4 + 1 + 2 + 8 for k in keys
    )  # fingerprint, kind, band, hash
    assert all(k.startswith(bytes.fromhex(FP)) for k in keys)
    assert keys == band_keys(values.copy(), bands=16, rows=8, fingerprint=FP)


def test_band_keys_differ_with_fingerprint() -> None:
    values = np.arange(128, dtype=np.uint64)
    a = band_keys(values, bands=16, rows=8, fingerprint=FP)
    b = band_keys(values, bands=16, rows=8, fingerprint=OTHER_FP)
    assert not set(a) & set(b)


def test_band_keys_change_only_in_the_changed_band() -> None:
    values = np.arange(128, dtype=np.uint64)
    changed = values.copy()
    changed[37] += np.uint64(1)  # row 5 of band 4 (rows=8)
    a = band_keys(values, bands=16, rows=8, fingerprint=FP)
    b = band_keys(changed, bands=16, rows=8, fingerprint=FP)
    assert [i for i in range(16) if a[i] != b[i]] == [4]


def test_band_keys_carry_the_band_index() -> None:
    same_rows = np.full(32, 7, dtype=np.uint64)  # every band holds identical values
    keys = band_keys(same_rows, bands=4, rows=8, fingerprint=FP)
    assert len(set(keys)) == 4
    lede = band_keys(same_rows, bands=4, rows=8, fingerprint=FP, kind=b"L")
    assert not set(keys) & set(lede)  # lede bands never share a bucket with body bands


def test_bucket_pairs_all_pairs_under_the_limit() -> None:
    assert bucket_pairs(["d", "b", "a", "c", "b"], all_pairs_limit=4) == [
        ("a", "b"),
        ("a", "c"),
        ("a", "d"),
        ("b", "c"),
        ("b", "d"),
        ("c", "d"),
    ]
    assert bucket_pairs(["x"], all_pairs_limit=4) == []


def test_bucket_pairs_star_above_the_limit() -> None:
    assert bucket_pairs(["e", "c", "a", "d", "b"], all_pairs_limit=4) == [
        ("a", "b"),
        ("a", "c"),
        ("a", "d"),
        ("a", "e"),
    ]


# ---------------------------------------------------------------------------------------------------------------
# FindCandidatePairs / VerifyPairs
# ---------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs", [dict(bands=0, rows=4), dict(bands=4, rows=0), dict(bands=4, rows=4, all_pairs_limit=1)]
)
def test_find_candidate_pairs_rejects_bad_arguments(kwargs: dict[str, int]) -> None:
    with pytest.raises(ValueError):
        FindCandidatePairs(**kwargs)


@pytest.mark.parametrize("threshold", [0.0, -0.5, 1.01])
def test_verify_pairs_rejects_bad_threshold(threshold: float) -> None:
    with pytest.raises(ValueError):
        VerifyPairs(threshold=threshold)


def test_band_fn_rejects_a_signature_too_short_for_the_bands() -> None:
    fn = _BandFn(bands=32, rows=8)  # needs 256 values
    fn.setup()
    with pytest.raises(ValueError, match="cannot fill"):
        list(fn.process(_sketch("a", "the council voted to approve the plan for the new library")))


def test_band_fn_skips_unsigned_sketches() -> None:
    fn = _BandFn(bands=16, rows=8)
    fn.setup()
    assert list(fn.process(_sketch("a", "x y z")._replace(values=b""))) == []


def test_find_and_verify(beam_pipeline, make_doc, stories) -> None:
    docs = {
        "a-port": make_doc("a-port", stories.port),
        "b-edited": make_doc("b-edited", stories.port_edited),
        "c-council": make_doc("c-council", stories.council),
    }
    sketches = [_sketch(d.id, d.hash_text) for d in docs.values()]
    unsigned = sketches[2]._replace(id="e-unsigned", values=b"")
    # same signature as a-port but other settings: never a candidate of a-port
    foreign = sketches[0]._replace(id="f-foreign", fingerprint=OTHER_FP)
    assert 0.55 < estimated_jaccard(sketches[0].values, sketches[1].values) < 0.8
    sim = jaccard(_shingles(sketches[0]), _shingles(sketches[1]))  # verification is exact, on the shingles
    assert 0.55 < sim < 0.8
    with beam_pipeline() as p:
        pcoll = p | beam.Create([*sketches, unsigned, foreign])
        pairs = pcoll | FindCandidatePairs(bands=32, rows=4)
        edges = (pairs, pcoll) | "Verify" >> VerifyPairs(threshold=0.5)
        strict = (pairs, pcoll) | "VerifyStrict" >> VerifyPairs(threshold=0.9)
        assert_that(pairs, equal_to([("a-port", "b-edited")]), label="Pairs")
        assert_that(
            edges, equal_to([Edge("a-port", "b-edited", sim, ("a-port",), ("b-edited",))]), label="Edges"
        )
        assert_that(strict, equal_to([]), label="BelowThreshold")  # verified pairs must reach the threshold


def test_hot_bucket_becomes_a_star(beam_pipeline, stories) -> None:
    """Five copies share every band; above all_pairs_limit they pair with the smallest id only."""
    copies = [_sketch(f"copy-{i}", stories.port.lower()) for i in range(5)]
    with beam_pipeline() as p:
        pairs = p | beam.Create(copies) | FindCandidatePairs(bands=16, rows=8, all_pairs_limit=4)
        assert_that(pairs, equal_to([("copy-0", f"copy-{i}") for i in range(1, 5)]))
