"""LSH: the S-curve, choosing bands x rows, band keys, bucket pairs, FindCandidatePairs and VerifyPairs."""

from __future__ import annotations

import random
from collections import Counter

import apache_beam as beam
import numpy as np
import pytest
from apache_beam.runners.portability.fn_api_runner import FnApiRunner
from apache_beam.testing.util import assert_that, equal_to
from apache_beam.transforms.window import GlobalWindow

from transforms.lsh import (
    BandBatches,
    Edge,
    FindCandidatePairs,
    VerifyPairs,
    _BandFn,
    _DistinctPairsFn,
    _PairPartitionsFn,
    _send_probes,
    band_keys,
    band_partition,
    batch_pairs,
    bucket_pairs,
    candidate_probability,
    choose_bands_rows,
    lede_keys,
    pack_band_entry,
    pack_pair,
    pair_partition,
    shared_bucket_pairs,
    similarity_at,
    unpack_band_entries,
    unpack_pairs,
)
from transforms.minhash import Sketch, estimated_jaccard, minhash_template, settings_fingerprint, signature
from transforms.records import HISTORY_MARK, is_history
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
    fn.start_bundle()
    with pytest.raises(ValueError, match="cannot fill"):
        list(fn.process(_sketch("a", "the council voted to approve the plan for the new library")))


def test_band_fn_skips_unsigned_sketches() -> None:
    fn = _BandFn(bands=16, rows=8)
    fn.setup()
    fn.start_bundle()
    assert list(fn.process(_sketch("a", "x y z")._replace(values=b""))) == []
    assert list(fn.finish_bundle()) == []


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
    shared = np.intersect1d(_shingles(sketches[0]), _shingles(sketches[1])).size  # which root a node joins
    assert shared > 0
    with beam_pipeline() as p:
        pcoll = p | beam.Create([*sketches, unsigned, foreign])
        pairs = pcoll | FindCandidatePairs(bands=32, rows=4)
        edges = (pairs, pcoll) | "Verify" >> VerifyPairs(threshold=0.5)
        strict = (pairs, pcoll) | "VerifyStrict" >> VerifyPairs(threshold=0.9)
        assert_that(pairs, equal_to([("a-port", "b-edited")]), label="Pairs")
        assert_that(
            edges,
            equal_to([Edge("a-port", "b-edited", sim, ("a-port",), ("b-edited",), shared=shared)]),
            label="Edges",
        )
        assert_that(strict, equal_to([]), label="BelowThreshold")  # verified pairs must reach the threshold


def test_send_probes_passes_a_probe_on_as_a_right_end_only_when_a_pair_ends_there() -> None:
    got = list(_send_probes(("a", {"probe": [b"A"], "pairs": ["b", "c"], "right": []})))
    assert got == [("b", b"A"), ("c", b"A")]  # no pair ends at a: its probe does not cross JoinRight
    (*lefts, right) = _send_probes(("b", {"probe": [b"B"], "pairs": ["c"], "right": [b"", b""]}))
    assert (
        lefts == [("c", b"B")] and right.tag == "right" and right.value == ("b", b"B")
    )  # once, for two pairs
    assert list(_send_probes(("x", {"probe": [], "pairs": ["c"], "right": [b""]}))) == []  # no probe: no pair


def test_verify_pairs_sees_each_pair_with_both_probes_once(make_doc, stories) -> None:
    """Pairs of three near copies, documents that are no pair's right end, and pairs whose probe is missing:
    every pair with both probes is verified once (``seen``), the others never, whatever the ends."""
    texts = {"a-port": stories.port, "b-edited": stories.port_edited, "c-copy": stories.port}
    sketches = [_sketch(i, make_doc(i, t).hash_text) for i, t in texts.items()]
    sketches.append(_sketch("d-council", make_doc("d-council", stories.council).hash_text))
    pairs = [("a-port", "b-edited"), ("a-port", "c-copy"), ("b-edited", "c-copy")]
    pairs += [("d-council", "z-missing"), ("0-missing", "d-council"), ("0-missing", "a-port")]
    p = beam.Pipeline(runner=FnApiRunner())
    edges = (p | "Pairs" >> beam.Create(pairs), p | "Sketches" >> beam.Create(sketches)) | VerifyPairs(
        threshold=0.5
    )
    assert_that(
        edges | beam.Map(lambda e: (e.a, e.b, e.relation)),
        equal_to([(a, b, "near") for a, b in pairs[:3]]),
    )
    result = p.run()
    result.wait_until_finish()
    counters = {c.key.metric.name: c.committed for c in result.metrics().query()["counters"]}
    assert counters["seen"] == 3 and counters["kept"] == 3


