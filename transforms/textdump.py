"""Parse plain-text news dumps: scrapes that kept only the page text, page chrome and all.

``parse_text_dump(text) -> TextDump`` splits a dump into the headline, the header metadata (date, publisher,
author), the site named in the copyright footer, and the article body, and records every line it removed with
the rule that removed it. Pure and Beam-free; every regex is compiled once at import.

How a dump is read, from the text alone:

1. Lines are stripped and their inner whitespace collapsed; blank lines only separate.
2. Chrome lines are recognised by full-line anchored patterns (share/print bars, "Comments (3)",
   "Most popular", breadcrumbs, copyright lines, ...). A chrome pattern never fires on part of a line, so
   prose that merely mentions "copyright" or "print" is safe.
3. "Prose" lines (enough words, sentence punctuation, a normal share of stop words) anchor the body. Strong
   footer markers (comments counter, most-popular and related-story headers, copyright/rights/reproduction
   notices) cut the page into regions; the body is the span from the first to the last prose line of the
   region holding the most prose, so headline lists and teasers after a footer marker never reach the body.
4. Before the body: chrome is dropped, the metadata line is parsed, and the title is the last short line that
   is neither chrome nor metadata, coming before the (last) metadata line where there is one.
5. Inside the body span every non-chrome line is kept (short subheadings and one-line quotes included); just
   outside it, sentence-like lines, wire datelines and "(Reporting by ...)" credits are pulled back in.
6. Hard-wrapped text (paragraphs broken at ~70 columns, as in Reuters-21578) is detected; a wrapped paragraph
   is judged as a whole, and lines touching the body with no blank line between (table rows) join it. Lines
   are never re-joined: the body keeps the input's lines, so it is always a subsequence of them.

Nothing here raises on a ``str``; a text without any structure comes back as its non-chrome lines. Every
non-blank input line ends up exactly once in either ``body`` or ``dropped``.

Not handled, on purpose: a strong footer marker in the middle of an article ends it (the larger part wins);
dates without a year; time zones (dropped); a headline that ends with a period; chrome phrased in languages
other than English (prose detection itself works without English stop words).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from typing import NamedTuple

__all__ = ["TextDump", "parse_text_dump"]


class TextDump(NamedTuple):
    """One parsed plain-text dump."""

    title: str | None
    """Headline, or None when no line before the body looks like one."""
    published: str | None
    """ISO 8601 as precise as the text says (``2014-06-07T09:21``, ``2014-06-07``); None if absent/unclear."""
    credit: str | None
    """Publisher named in the header/byline line, lowercased domain or name (``chinadaily.com.cn``)."""
    author: str | None
    """Byline or editor (``Mo Hong'e``)."""
    site: str | None
    """Site named in the copyright footer, lowercased (``chinanews.com``): the site that served this copy."""
    body: str
    """Article paragraphs only, one per line, inner whitespace collapsed."""
    dropped: tuple[tuple[str, str], ...]
    """``(rule_name, line)`` for every non-blank line removed, in input order."""


# ----------------------------------------------------------------------------------------------------
# Limits. Chrome lines are short; longer lines are never tested against chrome patterns (keeps cost linear).
_MAX_CHROME_CHARS = 300
_MAX_META_CHARS = 250
_MAX_META_WORDS = 30
_MAX_META_LEFTOVER = 2  # words besides the date a label-less meta line may have
_MAX_TITLE_WORDS = 25
_MAX_TITLE_CHARS = 250
_MIN_PROSE_WORDS = 8
_MIN_STOPWORD_SHARE = 0.12
_LONG_PROSE_WORDS = 20
_STOPWORD_SAMPLE = 120
_WRAP_WIDTH = 100

_I = re.IGNORECASE


def _wordset(text: str) -> frozenset[str]:
    return frozenset(text.split())


# ----------------------------------------------------------------------------------------------------
# Tokens.
_WORD = re.compile(r"[^\W\d_][\w'’-]*")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")
_LETTER = re.compile(r"[^\W\d_]")
_DIGIT = re.compile(r"\d")
_CLOSERS = "\"'”’»)]*"
_TERMINAL = ".!?…。！？"
_INNER_PUNCT = re.compile(r"[.!?,;:。，；]")

_STOPWORDS = _wordset(
    """a about above after again against all also an and any are as at be because been before being below
    between both but by can could did do does during each few for from further had has have having he her
    here hers him his how i if in into is it its itself just may me might more most much must my no nor not
    now of off on once only or other our out over own said same says she should so some such than that the
    their them then there these they this those through to too under until up upon very was we were what
    when where which while who whom whose why will with would you your"""
)

# ----------------------------------------------------------------------------------------------------
# Chrome: full-line patterns (matched with fullmatch on the collapsed line), in priority order.
_COMMENTS_COUNTER = re.compile(
    r"(?:comments?|replies|responses|reactions)\s*[(\[]?\s*\d+\s*[)\]]?"
    r"|\d+\s+(?:comments?|replies|responses|reactions)"
    r"|(?:view|show|read|see|add|post|leave|write|hide|load|join)\s+(?:all\s+|the\s+)?(?:a\s+|your\s+)?"
    r"(?:\d+\s+)?(?:comments?|discussion)"
    r"|comments?|(?:be\s+the\s+first\s+to|click\s+here\s+to)\s+comment|comments?\s+(?:are\s+)?closed\.?",
    _I,
)
_MOST_POPULAR = re.compile(
    r"(?:most\s+(?:popular|read|viewed|shared|e-?mailed|commented|watched|recent)"
    r"|popular(?:\s+(?:now|stories|articles|news|today|posts|videos))?"
    r"|trending(?:\s+(?:now|stories|news|today|topics|articles))?"
    r"|top\s+(?:stories|news|headlines|articles|videos)|editor'?s\s+picks?"
    r"|(?:stories|news)\s+you\s+may\s+have\s+missed)"
    r"(?:\s+(?:stories|articles|news|posts|videos|photos|now|today|this\s+week|this\s+month))?"
    r"(?:\s+(?:in|on|from|of|at|over)\s+(?:the\s+)?(?:past\s+|last\s+)?[\w&'-]+(?:\s+[\w&'-]+)?)?\s*:?",
    _I,
)
_RELATED_BLOCK = re.compile(
    r"(?:related(?:\s+(?:stories|articles|news|content|links|coverage|posts|reading|topics|items|videos|reports))?"
    r"|see\s+also|also\s+read|read\s+also|more\s+on\s+this\s+(?:story|topic)"
    r"|more\s+(?:stories|news|articles)(?:\s+(?:from|on|in|about)\s+[\w&' -]{1,40})?"
    r"|you\s+(?:may|might)\s+also\s+(?:like|be\s+interested\s+in)|recommended(?:\s+(?:for\s+you|stories|articles|reading))?"
    r"|further\s+reading|in\s+other\s+news|what\s+to\s+read\s+next)\s*:?",
    _I,
)
_COPYRIGHT = re.compile(
    r"(?:copyright\s*(?:©|\(c\)|&copy;)?\s*(?:(?:19|20)\d{2}|©|\(c\))"
    r"|copyright\s*:|copyright\s+(?:[a-z0-9-]+\.)+[a-z]{2,}\b|©|&copy;|\(c\)\s*(?:19|20)\d{2}).{0,250}",
    _I,
)
# Case-sensitive on purpose: what comes before "all rights reserved" must look like a name, a year or a stop.
_RIGHTS_RESERVED = re.compile(
    r"(?:.{0,150}?(?:[.,;|©)]|\b(?:19|20)\d{2}|\b[A-Z][\w&.-]*))?\s*"
    r"(?i:all\s+rights\s+reserved)\b(?:[.!](?:\s.{0,120})?)?"
)
# Lookaheads find the key words once; the single greedy tail then reaches the end (no nested backtracking).
_REPRODUCTION = re.compile(
    r"(?:no\s+(?:part|portion)\s+of\b(?=.{0,200}?\b(?:reproduc|republish|copied|stored|transmitted))"
    r"|(?:unauthori[sz]ed\s+)?reproduction\b(?=.{0,200}?(?:\b(?:without|prior)\s+(?:the\s+)?(?:express\s+)?"
    r"(?:prior\s+)?(?:written\s+)?(?:permission|consent|authori[sz]ation)|\bprohibited|\bforbidden"
    r"|\bnot\s+permitted|\bstrictly))"
    r"|(?:this|these|the)\s+(?:material|materials|article|content|contents)\s+may\s+not\s+be\s+"
    r"(?:published|reproduced|copied|republished|redistributed)).{0,300}",
    _I,
)
_BREADCRUMB_SPLIT = re.compile(r"\s+>\s+|\s*[»›]\s*")
_SLASH_SPLIT = re.compile(r"\s+/\s+")
_YOU_ARE_HERE = re.compile(r"you\s+are\s+here\s*:?\s*", _I)
_FONT_SIZE = re.compile(
    r"(?:(?:font|text)\s*size|text)\s*:?(?:\s*(?:[+-]|a\+?|a-|aa|small|medium|large|larger|smaller|reset|normal"
    r"|big|bigger|\|))*|(?:a[+-]?\s*){2,3}",
    _I,
)
_ARCHIVED = re.compile(
    r"archived\s+(?:content|article|story)|this\s+(?:article|page|content|story)\s+(?:is|has\s+been)\s+archived\.?",
    _I,
)
_MEDIA_PARTNERS = re.compile(r"(?:media|our|content|news)\s+partners?\s*(?::.{0,200})?", _I)
_FOLLOW_US = re.compile(
    r"(?:follow|find|like|connect\s+with)\s+us(?:\s+(?:on|at|via)\b[^.!?]{0,100})?\s*:?\.?", _I
)
_NEWSLETTER = re.compile(
    r"(?:sign\s+up|subscribe|register)\b[^.!?]{0,80}\bnewsletters?\b[^.!?]{0,80}[.!]?"
    r"|(?:get|receive)\s+(?:our|the)\b[^.!?]{0,60}\bnewsletters?\b[^.!?]{0,60}[.!]?"
    r"|newsletters?(?:\s+sign[\s-]?up)?",
    _I,
)
_ADVERTISEMENT = re.compile(
    r"(?:advertisement|advertising|advert|ad|sponsored(?:\s+content)?|paid\s+content"
    r"|(?:story|article)\s+continues\s+(?:below|after)(?:\s+(?:this\s+)?(?:advertisement|ad))?"
    r"|scroll\s+to\s+continue(?:\s+with\s+content)?)\s*[:.]?",
    _I,
)
_READ_MORE = re.compile(
    r"(?:read|see|view)\s+more(?:\s*:.{0,200}|\s*(?:[»›>…]|\.\.\.)|\s+(?:stories|news|here))?"
    r"|continue\s+reading(?:\s.{0,60})?|click\s+here\b.{0,80}|full\s+story\s*[»›>]?",
    _I,
)
_RELATED_LINK = re.compile(r"(?:related|see\s+also|also\s+read|read\s+also)\s*:\s*\S.{0,200}", _I)
_TAGS = re.compile(r"(?:tags?|topics?|keywords?|filed\s+under|categories|category)\s*:.{0,250}", _I)
_COOKIES = re.compile(r"(?:we|this\s+(?:site|website))\s+uses?\s+cookies\b.{0,300}", _I)
_NAV_LINK = re.compile(
    r"(?:back\s+to\s+(?:the\s+)?(?:top|home)|skip\s+to\s+(?:main\s+)?content|(?:previous|prev|next)"
    r"(?:\s+(?:article|story|page|post))?|home(?:\s*page)?|menu|search|close|log\s*in|sign\s+in|register|top"
    r"|(?:go\s+)?back)\s*[»›>«‹<]*\s*:?",
    _I,
)

# (rule, pattern, lowercased first words or characters a matching line can start with), in priority order.
_DIGITS = " ".join("0123456789")
_FULL_LINE_RULES: tuple[tuple[str, re.Pattern[str], str], ...] = (
    (
        "comments_counter",
        _COMMENTS_COUNTER,
        "comments comment replies responses reactions view show read see add post leave write hide load join"
        " be click " + _DIGITS,
    ),
    ("most_popular", _MOST_POPULAR, "most popular trending top editor editors stories news"),
    ("related_block", _RELATED_BLOCK, "related see also read more you recommended further in what"),
    ("copyright", _COPYRIGHT, "copyright © & ("),
    ("rights_reserved", _RIGHTS_RESERVED, ""),  # gated on the phrase, see _chrome_rule
    ("reproduction_notice", _REPRODUCTION, "no reproduction unauthorized unauthorised this these the"),
    ("font_size", _FONT_SIZE, "font text a"),
    ("archived_content", _ARCHIVED, "archived this"),
    ("media_partners", _MEDIA_PARTNERS, "media our content news"),
    ("follow_us", _FOLLOW_US, "follow find like connect"),
    ("newsletter", _NEWSLETTER, "sign subscribe register get receive newsletter newsletters"),
    (
        "advertisement",
        _ADVERTISEMENT,
        "advertisement advertising advert ad sponsored paid story article scroll",
    ),
    ("read_more", _READ_MORE, "read see view continue click full"),
    ("related_link", _RELATED_LINK, "related see also read"),
    ("tags", _TAGS, "tags tag topics topic keywords keyword filed categories category"),
    ("cookie_notice", _COOKIES, "we this"),
    (
        "nav_link",
        _NAV_LINK,
        "back skip previous prev next home homepage menu search close log login sign register top go",
    ),
)


def _index_rules() -> dict[str, tuple[tuple[str, re.Pattern[str]], ...]]:
    """First word -> the rules worth trying on a line that starts with it (a cheap pre-filter)."""
    index: dict[str, list[tuple[str, re.Pattern[str]]]] = {}
    for name, pattern, keys in _FULL_LINE_RULES:
        for key in keys.split():
            index.setdefault(key, []).append((name, pattern))
    return {key: tuple(rules) for key, rules in index.items()}


_RULES_BY_KEY = _index_rules()
_FIRST_KEY = re.compile(r"[^\W\d_]+|\S")
_CRUMB_SEP = re.compile(r"\s>\s|[»›]")

# Footer markers: once one of these follows the body, nothing after it is article text.
_STRONG_RULES = frozenset(
    {
        "comments_counter",
        "most_popular",
        "related_block",
        "copyright",
        "rights_reserved",
        "reproduction_notice",
    }
)

# Share / print / email bars: every token between | • · : is made of these words, with at least one key word.
_BAR_SEP = re.compile(r"[|•·:]")
_BAR_WORD_SPLIT = re.compile(r"[\s|•·:()\d]+")
_SHARE_WORDS = _wordset(
    "share tweet facebook twitter x linkedin whatsapp pinterest reddit telegram weibo wechat messenger"
)
_PRINT_WORDS = _wordset("print print-friendly email e-mail mail sms bookmark")
_FONT_WORDS = _wordset("font a+ a- aa")
_BAR_FILLER = _wordset(
    "this article story page on via to a friend send text size copy link save comments comment version"
    " friendly larger smaller reset + - the"
)
_BAR_KEYS = _SHARE_WORDS | _PRINT_WORDS | _FONT_WORDS
_BAR_WORDS = _BAR_KEYS | _BAR_FILLER
_BAR_FIRST = frozenset(m.group() for m in map(_FIRST_KEY.match, _BAR_WORDS) if m)

# ----------------------------------------------------------------------------------------------------
# Metadata: dates, times, labels, domains.
_MONTH = (
    r"(?P<mon>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)(?![a-z])\.?"
)
_MONTH_KEYS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTHS = {m: i for i, m in enumerate(_MONTH_KEYS, start=1)}
_TIME = r"(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?(?![\d:])(?:\s*(?P<ap>[ap])\.?m\b\.?)?"
_DATE_YMD = re.compile(
    r"(?<![\d.])(?P<y>(?:19|20)\d{2})(?P<sep>[-/.])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})(?![\d])"
    r"(?:(?:T|\s+|,\s*)" + _TIME + r")?",
    _I,
)
_DATE_MDY = re.compile(
    r"\b" + _MONTH + r"\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<y>(?:19|20)\d{2})(?!\d)", _I
)
_DATE_DMY = re.compile(
    r"(?<!\d)(?P<d>\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?" + _MONTH + r",?\s+(?P<y>(?:19|20)\d{2})(?!\d)", _I
)
_DATE_NUMERIC = re.compile(
    r"(?<![\d/.-])(?P<a>\d{1,2})(?P<sep>[-/.])(?P<b>\d{1,2})(?P=sep)(?P<y>(?:19|20)\d{2})(?![\d/.-])"
)
_TIME_ALONE = re.compile(r"(?<![\d:])" + _TIME, _I)

_LABEL = re.compile(
    r"(?<![\w-])(?:(?P<colon>(?i:web\s+editor|chief\s+editor|editor(?:\s+in\s+charge)?|editors|authors?"
    r"|reporters?|writers?|correspondents?|contributors?|sources?|publisher|agency|credit"
    r"|published(?:\s+(?:on|at|date))?|updated(?:\s+(?:on|at))?|last\s+updated|posted(?:\s+(?:on|at))?"
    r"|date|time))\s*:\s*"
    r"|(?:^|(?<=[|•·;,(\[]))\s*(?P<by>(?i:(?:written|posted|reported|story|words)\s+by|by))\s+(?=[A-Z]))"
)  # "by" only opens a byline at the start of the line or after a separator
_AUTHOR_LABELS = _wordset(
    "by editor editors author authors reporter reporters writer writers correspondent correspondents"
    " contributor contributors"
)
_CREDIT_LABELS = _wordset("source sources publisher agency credit")
_META_SEP = re.compile(r"\s*(?:\||•|·|\s[-–—]+\s|;|\(|\)|\[|\]|\s/\s)\s*")
_DOMAIN = re.compile(
    r"(?<![\w@.-])(?:www\.)?((?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,24})(?![\w-])", _I
)
_NAME_CUT = re.compile(r",|\s+for\s+(?=[A-Z])|(?P<place>\s+(?:in|at)\s+(?=[A-Z]))")
_NAME_PARTICLES = _wordset("and & de del della da di van von der den la le du bin al el y")
_ROLE_WORDS = _wordset(
    "staff writer reporter correspondent editor contributor columnist special senior chief bureau"
)
_META_NOISE = _wordset(
    "updated update published posted last on at date time gmt utc bst est edt cst cdt pst pdt cet cest jst"
    " monday tuesday wednesday thursday friday saturday sunday mon tue wed thu fri sat sun"
)
_WIRE_NAMES = {
    "xinhua": "xinhua",
    "reuters": "reuters",
    "ap": "ap",
    "associated press": "associated press",
    "afp": "afp",
    "agence france-presse": "afp",
    "bloomberg": "bloomberg",
    "dpa": "dpa",
    "kyodo": "kyodo",
    "yonhap": "yonhap",
    "tass": "tass",
    "ansa": "ansa",
    "efe": "efe",
    "pti": "pti",
    "ians": "ians",
    "upi": "upi",
    "bernama": "bernama",
    "antara": "antara",
    "china daily": "china daily",
    "chinadaily": "china daily",
}
_EDGE_PUNCT = " .,;:|-–—\"'“”‘’()[]"

# Body helpers: a dateline alone on a line ("BEIJING, June 7 (Xinhua) --"), and wire credits at the end.
_DATELINE = re.compile(
    r"[A-Z][A-Z.'’ -]{1,40}(?:,\s*[\w .]{1,40})?\s*\([A-Z][\w .&-]{1,30}\)\s*(?:--|—|–|-|:)?"
)
_WIRE_CREDIT = re.compile(
    r"\((?:additional\s+)?(?:reporting|writing|editing|compiled|research|translated)\b[^()]{0,300}\)\.?", _I
)
# Copyright line to site: strip the legal words and years, keep the name.
_COPYRIGHT_NOISE = re.compile(
    r"copyright|©|&copy;|\(c\)|\b(?:19|20)\d{2}\b(?:\s*[-–]\s*(?:(?:19|20)\d{2}|present)\b)?|all\s+rights\s+reserved.*",
    _I,
)
_NAME_END = re.compile(r"\.\s|\.$|,|\||;|\s[-–—]\s")


# ----------------------------------------------------------------------------------------------------
# Line features.
class _Line(NamedTuple):
    text: str
    rule: str | None  # chrome rule that matches the whole line
    prose: int  # 0 none; 1 prose with stop words; 2 prose without the stop-word test; 3 sentence-like
    words: int


_EMPTY = _Line("", None, 0, 0)


def _ends_sentence(text: str, marks: str = _TERMINAL) -> bool:
    stripped = text.rstrip(_CLOSERS)
    return bool(stripped) and stripped[-1] in marks


def _bar_rule(lower: str) -> str | None:
    words = [w for w in _BAR_WORD_SPLIT.split(lower) if w]
    if not words or not _BAR_WORDS.issuperset(words) or _BAR_KEYS.isdisjoint(words):
        return None
    if len(words) > 4 and not _BAR_SEP.search(lower):
        return None
    if not _SHARE_WORDS.isdisjoint(words):
        return "share_bar"
    if not _PRINT_WORDS.isdisjoint(words) or "text" in words:
        return "print_bar"
    return "font_size"


def _is_breadcrumb(text: str) -> bool:
    body = _YOU_ARE_HERE.sub("", text, count=1)
    if "<" in body:
        return False
    if _CRUMB_SEP.search(body):
        parts = [p for p in _BREADCRUMB_SPLIT.split(body) if p]
    elif body.lower().startswith("home /"):
        parts = [p for p in _SLASH_SPLIT.split(body) if p]
    else:
        return False
    if len(parts) < 2 or len(parts) > 10:
        return False
    for part in parts:
        first = part[0]
        if len(part) > 40 or len(part.split()) > 5 or _ends_sentence(part, ".!?"):
            return False
        if _DIGIT.search(part) or (
            first.isalpha() and not first.isupper() and not part.lower().startswith("home")
        ):
            return False
    return True


def _is_nav_bar(text: str) -> bool:
    if text.count("|") < 2 or _DIGIT.search(text) or _LABEL.search(text):
        return False
    parts = [p.strip() for p in text.split("|") if p.strip()]
    return len(parts) >= 2 and all(len(p.split()) <= 4 and not _ends_sentence(p, ".!?") for p in parts)


def _chrome_rule(text: str) -> str | None:
    """The chrome rule matching the whole line, or None. Gated so most lines try one regex or none."""
    if len(text) > _MAX_CHROME_CHARS:
        return None
    lower = text.lower()
    first = _FIRST_KEY.match(lower)
    key = first.group() if first else ""
    for name, pattern in _RULES_BY_KEY.get(key, ()):
        if pattern.fullmatch(text):
            return name
    if "reserved" in lower and _RIGHTS_RESERVED.fullmatch(text):
        return "rights_reserved"
    if len(text) <= 120 and key in _BAR_FIRST:
        bar = _bar_rule(lower)
        if bar is not None:
            return bar
    if (_CRUMB_SEP.search(text) or lower.startswith("home /")) and _is_breadcrumb(text):
        return "breadcrumb"
    if "|" in text and _is_nav_bar(text):
        return "nav_bar"
    return None


def _size(text: str) -> int:
    """Words, where two CJK characters count as one; 0 for a line without letters."""
    if not _LETTER.search(text):
        return 0
    size = len(text.split())
    return size if text.isascii() else size + len(_CJK.findall(text)) // 2


def _prose_level(text: str, size: int) -> int:
    """1: English-like prose; 2: prose by length and punctuation only; 3: sentence-like; 0: none."""
    if not size or text.count("|") >= 2:
        return 0
    if size >= _MIN_PROSE_WORDS and (
        _ends_sentence(text, _TERMINAL + ":") or (size >= _LONG_PROSE_WORDS and _INNER_PUNCT.search(text))
    ):
        sample = text[: _STOPWORD_SAMPLE * 8].lower().split()[:_STOPWORD_SAMPLE]
        stop = sum(map(_STOPWORDS.__contains__, sample))
        return 1 if stop >= _MIN_STOPWORD_SHARE * len(sample) else 2
    return 3 if _ends_sentence(text) else 0


def _features(text: str) -> _Line:
    """Chrome rule, prose level and size of one line."""
    if not text:
        return _EMPTY
    rule = _chrome_rule(text)
    size = _size(text)
    return _Line(text, rule, 0 if rule is not None else _prose_level(text, size), size)


def _is_hard_wrapped(lines: Sequence[_Line]) -> bool:
    """Paragraphs broken into short lines (Reuters-style ~70 columns) rather than one paragraph per line."""
    wordy = [line.text for line in lines if line.rule is None and line.words >= 4]
    if len(wordy) < 3:
        return False
    long_lines = sum(1 for text in wordy if len(text) > _WRAP_WIDTH)
    open_ended = sum(1 for text in wordy if not _ends_sentence(text))
    return long_lines * 10 <= len(wordy) and open_ended * 5 >= len(wordy) * 2


def _join_wrapped(lines: list[_Line]) -> list[_Line]:
    """Give every line of a wrapped paragraph (adjacent lines, none ending a sentence but the last) the prose
    level of the whole paragraph, so that its first, open-ended lines anchor the body too. A line that starts
    in lower case right after an open-ended line continues it, whatever chrome word it happens to hold."""
    out = list(lines)
    for k in range(1, len(lines)):
        prev, line = lines[k - 1], lines[k]
        continues = prev.rule is None and prev.words and not _ends_sentence(prev.text)
        if line.rule is not None and continues and line.text[0].islower():
            out[k] = _Line(line.text, None, _prose_level(line.text, line.words), line.words)
    i = 0
    while i < len(out):
        j = i
        while (
            j + 1 < len(out)
            and out[j].words
            and out[j].rule is None
            and out[j + 1].text
            and out[j + 1].rule is None
            and not _ends_sentence(out[j].text)
        ):
            j += 1
        if j > i:
            block = " ".join(line.text for line in out[i : j + 1])
            level = _prose_level(block, sum(line.words for line in out[i : j + 1]))
            if level in (1, 2):
                for k in range(i, j + 1):
                    if not out[k].prose or out[k].prose > level:
                        out[k] = out[k]._replace(prose=level)
        i = j + 1
    return out


# ----------------------------------------------------------------------------------------------------
# Metadata parsing.
_Found = tuple[str | None, list[tuple[int, int]]]  # (ISO date or None, spans of the date and time)


class _Meta(NamedTuple):
    published: str | None
    credit: str | None
    author: str | None


def _iso(y: int, m: int, d: int, time: re.Match[str] | None) -> str | None:
    try:
        date(y, m, d)
    except ValueError:
        return None
    out = f"{y:04d}-{m:02d}-{d:02d}"
    if time is None or time.group("H") is None:
        return out
    hour, minute, second = int(time.group("H")), int(time.group("M")), time.group("S")
    ampm = (time.group("ap") or "").lower()
    if ampm:
        if not 1 <= hour <= 12:
            return out
        hour = hour % 12 + (12 if ampm == "p" else 0)
    if hour > 23 or minute > 59 or (second is not None and int(second) > 59):
        return out
    return out + f"T{hour:02d}:{minute:02d}" + (f":{second}" if second is not None else "")


def _find_date(text: str) -> _Found | None:
    """The first date in ``text``: ISO (None if ambiguous or invalid) and the spans it used; None if none."""
    match = _DATE_YMD.search(text)
    if match is not None:
        y, m, d = int(match.group("y")), int(match.group("m")), int(match.group("d"))
        return _iso(y, m, d, match), [match.span()]
    for pattern in (_DATE_MDY, _DATE_DMY):
        match = pattern.search(text)
        if match is not None:
            mon = _MONTHS[match.group("mon")[:3].lower()]
            return _with_time(text, int(match.group("y")), mon, int(match.group("d")), match.span())
    match = _DATE_NUMERIC.search(text)
    if match is not None:
        a, b, y = int(match.group("a")), int(match.group("b")), int(match.group("y"))
        if a == b or a > 12 or b > 12:
            month, day = (b, a) if a > 12 else (a, b)
            return _with_time(text, y, month, day, match.span())
        return None, [match.span()]  # 06/07/2014: June 7 or 6 July; the text does not say
    return None


def _with_time(text: str, y: int, m: int, d: int, span: tuple[int, int]) -> _Found:
    rest = text[: span[0]] + " " * (span[1] - span[0]) + text[span[1] :]
    time = _TIME_ALONE.search(rest)
    spans = [span] if time is None else [span, time.span()]
    return _iso(y, m, d, time), spans


def _clean_name(value: str) -> str:
    return value.strip(_EDGE_PUNCT).strip()


def _name_ok(value: str, max_words: int = 6) -> bool:
    words = value.split()
    return 0 < len(words) <= max_words and bool(_LETTER.search(value)) and not _DIGIT.search(value)


def _credit_of(value: str) -> str | None:
    domain = _DOMAIN.search(value)
    if domain is not None:
        return domain.group(1).lower()
    name = _clean_name(value)
    return name.lower() if _name_ok(name, 5) else None


def _author_of(value: str) -> tuple[str | None, str | None]:
    """(author, credit) from a byline value: ``Jane Doe, Metro Tribune``, ``Jane Doe for X``, ``Jane Doe in Y``."""
    cut = _NAME_CUT.search(value)
    head = value[: cut.start()] if cut else value
    credit = None
    if cut is not None and cut.group("place") is None:
        rest = _clean_name(_NAME_CUT.split(value[cut.end() :], maxsplit=1)[0])
        if rest and _ROLE_WORDS.isdisjoint(rest.lower().split()):
            credit = _credit_of(rest)
    words: list[str] = []
    for word in head.split():
        if not (word[0].isupper() or word in _NAME_PARTICLES or (words and word[0] in "'’-")):
            break
        words.append(word)
    while words and words[-1] in _NAME_PARTICLES:
        words.pop()
    author = _clean_name(" ".join(words))
    return (author if _name_ok(author) and _DOMAIN.search(author) is None else None), credit


def _parse_meta(text: str) -> _Meta | None:
    """Fields of a header/byline line, or None when the line is not one."""
    if len(text) > _MAX_META_CHARS or len(text.split()) > _MAX_META_WORDS:
        return None
    found = _find_date(text)
    published, rest = None, text
    if found is not None:
        published, spans = found
        for start, end in sorted(spans, reverse=True):
            rest = rest[:start] + " | " + rest[end:]
    labels = list(_LABEL.finditer(rest))
    if found is None and not labels:
        return None
    credit: str | None = None
    author: str | None = None
    # A label's value runs to the first separator; the rest of its chunk, and any text before the first
    # label, is unlabelled (a domain or a wire name there is the credit).
    unlabelled = [rest[: labels[0].start()] if labels else rest]
    for k, match in enumerate(labels):
        stop = labels[k + 1].start() if k + 1 < len(labels) else len(rest)
        label = (match.group("colon") or match.group("by") or "").lower().split()[-1]
        value, *others = _META_SEP.split(rest[match.end() : stop], maxsplit=1)
        unlabelled.extend(others)
        if not value.strip():
            continue
        if label in _AUTHOR_LABELS:
            name, byline_credit = _author_of(value)
            author = author or name
            credit = credit or byline_credit
        elif label in _CREDIT_LABELS:
            credit = credit or _credit_of(value)
    leftover = 0
    for chunk in unlabelled:
        for part in _META_SEP.split(chunk):
            domain = _DOMAIN.search(part)
            wire = _WIRE_NAMES.get(_clean_name(part).lower())
            if domain is not None:
                credit = credit or domain.group(1).lower()
                part = part[: domain.start()] + part[domain.end() :]
            elif wire is not None:
                credit = credit or wire
                continue
            leftover += sum(1 for w in _WORD.findall(part) if w.lower() not in _META_NOISE)
    if not labels and leftover > _MAX_META_LEFTOVER:
        return None
    return _Meta(published, credit, author)


def _site_of(text: str) -> str | None:
    rest = _COPYRIGHT_NOISE.sub(" ", text)
    domain = _DOMAIN.search(rest)
    if domain is not None:
        return domain.group(1).lower()
    name = _NAME_END.split(rest.strip(), maxsplit=1)[0]
    name = _clean_name(name)
    return name.lower() if _name_ok(name) else None


def _is_title(line: _Line) -> bool:
    text = line.text
    if line.words < 2 or line.words > _MAX_TITLE_WORDS or len(text) > _MAX_TITLE_CHARS:
        return False
    if text.count("|") >= 2 or _DATELINE.fullmatch(text):
        return False
    return not _ends_sentence(text, ".:;,")


# ----------------------------------------------------------------------------------------------------
# The parser.
def _choose_span(lines: Sequence[_Line], level: int) -> tuple[int, int] | None:
    """First and last anchor line of the region (between strong footer markers) holding the most prose."""
    best: tuple[int, int] | None = None
    best_chars = 0
    first = last = -1
    chars = 0
    for i, line in enumerate([*lines, _Line("", "copyright", 0, 0)]):
        if line.rule in _STRONG_RULES:
            if chars > best_chars:
                best, best_chars = (first, last), chars
            first = last = -1
            chars = 0
        elif line.prose and line.prose <= level:
            first = i if first < 0 else first
            last = i
            chars += len(line.text)
    return best


def _extends_body(line: _Line, forward: bool, wrapped_neighbour: bool) -> bool:
    """Whether a line just outside the prose span belongs to the article: a short sentence, a dateline, a wire
    credit, or (in hard-wrapped text) any non-chrome, non-meta line with no blank line between it and the span,
    such as the rows of an earnings table."""
    if line.rule is not None:
        return False
    if forward and _WIRE_CREDIT.fullmatch(line.text):
        return True
    if not forward and _DATELINE.fullmatch(line.text):
        return True
    if _parse_meta(line.text) is not None:
        return False
    return wrapped_neighbour or _ends_sentence(line.text, _TERMINAL if forward else ".…。")


def parse_text_dump(text: str) -> TextDump:
    """Parse one plain-text dump into headline, metadata, copyright site, body and the dropped lines."""
    lines = [_features(" ".join(raw.split())) for raw in text.splitlines()]
    wrapped = _is_hard_wrapped(lines)
    if wrapped:
        lines = _join_wrapped(lines)
    present = [i for i, line in enumerate(lines) if line.text]
    decision: dict[int, str] = {}  # index -> rule that dropped it; absent = body
    site: str | None = None
    for i in present:
        if lines[i].rule in ("copyright", "rights_reserved") and site is None:
            site = _site_of(lines[i].text)

    span = None
    for level in (1, 2, 3):
        span = _choose_span(lines, level)
        if span is not None:
            break
    if span is None:
        for i in present:
            rule = lines[i].rule
            if rule is not None:
                decision[i] = rule
        return _result(lines, present, decision, None, None, site)

    start, end = span
    before = [i for i in present if i < start]
    while before and _extends_body(lines[before[-1]], False, wrapped and before[-1] == start - 1):
        start = before.pop()
    after = [i for i in present if i > end]
    after.reverse()
    while after and _extends_body(lines[after[-1]], True, wrapped and after[-1] == end + 1):
        end = after.pop()
    after.reverse()

    metas: list[tuple[int, _Meta]] = []
    titles: list[int] = []
    for i in before:
        line = lines[i]
        meta = _parse_meta(line.text) if line.rule is None and line.prose != 1 else None
        if line.rule is not None:
            decision[i] = line.rule
        elif meta is not None:
            decision[i] = "meta_line"
            metas.append((i, meta))
        else:
            decision[i] = "header_line"
            if _is_title(line):
                titles.append(i)
    title_idx = None
    if titles:
        last_meta = metas[-1][0] if metas else len(lines)
        earlier = [i for i in titles if i < last_meta]
        title_idx = earlier[-1] if earlier else titles[-1]
        decision[title_idx] = "title_line"

    for i in present:
        if start <= i <= end and (rule := lines[i].rule) is not None:
            decision[i] = rule
    footer = False
    for i in after:
        line = lines[i]
        footer = footer or line.rule in _STRONG_RULES
        meta = None if footer or line.rule is not None else _parse_meta(line.text)
        if line.rule is not None:
            decision[i] = line.rule
        elif meta is not None:
            decision[i] = "meta_line"
            metas.append((i, meta))
        else:
            decision[i] = "footer_block"

    title = lines[title_idx].text if title_idx is not None else None
    return _result(lines, present, decision, title, [m for _, m in metas], site)


def _result(
    lines: Sequence[_Line],
    present: Sequence[int],
    decision: dict[int, str],
    title: str | None,
    metas: Sequence[_Meta] | None,
    site: str | None,
) -> TextDump:
    published = credit = author = None
    for meta in metas or ():
        published = published or meta.published
        credit = credit or meta.credit
        author = author or meta.author
    body = "\n".join(lines[i].text for i in present if i not in decision)
    dropped = tuple((decision[i], lines[i].text) for i in present if i in decision)
    return TextDump(title, published, credit, author, site, body, dropped)
