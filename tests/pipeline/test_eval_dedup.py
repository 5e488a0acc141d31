"""Scoring a run against a syndication gold: hand-made cases with known answers, ARI against a brute force."""

from __future__ import annotations

import argparse
import json
import random
import time
from fractions import Fraction
from itertools import combinations
from pathlib import Path
from typing import Any

import pytest

from pipeline.eval_dedup import (
    PairScores,
    RunDoc,
    add_parser,
    adjusted_rand_index,
    main,
    pair_scores,
    score,
)


def brute_force_ari(gold: list[Any], pred: list[Any]) -> float:
    """ARI from the four pair counts, by looking at every pair (Hubert and Arabie's pair-counting form)."""
    ss = sd = ds = dd = 0
    for i, j in combinations(range(len(gold)), 2):
        same_gold, same_pred = gold[i] == gold[j], pred[i] == pred[j]
        if same_gold and same_pred:
            ss += 1
        elif same_gold:
            sd += 1
        elif same_pred:
            ds += 1
        else:
            dd += 1
    denominator = (ss + sd) * (sd + dd) + (ss + ds) * (ds + dd)
    return 1.0 if denominator == 0 else 2 * (ss * dd - sd * ds) / denominator


def brute_force_pairs(gold: list[Any], pred: list[Any]) -> PairScores:
    both = together_pred = together_gold = 0
    for i, j in combinations(range(len(gold)), 2):
        g, p = gold[i] == gold[j], pred[i] == pred[j]
        both += g and p
        together_pred += p
        together_gold += g
    return PairScores(both, together_pred, together_gold)


# ---------------------------------------------------------------------------------------------------------------
# Partition metrics
# ---------------------------------------------------------------------------------------------------------------

GOLD = ["a", "a", "a", "b", "b", "c"]  # 3 + 1 = 4 gold pairs among 15


def test_perfect_prediction() -> None:
    pred = ["x", "x", "x", "y", "y", "z"]  # other names, same partition
    scores = pair_scores(GOLD, pred)
    assert scores == PairScores(4, 4, 4)
    assert (scores.precision, scores.recall, scores.f1) == (1.0, 1.0, 1.0)
    assert adjusted_rand_index(GOLD, pred) == 1.0


def test_everything_merged() -> None:
    pred = ["one"] * 6
    scores = pair_scores(GOLD, pred)
    assert scores == PairScores(4, 15, 4)
    assert scores.recall == 1.0
    assert scores.precision == pytest.approx(4 / 15)
    assert adjusted_rand_index(GOLD, pred) == 0.0


def test_everything_split() -> None:
    pred = list(range(6))
    scores = pair_scores(GOLD, pred)
    assert scores == PairScores(0, 0, 4)
    assert scores.precision == 1.0  # no predicted pair is wrong
    assert scores.recall == 0.0
    assert scores.f1 == 0.0
    assert adjusted_rand_index(GOLD, pred) == 0.0


def test_ari_known_values() -> None:
    # the examples of scikit-learn's adjusted_rand_score documentation
    assert adjusted_rand_index([0, 0, 1, 1], [1, 1, 0, 0]) == 1.0
    assert adjusted_rand_index([0, 0, 1, 2], [0, 0, 1, 1]) == pytest.approx(0.5714285714285714, abs=1e-15)
    assert adjusted_rand_index([0, 0, 0, 0], [0, 1, 2, 3]) == 0.0
    assert adjusted_rand_index([0, 0, 1, 1], [0, 1, 0, 1]) == -0.5


def test_ari_trivial_partitions() -> None:
    assert adjusted_rand_index([], []) == 1.0
    assert adjusted_rand_index(["a"], ["b"]) == 1.0
    assert adjusted_rand_index([1, 2, 3], ["x", "y", "z"]) == 1.0  # all singletons on both sides
    assert adjusted_rand_index([1, 1, 1], [2, 2, 2]) == 1.0  # one cluster on both sides


def test_ari_and_pairs_match_brute_force() -> None:
    rng = random.Random(20240607)
    for _ in range(300):
        n = rng.randint(0, 14)
        gold = [rng.randint(0, rng.randint(0, 5)) for _ in range(n)]
        pred = [rng.randint(0, rng.randint(0, 5)) for _ in range(n)]
        assert adjusted_rand_index(gold, pred) == pytest.approx(brute_force_ari(gold, pred), abs=1e-12)
        assert pair_scores(gold, pred) == brute_force_pairs(gold, pred)