def test_hot_bucket_becomes_a_star(beam_pipeline, stories) -> None:
    """Five copies share every band; above all_pairs_limit they pair with the smallest id only."""
    copies = [_sketch(f"copy-{i}", stories.port.lower()) for i in range(5)]
    with beam_pipeline() as p:
        pairs = p | beam.Create(copies) | FindCandidatePairs(bands=16, rows=8, all_pairs_limit=4)
        assert_that(pairs, equal_to([("copy-0", f"copy-{i}") for i in range(1, 5)]))


# ---------------------------------------------------------------------------------------------------------------
# batched band keys: the same pairs as grouping by band key
# ---------------------------------------------------------------------------------------------------------------

H1, H2 = f"{HISTORY_MARK}2024-01-01{HISTORY_MARK}old-1", f"{HISTORY_MARK}2024-01-02{HISTORY_MARK}old-2"


def _per_key_pairs(entries: list[tuple[bytes, str]], limit: int) -> tuple[set[tuple[str, str]], Counter[str]]:
    """The pairs and counters of grouping by band key, one bucket at a time (the path batching replaced)."""
    buckets: dict[bytes, list[str]] = {}
    for key, node in entries:
        buckets.setdefault(key, []).append(node)
    pairs: set[tuple[str, str]] = set()
    counts: Counter[str] = Counter()
    for ids in buckets.values():
        if len(ids) < 2 or all(is_history(i) for i in ids):
            continue
        counts["shared_buckets"] += 1
        if len(ids) <= limit:
            pairs.update(bucket_pairs(ids, all_pairs_limit=limit))
        else:
            counts["hot_buckets"] += 1
            counts["hot_bucket_members"] += len(ids)
            head = min(ids)
            pairs.update((head, i) for i in ids if i != head and not (is_history(head) and is_history(i)))
    counts["candidate_pairs"] = len(pairs)
    return pairs, counts


def _random_entries(seed: int) -> list[tuple[bytes, str]]:
    """Band keys of run documents and history nodes: small buckets, a hot one, one of history alone, a history
    node heading a hot bucket, repeats."""
    rng = random.Random(seed)
    docs = [f"doc-{i:03d}-é" for i in range(60)] + [H1, H2, f"{HISTORY_MARK}2024-01-03{HISTORY_MARK}old-3"]
    entries = [(bytes([kind]) + rng.randbytes(rng.choice((2, 14))), rng.choice(docs)) for kind in b"BL" * 150]
    entries += [(entries[rng.randrange(len(entries))][0], rng.choice(docs)) for _ in range(200)]
    entries += [(b"hot", d) for d in docs[5:40]] + [(b"history-only", H1), (b"history-only", H2)]
    entries += [(b"history-head", d) for d in (H1, H2, *docs[:30])] + [(b"repeat", "doc-001-é")] * 3
    rng.shuffle(entries)
    return entries


def test_band_entries_round_trip_in_batches() -> None:
    entries = [(b"k" * 15, "doc-1"), (b"", "ünïcode \\ud800 id"), (b"x" * 255, H1), (b"\\x00", "")]
    batch = b"".join(pack_band_entry(k, i) for k, i in entries)
    assert list(unpack_band_entries(batch)) == entries
    with pytest.raises(ValueError, match="too long"):
        pack_band_entry(b"k" * 256, "doc")


def test_band_batches_flush_per_partition_at_their_limit() -> None:
    entries = _random_entries(1)
    batches, flushed = BandBatches(partitions=7, limit_bytes=500), []
    for key, node in entries:
        if batches.add(key, node):
            flushed.append(batches.flush())
    flushed.append(batches.flush())
    assert len(flushed) > 10 and batches.flush() == []
    got = []
    for items in flushed:
        assert [part for part, _ in items] == sorted({part for part, _ in items})  # one item a partition
        for part, batch in items:
            for key, node in unpack_band_entries(batch):
                assert band_partition(key, 7) == part
                got.append((key, node))
    assert sorted(got) == sorted(entries)


