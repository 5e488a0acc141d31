"""``newsdedup eval extraction|boilerplate``: the benchmark's scoring on hand-computed cases, the text-dump
renderer, and runs on a few real pages and a small templated batch (skipped without ../shared)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pytest

from pipeline.eval_extraction import (
    PageCounts,
    add_parser,
    line_rates,
    main,
    page_counts,
    page_precision,
    page_recall,
    render_text_dump,
    score_pages,
    shingle_counts,
    tokens,
)

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO / ".." / "shared"
REUTERS = SHARED / "data" / "reuters21578" / "reuters21578.jsonl.gz"


# ---------------------------------------------------------------------------------------------------------------
# Scoring


def test_tokens_are_word_runs_with_case_kept() -> None:
    assert tokens("Don't stop—the U.S. rate: 4.5%!") == [
        "Don",
        "t",
        "stop",
        "the",
        "U",
        "S",
        "rate",
        "4",
        "5",
    ]


def test_shingles_are_a_multiset_of_word_4_grams() -> None:
    assert shingle_counts("a b c d e") == {("a", "b", "c", "d"): 1, ("b", "c", "d", "e"): 1}
    assert shingle_counts("a b c d a b c d") == {
        ("a", "b", "c", "d"): 2,
        ("b", "c", "d", "a"): 1,
        ("c", "d", "a", "b"): 1,
        ("d", "a", "b", "c"): 1,
    }
    # fewer than four tokens: one shorter n-gram, as the benchmark's own code does; nothing for no tokens
    assert shingle_counts("a b") == {("a", "b"): 1}
    assert shingle_counts(" ... ") == {}


def test_page_counts_are_normalised() -> None:
    # true: abcd, bcde; predicted: abcd, bcdx -> tp 1, fp 1, fn 1 -> a third each
    assert page_counts("a b c d e", "a b c d x") == PageCounts(1 / 3, 1 / 3, 1 / 3)
    # counts matter: the prediction says the text twice -> abcd x2, bcde x2, cdea, deab, eabc: tp 2, fp 5, fn 0
    c = page_counts("a b c d e", "a b c d e a b c d e")
    assert (c.tp, c.fp, c.fn) == (pytest.approx(2 / 7), pytest.approx(5 / 7), 0)


def test_page_precision_and_recall_edge_cases() -> None:
    assert page_precision(PageCounts(0.5, 0.5, 0.0)) == 0.5
    assert page_recall(PageCounts(0.5, 0.5, 0.0)) == 1.0
    assert page_precision(PageCounts(1.0, 0.0, 0.0)) == page_recall(PageCounts(1.0, 0.0, 0.0)) == 1.0
    nothing_predicted = page_counts("one two three four", "")
    assert nothing_predicted == PageCounts(0.0, 0.0, 1.0)
    assert page_precision(nothing_predicted) == 0.0 and page_recall(nothing_predicted) == 0.0
    both_empty = page_counts("", "")
    assert page_precision(both_empty) == page_recall(both_empty) == 1.0


def test_precision_and_recall_are_averaged_over_pages_and_f1_comes_from_the_averages() -> None:
    score = score_pages([("a b c d e", "a b c d x"), ("one two three four", ""), ("p q r s", "p q r s")])
    assert score.pages == 3
    assert score.precision == pytest.approx((0.5 + 0.0 + 1.0) / 3)
    assert score.recall == pytest.approx((0.5 + 0.0 + 1.0) / 3)
    assert score.f1 == pytest.approx(0.5)
    # F1 of the averages, not the average of per-page F1s
    skewed = score_pages([("a b c d e", "a b c d e a b c d e"), ("a b c d e", "a b c d")])
    p, r = (2 / 7 + 1.0) / 2, (1.0 + 0.5) / 2
    assert skewed.f1 == pytest.approx(2 * p * r / (p + r))
    assert score_pages([]).pages == 0


# ---------------------------------------------------------------------------------------------------------------
# Text dumps of pages


def test_render_text_dump_keeps_visible_text_one_line_per_block() -> None:
    html = """<html><head><title>Not shown</title><style>p { color: red }</style></head><body>
    <nav><a href="/">Home</a> | <a href="/news">News</a></nav>
    <script>var x = "not shown";</script><noscript>Enable JavaScript</noscript>
    <template><p>template text</p></template>
    <h1>Harbour   bridge <em>reopens</em></h1>
    <p>The bridge reopened on <b>Tuesday</b>.<br>Traffic is flowing.</p>
    <ul><li>One</li><li>Two</li></ul>
    <table><tr><td>Cell 1</td><td>Cell 2</td></tr></table>
    </body></html>"""
    assert render_text_dump(html).split("\n") == [
        "Home | News",
        "Harbour bridge reopens",
        "The bridge reopened on Tuesday.",
        "Traffic is flowing.",
        "One",
        "Two",
        "Cell 1 Cell 2",
    ]


def test_render_text_dump_survives_deep_nesting_and_garbage() -> None:
    nested = "<div>" * 200 + "deep text" + "</div>" * 200
    assert render_text_dump(f"<html><body>{nested}</body></html>") == "deep text"
    # deeper than the HTML parser goes: no error (libxml2 gives up on the page, so no text either)
    assert isinstance(render_text_dump("<div>" * 5000 + "x" + "</div>" * 5000), str)
    assert render_text_dump("") == ""


# ---------------------------------------------------------------------------------------------------------------
# The command


def test_add_parser_registers_extraction_with_a_handler() -> None:
    ap = argparse.ArgumentParser()
    add_parser(ap.add_subparsers(dest="evaluation"))
    args = ap.parse_args(["extraction", "--data", "x", "--limit", "3"])
    assert args.limit == 3 and callable(args.handler)
    assert callable(ap.parse_args(["boilerplate", "--batch", "y"]).handler)


def test_missing_benchmark_is_reported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["extraction", "--data", str(tmp_path)]) == 2
    assert "no benchmark" in capsys.readouterr().err


def test_eval_on_a_few_real_pages(zyte_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "extraction.json"
    assert main(["extraction", "--data", str(zyte_dir), "--limit", "4", "--json", str(out)]) == 0
    table = capsys.readouterr().out
    for system in ("trafilatura alone", "HTML: ours", "keep all lines", "text dump: ours"):
        assert system in table
    result = json.loads(out.read_text())
    rows = {row["system"]: row for row in result["rows"]}
    assert result["pages"] == 4 and len(rows) == 4
    for row in rows.values():
        assert 0 <= row["precision"] <= 1 and 0 <= row["recall"] <= 1 and row["pages"] == 4
    # the text dump keeps everything: full recall is cheap there, precision is not
    keep_all, ours = rows["text dump: keep all lines"], rows["text dump: ours"]
    assert keep_all["recall"] >= ours["recall"] and ours["precision"] > keep_all["precision"]


# ---------------------------------------------------------------------------------------------------------------
# Boilerplate


def test_line_rates_count_lines_as_multisets() -> None:
    gold = [
        {"id": "a", "article": ["A1", "A2", "A2"], "template": ["T1", "T2"], "varying": ["V1"]},
        {"id": "b", "article": ["B1"], "template": ["T1"], "varying": ["V2"]},
    ]
    texts = {"a": "A1\nA2\nT2", "b": "B1\nV2"}
    rates = line_rates(gold, texts)
    assert rates["article_lines"] == 4 and rates["article_kept"] == 0.75
    assert rates["chrome_lines"] == 5 and rates["chrome_removed"] == 0.6
    assert rates["template_removed"] == pytest.approx(2 / 3, abs=1e-4) and rates["varying_removed"] == 0.5


@pytest.mark.skipif(not REUTERS.is_file(), reason=f"Reuters-21578 not found at {REUTERS} (needs ../shared)")
def test_boilerplate_eval_on_a_small_templated_batch(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sys.path.insert(0, str(REPO))
    from bench.make_templated_batch import main as make_batch

    batch = tmp_path / "batch"
    assert make_batch(["--reuters", str(REUTERS), "--out", str(batch), "--pages-per-site", "8"]) == 0
    out = tmp_path / "boilerplate.json"
    assert main(["boilerplate", "--batch", str(batch), "--json", str(out)]) == 0
    result = json.loads(out.read_text())
    assert result["pages"] == 40 and result["sites"] == 5
    assert result["templates"]["template_removed"] == 1.0
    assert result["templates"]["chrome_removed"] > result["rules"]["chrome_removed"]
    assert result["templates"]["article_kept"] >= 0.98
    assert "rules + learned templates" in capsys.readouterr().out