def test_ari_is_exact_on_large_counts() -> None:
    # 100,000 gold pairs; the prediction splits the last one. The closed form, in fractions:
    gold = [k // 2 for k in range(200_000)]
    pred = [k // 2 if k < 199_999 else "alone" for k in range(200_000)]
    n2, both, a, b = 200_000 * 199_999 // 2, 99_999, 100_000, 99_999
    expected = Fraction(2 * n2 * both - 2 * a * b, n2 * (a + b) - 2 * a * b)
    assert adjusted_rand_index(gold, pred) == float(expected)
    assert 0.99999 < float(expected) < 1.0


def test_label_sequences_must_align() -> None:
    with pytest.raises(ValueError, match="length"):
        pair_scores([1, 2], [1])


# ---------------------------------------------------------------------------------------------------------------
# score(): a hand-made benchmark and run
# ---------------------------------------------------------------------------------------------------------------


def _gold() -> dict[str, Any]:
    docs = {
        "w1": {"cluster": "s1", "story": 1, "copy_type": "original", "tier": None},
        "c1a": {"cluster": "s1", "story": 1, "copy_type": "chrome", "tier": "easy"},
        "c1b": {"cluster": "s1", "story": 1, "copy_type": "excerpt", "tier": "hard"},
        "w2": {"cluster": "s1", "story": 2, "copy_type": "natural_dup", "tier": "natural"},
        "w3": {"cluster": "s3", "story": 3, "copy_type": "original", "tier": None},
        "c3a": {"cluster": "s3", "story": 3, "copy_type": "style", "tier": "medium"},
        "w4": {"cluster": "s4", "story": 4, "copy_type": "original", "tier": None},
        "w5": {"cluster": "s5", "story": 5, "copy_type": "original", "tier": None},
    }
    return {
        "documents": docs,
        "hard_negative_pairs": [
            ["w4", "w5", {"kind": "templated"}],
            ["w3", "w4", {"kind": "similar_text"}],
        ],
        "related_pairs": [["w1", "w5", {"kind": "rewrite"}]],
    }


def _doc(url: str, cluster: str, duplicate_of: str | None = None) -> RunDoc:
    return RunDoc(
        url=url,
        id=f"id-{url}",
        cluster_id=f"id-{cluster}",
        duplicate_of=f"id-{duplicate_of}" if duplicate_of else None,
        dup_type="near" if duplicate_of else None,
        similarity=0.9 if duplicate_of else None,
    )


def test_score_perfect_run() -> None:
    run = [
        _doc("w1", "w1"),
        _doc("c1a", "w1", "w1"),
        _doc("c1b", "w1", "w1"),
        _doc("w2", "w1", "w1"),
        _doc("w3", "w3"),
        _doc("c3a", "w3", "w3"),
        _doc("w4", "w4"),
        _doc("w5", "w5"),
    ]
    result = score(_gold(), run)
    assert result["pairwise"]["precision"] == result["pairwise"]["recall"] == 1.0
    assert result["pairwise"]["gold_pairs"] == 6 + 1
    assert result["raw_edges"] == {
        "precision": 1.0,
        "recall": 1.0,
        "edges": 4,
        "right_edges": 4,
        "gold_edges": 4,
        "f1": 1.0,
    }
    assert result["ari"] == 1.0
    assert result["hard_negatives"]["precision"] == 1.0
    assert all(row["recall"] == 1.0 for row in result["recall_by_copy_type"].values())
    assert result["clusters"]["largest_gold"] == result["clusters"]["largest_predicted"] == 4


def test_score_misses_false_merges_and_rejected_documents() -> None:
    run = [
        _doc("w1", "w1"),
        _doc("c1a", "w1", "w1"),
        # c1b (the excerpt) was rejected: absent from the run
        _doc("w2", "w2"),  # natural duplicate not found
        _doc("w3", "w3"),
        _doc("c3a", "w4", "w4"),  # put with the wrong story: a wrong edge and a false merge
        _doc("w4", "w4"),
        _doc("w5", "w4", "w4"),  # a hard negative merged
        _doc("extra", "extra"),  # not in the gold: ignored
    ]
    result = score(_gold(), run)
    assert result["documents"]["missing_from_run"] == 1
    assert result["documents"]["run_not_in_gold"] == 1
    # predicted pairs: {w1,c1a} and {c3a,w4,w5} = 1 + 3; right: w1-c1a only
    assert result["pairwise"]["true_positive_pairs"] == 1
    assert result["pairwise"]["predicted_pairs"] == 4
    assert result["pairwise"]["gold_pairs"] == 7
    assert result["raw_edges"]["edges"] == 3
    assert result["raw_edges"]["right_edges"] == 1
    assert result["raw_edges"]["gold_edges"] == 4
    assert result["ari"] == pytest.approx(
        brute_force_ari(  # urls in order: c1a c1b c3a w1 w2 w3 w4 w5
            ["s1", "s1", "s3", "s1", "s1", "s3", "s4", "s5"],
            ["w1", "missing", "w4", "w1", "w2", "w3", "w4", "w4"],
        )
    )
    by_type = result["recall_by_copy_type"]
    assert by_type["chrome"]["recall"] == 1.0
    assert by_type["excerpt"] == {"recall": 0.0, "found": 0, "copies": 1, "missing_from_run": 1}
    assert by_type["natural_dup"]["recall"] == 0.0
    assert by_type["style"]["recall"] == 0.0
    assert result["recall_by_tier"]["easy"]["recall"] == 1.0
    hard = result["hard_negatives"]
    assert hard["pairs"] == 2 and hard["kept_apart"] == 1 and hard["precision"] == 0.5
    assert hard["by_kind"]["templated"]["precision"] == 0.0
    assert hard["by_kind"]["similar_text"]["precision"] == 1.0
    assert result["related_pairs"]["kept_apart"] == 1
    assert result["pairwise"]["pairs_joining_related_stories"] == 0
    assert result["clusters"]["largest_predicted"] == 3
    worst = result["examples"]["worst_merges"][0]
    assert worst["gold_clusters"] == 3 and worst["false_pairs"] == 3


def test_pairs_joining_related_stories_are_counted_apart() -> None:
    run = [_doc(u, "w1", None if u == "w1" else "w1") for u in ("w1", "c1a", "c1b", "w2", "w5")]
    run += [_doc("w3", "w3"), _doc("c3a", "w3", "w3"), _doc("w4", "w4")]
    result = score(_gold(), run)
    pw = result["pairwise"]
    # w5 (its own story, related to story 1) joins the four documents of s1: 4 wrong pairs, all between related
    assert (pw["true_positive_pairs"], pw["predicted_pairs"]) == (7, 11)
    assert pw["pairs_joining_related_stories"] == 4
    assert pw["precision"] == pytest.approx(7 / 11, abs=1e-6)
    assert pw["precision_without_related"] == 1.0
    assert result["related_pairs"]["kept_apart"] == 0


def test_score_is_linear_in_documents() -> None:
    n = 100_000
    documents = {
        f"u{k}": {
            "cluster": f"s{k // 5}",
            "story": k // 5,
            "copy_type": "original" if k % 5 == 0 else "chrome",
            "tier": "easy",
        }
        for k in range(n)
    }
    run = [_doc(f"u{k}", f"u{k - k % 5 if k % 7 else k}", None) for k in range(n)]
    t0 = time.perf_counter()
    result = score({"documents": documents, "hard_negative_pairs": []}, run)
    assert time.perf_counter() - t0 < 10
    assert result["pairwise"]["gold_pairs"] == n // 5 * 10
    assert 0 < result["pairwise"]["recall"] < 1 and result["pairwise"]["precision"] == 1.0


# ---------------------------------------------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------------------------------------------


def _write_run(folder: Path, docs: list[RunDoc]) -> None:
    (folder / "documents").mkdir(parents=True)
    half = len(docs) // 2
    for k, part in enumerate((docs[:half], docs[half:])):
        with open(folder / "documents" / f"part-0000{k}-of-00002.jsonl", "w", encoding="utf-8") as fh:
            for d in part:
                row = d._asdict() | {"text": "...", "is_duplicate": d.duplicate_of is not None}
                fh.write(json.dumps(row) + "\n")


def test_add_parser_registers_dedup_with_a_handler() -> None:
    ap = argparse.ArgumentParser(prog="newsdedup")
    sub = ap.add_subparsers(dest="command", required=True)
    evaluate = sub.add_parser("eval").add_subparsers(dest="evaluation", required=True)
    add_parser(evaluate)
    args = ap.parse_args(["eval", "dedup", "--gold", "g.json", "--run", "out"])
    assert args.evaluation == "dedup" and args.gold == "g.json" and args.run == "out"
    assert callable(args.handler)


def test_cli_prints_figures_and_writes_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    gold = _gold()
    (tmp_path / "gold.json").write_text(json.dumps(gold), encoding="utf-8")
    run = [_doc(u, "w1" if gold["documents"][u]["cluster"] == "s1" else u) for u in gold["documents"]]
    _write_run(tmp_path / "out", run)
    code = main(
        [
            "dedup",
            "--gold",
            str(tmp_path / "gold.json"),
            "--run",
            str(tmp_path / "out"),
            "--json",
            str(tmp_path / "r.json"),
        ]
    )
    assert code == 0
    printed = capsys.readouterr().out
    assert "pairwise after clustering: precision 1.0000  recall 0.8571" in printed
    assert "adjusted Rand index" in printed and "recall by copy type:" in printed
    written = json.loads((tmp_path / "r.json").read_text())
    assert written["pairwise"]["true_positive_pairs"] == 6
    assert written["inputs"]["run"] == str(tmp_path / "out")


def test_cli_reports_a_missing_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "gold.json").write_text(json.dumps(_gold()), encoding="utf-8")
    code = main(["dedup", "--gold", str(tmp_path / "gold.json"), "--run", str(tmp_path / "nothing")])
    assert code == 2
    assert "no documents/part-" in capsys.readouterr().err