def test_band_fn_batches_a_bundle_and_flushes_when_full(stories) -> None:
    texts = [stories.port, stories.port_edited, stories.council]
    sketches = [_sketch(f"s{i}", t) for i, t in enumerate(texts * 4 + texts[:1])]  # 13: one left over
    fn = _BandFn(bands=16, rows=8, partitions=5, buffer_bytes=400)
    fn.setup()
    fn.start_bundle()
    early = [item for s in sketches for item in fn.process(s)]
    late = list(fn.finish_bundle())
    assert (
        early and late
    )  # flushed on the way (400 bytes: two sketches of 16 entries), and the rest at the bundle's end
    assert all(w.windows == (GlobalWindow(),) and w.timestamp == GlobalWindow().max_timestamp() for w in late)
    got = [entry for _, batch in early + [w.value for w in late] for entry in unpack_band_entries(batch)]
    want = [
        (k, s.id)
        for s in sketches
        for k in band_keys(np.frombuffer(s.values, "<u8"), bands=16, rows=8, fingerprint=FP)
    ]
    assert sorted(got) == sorted(want)


def _band_elements(entries: list[tuple[bytes, str]], partitions: int) -> list[tuple[int, list[bytes]]]:
    """What ``GroupByPartition`` gives ``_PairPartitionsFn``: each partition's entries, in one batch."""
    return [
        (part, [b"".join(pack_band_entry(k, i) for k, i in entries if band_partition(k, partitions) == part)])
        for part in range(partitions)
    ]


def _flushed_pairs(items: list[tuple[int, bytes]], partitions: int) -> list[tuple[str, str]]:
    """The pairs of flushed ``(partition, batch)`` items, each checked to be in its partition."""
    got = []
    for part, batch in items:
        for a, b in unpack_pairs(batch):
            assert pair_partition(pack_pair(a, b), partitions) == part
            got.append((a, b))
    return got


def test_pair_partitions_fn_deduplicates_a_bundle_and_flushes_when_full() -> None:
    entries = _random_entries(2)
    elements = _band_elements(entries, 3)
    want, _ = _per_key_pairs(entries, 16)
    whole = _PairPartitionsFn(16, pair_partitions=5)
    whole.setup()
    whole.start_bundle()
    assert [item for element in elements for item in whole.process(element)] == []
    late = [w.value for w in whole.finish_bundle()]
    assert [part for part, _ in late] == sorted({part for part, _ in late})  # one batch a partition
    got = _flushed_pairs(late, 5)
    assert sorted(got) == sorted(want)  # each pair once, though it meets in several partitions
    small = _PairPartitionsFn(16, pair_buffer=5, pair_partitions=5)
    small.setup()
    small.start_bundle()
    early = [item for element in elements for item in small.process(element)]
    flushed = _flushed_pairs(early + [w.value for w in small.finish_bundle()], 5)
    assert early and set(flushed) == want
    assert len(flushed) > len(want)  # a pair flushed by one element's flush comes again with a later element


def test_pairs_round_trip_in_batches() -> None:
    pairs = [("doc-1", "doc-2"), ("", "ünïcode \ud800 id"), (H1, "x" * 300), ("a", "")]
    assert list(unpack_pairs(b"".join(pack_pair(a, b) for a, b in pairs))) == pairs
    assert pack_pair("ab", "c") != pack_pair("a", "bc")  # lengths are packed: the partition hashes the pair
    with pytest.raises(ValueError, match="too long"):
        pack_pair("a", "b" * 0x10000)
    items = batch_pairs([*pairs, *pairs[:2]], 3)
    assert [part for part, _ in items] == sorted({part for part, _ in items})
    assert sorted(_flushed_pairs(items, 3)) == sorted(
        [*pairs, *pairs[:2]]
    )  # repeats kept: the reader drops them


def test_distinct_pairs_fn_keeps_each_pair_once() -> None:
    pairs = [("a", "b"), ("a", "c"), ("b", "c")]
    batches = [pack_pair(*pairs[0]) + pack_pair(*pairs[1]), pack_pair(*pairs[1]) + pack_pair(*pairs[0]), b""]
    fn = _DistinctPairsFn()
    fn.setup()
    assert list(fn.process((0, [*batches, pack_pair(*pairs[2]) * 3]))) == pairs


