#!/usr/bin/env python3
"""Syndication benchmark: real Reuters-21578 wire stories, outlet copies of them, and gold clusters.

    python bench/make_syndication.py --reuters ../shared/data/reuters21578/reuters21578.jsonl.gz \\
        --out DIR --seed 7 [--stories 2000] [--tier easy|medium|hard|all] [--full]

writes ``DIR/dump.jsonl`` (the pipeline's JSON Lines input) and ``DIR/gold.json`` (the truth, by construction;
format in bench/README.md). Deterministic for a seed; standard library, numpy and xxhash only.

What is in a dump:

* **Originals**: real Reuters stories as the wire sent them (``reuters.com``, the story's own dateline, the
  collection's hard-wrapped layout). Tier sets sample stories of at least ``MIN_STORY_WORDS`` words, plus
  templated stories (earnings, dividends) of at least ``MIN_TEMPLATED_WORDS``; ``--full`` takes every story
  with any text (a story without a body is a headline-only flash whose text is its headline).
* **Outlet copies** of about a third of the stories (``--full``: most of them, with more copies each): an
  outlet's page chrome (breadcrumbs, share bars, bylines, copyright lines, related-story lists), a new
  headline, one paragraph a line, the ``Reuter`` sign-off removed, and transformations by tier:
  easy = chrome + headline + dateline rewrite; medium = + house style, trimmed ending, a dropped sentence, a
  promo line, small word edits; hard = + OCR-like noise, heavy edits, excerpts (the first 30-60% of the story)
  alone or inside a round-up carrying other stories' text.
* **Natural duplicates** of the collection itself (identical re-sends and near-verbatim updated versions),
  found by ``find_similar_pairs`` + ``classify_pair`` and merged into one gold cluster.
* **Hard negatives**: distinct stories whose texts are alike (templated earnings and dividend reports with
  other figures or companies, same-topic stories), listed as pairs that must stay apart.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import hashlib
import json
import os
import random
import re
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np
import xxhash

GOLD_FORMAT = "newsdedup-syndication-gold/1"
TIERS = ("easy", "medium", "hard")

# Story eligibility (words of the body, sign-off removed).
MIN_STORY_WORDS = 60  # an ordinary story worth syndicating
MIN_TEMPLATED_WORDS = 25  # a templated report (earnings table, dividend notice) still long enough to shingle

# Natural duplicates and similar pairs (word 3-grams of a hashing form like the pipeline's: casefolded,
# punctuation folded, digits kept). Cuts chosen by inspecting pairs of the whole collection (bench/README.md).
SHINGLE_N = 3
MAX_SHINGLE_DF = 300  # shingles in more bodies than this do not make candidates (they still count in J and C)
MIN_SHARED_SHINGLES = 2
SAME_STORY_SIM = 0.8  # max(Jaccard, containment of the smaller) at which two bodies can be one story
RELATED_SIM = 0.5  # below SAME_STORY_SIM: a rewrite of the same event when the other signs agree
HARD_NEGATIVE_SIM = 0.3  # distinct stories at least this similar are listed as hard negatives
SAME_DAY_HOURS = 12.0  # corrections and updates come within hours; recurring reports a day or more apart
RESEND_MAX_HOURS = 7 * 24.0  # an identical long story re-sent within a week is a re-send
LONG_BODY_SHINGLES = 60  # shorter bodies need the time and headline evidence to be called one story
TITLE_SIM = 0.5
SAME_HEADLINE = 0.7  # headline word Jaccard of "the same report" (with the same ticker)
# A results table re-filed by the same company the same day (reworded, another basis, figures rounded) is one
# report when most of its figures come back: the share of the smaller side's distinct figures found in the
# other within rounding, over at least this many figures.
REISSUE_MIN_FIGURES = 6
REISSUE_AGREE = 0.6


# ---------------------------------------------------------------------------------------------------------------
# Stories
# ---------------------------------------------------------------------------------------------------------------

_PARA_SPLIT = re.compile(r"\n[ \t]+")
_TICKER = re.compile(r"\s*<[^>]*>")
_TEMPLATED = re.compile(
    r"^(?:\S+\s+){0,6}?(?:shr|oper shr|qtly div|qtr|net|mthly div|semi-annual div|annual div|qtly dividend)\b",
    re.IGNORECASE,
)


class Story(NamedTuple):
    """One Reuters-21578 story, as the generator uses it."""

    newid: int
    title: str
    dateline: str  # "SALVADOR, Feb 26 -", or ""
    date: dt.datetime  # UTC, as the collection gives it
    body: str  # as in the collection (hard-wrapped, paragraphs indented), "" for a headline-only flash
    paragraphs: tuple[str, ...]  # unwrapped, sign-off removed
    words: int
    templated: bool


_DATE = re.compile(r"(\d{1,2})-([A-Za-z]{3})-(\d{4})\s+(\d+):(\d{2}):(\d{2})")


_MONTH_NUMBER = {
    m: k
    for k, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1
    )
}


def parse_date(value: str) -> dt.datetime:
    """``26-FEB-1987 15:01:01.79`` -> a UTC datetime (fractions dropped). One story of the collection has the
    hour ``605``; an hour above 23 keeps its last two digits."""
    m = _DATE.match(value.strip())
    if m is None:
        raise ValueError(f"not a Reuters-21578 date: {value!r}")
    day, mon, year, hour, minute, second = m.groups()
    h = int(hour) if int(hour) < 24 else int(hour[-2:]) % 24
    month = _MONTH_NUMBER[mon.lower()]
    return dt.datetime(int(year), month, int(day), h, int(minute), int(second), tzinfo=dt.timezone.utc)


def split_paragraphs(body: str) -> tuple[str, ...]:
    """Paragraphs of a hard-wrapped Reuters body (a paragraph starts on an indented line), lines joined."""
    text = body.replace("\x03", "").strip()
    if text[-6:].lower() == "reuter" and (len(text) == 6 or not text[-7].isalnum()):  # the wire's sign-off
        text = text[:-6].rstrip()
    if not text:
        return ()
    paras = (" ".join(p.split()) for p in _PARA_SPLIT.split(text))
    return tuple(p for p in paras if p)


_DATELINE_LEAK = re.compile(
    r"^(?P<dateline>.*?(?:[A-Z][a-z]{2,8}\.?\s+\d{1,2}|\d{1,2}\s+[A-Z][a-z]{2,8})[,\s]*-)\s+(?P<rest>\S.*)$"
)


def split_dateline(dateline: str, body: str) -> tuple[str, str]:
    """``(dateline, body)`` with the story's first words moved back to the body: in 38 stories the collection's
    DATELINE field runs on into the text (``WASHINGTON, April 9 - The World Bank said it approved a 70-``)."""
    dateline = " ".join(dateline.split())
    m = _DATELINE_LEAK.match(dateline)
    if m is None:
        return dateline, body
    return m.group("dateline"), f"{m.group('rest')}\n{body}" if body.strip() else m.group("rest")


def story_from_row(row: dict[str, Any]) -> Story:
    dateline, body = split_dateline(
        row.get("dateline") or "", (row.get("body") or "").replace("\x03", "").rstrip()
    )
    paragraphs = split_paragraphs(body)
    words = sum(len(p.split()) for p in paragraphs)
    return Story(
        newid=int(row["newid"]),
        title=" ".join((row.get("title") or "").split()),
        dateline=dateline,
        date=parse_date(row["date"]),
        body=body,
        paragraphs=paragraphs,
        words=words,
        templated=bool(paragraphs) and bool(_TEMPLATED.match(paragraphs[0])),
    )


def load_reuters(path: str, limit: int | None = None) -> list[Story]:
    """The stories of the collection (the first ``limit`` lines of the file if given), in ``newid`` order."""
    opener = gzip.open if path.endswith(".gz") else open
    stories = []
    with opener(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            if limit is not None and len(stories) >= limit:
                break
            if line.strip():
                stories.append(story_from_row(json.loads(line)))
    return sorted(stories, key=lambda s: s.newid)


def story_text(story: Story) -> str:
    """The text natural duplicates are judged on: the body, or the headline of a headline-only flash."""
    return " ".join(story.paragraphs) if story.paragraphs else story.title


# ---------------------------------------------------------------------------------------------------------------
# Shingles and similar pairs
# ---------------------------------------------------------------------------------------------------------------

_NON_WORD = re.compile(r"[\W_]+")
_M1 = np.uint64(0x9E3779B97F4A7C15)
_M2 = np.uint64(0xC2B2AE3D27D4EB4F)


_ASCII_FOLD = bytes(c if chr(c).isalnum() and c < 128 else 32 for c in range(256)).lower()


def hashing_tokens(text: str) -> list[str]:
    """Casefolded word tokens with punctuation folded away and digits kept (like the pipeline's hashing form)."""
    if text.isascii():
        return text.encode("ascii").translate(_ASCII_FOLD).decode("ascii").split()
    return _NON_WORD.sub(" ", text.casefold()).split()


def shingle_sets(texts: Sequence[str], n: int = SHINGLE_N) -> list[np.ndarray]:
    """Each text's word n-grams as a sorted array of unique uint64 hashes (empty below n words)."""
    tokens: list[str] = []
    lengths = np.zeros(len(texts), dtype=np.int64)
    for k, text in enumerate(texts):
        words = hashing_tokens(text)
        lengths[k] = len(words)
        tokens.extend(words)
    vocab = {
        tok: xxhash.xxh64_intdigest(tok.encode("utf-8", "surrogatepass")) for tok in dict.fromkeys(tokens)
    }
    flat = np.fromiter(map(vocab.__getitem__, tokens), dtype=np.uint64, count=len(tokens))
    doc = np.repeat(np.arange(len(texts)), lengths)
    if flat.size < n:
        return [np.zeros(0, dtype=np.uint64) for _ in texts]
    with np.errstate(over="ignore"):
        h = flat[: flat.size - n + 1].copy()
        for i in range(1, n):
            h = (h * _M1 + _M2) ^ flat[i : flat.size - n + 1 + i]
    valid = doc[: flat.size - n + 1] == doc[n - 1 :]  # the n-gram lies inside one text
    h, owner = h[valid], doc[: flat.size - n + 1][valid]
    order = np.lexsort((h, owner))
    h, owner = h[order], owner[order]
    keep = np.ones(h.size, dtype=bool)
    keep[1:] = (h[1:] != h[:-1]) | (owner[1:] != owner[:-1])
    h, owner = h[keep], owner[keep]
    bounds = np.searchsorted(owner, np.arange(len(texts) + 1))
    return [h[bounds[k] : bounds[k + 1]] for k in range(len(texts))]


def jaccard_containment(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """Jaccard of two shingle sets, and the share of the smaller set found in the larger."""
    if a.size == 0 or b.size == 0:
        return 0.0, 0.0
    inter = np.intersect1d(a, b, assume_unique=True).size
    return inter / (a.size + b.size - inter), inter / min(a.size, b.size)


def candidate_pairs(
    sets: Sequence[np.ndarray],
    *,
    min_sim: float = HARD_NEGATIVE_SIM,
    max_df: int = MAX_SHINGLE_DF,
    min_shared: int = MIN_SHARED_SHINGLES,
) -> np.ndarray:
    """Pairs (i < j) that may reach ``max(Jaccard, containment) >= min_sim``; a superset of them.

    An inverted index, vectorised: shingles are sorted, each shingle's posting list of size d (2..max_df) gives
    its d(d-1)/2 pairs, and pairs are counted with one ``np.unique``. A pair's intersection is at most its
    count of shared rarer shingles plus the smaller number of common (df > max_df) shingles of the two, so pairs
    whose bound on containment stays below ``min_sim`` are dropped without looking at them. Pairs that share
    only common shingles are not candidates. Returns an (m, 2) int64 array.
    """
    n = len(sets)
    empty = np.zeros((0, 2), dtype=np.int64)
    if n < 2:
        return empty
    sizes = np.array([s.size for s in sets], dtype=np.int64)
    sh = np.concatenate(list(sets))
    owner = np.repeat(np.arange(n, dtype=np.int64), sizes)
    order = np.argsort(sh, kind="stable")
    sh, owner = sh[order], owner[order]
    if sh.size == 0:
        return empty
    starts = np.r_[0, np.flatnonzero(np.diff(sh)) + 1]
    df = np.diff(np.r_[starts, sh.size])
    common = np.bincount(owner[np.repeat(df > max_df, df)], minlength=n)
    codes = []
    for d in range(2, max_df + 1):
        firsts = starts[df == d]
        if firsts.size == 0:
            continue
        members = owner[firsts[:, None] + np.arange(d)[None, :]]
        i, j = np.triu_indices(d, 1)
        a, b = members[:, i].ravel(), members[:, j].ravel()
        codes.append(np.minimum(a, b) * n + np.maximum(a, b))
    if not codes:
        return empty
    unique, shared = np.unique(np.concatenate(codes), return_counts=True)
    a, b = unique // n, unique % n
    bound = (shared + np.minimum(common[a], common[b])) / np.maximum(1, np.minimum(sizes[a], sizes[b]))
    keep = (shared >= min_shared) & (bound >= min_sim)
    return np.stack([a[keep], b[keep]], axis=1)


# ---------------------------------------------------------------------------------------------------------------
# Same story or not
# ---------------------------------------------------------------------------------------------------------------

_TOKEN = re.compile(r"[A-Za-z]+|\d+(?:[.,/-]\d+)*")
_NUMBER_WORDS = frozenset(
    [
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "fifteen",
        "twenty",
        "thirty",
        "forty",
        "fifty",
        "sixty",
        "hundred",
        "thousand",
        "nil",
    ]
)


def _is_number(tok: str) -> bool:
    return tok[0].isdigit() or tok.lower() in _NUMBER_WORDS


def _figures_and_names(paragraphs: Sequence[str]) -> tuple[set[str], set[str]]:
    """The numbers (digits or number words) of a text, and its capitalised words that do not start a paragraph
    or a sentence (names, mostly: a table row's label starts its paragraph)."""
    numbers: set[str] = set()
    names: set[str] = set()
    for para in paragraphs:
        for m in _TOKEN.finditer(para):
            tok = m.group()
            if _is_number(tok):
                numbers.add(tok.lower())
                continue
            before = para[: m.start()].rstrip(" \"'(<")
            if tok[0].isupper() and len(tok) > 1 and before and before[-1] not in ".!?:;":
                names.add(tok.lower())
    return numbers, names


def conflicts(paras_a: Sequence[str], paras_b: Sequence[str]) -> tuple[int, int]:
    """How many figures and names each text has that the other lacks: ``(number_conflicts, name_conflicts)``.

    A conflict needs novelty on both sides: an update that adds a paragraph brings new figures and names, but
    keeps all of the shorter version's; a report of another day or company replaces some ("6-3/16 pct" vs
    "6-3/8 pct", "Record June 24" vs "June 30", "Franklin Massachusetts" vs "Franklin California"). Each count
    is the smaller side's number of novel items. A name that abbreviates one of the other side ("Okla" for
    "Oklahoma") or appears there in lower case is not novel.
    """
    nums_a, names_a = _figures_and_names(paras_a)
    nums_b, names_b = _figures_and_names(paras_b)
    words_a = set(hashing_tokens(" ".join(paras_a)))
    words_b = set(hashing_tokens(" ".join(paras_b)))

    def novel(mine: set[str], theirs: set[str], their_words: set[str]) -> int:
        return sum(
            1
            for name in mine - theirs
            if name not in their_words
            and not any(o.startswith(name[:4]) or name.startswith(o[:4]) for o in theirs)
        )

    numbers = min(len(nums_a - nums_b), len(nums_b - nums_a))
    names = min(novel(names_a, names_b, words_b), novel(names_b, names_a, words_a))
    return numbers, names


_TICKERS = re.compile(r"<([^<>]+)>")
_CORRECTED = re.compile(r"\bCORRECT(?:ED|ION)\b", re.IGNORECASE)
_RESULTS_HEADLINE = re.compile(r"\b(?:QTR|YEAR|NET|LOSS|PROFIT|MTHS?|MONTHS)\b")
_FIGURE = re.compile(
    r"(?<![\w.])(\d[\d,]*(?:\.\d+)?)(?![\w.])(?:\s+(mln|million|billion|bln)\b)?", re.IGNORECASE
)
_SCALE = {"mln": 1e6, "million": 1e6, "billion": 1e9, "bln": 1e9}


def results_table(story: Story) -> bool:
    """A company's results: a templated body ("Shr 12 cts vs 10 cts") or a results headline ("2ND QTR NET")."""
    return story.templated or bool(_RESULTS_HEADLINE.search(story.title))


def figure_values(paragraphs: Sequence[str]) -> set[tuple[float, float]]:
    """The figures of a text as ``(value, precision)``, a scale word applied: "17.1 mln" is 17,100,000 to the
    nearest 100,000, "21.5" is to the nearest 0.1, and "1,982,000" (thousands written out) to the nearest 1,000."""
    values: set[tuple[float, float]] = set()
    for m in _FIGURE.finditer("\n".join(paragraphs)):
        text = m.group(1)
        digits = text.replace(",", "")
        if digits.count(".") > 1:
            continue
        scale = _SCALE.get((m.group(2) or "").lower(), 1.0)
        decimals = len(digits.partition(".")[2])
        step = 10.0**-decimals if decimals else 1000.0 if text.endswith(",000") else 1.0
        values.add((float(digits) * scale, step * scale))
    return values


def figures_agree(a: set[tuple[float, float]], b: set[tuple[float, float]]) -> float | None:
    """Share of the smaller set's figures that come back in the other, equal once the finer of the two is
    rounded to the coarser's precision (17 and 17.3, 22 and 21.5, 17.1 mln and 17,121,000; not 7,018,000 and
    7,044,000); ``None`` under ``REISSUE_MIN_FIGURES`` figures (too few to tell a re-filed table from a
    look-alike)."""
    small, big = (a, b) if len(a) <= len(b) else (b, a)
    if len(small) < REISSUE_MIN_FIGURES:
        return None

    def found(x: float, step: float) -> bool:
        return any(abs(x - y) <= max(step, other) / 2 + 1e-9 * max(abs(x), 1.0) for y, other in big)

    return sum(found(x, step) for x, step in small) / len(small)


def reissued_report(a: Story, b: Story, hours: float) -> bool:
    """The same company's results table sent twice the same day: the same ticker, both results, within
    ``SAME_DAY_HOURS``, and at least ``REISSUE_AGREE`` of the figures agreeing (AMCAST <ACST> 2ND QTR MARCH ONE
    and 2ND QTR NET, 84 minutes apart, one with a NOTE added; ATLAS CONSOLIDATED MINING <ACMB> 4TH QTR, re-sent
    from Manila with the share figures to one more decimal)."""
    if hours > SAME_DAY_HOURS or not same_ticker(a.title, b.title):
        return False
    if not (results_table(a) and results_table(b)):
        return False
    share = figures_agree(
        figure_values(a.paragraphs or (a.title,)), figure_values(b.paragraphs or (b.title,))
    )
    return share is not None and share >= REISSUE_AGREE


def same_ticker(a: str, b: str) -> bool:
    """Both headlines name a stock ticker (``<ARBR>``) and share one: the same company."""
    ta, tb = set(_TICKERS.findall(a)), set(_TICKERS.findall(b))
    return bool(ta & tb)


def title_words(title: str) -> set[str]:
    return set(hashing_tokens(_TICKER.sub(" ", title)))


def title_similarity(a: str, b: str) -> float:
    wa, wb = title_words(a), title_words(b)
    return len(wa & wb) / len(wa | wb) if wa | wb else 0.0


class PairInfo(NamedTuple):
    """Two stories whose texts are alike, and what the generator decided they are."""

    a: int  # newid, a < b
    b: int
    jaccard: float
    containment: float  # share of the smaller shingle set inside the larger
    hours: float  # time between the two stories
    title_sim: float
    number_conflicts: int
    name_conflicts: int
    verdict: str  # same | related | distinct
    reason: str

    @property
    def sim(self) -> float:
        return max(self.jaccard, self.containment)


def classify_pair(
    *,
    jaccard: float,
    containment: float,
    hours: float,
    title_sim: float,
    number_conflicts: int,
    name_conflicts: int,
    smaller_size: int,
    same_company: bool = False,
    correction: bool = False,
) -> tuple[str, str]:
    """``(verdict, reason)``: ``same`` story (a natural duplicate), ``related`` (a rewrite of the same event:
    not a copy, and not a clearly distinct story either) or ``distinct``.

    The rules, each read off pairs of the whole collection (bench/README.md has the counts and examples):

    * ``sim = max(Jaccard, containment) >= SAME_STORY_SIM`` with no figure or name changed is one story within
      ``SAME_DAY_HOURS``, and within a week for a long body (``LONG_BODY_SHINGLES``) or the same company's
      ticker: recurring reports repeat their template word for word on other days (Bundesbank council, Fed
      repurchases, the same dividend notice of two companies). The same company's ticker under the same
      headline with unchanged figures is one report at any distance (an earnings table re-run weeks later);
    * a short body also needs the headline (or ticker) to agree: two companies' dividend notices can be
      identical on the same day;
    * changed figures or names are a correction only from the same company (ticker) or under the same headline
      (``title_sim >= 0.8``), within ``SAME_DAY_HOURS`` or, for a headline that says CORRECTED, within a week;
      otherwise they are another report of the same template;
    * ``RELATED_SIM <= sim < SAME_STORY_SIM``: a correction when the same company's ticker and headline come
      back within ``SAME_DAY_HOURS``, or within a week under a CORRECTED headline (a corrected earnings table
      changes several figures of a short text);
      with nothing changed on the same day, under the same headline or in a long body: a rewrite.

    ``find_similar_pairs`` then calls the same company's results table re-filed the same day one report whatever
    the verdict (``reissued_report``: reworded rows, another basis or rounded figures lower the 3-gram overlap but
    not the figures), and ``refine_contained`` marks a short text inside a longer, distinct one ``related``.
    """
    sim = max(jaccard, containment)
    short = smaller_size < LONG_BODY_SHINGLES
    changed = number_conflicts > 0 or name_conflicts > 0
    kind = "resend" if jaccard >= 0.999 else "update"
    same_report = same_company and title_sim >= SAME_HEADLINE
    if sim >= SAME_STORY_SIM:
        if not changed:
            if same_report:
                return "same", kind  # the same company's report under the same headline, figures unchanged
            if short and title_sim < TITLE_SIM and not same_company:
                return "distinct", "short text, other headline"
            if hours <= SAME_DAY_HOURS:
                return "same", kind
            if hours <= RESEND_MAX_HOURS and (not short or same_company):
                return "same", kind
            return "distinct", "recurring text on another day"
        if (same_company or title_sim >= 0.8) and (
            hours <= SAME_DAY_HOURS or (correction and hours <= RESEND_MAX_HOURS)
        ):
            return "same", "correction"
        return "distinct", "other figures" if number_conflicts else "other names"
    if sim >= RELATED_SIM and (
        (same_report and hours <= SAME_DAY_HOURS)
        or (correction and same_company and title_sim >= TITLE_SIM and hours <= RESEND_MAX_HOURS)
    ):
        return "same", "correction"
    if (
        sim >= RELATED_SIM
        and not changed
        and hours <= SAME_DAY_HOURS
        and (title_sim >= TITLE_SIM or not short)
    ):
        return "related", "rewrite"
    return "distinct", "other figures" if number_conflicts else "similar text"


def refine_contained(
    verdict: str, reason: str, *, jaccard: float, containment: float, changed: bool
) -> tuple[str, str]:
    """A distinct short text found whole inside a longer one (a headline flash inside its story, a story inside a
    "money news highlights" digest) is ``related``: not a copy, but not a clearly distinct story either; a gold
    made of clusters cannot hold it (one digest carries several stories)."""
    if verdict == "distinct" and containment >= SAME_STORY_SIM and jaccard < RELATED_SIM and not changed:
        return "related", "contained"
    return verdict, reason


def find_similar_pairs(
    stories: Sequence[Story], *, min_sim: float = HARD_NEGATIVE_SIM, progress: bool = False
) -> list[PairInfo]:
    """Every pair of stories with ``max(Jaccard, containment) >= min_sim`` on word 3-grams, classified."""
    t0 = time.perf_counter()
    texts = [story_text(s) for s in stories]
    sets = shingle_sets(texts)
    cands = candidate_pairs(sets, min_sim=min_sim)
    out: list[PairInfo] = []
    for i, j in cands.tolist():
        jac, con = jaccard_containment(sets[i], sets[j])
        if max(jac, con) < min_sim:
            continue
        a, b = stories[i], stories[j]
        hours = abs((a.date - b.date).total_seconds()) / 3600.0
        tsim = title_similarity(a.title, b.title)
        nums = names = 0
        sim = max(jac, con)
        if jac < 0.999 and sim >= RELATED_SIM:
            nums, names = conflicts(a.paragraphs or (a.title,), b.paragraphs or (b.title,))
        verdict, reason = classify_pair(
            jaccard=jac,
            containment=con,
            hours=hours,
            title_sim=tsim,
            number_conflicts=nums,
            name_conflicts=names,
            smaller_size=min(sets[i].size, sets[j].size),
            same_company=same_ticker(a.title, b.title),
            correction=bool(_CORRECTED.search(a.title) or _CORRECTED.search(b.title)),
        )
        if verdict != "same" and reissued_report(a, b, hours):
            verdict, reason = "same", "reissue"
        verdict, reason = refine_contained(
            verdict, reason, jaccard=jac, containment=con, changed=nums + names > 0
        )
        lo, hi = sorted((a.newid, b.newid))
        out.append(
            PairInfo(
                lo,
                hi,
                round(jac, 4),
                round(con, 4),
                round(hours, 2),
                round(tsim, 3),
                nums,
                names,
                verdict,
                reason,
            )
        )
    out.sort(key=lambda p: (p.a, p.b))
    if progress:
        print(
            f"similar pairs: {len(out)} at sim >= {min_sim} from {len(cands)} candidates "
            f"({time.perf_counter() - t0:.1f}s)",
            file=sys.stderr,
        )
    return out


def natural_groups(stories: Sequence[Story], pairs: Iterable[PairInfo]) -> dict[int, int]:
    """newid -> the newid of its natural-duplicate group's earliest story (union of ``same`` pairs)."""
    parent = {s.newid: s.newid for s in stories}

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for p in pairs:
        if p.verdict == "same":
            ra, rb = find(p.a), find(p.b)
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
    by_id = {s.newid: s for s in stories}
    members: dict[int, list[int]] = defaultdict(list)
    for s in stories:
        members[find(s.newid)].append(s.newid)
    head: dict[int, int] = {}
    for group in members.values():
        first = min(group, key=lambda k: (by_id[k].date, k))
        for k in group:
            head[k] = first
    return head


# ---------------------------------------------------------------------------------------------------------------
# Outlets and their chrome
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outlet:
    name: str
    domain: str
    style: tuple[tuple[str, str], ...]  # (regex, replacement) house-style substitutions
    header: str  # chrome template key
    footer: str
    dateline: str  # outlet | wire | none
    sections: tuple[str, ...] = ("Business", "World", "Markets")
    # spelled-out table labels ("Shr" -> "Share"), applied by heavy edits only
    table_style: tuple[tuple[str, str], ...] = ()


_STYLE_PER_CENT = (r"\bpct\b", "per cent")
_STYLE_PERCENT = (r"\bpct\b", "percent")
_STYLE_PERCENT_SIGN = (r"(\d) pct\b", r"\1%")
_STYLE_DOLLARS = (r"\bdlrs\b", "dollars")
_STYLE_DOLLAR = (r"\bdlr\b", "dollar")
_STYLE_MILLION = (r"\bmln\b", "million")
_STYLE_BILLION = (r"\bbln\b", "billion")
_STYLE_CORP = (r"\bCorp\b", "Corporation")
_STYLE_INC = (r"\bInc\b", "Incorporated")
_STYLE_CO = (r"\bCo\b", "Company")
_STYLE_US = (r"\bU\.S\.", "US")
_STYLE_UK = (r"\bU\.K\.", "Britain")
_STYLE_STG = (r"\bstg\b", "sterling")
_STYLE_CTS = (r"\bcts\b", "cents")
_STYLE_SHR = (r"\bShr\b", "Share")
_STYLE_QTR = (r"\bqtr\b", "quarter")
_STYLE_VS = (r"\bvs\b", "versus")
_STYLE_REVS = (r"\bRevs\b", "Revenues")

OUTLETS: tuple[Outlet, ...] = (
    Outlet(
        "The Daily Outlet",
        "dailyoutlet.example.com",
        (_STYLE_PER_CENT, _STYLE_MILLION, _STYLE_DOLLARS, _STYLE_DOLLAR, _STYLE_CORP),
        "breadcrumb",
        "copyright",
        "outlet",
    ),
    Outlet(
        "Metro Ledger",
        "metroledger.example.com",
        (_STYLE_PERCENT, _STYLE_MILLION, _STYLE_BILLION, _STYLE_DOLLARS, _STYLE_US),
        "navbar",
        "related",
        "outlet",
    ),
    Outlet(
        "Business Courier",
        "businesscourier.example.net",
        (_STYLE_PERCENT_SIGN, _STYLE_MILLION, _STYLE_CORP, _STYLE_INC),
        "byline",
        "comments",
        "wire",
        ("Companies", "Markets", "Economy"),
        (_STYLE_CTS,),
    ),
    Outlet(
        "The Standard-Times",
        "standardtimes.example.org",
        (_STYLE_PER_CENT, _STYLE_DOLLARS, _STYLE_US, _STYLE_UK),
        "breadcrumb",
        "popular",
        "outlet",
    ),
    Outlet(
        "Gulf Coast Herald",
        "gulfcoastherald.example.com",
        (_STYLE_PERCENT, _STYLE_DOLLARS, _STYLE_DOLLAR, _STYLE_MILLION, _STYLE_CO),
        "sharebar",
        "copyright",
        "outlet",
    ),
    Outlet(
        "Pacific Financial Review",
        "pacificfinreview.example.com",
        (_STYLE_PERCENT_SIGN, _STYLE_MILLION, _STYLE_BILLION),
        "navbar",
        "newsletter",
        "wire",
        ("Earnings", "Markets", "Asia"),
        (_STYLE_SHR, _STYLE_QTR, _STYLE_VS, _STYLE_REVS),
    ),
    Outlet(
        "Market Wire Digest",
        "marketwiredigest.example.net",
        (),
        "byline",
        "copyright",
        "wire",
        ("Wire", "Markets"),
    ),
    Outlet(
        "The Continental Post",
        "continentalpost.example.eu",
        (_STYLE_PER_CENT, _STYLE_US, _STYLE_STG, _STYLE_MILLION),
        "breadcrumb",
        "related",
        "outlet",
        ("Europe", "Business", "World"),
    ),
    Outlet(
        "Northern Tribune",
        "northerntribune.example.co.uk",
        (_STYLE_PER_CENT, _STYLE_UK, _STYLE_STG, _STYLE_DOLLARS),
        "sharebar",
        "popular",
        "none",
    ),
    Outlet(
        "Capital Gazette Online",
        "capitalgazette.example.com",
        (_STYLE_PERCENT, _STYLE_US, _STYLE_CORP, _STYLE_CO),
        "navbar",
        "comments",
        "outlet",
        ("Politics", "Business", "Nation"),
    ),
    Outlet(
        "Asia Trade Journal",
        "asiatradejournal.example.com",
        (_STYLE_PERCENT, _STYLE_DOLLARS, _STYLE_MILLION, _STYLE_BILLION),
        "byline",
        "newsletter",
        "outlet",
        ("Trade", "Asia", "Commodities"),
    ),
    Outlet(
        "Farm & Commodity News",
        "farmcommodity.example.com",
        (_STYLE_PERCENT, _STYLE_DOLLARS),
        "breadcrumb",
        "copyright",
        "wire",
        ("Grains", "Livestock", "Commodities"),
        (_STYLE_CTS,),
    ),
    Outlet(
        "Evening Chronicle",
        "eveningchronicle.example.com",
        (_STYLE_PER_CENT, _STYLE_MILLION, _STYLE_INC),
        "sharebar",
        "related",
        "outlet",
    ),
    Outlet(
        "Harbour City Times",
        "harbourcitytimes.example.com.au",
        (_STYLE_PER_CENT, _STYLE_DOLLARS, _STYLE_US),
        "navbar",
        "popular",
        "outlet",
        ("Business", "World", "Money"),
    ),
    Outlet(
        "The Investor's Bulletin",
        "investorsbulletin.example.com",
        (_STYLE_PERCENT_SIGN, _STYLE_MILLION),
        "byline",
        "comments",
        "none",
        ("Earnings", "Deals", "Markets"),
        (_STYLE_SHR, _STYLE_CTS, _STYLE_VS),
    ),
    Outlet(
        "Lakeside Register",
        "lakesideregister.example.com",
        (_STYLE_PERCENT, _STYLE_MILLION, _STYLE_DOLLARS, _STYLE_CO, _STYLE_CORP),
        "breadcrumb",
        "newsletter",
        "outlet",
    ),
)

_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_SMALL_WORDS = frozenset(
    ["a", "an", "and", "as", "at", "by", "for", "from", "in", "of", "on", "or", "the", "to", "vs", "with"]
)
_HEADLINE_ABBR = {
    "MLN": "million",
    "DLRS": "dollars",
    "DLR": "dollar",
    "PCT": "percent",
    "BILLION": "billion",
    "STG": "sterling",
    "QTR": "quarter",
    "1ST": "first",
    "2ND": "second",
    "3RD": "third",
    "4TH": "fourth",
    "U.S.": "US",
    "CORP": "Corp",
    "INC": "Inc",
    "CO": "Co",
    "SAYS": "says",
}
_HEADLINE_LEADS = ("", "", "", "UPDATE: ", "Markets: ", "Business: ")
_ACRONYMS = frozenset(
    "USSR EC EEC OPEC GATT IMF UK USA USDA CIA FBI SEC FDIC FHLBB LDP ADB NYSE AMEX OTC IBM GM GE AT&T CBT "  # noqa: SIM905
    "LME ICO ICCO NZ BP ITT RJR KLM TWA UAW ANZ ASEAN NATO OECD IEA UN FRG GDP GNP CD CDS".split()
)


def long_date(when: dt.datetime) -> str:
    return f"{_MONTHS[when.month - 1]} {when.day}, {when.year}"


def rewrite_headline(title: str, rng: random.Random) -> str:
    """An outlet's headline for a Reuters title: tickers gone, wire abbreviations spelled out, title case."""
    words = []
    for k, word in enumerate(_TICKER.sub("", title).split()):
        plain = _HEADLINE_ABBR.get(word.upper())
        if plain is not None:
            words.append(plain)
        elif k and word.lower() in _SMALL_WORDS:
            words.append(word.lower())
        elif word.upper() in _ACRONYMS or "." in word or not word.isupper():
            words.append(word)
        else:
            words.append("-".join(part.capitalize() for part in word.split("-")))
    headline = " ".join(words) or "News in brief"
    return rng.choice(_HEADLINE_LEADS) + headline


def slug(text: str, limit: int = 8) -> str:
    return "-".join(hashing_tokens(_TICKER.sub(" ", text))[:limit]) or "story"


def header_lines(
    outlet: Outlet, section: str, headline: str, when: dt.datetime, rng: random.Random
) -> list[str]:
    date_line = (
        f"{long_date(when)} {when.hour % 12 or 12}:{when.minute:02d} {'PM' if when.hour >= 12 else 'AM'}"
    )
    staff = rng.choice(("Staff and wire reports", "From wire reports", f"{outlet.name} staff", "Reuters"))
    if outlet.header == "breadcrumb":
        return [
            f"Home > {section} > {rng.choice(('Latest', 'News', 'Top stories'))}",
            headline,
            f"Published: {date_line}",
            "Share | Print | Email",
        ]
    if outlet.header == "navbar":
        return [
            " | ".join(("Home", *outlet.sections, "Opinion", "Subscribe")),
            headline,
            f"By {staff} | {date_line}",
        ]
    if outlet.header == "sharebar":
        return [
            f"{outlet.name} > {section}",
            "Font size: A A A",
            headline,
            f"Updated {date_line}",
            "Share on Facebook | Share on Twitter | Email this story",
        ]
    return [headline, f"By {staff} | {outlet.domain} | {date_line}", "Print | Comments (0)"]


def footer_lines(outlet: Outlet, related: Sequence[str], when: dt.datetime, rng: random.Random) -> list[str]:
    copyright_line = rng.choice(
        (
            f"© {when.year} {outlet.name}. All rights reserved.",
            f"Copyright {when.year} {outlet.name}. All rights reserved.",
            f"Copyright © {when.year} {outlet.domain}. This material may not be published, broadcast, rewritten or "
            "redistributed.",
        )
    )
    if outlet.footer == "related":
        return ["Related stories:", *related, copyright_line]
    if outlet.footer == "comments":
        return ["Comments (0)", "Be the first to comment", "Most popular", *related, copyright_line]
    if outlet.footer == "popular":
        return ["Most read", *(f"{k}. {h}" for k, h in enumerate(related, 1)), copyright_line]
    if outlet.footer == "newsletter":
        return [
            f"Sign up for the {outlet.name} newsletter",
            "Tags: " + ", ".join(outlet.sections),
            copyright_line,
        ]
    return ["Back to top", copyright_line]


def promo_line(outlet: Outlet, related: Sequence[str], rng: random.Random) -> str:
    choices = [
        f"Subscribe to {outlet.name} for the latest business news delivered to your inbox every morning.",
        "Advertisement",
        "Story continues below",
        f"READ MORE: {related[0]}" if related else "READ MORE: More business news",
        f"For more coverage of markets and companies, visit {outlet.domain}.",
    ]
    return rng.choice(choices)


# ---------------------------------------------------------------------------------------------------------------
# Text transformations (pure, on lists of paragraphs)
# ---------------------------------------------------------------------------------------------------------------

_SENT_SPLIT = re.compile(r"(?<=[.!?])[\"']?\s+(?=[A-Z\"(<])")
_ABBR_END = re.compile(
    r"(?:\b[A-Z]\.|\b(?:Corp|Inc|Co|Ltd|Mr|Mrs|Dr|St|Jan|Feb|Mar|Apr|Aug|Sept|Oct|Nov|Dec|No|Gov|Sen|Rep|Bros)\.)$"
)
_DATELINE_DATE = re.compile(
    r"[,\s-]+(?:(?P<mon>[A-Z][a-z]{2,8})\.?\s+(?P<day>\d{1,2})|(?P<day2>\d{1,2})\s+(?P<mon2>[A-Z][a-z]{2,8}))[,\s]*-?\s*$"
)
_SYNONYMS = {
    "said": ("stated", "added", "says"),
    "rose": ("climbed", "increased"),
    "fell": ("dropped", "declined"),
    "company": ("firm",),
    "expected": ("anticipated",),
    "also": ("additionally",),
    "about": ("around",),
    "agreed": ("consented",),
    "plans": ("intends",),
    "reported": ("announced",),
    "increase": ("rise",),
    "buy": ("purchase",),
    "sell": ("dispose of",),
    "government": ("administration",),
    "told": ("informed",),
    "officials": ("authorities",),
    "announced": ("disclosed",),
    "shares": ("stock",),
    "would": ("will",),
    "major": ("big",),
    "profit": ("earnings",),
    "week": ("seven days",),
}
_OCR_SUBS = (
    ("rn", "m"),
    ("m", "rn"),
    ("l", "1"),
    ("O", "0"),
    ("e", "c"),
    ("i", "l"),
    ("S", "5"),
    ("cl", "d"),
)


def sentences(paragraph: str) -> list[str]:
    """A paragraph's sentences (no split after initials and common abbreviations)."""
    parts = _SENT_SPLIT.split(paragraph)
    out: list[str] = []
    for part in parts:
        if out and _ABBR_END.search(out[-1]):
            out[-1] = f"{out[-1]} {part}"
        else:
            out.append(part)
    return [p for p in out if p]


def rewrite_dateline(story: Story, outlet: Outlet) -> str:
    """The outlet's dateline: ``NEW YORK (The Daily Outlet) -``, ``NEW YORK, March 3 (Reuters) -`` or none."""
    if not story.dateline or outlet.dateline == "none":
        return ""
    m = _DATELINE_DATE.search(story.dateline)
    city = (story.dateline[: m.start()] if m else story.dateline).strip(" ,-")
    if not city:
        return ""
    if outlet.dateline == "wire":
        month, day = _MONTHS[story.date.month - 1], story.date.day
        if m:
            mon = m.group("mon") or m.group("mon2")
            month = next((name for name in _MONTHS if name.startswith(mon[:3])), month)
            day = int(m.group("day") or m.group("day2"))
        return f"{city}, {month} {day} (Reuters) - "
    return f"{city} ({outlet.name}) - "


def apply_style(paragraphs: Sequence[str], outlet: Outlet, *, tables: bool = False) -> list[str]:
    """The outlet's house style (and with ``tables``, its spelled-out table labels)."""
    rules = outlet.style + (outlet.table_style if tables else ())
    out = []
    for p in paragraphs:
        for pattern, repl in rules:
            p = re.sub(pattern, repl, p)
        out.append(p)
    return out


def trim_end(paragraphs: Sequence[str], rng: random.Random) -> tuple[list[str], int]:
    """Drop the last 1-3 paragraphs, keeping at least two (and at least half)."""
    most = min(3, len(paragraphs) - 2, len(paragraphs) // 2)
    if most < 1:
        return list(paragraphs), 0
    k = rng.randint(1, most)
    return list(paragraphs[:-k]), k


def drop_sentence(paragraphs: Sequence[str], rng: random.Random) -> tuple[list[str], bool]:
    """Remove one sentence that is neither the story's first nor its last."""
    spots = [(i, j) for i, p in enumerate(paragraphs) for j in range(len(sentences(p)))]
    middle = spots[1:-1]
    if not middle:
        return list(paragraphs), False
    i, j = rng.choice(middle)
    sents = sentences(paragraphs[i])
    del sents[j]
    out = list(paragraphs)
    if sents:
        out[i] = " ".join(sents)
    else:
        del out[i]
    return out, True


def insert_line(paragraphs: Sequence[str], line: str, rng: random.Random) -> list[str]:
    out = list(paragraphs)
    out.insert(rng.randint(1, max(1, len(out) - 1)) if len(out) > 1 else len(out), line)
    return out


def word_edits(paragraphs: Sequence[str], count: int, rng: random.Random) -> tuple[list[str], int]:
    """Up to ``count`` small edits: a word replaced by a synonym, or a word deleted."""
    words = [p.split(" ") for p in paragraphs]
    spots = [(i, j) for i, ws in enumerate(words) for j in range(1, len(ws))]
    rng.shuffle(spots)
    done = 0
    deleted: set[tuple[int, int]] = set()
    for i, j in spots:
        if done >= count:
            break
        w = words[i][j]
        core = w.strip(".,;:\"'()")
        if core.lower() in _SYNONYMS:
            words[i][j] = w.replace(core, rng.choice(_SYNONYMS[core.lower()]))
            done += 1
        elif rng.random() < 0.15 and core.isalpha() and core.islower() and len(core) > 3:
            deleted.add((i, j))
            done += 1
    out = []
    for i, ws in enumerate(words):
        kept = [w for j, w in enumerate(ws) if (i, j) not in deleted]
        out.append(" ".join(kept))
    return out, done


def ocr_noise(paragraphs: Sequence[str], rate: float, rng: random.Random) -> list[str]:
    """Damage about ``rate`` of the words as a bad scan does: adjacent letters swapped, a letter dropped or
    doubled, look-alike glyphs substituted."""
    out = []
    for p in paragraphs:
        words = p.split(" ")
        for j, w in enumerate(words):
            if len(w) < 3 or rng.random() >= rate:
                continue
            op = rng.randrange(4)
            k = rng.randrange(len(w) - 1)
            if op == 0:
                w = w[:k] + w[k + 1] + w[k] + w[k + 2 :]
            elif op == 1:
                w = w[:k] + w[k + 1 :]
            elif op == 2:
                w = w[: k + 1] + w[k] + w[k + 1 :]
            else:
                for old, new in rng.sample(_OCR_SUBS, len(_OCR_SUBS)):
                    if old in w:
                        w = w.replace(old, new, 1)
                        break
                else:
                    w = w[:k] + w[k + 1] + w[k] + w[k + 2 :]
            words[j] = w
        out.append(" ".join(words))
    return out


def excerpt(paragraphs: Sequence[str], share: float) -> list[str]:
    """The first ``share`` of the story's words, cut at the sentence end nearest to that point."""
    total = sum(len(p.split()) for p in paragraphs)
    target = max(1, round(total * share))
    out: list[str] = []
    seen = 0
    for p in paragraphs:
        kept: list[str] = []
        for sent in sentences(p):
            n = len(sent.split())
            if seen + n > target and (seen + n - target) > (target - seen) and (out or kept):
                break
            kept.append(sent)
            seen += n
            if seen >= target:
                break
        if kept:
            out.append(" ".join(kept))
        if seen >= target or len(kept) < len(sentences(p)):
            break
    return out


# ---------------------------------------------------------------------------------------------------------------
# Copy recipes by tier
# ---------------------------------------------------------------------------------------------------------------

COPY_TYPES = {
    "easy": ("chrome",),
    "medium": ("style", "trim", "drop_sentence", "promo", "word_edits"),
    "hard": ("ocr_noise", "heavy_edit", "excerpt", "roundup"),
}
ALL_COPY_TYPES = ("original", "natural_dup", *(t for tier in TIERS for t in COPY_TYPES[tier]))


@dataclass
class Doc:
    """One generated record and its gold entry."""

    url: str
    text: str
    published: str
    source: str
    title: str
    cluster: str
    story: int
    copy_type: str
    tier: str | None
    outlet: str
    transforms: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    article: str = ""  # the story text without page chrome and headline (for the gold's similarity figures)

    def record(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "text": self.text,
            "published": self.published,
            "source": self.source,
            "title": self.title,
            "lang": "en",
            "outlet": self.outlet,
        }

    def gold(self) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "cluster": self.cluster,
            "story": self.story,
            "copy_type": self.copy_type,
            "tier": self.tier,
            "outlet": self.outlet,
        }
        if self.transforms:
            entry["transforms"] = self.transforms
        entry.update(self.extra)
        return entry


def iso(when: dt.datetime) -> str:
    return when.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def cluster_key(head: int) -> str:
    return f"s{head}"


def original_doc(story: Story, head: int) -> Doc:
    """The wire original: Reuters' own layout, dateline and all."""
    if story.body.strip():
        text = f"{story.dateline} {story.body.strip()}" if story.dateline else story.body.strip()
        extra: dict[str, Any] = {}
    else:
        text = story.title
        extra = {"headline_only": True}
    return Doc(
        url=f"https://www.reuters.com/article/{slug(story.title)}-id{story.newid}",
        text=text,
        published=iso(story.date),
        source="reuters.com",
        title=story.title,
        cluster=cluster_key(head),
        story=story.newid,
        copy_type="original" if head == story.newid else "natural_dup",
        tier=None if head == story.newid else "natural",
        outlet="Reuters",
        extra=extra,
        article=text,
    )


class Fillers:
    """Other stories' text for round-ups: whole short stories that are not in the dump where there are any
    (tier sets), else one middle paragraph of a long story (``--full``, where every story is in the dump)."""

    def __init__(self, spare: Sequence[Story], long_in_dump: Sequence[Story]):
        self._spare = list(spare)
        self._long = list(long_in_dump)

    def take(self, exclude: int, rng: random.Random) -> tuple[int, str, list[str]]:
        if self._spare:
            s = rng.choice(self._spare)
            if s.newid != exclude:
                return s.newid, s.title, list(s.paragraphs)
        s = rng.choice(self._long)
        if s.newid == exclude and len(self._long) > 1:
            s = self._long[(self._long.index(s) + 1) % len(self._long)]
        middle = s.paragraphs[1:-1] or s.paragraphs
        return s.newid, s.title, [rng.choice(middle)]


def make_copy(
    story: Story,
    *,
    head: int,
    copy_type: str,
    tier: str,
    outlet: Outlet,
    number: int,
    rng: random.Random,
    related: Sequence[str],
    fillers: Fillers,
) -> Doc:
    """One outlet copy of ``story`` made by the recipe ``copy_type``."""
    paras = list(story.paragraphs)
    transforms = ["chrome", "headline", "dateline"]
    extra: dict[str, Any] = {}
    medium_extras = ("style", "trim", "drop_sentence", "promo", "word_edits")
    steps: list[str] = []
    if copy_type in ("style", "trim", "drop_sentence", "promo", "word_edits"):
        steps = [copy_type] + [t for t in medium_extras if t != copy_type and rng.random() < 0.25]
    elif copy_type == "ocr_noise":
        steps = ["ocr_noise"] + (["style"] if rng.random() < 0.5 else [])
    elif copy_type == "heavy_edit":
        steps = ["table_style", "trim", "drop_sentence", "drop_sentence", "promo", "heavy_word_edits"]
    elif copy_type in ("excerpt", "roundup"):
        steps = [copy_type] + (["style"] if rng.random() < 0.4 else [])
    for step in steps:
        if step in ("style", "table_style"):
            styled = apply_style(paras, outlet, tables=step == "table_style")
            if styled != paras:
                transforms.append("style")
            paras = styled
        elif step == "trim":
            paras, k = trim_end(paras, rng)
            if k:
                transforms.append(f"trim:{k}")
        elif step == "drop_sentence":
            paras, ok = drop_sentence(paras, rng)
            if ok:
                transforms.append("drop_sentence")
        elif step == "promo":
            paras = insert_line(paras, promo_line(outlet, related, rng), rng)
            transforms.append("promo")
        elif step in ("word_edits", "heavy_word_edits"):
            want = rng.randint(1, 3) if step == "word_edits" else max(4, len(story.paragraphs) * 2)
            paras, n = word_edits(paras, want, rng)
            if n:
                transforms.append(f"word_edits:{n}")
        elif step == "ocr_noise":
            rate = round(rng.uniform(0.02, 0.06), 3)
            paras = ocr_noise(paras, rate, rng)
            transforms.append(f"ocr_noise:{rate}")
            extra["noise_rate"] = rate
        elif step in ("excerpt", "roundup"):
            share = round(rng.uniform(0.3, 0.6), 2)
            paras = excerpt(paras, share)
            extra["excerpt_share"] = share
            transforms.append(f"excerpt:{share}")
    dateline = rewrite_dateline(story, outlet)
    if paras:
        paras[0] = dateline + paras[0]
    when = story.date + dt.timedelta(minutes=rng.randint(20, 36 * 60))
    section = rng.choice(outlet.sections)
    headline = rewrite_headline(story.title, rng)
    if copy_type == "roundup":
        items = [(headline, paras)]
        used = []
        for _ in range(rng.randint(2, 4)):
            newid, title, fill = fillers.take(story.newid, rng)
            used.append(newid)
            items.append((rewrite_headline(title, rng), fill))
        rng.shuffle(items)
        headline = f"{section} briefs: " + "; ".join(h for h, _ in items[:2])
        paras = [line for h, ps in items for line in (h, *ps)]
        extra["filler_stories"] = sorted(used)
        transforms.append("roundup")
        when = story.date + dt.timedelta(hours=rng.randint(12, 40))
    text_lines = [
        *header_lines(outlet, section, headline, when, rng),
        *paras,
        *footer_lines(outlet, related, when, rng),
    ]
    tag = hashlib.sha1(f"{outlet.domain}/{story.newid}/{number}".encode()).hexdigest()[:8]
    url = f"https://www.{outlet.domain}/{section.lower()}/{when:%Y/%m/%d}/{slug(headline)}-{tag}"
    return Doc(
        url=url,
        text="\n".join(text_lines),
        published=iso(when),
        source=outlet.domain,
        title=headline,
        cluster=cluster_key(head),
        story=story.newid,
        copy_type=copy_type,
        tier=tier,
        outlet=outlet.name,
        transforms=transforms,
        extra=extra,
        article="\n".join(paras),
    )


def feasible(copy_type: str, story: Story, outlet: Outlet) -> bool:
    """Whether a recipe changes this story at this outlet (a style copy needs words the house style rewrites)."""
    n_sentences = sum(len(sentences(p)) for p in story.paragraphs)
    if copy_type == "style":
        return apply_style(story.paragraphs, outlet) != list(story.paragraphs)
    if copy_type == "word_edits":
        return any(w.strip(".,;:\"'()").lower() in _SYNONYMS for p in story.paragraphs for w in p.split())
    if copy_type == "trim":
        return len(story.paragraphs) >= 4
    if copy_type == "drop_sentence":
        return n_sentences >= 3
    if copy_type in ("excerpt", "roundup"):
        return story.words >= 2 * MIN_TEMPLATED_WORDS and n_sentences >= 3
    return True


# ---------------------------------------------------------------------------------------------------------------
# Assembly
# ---------------------------------------------------------------------------------------------------------------


@dataclass
class Settings:
    seed: int = 7
    stories: int = 2000
    tier: str = "all"  # easy | medium | hard | all
    full: bool = False
    syndicated_share: float | None = None  # default: 1/3 (tier sets), 0.6 (--full)
    min_copies: int | None = None
    max_copies: int | None = None
    templated_share: float = 0.12  # of sampled stories, drawn as similar templated pairs (hard negatives)
    natural_share: float = 0.04  # of sampled stories, drawn as whole natural-duplicate groups


def eligible(story: Story) -> bool:
    return story.words >= MIN_STORY_WORDS or (story.templated and story.words >= MIN_TEMPLATED_WORDS)


def choose_stories(
    stories: Sequence[Story],
    pairs: Sequence[PairInfo],
    head: dict[int, int],
    settings: Settings,
    rng: random.Random,
) -> list[Story]:
    """The stories of a tier set: whole natural-duplicate groups, pairs of alike templated stories (the hard
    negatives), and a random sample of the other eligible stories; with ``--full`` every story that has any
    text (21,578 less the 737 with neither body nor headline)."""
    if settings.full:
        return [s for s in stories if s.paragraphs or s.title]  # 737 stories have neither body nor headline
    by_id = {s.newid: s for s in stories}
    groups: dict[int, list[int]] = defaultdict(list)
    for s in stories:
        groups[head[s.newid]].append(s.newid)
    chosen: set[int] = set()

    def add(newid: int) -> None:
        for k in groups[head[newid]]:
            if eligible(by_id[k]):
                chosen.add(k)

    multi = sorted(
        g for g, members in groups.items() if len(members) > 1 and all(eligible(by_id[k]) for k in members)
    )
    for g in rng.sample(multi, min(len(multi), round(settings.stories * settings.natural_share / 2))):
        add(g)
    alike = [
        p
        for p in pairs
        if p.verdict == "distinct"
        and by_id[p.a].templated
        and by_id[p.b].templated
        and eligible(by_id[p.a])
        and eligible(by_id[p.b])
    ]
    for p in rng.sample(alike, min(len(alike), round(settings.stories * settings.templated_share / 2))):
        add(p.a)
        add(p.b)
    rest = sorted(s.newid for s in stories if eligible(s) and s.newid not in chosen)
    rng.shuffle(rest)
    for k in rest:
        if len(chosen) >= settings.stories:
            break
        add(k)
    return [by_id[k] for k in sorted(chosen)]


def tier_plan(settings: Settings) -> list[str]:
    return list(TIERS) if settings.tier == "all" else [settings.tier]


def build(
    stories: Sequence[Story], pairs: Sequence[PairInfo], settings: Settings
) -> tuple[list[Doc], dict[str, Any]]:
    """The documents of a benchmark (in dump order) and its gold file, deterministic for ``settings.seed``."""
    if settings.tier not in (*TIERS, "all"):
        raise ValueError(f"tier must be one of {', '.join(TIERS)}, all; got {settings.tier!r}")
    rng = random.Random(settings.seed)
    collection_head = natural_groups(stories, pairs)
    chosen = choose_stories(stories, pairs, collection_head, settings, rng)
    chosen_ids = {s.newid for s in chosen}
    # a group's earliest story in the set is its original (one of a group may be too short to be sampled)
    first: dict[int, Story] = {}
    for s in sorted(chosen, key=lambda s: (s.date, s.newid)):
        first.setdefault(collection_head[s.newid], s)
    head = {s.newid: first[collection_head[s.newid]].newid for s in chosen}
    share = (
        settings.syndicated_share
        if settings.syndicated_share is not None
        else (0.6 if settings.full else 1 / 3)
    )
    lo = settings.min_copies or (4 if settings.full else 1)
    hi = settings.max_copies or (14 if settings.full else 4)
    if lo > hi:
        raise ValueError("min_copies exceeds max_copies")

    docs = [original_doc(s, head[s.newid]) for s in chosen]
    spare = [s for s in stories if s.newid not in chosen_ids and 40 <= s.words <= 150 and not s.templated]
    long_ones = [s for s in chosen if len(s.paragraphs) >= 5]
    fillers = Fillers(spare, long_ones or list(chosen))
    headlines = [rewrite_headline(s.title, rng) for s in rng.sample(list(chosen), min(len(chosen), 400))]
    syndicated = [s for s in chosen if eligible(s) and rng.random() < share]
    tiers = tier_plan(settings)
    for story in syndicated:
        n = rng.randint(lo, hi)
        outlets = rng.sample(OUTLETS, min(n, len(OUTLETS))) + [
            rng.choice(OUTLETS) for _ in range(n - len(OUTLETS))
        ]
        for k, outlet in enumerate(outlets):
            tier = rng.choice(tiers)
            options = [t for t in COPY_TYPES[tier] if feasible(t, story, outlet)]
            if not options:
                tier, options = "easy", ["chrome"]
            copy_type = rng.choice(options)
            related = rng.sample(headlines, min(3, len(headlines)))
            docs.append(
                make_copy(
                    story,
                    head=head[story.newid],
                    copy_type=copy_type,
                    tier=tier,
                    outlet=outlet,
                    number=k,
                    rng=rng,
                    related=related,
                    fillers=fillers,
                )
            )
    rng.shuffle(docs)

    by_id = {s.newid: s for s in chosen}
    url_of: dict[int, str] = {d.story: d.url for d in docs if d.copy_type in ("original", "natural_dup")}
    add_similarity(docs)
    hard_negatives = []
    related_pairs = []
    for p in pairs:
        if p.a not in chosen_ids or p.b not in chosen_ids or head[p.a] == head[p.b]:
            continue
        info = {"jaccard": p.jaccard, "containment": p.containment, "hours": p.hours}
        if p.verdict == "related":
            related_pairs.append([url_of[p.a], url_of[p.b], {**info, "kind": p.reason}])
        elif p.verdict == "distinct" and p.sim >= HARD_NEGATIVE_SIM:
            both_templated = by_id[p.a].templated and by_id[p.b].templated
            kind = (
                "identical_text" if p.jaccard >= 0.999 else "templated" if both_templated else "similar_text"
            )
            hard_negatives.append([url_of[p.a], url_of[p.b], {**info, "kind": kind, "why": p.reason}])
    gold = {
        "format": GOLD_FORMAT,
        "settings": {
            "seed": settings.seed,
            "stories": len(chosen),
            "stories_requested": None if settings.full else settings.stories,
            "tier": settings.tier,
            "full": settings.full,
            "syndicated_share": round(share, 4),
            "copies_per_syndicated_story": [lo, hi],
            "min_story_words": MIN_STORY_WORDS,
            "min_templated_words": MIN_TEMPLATED_WORDS,
            "natural_duplicates": {
                "shingles": f"word {SHINGLE_N}-grams, casefolded, punctuation folded, digits kept",
                "same_story_sim": SAME_STORY_SIM,
                "related_sim": RELATED_SIM,
                "hard_negative_sim": HARD_NEGATIVE_SIM,
                "same_day_hours": SAME_DAY_HOURS,
                "resend_max_hours": RESEND_MAX_HOURS,
                "long_body_shingles": LONG_BODY_SHINGLES,
                "title_sim": TITLE_SIM,
            },
        },
        "stats": stats(docs, pairs, collection_head, chosen_ids, hard_negatives, related_pairs),
        "documents": {d.url: d.gold() for d in sorted(docs, key=lambda d: d.url)},
        "hard_negative_pairs": hard_negatives,
        "related_pairs": related_pairs,
    }
    return docs, gold


def add_similarity(docs: Sequence[Doc]) -> None:
    """Record in each copy's gold entry how alike its article text and its story's wire text are (word 3-grams,
    chrome and headline excluded): ``jaccard`` and ``containment`` (of the smaller set in the larger)."""
    sets = shingle_sets([d.article for d in docs])
    wire = {d.story: k for k, d in enumerate(docs) if d.copy_type in ("original", "natural_dup")}
    first_of_cluster = {d.cluster: k for k, d in enumerate(docs) if d.copy_type == "original"}
    for k, d in enumerate(docs):
        if d.copy_type == "original":
            continue
        ref = first_of_cluster.get(d.cluster) if d.copy_type == "natural_dup" else wire.get(d.story)
        if ref is None:
            continue
        jac, con = jaccard_containment(sets[k], sets[ref])
        d.extra["similarity"] = {"jaccard": round(jac, 4), "containment": round(con, 4)}


def stats(
    docs: Sequence[Doc],
    pairs: Sequence[PairInfo],
    head: dict[int, int],
    chosen: set[int],
    hard_negatives: Sequence[Any],
    related_pairs: Sequence[Any],
) -> dict[str, Any]:
    clusters = Counter(d.cluster for d in docs)
    sizes = Counter(clusters.values())
    collection_groups = Counter(head.values())
    return {
        "documents": len(docs),
        "clusters": len(clusters),
        "clusters_with_copies": sum(1 for c in clusters.values() if c > 1),
        "largest_cluster": max(clusters.values(), default=0),
        "cluster_sizes": {str(k): v for k, v in sorted(sizes.items())},
        "gold_pairs": sum(c * (c - 1) // 2 for c in clusters.values()),
        "copy_types": dict(sorted(Counter(d.copy_type for d in docs).items())),
        "tiers": dict(sorted(Counter(str(d.tier) for d in docs).items())),
        "hard_negative_pairs": dict(sorted(Counter(p[2]["kind"] for p in hard_negatives).items())),
        "related_pairs": len(related_pairs),
        "collection": {
            "similar_pairs": len(pairs),
            "verdicts": dict(sorted(Counter(f"{p.verdict}:{p.reason}" for p in pairs).items())),
            "natural_groups": sum(1 for c in collection_groups.values() if c > 1),
            "stories_in_natural_groups": sum(c for c in collection_groups.values() if c > 1),
            "natural_group_sizes": {
                str(k): v for k, v in sorted(Counter(c for c in collection_groups.values() if c > 1).items())
            },
        },
        "natural_groups_in_set": sum(1 for g, c in Counter(head[k] for k in chosen).items() if c > 1),
    }


def write_benchmark(out_dir: str, docs: Sequence[Doc], gold: dict[str, Any]) -> None:
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "dump.jsonl"), "w", encoding="utf-8") as fh:
        for d in docs:
            fh.write(json.dumps(d.record(), ensure_ascii=False) + "\n")
    with open(os.path.join(out_dir, "gold.json"), "w", encoding="utf-8") as fh:
        json.dump(gold, fh, ensure_ascii=False, indent=1, sort_keys=False)
        fh.write("\n")


def file_sha256(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("--reuters", required=True, help="reuters21578.jsonl.gz")
    ap.add_argument("--out", required=True, help="output folder (dump.jsonl, gold.json)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--stories", type=int, default=2000, help="stories of a tier set (ignored with --full)")
    ap.add_argument("--tier", choices=(*TIERS, "all"), default="all", help="copy recipes to draw from")
    ap.add_argument(
        "--full", action="store_true", help="all 21,578 stories and many copies (~100k documents)"
    )
    ap.add_argument("--syndicated-share", type=float, help="share of stories with copies (1/3; --full 0.6)")
    ap.add_argument("--min-copies", type=int, help="copies per syndicated story, at least (1; --full 4)")
    ap.add_argument("--max-copies", type=int, help="copies per syndicated story, at most (4; --full 14)")
    ap.add_argument("--pairs-out", help="also write every similar pair of the collection (JSON Lines) here")
    ap.add_argument(
        "--limit-collection",
        type=int,
        help="use only the first N stories of the file (quick tests; natural duplicates among them only)",
    )
    return ap.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    t0 = time.perf_counter()
    stories = load_reuters(args.reuters, args.limit_collection)
    pairs = find_similar_pairs(stories, progress=True)
    if args.pairs_out:
        with open(args.pairs_out, "w", encoding="utf-8") as fh:
            for p in pairs:
                fh.write(json.dumps(p._asdict()) + "\n")
    settings = Settings(
        seed=args.seed,
        stories=args.stories,
        tier=args.tier,
        full=args.full,
        syndicated_share=args.syndicated_share,
        min_copies=args.min_copies,
        max_copies=args.max_copies,
    )
    docs, gold = build(stories, pairs, settings)
    gold["settings"]["reuters"] = {
        "file": os.path.basename(args.reuters),
        "sha256": file_sha256(args.reuters),
        "stories_used": len(stories),
    }
    write_benchmark(args.out, docs, gold)
    s = gold["stats"]
    print(
        f"{args.out}: {s['documents']} documents, {s['clusters']} gold clusters "
        f"({s['clusters_with_copies']} with copies, largest {s['largest_cluster']}), {s['gold_pairs']} gold pairs, "
        f"{sum(s['hard_negative_pairs'].values())} hard-negative pairs; "
        f"{time.perf_counter() - t0:.1f}s",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
