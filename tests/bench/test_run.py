"""The speed benchmark end to end on a tiny corpus: the table and JSON have their shape, F1 is computed right.

No timing is asserted (speed lives in the bench's own output). The corpus needs Reuters-21578 in ``../shared``
(skipped with a message where it is absent); the peers run only where their environment exists
(``bench/README.md``), otherwise they are reported as skipped.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from bench import corpus as C
from bench.run import DEFAULT_PEERS_PYTHON, html_marginal, main, newsdedup_labels, pairwise_f1, render
from pipeline.eval_dedup import load_run, score

needs_reuters = pytest.mark.skipif(
    not C.REUTERS.is_file(),
    reason=f"Reuters-21578 not found at {C.REUTERS} (needs ../shared next to the repo)",
)


def test_pairwise_f1_counts_pairs_of_clusters() -> None:
    gold = {"documents": {u: {"cluster": c} for u, c in zip("abcde", "xxxyy", strict=True)}}
    # gold pairs: ab ac bc de (4); predicted: ab, and cd wrongly; e alone (not labelled)
    scores = pairwise_f1(gold, {"a": "1", "b": "1", "c": "2", "d": "2"})
    assert (scores["true_positive_pairs"], scores["predicted_pairs"], scores["gold_pairs"]) == (1, 2, 4)
    assert scores["precision"] == 0.5 and scores["recall"] == 0.25
    assert scores["f1"] == pytest.approx(2 * 0.5 * 0.25 / 0.75, abs=1e-6)
    perfect = pairwise_f1(gold, {"a": "g1", "b": "g1", "c": "g1", "d": "g2", "e": "g2"})
    assert perfect["f1"] == 1.0


def test_two_html_sizes_split_into_fixed_and_per_page_parts() -> None:
    def size(pages: int, bare: float, ours: float) -> dict[str, Any]:
        row = {"workers": 1, "bare_seconds": bare, "newsdedup_seconds": ours, "ratio": bare / ours}
        return {"pages": pages, "rows": [row], "target": 0.85}

    sizes = [size(1000, 16.0, 30.0), size(5000, 64.0, 94.0)]  # bare 4 s + 12 ms a page, ours 14 s + 16 ms
    (row,) = html_marginal(sizes)
    assert row["bare_ms_per_page"] == 12.0 and row["newsdedup_ms_per_page"] == 16.0
    assert row["marginal_ratio"] == 0.75
    assert row["bare_fixed_seconds"] == 4.0 and row["newsdedup_fixed_seconds"] == 14.0
    table = render({"machine": "m", "html": sizes[0], "html_sizes": sizes, "html_marginal": [row]})
    assert "1. HTML path, 1000 pages" in table and "1. HTML path, 5000 pages" in table
    assert "| 1 | 12.0 | 16.0 | 0.75 | 4.0 | 14.0 |" in table


def test_settings_reach_the_size_asked_for() -> None:
    small, large = C.settings_for(1_000, 7), C.settings_for(100_000, 7)
    assert not small.full and abs(small.stories * C.DOCS_PER_STORY - 1_000) < 5
    assert small.syndicated_share == pytest.approx(1 / 3)
    assert large.full and large.syndicated_share == pytest.approx(1 / 3)
    mean_copies = (large.min_copies + large.max_copies) / 2  # type: ignore[operator]
    assert abs(C.STORIES_WITH_TEXT * (1 + mean_copies / 3) - 100_000) < 10_000


@needs_reuters
def test_bench_end_to_end_on_a_tiny_corpus(tmp_path: Path) -> None:
    peers = os.environ.get("NEWSDEDUP_BENCH_PEERS", DEFAULT_PEERS_PYTHON)
    out = tmp_path / "results.json"
    args = ["--sizes", "120", "--text-size", "120", "--html-pages", "24", "--workers", "1"]
    args += ["--limit-collection", "400", "--work", str(tmp_path / "work"), "--json", str(out)]
    args += ["--peers-python", peers]
    assert main(args) == 0
    results: dict[str, Any] = json.loads(out.read_text())
    assert set(results) >= {"machine", "html", "text", "growth", "profile", "table"}

    html = results["html"]
    assert html["pages"] == 24 and [r["workers"] for r in html["rows"]] == [1]
    row = html["rows"][0]
    assert row["bare_found"] > 0 and row["newsdedup_documents"] > 0
    assert row["ratio"] == pytest.approx(row["bare_seconds"] / row["newsdedup_seconds"], rel=0.01)

    text = results["text"]
    tools = {t["tool"].split()[0]: t for t in text["tools"]}
    assert "newsdedup" in tools
    skipped = {"text-dedup" if k == "textdedup" else k for k in text["skipped"]}
    assert set(tools) | skipped == {"newsdedup", "datatrove", "text-dedup"}
    if not Path(peers).exists():
        assert set(text["skipped"]) == {"datatrove", "textdedup"}
    # newsdedup's F1 is the eval's pairwise F1 after clustering of the same run
    folder = tmp_path / "work" / "text-120-s7"
    gold = json.loads((folder / "gold.json").read_text())
    run_dir = tmp_path / "work" / "runs" / "text-120-w2" / "run"
    evaluated = score(gold, load_run(str(run_dir)))["pairwise"]
    assert tools["newsdedup"]["f1"] == pytest.approx(evaluated["f1"], abs=1e-6)
    assert tools["newsdedup"]["f1"] == pairwise_f1(gold, newsdedup_labels(run_dir))["f1"]
    for t in text["tools"]:
        assert 0.0 <= t["precision"] <= 1.0 and 0.0 <= t["f1"] <= 1.0 and t["seconds"] > 0

    growth = results["growth"]["rows"]
    assert [r["documents"] for r in growth] == [text["documents"]]
    assert growth[0]["peak_rss_mb"] > 0 and growth[0]["docs_per_second"] > 0

    profile = results["profile"]
    assert list(profile["cpu_seconds"]) == [
        "read",
        "learn_templates",
        "clean",
        "normalize",
        "shingle",
        "signature",
        "figures",
        "lsh",
        "verify",
        "cluster",
        "write",
    ]
    assert profile["pipeline_cpu_seconds"] > 0 and profile["documents"] > 0

    table = render(results)
    assert table == results["table"]
    for heading in ("1. HTML path", "2. Text path", "3. Growth", "4. Stage profile", "| newsdedup |"):
        assert heading in table