@pytest.mark.parametrize(
    ("seed", "band_parts", "pair_parts", "buffer"),
    [(7, 3, 1, 1 << 18), (8, 3, 7, 5), (9, 11, 1024, 1), (10, 1, 2, 40)],
)
def test_batched_pairs_give_each_distinct_pair_once_whatever_the_partitions_and_flushes(
    seed: int, band_parts: int, pair_parts: int, buffer: int
) -> None:
    """Pairing, the pair shuffle and ``_DistinctPairsFn`` on the runner: each distinct pair once and
    ``candidate_pairs`` its number, whatever the pair partitions and however often the pairing flushes (a small
    ``buffer`` flushes a pair again with every element that meets it)."""
    entries = _random_entries(seed)
    want, counts = _per_key_pairs(entries, 16)
    p = beam.Pipeline(runner=FnApiRunner())
    pairs = (
        p
        | beam.Create(_band_elements(entries, band_parts))
        | beam.ParDo(_PairPartitionsFn(16, pair_buffer=buffer, pair_partitions=pair_parts))
        | beam.GroupByKey()
        | beam.ParDo(_DistinctPairsFn())
    )
    assert_that(pairs, equal_to(sorted(want)))  # a multiset: a pair emitted twice fails
    result = p.run()
    result.wait_until_finish()
    metrics = result.metrics().query()
    got = {c.key.metric.name: c.committed for c in metrics["counters"] if c.key.metric.namespace == "lsh"}
    assert got == counts


def test_shared_bucket_pairs_counts_repeats_against_the_limit() -> None:
    """Five entries of four ids is above a limit of 4: a star, as grouping by band key made it."""
    assert shared_bucket_pairs(["d", "b", "a", "c", "b"], all_pairs_limit=4) == [
        ("a", "b"),
        ("a", "c"),
        ("a", "d"),
    ]
    assert shared_bucket_pairs([H1, H2], all_pairs_limit=4) == []
    assert shared_bucket_pairs([H2, "n", H1, "m", "o"], all_pairs_limit=4) == [
        (H1, "m"),
        (H1, "n"),
        (H1, "o"),
    ]


@pytest.mark.parametrize(
    ("seed", "partitions", "limit", "pair_partitions"),
    [(3, 1, 16, 1), (4, 7, 16, 3), (5, 1024, 16, 1024), (6, 7, 2, 5)],
)
def test_batched_bands_give_the_pairs_and_counters_of_grouping_by_band_key(
    seed: int, partitions: int, limit: int, pair_partitions: int
) -> None:
    """Arbitrary band keys enter as a history input (any ids): the candidate pairs and the bucket counters are
    those of grouping by band key, whatever the partitions."""
    entries = _random_entries(seed)
    want, counts = _per_key_pairs(entries, limit)
    assert counts["hot_buckets"] >= 2 and any(is_history(a) for a, _ in want)
    p = beam.Pipeline(runner=FnApiRunner())
    sketches = p | "NoSketches" >> beam.Create([_sketch("unsigned", "x y z")._replace(values=b"")])
    history = p | "Entries" >> beam.Create(entries)
    pairs = (sketches, history) | FindCandidatePairs(
        bands=4, rows=4, all_pairs_limit=limit, partitions=partitions, pair_partitions=pair_partitions
    )
    assert_that(pairs, equal_to(sorted(want)))
    result = p.run()
    result.wait_until_finish()
    metrics = result.metrics().query()
    got = {c.key.metric.name: c.committed for c in metrics["counters"] if c.key.metric.namespace == "lsh"}
    assert got == {**counts, "seen": 1, "skipped:too_short": 1}
    (sizes,) = [d.committed for d in metrics["distributions"] if d.key.metric.name == "shared_bucket_size"]
    buckets: dict[bytes, list[str]] = {}
    for key, node in entries:
        buckets.setdefault(key, []).append(node)
    shared = [len(ids) for ids in buckets.values() if len(ids) > 1 and not all(is_history(i) for i in ids)]
    assert (sizes.count, sizes.sum, sizes.min, sizes.max) == (
        len(shared),
        sum(shared),
        min(shared),
        max(shared),
    )


def test_lede_and_round_up_keys_are_batched_too(stories) -> None:
    sketch = _sketch("a", stories.port)._replace(lede_values=_sketch("a", stories.port).values[: 8 * 12])
    fn = _BandFn(bands=16, rows=8, lede_bands=4, lede_rows=3, partitions=3)
    fn.setup()
    fn.start_bundle()
    assert list(fn.process(sketch)) == []
    got = [entry for w in fn.finish_bundle() for entry in unpack_band_entries(w.value[1])]
    lede = lede_keys(sketch, lede_bands=4, lede_rows=3)
    assert len(lede) == 4 and set(lede) <= {k for k, _ in got} and len(got) == 16 + 4
