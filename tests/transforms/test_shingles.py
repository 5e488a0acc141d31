"""Shingles by script, their hashes, and exact Jaccard / containment."""

from __future__ import annotations

import numpy as np
import pytest
import xxhash

from transforms.normalize import hashing_form
from transforms.shingles import (
    choose_unit,
    containment,
    jaccard,
    shingle_hashes,
    shingle_strings,
    token_count,
)

ZH = hashing_form(
    "国家统计局周三公布的数据显示，三月份全国居民消费价格同比上涨百分之零点一，环比下降百分之一。"
)
JA = hashing_form("東京株式市場で日経平均株価は続伸し、前日比三百円高の四万円台で取引を終えた。")
TH = hashing_form("กรุงเทพมหานครประกาศปิดถนนหลายสายในวันอาทิตย์เพื่อจัดงานวิ่งมาราธอนประจำปี")
EN = hashing_form("The central bank left its key interest rate unchanged at 4.5 percent on Thursday.")


def _h(*strings: str) -> np.ndarray:
    return np.unique(np.array([xxhash.xxh64_intdigest(s.encode()) for s in strings], dtype=np.uint64))


@pytest.mark.parametrize(
    ("text", "unit"),
    [(EN, "word"), (ZH, "char"), (JA, "char"), (TH, "char"), ("", "word"), ("2024 03 05 12 5", "word")],
)
def test_choose_unit(text: str, unit: str) -> None:
    assert choose_unit(text) == unit


def test_choose_unit_mixed_text_goes_by_majority() -> None:
    mostly_zh = ZH + " xinhua reports"
    mostly_en = EN + " 北京"
    assert choose_unit(mostly_zh) == "char"
    assert choose_unit(mostly_en) == "word"


def test_word_shingles() -> None:
    assert shingle_strings("the bank left rates unchanged", unit="word", size=3) == [
        "the bank left",
        "bank left rates",
        "left rates unchanged",
    ]
    assert shingle_strings("the bank left", unit="word", size=3) == ["the bank left"]


def test_char_shingles_ignore_spaces() -> None:
    assert shingle_strings("北京 天气 晴", unit="char", size=5) == ["北京天气晴"]
    assert shingle_strings("日経平均株価", unit="char", size=5) == ["日経平均株", "経平均株価"]


@pytest.mark.parametrize(
    ("text", "unit", "size"), [("two words", "word", 3), ("", "word", 1), ("東京都", "char", 5)]
)
def test_shorter_than_n_gives_nothing(text: str, unit: str, size: int) -> None:
    assert shingle_strings(text, unit=unit, size=size) == []
    hashes = shingle_hashes(text, unit=unit, size=size, char_size=size)
    assert hashes.dtype == np.uint64 and hashes.size == 0


def test_shingle_hashes_are_sorted_unique_uint64_of_the_strings() -> None:
    text = "the mayor said the mayor said the plan would go ahead"  # repeated 3-grams
    hashes = shingle_hashes(text, unit="word", size=3)
    strings = shingle_strings(text, unit="word", size=3)
    assert hashes.dtype == np.uint64
    assert np.all(hashes[1:] > hashes[:-1])  # strictly increasing: sorted and unique
    assert len(strings) == 9 and hashes.size == len(set(strings)) == 7
    np.testing.assert_array_equal(hashes, _h(*strings))


def test_shingle_hashes_auto_picks_char_for_cjk() -> None:
    auto = shingle_hashes(ZH, unit="auto", size=3, char_size=4)
    chars = ZH.replace(" ", "")
    assert auto.size == len({chars[i : i + 4] for i in range(len(chars) - 3)})
    np.testing.assert_array_equal(auto, shingle_hashes(ZH, unit="char", char_size=4))
    np.testing.assert_array_equal(shingle_hashes(EN), shingle_hashes(EN, unit="word", size=3))


def test_token_count() -> None:
    assert token_count(EN) == len(EN.split()) == 15  # "4.5" is two tokens in the hashing form
    assert token_count(ZH) == len(ZH.replace(" ", ""))
    assert token_count("") == 0


def test_jaccard_and_containment_exact_values() -> None:
    a = np.array([1, 2, 3, 4], dtype=np.uint64)
    b = np.array([3, 4, 5, 6, 7, 8], dtype=np.uint64)
    assert jaccard(a, b) == pytest.approx(2 / 8)
    assert jaccard(b, a) == pytest.approx(2 / 8)
    assert containment(a, b) == pytest.approx(2 / 4)
    assert containment(b, a) == pytest.approx(2 / 6)
    assert jaccard(a, a) == 1.0 and containment(a, a) == 1.0
    assert jaccard(a, np.array([9], dtype=np.uint64)) == 0.0


def test_excerpt_is_contained_but_not_similar() -> None:
    full = shingle_hashes(
        hashing_form(
            "The council approved the budget on Thursday. Spending on roads rises by 4 percent. "
            "Libraries will open longer on weekends. Parking fees in the centre go up in April. "
            "The opposition said the plan ignores the outer districts entirely."
        )
    )
    excerpt = shingle_hashes(
        hashing_form("The council approved the budget on Thursday. Spending on roads rises")
    )
    assert containment(excerpt, full) == 1.0
    assert jaccard(excerpt, full) == pytest.approx(excerpt.size / full.size)
    assert jaccard(excerpt, full) < 0.5


def test_empty_sets() -> None:
    empty = np.empty(0, dtype=np.uint64)
    some = np.array([1, 2], dtype=np.uint64)
    assert jaccard(empty, empty) == 0.0  # two empty texts are not "identical" for near-dup purposes
    assert jaccard(empty, some) == 0.0
    assert containment(empty, some) == 0.0
    assert containment(some, empty) == 0.0
