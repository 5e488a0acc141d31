"""The two forms of a document's text, and normalization of record fields.

- ``display_text``: what users read. Faithful: mojibake repaired (``repair_mojibake``), Unicode NFC, invisible and
  control characters removed, odd spaces made plain, whitespace collapsed inside a line, one paragraph per line.
- ``hashing_form``: only for exact and near-duplicate keys. NFKC, casefolded, punctuation and symbols folded to
  spaces, whitespace collapsed. Digits are kept: folding them makes templated stories with different figures
  identical (a peer that folds digits merged thousands of different earnings reports into one cluster).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, timezone

import ftfy
from tld import get_fld

# Characters that carry no text: zero-width spaces and joiners, BOM, soft hyphen, word joiner, bidi marks.
_INVISIBLE = dict.fromkeys(
    map(
        ord,
        "\u00ad\u200b\u200c\u200d\u200e\u200f\u2060\u2061\u2062\u2063\u2064\ufeff\u202a\u202b\u202c\u202d\u202e",
    ),
    None,
)
# C0/C1 controls other than tab and newline.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SPACES = re.compile(r"[ \t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]+")
_NEWLINES = re.compile(r"\r\n?|[\u2028\u2029\x85]")
_NON_WORD = re.compile(r"[\W_]+")
_FIGURE = re.compile(r"\d+(?:[.,/:-]\d+)*")
_WORD = re.compile(r"[^\W\d_]+")
_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]{0,6}\.?"
# The date of a wire dateline at a line's start ("NEW YORK, March 3 (Reuters) -", "LONDON, 3 March -"): a
# next-day re-send or an outlet's copy carries another day or none, and its story states the same figures.
_DATELINE_DATE = re.compile(
    rf"^(?P<place>[^\W\d_][^\n,]{{0,40}}(?:,[^\n,]{{1,30}})?,\s*)"
    rf"(?:{_MONTH}\s+\d{{1,2}}|\d{{1,2}}\s+{_MONTH})(?:,?\s+\d{{4}})?"
    r"(?=\s*(?:\([^()\n]{1,40}\)\s*)?(?:--|—|–|-|:))",
    re.M,
)
# A dateline under any name, opening a paragraph: an outlet re-running a wire story puts its own name where the
# agency's was ("FORT WORTH, Texas (The Continental Post) - ..."). The place is in capitals. Cleaning finds a
# story's start by it; a round-up's items open with their stories' datelines (``minhash.section_ledes``).
ANY_DATELINE = re.compile(
    r"[A-Z][A-Z.'’ -]{1,40}(?:,\s*[A-Z][\w.'’ -]{1,30}?)?"
    r"(?:,\s*(?:[A-Z][a-z]{2,8}\.?\s+\d{1,2}|\d{1,2}\s+[A-Z][a-z]{2,8})(?:,\s*\d{4})?)?"
    r"\s*\([A-Z][\w.&'’ -]{0,40}?\)\s*(?:--|—|–|-|:)\s*\S"
)
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
        "thirteen",
        "fourteen",
        "fifteen",
        "sixteen",
        "seventeen",
        "eighteen",
        "nineteen",
        "twenty",
        "thirty",
        "forty",
        "fifty",
        "sixty",
        "seventy",
        "eighty",
        "ninety",
        "hundred",
        "thousand",
    ]
)


# ftfy limited to undoing wrong decodings: UTF-8 read as windows-1252 or latin-1 ("CafÃ©" -> "Café"), surrogates.
# Its other fixes change correct text (curly quotes made straight, ligatures and full-width letters folded, HTML
# entities decoded, lone C1 controls read as windows-1252) and stay off: display text is faithful.
_MOJIBAKE_ONLY = ftfy.TextFixerConfig(
    unescape_html=False,
    remove_terminal_escapes=False,
    fix_latin_ligatures=False,
    fix_character_width=False,
    uncurl_quotes=False,
    fix_line_breaks=False,
    remove_control_chars=False,
    fix_c1_controls=False,  # a lone C1 control stays one: U+0085 is a line break here, not windows-1252's "…"
    normalization=None,
    explain=False,
)
_SURROGATES = re.compile("[\ud800-\udfff]")
# U+0085 (NEL) is a line break, unless it follows what a UTF-8 lead byte becomes in latin-1 ("Ã\x85" is "Å" read as
# latin-1): ftfy would otherwise take a lone NEL for windows-1252's "…".
_NEL = re.compile("(?<![\u00c2-\u00f4])\x85")


def repair_mojibake(text: str) -> str:
    """Undo text decoded with the wrong charset (``â€œHelloâ€\x9d`` -> ``“Hello”``), as ftfy finds it; correct
    text comes back unchanged. Lone surrogates become U+FFFD, so the result always encodes as UTF-8."""
    if text.isascii():
        return text
    return ftfy.fix_text(text, _MOJIBAKE_ONLY)


def display_text(text: str) -> str:
    """Clean ``text`` for reading: mojibake repaired, NFC, no invisible/control characters, one paragraph a line,
    no blank lines."""
    text = unicodedata.normalize("NFC", repair_mojibake(_NEL.sub("\n", text)))
    text = _NEWLINES.sub("\n", text).translate(_INVISIBLE)
    text = _CONTROL.sub(" ", text)
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


# House style: a wire story re-run by an outlet has its abbreviations spelled out, or the other way round
# (Reuters' "Shr 12 cts vs 10 cts", "5 pct", "3 mln dlrs" against "Share 12 cents versus 10 cents", "5 per cent",
# "5%", "3 million dollars"). Both spellings fold to one word in the hashing form, so the copy's shingles stay the
# story's. Whole words only, after casefolding and punctuation folding ("U.S." is "u s" there).
HOUSE_STYLE = {
    "percent": "pct",
    "per cent": "pct",
    "million": "mln",
    "billion": "bln",
    "dollars": "dlrs",
    "dollar": "dlr",
    "cents": "cts",
    "versus": "vs",
    "share": "shr",
    "shares": "shrs",
    "revenues": "revs",
    "revenue": "revs",
    "quarter": "qtr",
    "corporation": "corp",
    "incorporated": "inc",
    "company": "co",
    "sterling": "stg",
    "u s": "us",
    "u k": "uk",
    "britain": "uk",
}
_PERCENT_SIGN = re.compile(r"%")  # a symbol, not a word: "5%" becomes "5 pct" before punctuation folding
_HOUSE_STYLE = re.compile(
    r"\b(?:" + "|".join(sorted(map(re.escape, HOUSE_STYLE), key=len, reverse=True)) + r")\b"
)


def hashing_form(text: str) -> str:
    """The form used for duplicate keys: NFKC, casefold, punctuation folded to spaces, whitespace collapsed, and
    house-style spellings folded to one (``HOUSE_STYLE``: "per cent", "percent" and "%" are all "pct").

    Digits stay digits: "Shr 12 cts" and "Shr 10 cts" must hash apart.
    """
    text = unicodedata.normalize("NFKC", _SURROGATES.sub("\ufffd", text).translate(_INVISIBLE)).casefold()
    text = " ".join(_NON_WORD.sub(" ", _PERCENT_SIGN.sub(" pct ", text)).split())
    return _HOUSE_STYLE.sub(lambda m: HOUSE_STYLE[m.group()], text)


def normalize_published(value: str) -> str:
    """An ISO 8601 date or datetime, normalized so that strings sort in time order.

    A date stays ``YYYY-MM-DD``; a datetime becomes UTC ``YYYY-MM-DDTHH:MM:SSZ`` (a naive one is taken as UTC).
    Raises ``ValueError`` for anything else.
    """
    s = value.strip()
    if not s:
        raise ValueError("empty date")
    if len(s) in (8, 10) and "T" not in s:  # 2014-06-07 or 20140607
        return date.fromisoformat(s).isoformat()
    if s.endswith(("z", "Z")):
        s = s[:-1] + "+00:00"
    dt = datetime.fromisoformat(s)
    dt = dt.replace(tzinfo=timezone.utc) if dt.tzinfo is None else dt.astimezone(timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def registered_domain(url: str | None) -> str | None:
    """The registered domain of a URL (``https://www.bbc.co.uk/news`` -> ``bbc.co.uk``), offline; None if none."""
    if not url:
        return None
    try:
        fld = get_fld(url, fail_silently=True, fix_protocol=True)
    except Exception:  # tld raises a handful of its own errors on odd hosts
        return None
    return str(fld).lower() if fld else None


LEDE_WORDS = 50  # the opening of a story: where its news, and so its own figures, are


def figures(text: str, *, lede_only: bool = False) -> tuple[str, ...]:
    """The figures a text states: numbers as written (``6-3/16``, ``1042000`` for ``1,042,000``, ``38.5``)
    and number words, sorted and unique; with ``lede_only``, those of its first ``LEDE_WORDS`` words. A wire
    dateline's date is not a figure of the story.
    Templated stories (earnings, auctions, repo operations, weekly statistics) differ in little else."""
    text = _figure_text(text)
    return _figures_in(" ".join(text.split()[:LEDE_WORDS]) if lede_only else text)


def figures_and_lede(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """``(figures(text), figures(text, lede_only=True))``, normalizing the text once."""
    whole, lede, _ = figures_and_lede_words(text)
    return whole, lede


def figures_and_lede_words(text: str) -> tuple[tuple[str, ...], tuple[str, ...], tuple[int, ...]]:
    """``figures_and_lede(text)`` and, for each lede figure, the index of the first of the lede's words that
    states it: a round-up item that carries the first words of a story's lede carries the figures up to there
    (``lsh.lede_figures_carried``), whatever the rest of the lede states."""
    text = _figure_text(text)
    first: dict[str, int] = {}
    # a figure never spans a space: word by word finds the lede's figures
    for index, word in enumerate(text.split()[:LEDE_WORDS]):
        for figure in _figures_in(word):
            first.setdefault(figure, index)
    lede = tuple(sorted(first))
    return _figures_in(text), lede, tuple(first[figure] for figure in lede)


def _figure_text(text: str) -> str:
    return _DATELINE_DATE.sub(r"\g<place>", unicodedata.normalize("NFKC", text))


_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3})")


def _figures_in(text: str) -> tuple[str, ...]:
    found = set()
    for raw in _FIGURE.findall(text):
        value = raw.rstrip(".,:/-")
        found.add(_THOUSANDS.sub("", value) if "," in value else value)
    found.update(w for w in map(str.lower, _WORD.findall(text)) if w in _NUMBER_WORDS)
    return tuple(sorted(found))
