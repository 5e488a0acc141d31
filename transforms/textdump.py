"""Parse plain-text news dumps: scrapes that kept only the page text, page chrome and all.

``parse_text_dump(text) -> TextDump`` splits a dump into the headline, the header metadata (date, publisher,
author), the site named in the copyright footer, and the article body, and records every line it removed with
the rule that removed it. Pure and Beam-free; every regex is compiled once at import.

How a dump is read, from the text alone:

1. Lines are stripped and their inner whitespace collapsed; blank lines only separate.
2. Chrome lines are recognised by full-line anchored patterns (share/print bars, "Comments (3)",
   "Most popular", breadcrumbs, copyright lines, newsletter and app promotions, photo credits, ...), tried by
   the line's first word or a key phrase (``chrome_rule``; the HTML path uses the same rules on trafilatura's
   text). A chrome pattern never fires on part of a line, so prose that merely mentions "copyright" or "print"
   is safe. Lines of the site's template learned from the batch (``template_lines``) are chrome too.
3. "Prose" lines (enough words, sentence punctuation, a normal share of stop words) anchor the body. Strong
   footer markers (comments counter, most-popular and related-story headers, copyright/rights/reproduction
   notices) and runs of more than ``_MAX_GAP_LINES`` lines without prose (menus, teaser boxes, comment
   threads, in dumps that keep every block of a page) cut the page into regions; the body is the span from the
   first to the last prose line of the region holding the most prose, grown across a "Related"/"Most read" box
   that sits between two paragraphs of the article (the next region opens with two paragraphs in a row), so
   headline lists and lone teasers after a footer marker never reach the body. Where English-like prose is
   scarce next to prose by length and punctuation alone (a page in another language), the latter anchors.
4. Before the body: chrome is dropped, the metadata line is parsed, and the title is the last short line that
   is neither chrome nor metadata, coming before the (last) metadata line where there is one. A line opening
   with a wire dateline (``FRESNO, Calif., March 3 (Reuters) -``) starts the story, so a story that is only a
   table of figures is kept from its dateline on.
5. Inside the body span every non-chrome line is kept (short subheadings and one-line quotes included), except
   the headlines under a box-of-links header and byline/date lines; just outside it, sentence-like lines, wire
   datelines, sign-offs (``REUTER``) and "(Reporting by ...)" credits are pulled back in.
6. Hard-wrapped text (paragraphs broken at ~70 columns, as in Reuters-21578) is detected (short lines by
   characters, open-ended lines continued in lower case or holding figures); a wrapped paragraph is judged as
   a whole, and lines touching the body with no blank line between (table rows) join it. Lines are never
   re-joined: the body keeps the input's lines, so it is always a subsequence of them.

``wire_agency`` names the news agency a story comes from (dateline, closing credit, or the header's credit);
``template_key`` and ``is_wire_line`` serve the learning of site templates (``transforms/boilerplate.py``).

Nothing here raises on a ``str``; a text without any structure comes back as its non-chrome lines. Every
non-blank input line ends up exactly once in either ``body`` or ``dropped``.

Not handled, on purpose: a strong footer marker that is not a box of links (comments, copyright) in the middle
of an article ends it (the larger part wins); dates without a year; time zones (dropped); a headline that ends
with a period; chrome phrased in languages other than English (prose detection itself works without English
stop words, and learned site templates catch chrome in any language).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date
from typing import NamedTuple

from transforms.normalize import ANY_DATELINE, figures

__all__ = [
    "LINE_RULES",
    "LIST_HEADER_RULES",
    "TextDump",
    "chrome_rule",
    "is_meta_line",
    "is_wire_line",
    "parse_text_dump",
    "prose_level",
    "template_key",
    "wire_agency",
]


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
_MAX_CHROME_CHARS = 500
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
_MIN_ENGLISH_SHARE = 0.5
_MAX_INNER_META_WORDS = 15
_MAX_GAP_LINES = 12
_MAX_DATELINE_LEAD = 30  # lines between a wire dateline and the prose that still belong to the story

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
    r"|comments?|(?:be\s+the\s+first\s+to|click\s+here\s+to)\s+comment|comments?\s+(?:are\s+)?closed\.?"
    r"|tell\s+us\s+what\s+you\s+think\W*|have\s+your\s+say\W*|join\s+the\s+(?:conversation|debate)\W*",
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
    r"|further\s+reading|in\s+other\s+news|what\s+to\s+read\s+next)\s*(?::|\.\.\.|…)?",
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
    r"(?:published|reproduced|copied|republished|redistributed)"
    r"|this\s+copy\s+is\s+for\s+your\s+personal,?\s+non-?commercial\s+use\b).{0,300}",
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
_SOCIAL = (
    r"(?:twitter|facebook|instagram|youtube|linkedin|tiktok|snapchat|threads|mastodon|bluesky|telegram"
    r"|whatsapp|flipboard|pinterest|social\s+media|apple\s+news|google\s+news)"
)
_FOLLOW_US = re.compile(
    r"(?:follow|find|like|connect\s+with)\s+us(?:\s+(?:on|at|via)\b[^.!?]{0,100})?\s*:?\.?"
    # "Follow Newsbeat on Instagram, Facebook, Twitter and YouTube." / "Follow AP's coverage at https://..."
    r"|follow\s+[^.!?]{1,80}?\s+(?:on|at|via)\s+(?:" + _SOCIAL + r"\b|https?://|www\.)[^!?]{0,160}",
    _I,
)
_NEWSLETTER = re.compile(
    r"(?:sign\s+up|subscribe|register)\b[^.!?]{0,80}\bnewsletters?\b[^.!?]{0,80}[.!]?"
    r"|(?:get|receive)\s+(?:our|the)\b[^.!?]{0,60}\bnewsletters?\b[^.!?]{0,60}[.!]?"
    r"|newsletters?(?:\s+sign[\s-]?up)?",
    _I,
)
# Newsletter and sign-up widgets anywhere in a short line (gated on the phrase, see _PHRASE_RULES): a named
# newsletter as a heading, its pitch, and the widget's own thank-you and error texts.
_NEWSLETTER_WIDGET = re.compile(
    r"(?:[^.!?]{0,200}[.!?:]\s+)?(?:sign\s*up|subscribe|register)\b[^.!?]{0,100}\b(?:newsletters?|inbox)\b.{0,160}"
    r"|(?:[^.!?]{0,200}[.!?:]\s+)?(?:get|receive|have)\b[^.!?]{0,100}\b(?:to|in|into|right\s+in)\s+your\s+inbox\b.{0,160}"
    r"|(?:[A-Z0-9][\w'’&.+-]*\s+){1,4}(?i:newsletters?)"
    r"|(?:thanks|thank\s+you)\s+for\s+(?:signing\s+up|subscribing|registering)\b.{0,80}"
    r"|keep\s+an\s+eye\s+on\s+your\s+inbox\b.{0,100}"
    r"|(?:sorry[.!]?\s*)?there\s+was\s+an\s+error\s+processing\s+your\s+(?:subscription|request|sign[\s-]?up)\.?",
    _I,
)
_CONTACT = re.compile(
    r"(?:e-?mail|write\s+to|reach|contact|tweet|send\s+(?:us\s+)?(?:your\s+)?(?:news\s+)?tips?"
    r"|have\s+a\s+(?:news\s+|story\s+)?tip\??|you\s+can\s+(?:reach|contact|follow|email|e-mail))\b"
    r"(?=.{0,250}?(?:[\w.+-]+@[\w-]+\.\w|(?<![\w.])@\w{2,}|twitter\.com/))[^\n]{0,300}",
    _I,
)
# A line that is nothing but a link, an address or a handle, or a label and one: "Listen: http://po.st/x".
_LINK_LINE = re.compile(
    r"(?:[^\W\d_][\w'’ -]{0,30}:\s*)?(?:(?:https?://|www\.)\S+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
    r"|@\w{2,}|(?:twitter|facebook|instagram)\.com/\S+)"
    r"(?:\s*(?:,|and|or|\|)\s*(?:(?:https?://|www\.)\S+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+|@\w{2,}))*\.?",
    _I,
)
# A machine timestamp, or a label with nothing but a date and/or a time: "Updated at 1:23 p.m.",
# "UPDATED: Tue., Nov. 19, 2019", "Published 18 November 2019".
_STAMP_DATE = (
    r"(?:[a-z]{3,9}\.?,?\s+)?(?:[a-z]{3,9}\.?\s+\d{1,2}(?:st|nd|rd|th)?,?(?:\s+\d{4})?"
    r"|\d{1,2}(?:st|nd|rd|th)?\s+[a-z]{3,9}\.?,?(?:\s+\d{4})?|\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4})"
)
_STAMP_TIME = r"\d{1,2}[:.]\d{2}(?::\d{2})?\s*(?:[ap]\.?\s?m\.?)?(?:\s*(?-i:[A-Z]{2,4}))?"
_TIMESTAMP = re.compile(
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2})?(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?"
    r"|(?:last\s+)?(?:updated|published|posted|modified)(?:\s+(?:on|at))?\s*:?\s*(?=[^!?]*\d)"
    r"(?:" + _STAMP_DATE + r")?(?:,?\s*(?:at\s+|-\s+|\|\s*)?" + _STAMP_TIME + r")?\.?",
    _I,
)
_AFFILIATE = re.compile(
    r"(?:if|when)\s+you\s+(?:buy|purchase|click|shop|sign\s+up)\b[^.!?]{0,120}\b(?:may|might|could|will)\s+"
    r"(?:get|earn|receive|collect)\b.{0,250}"
    r"|(?:this|the)\s+(?:post|article|story|page)\s+(?:may\s+)?contains?\s+affiliate\s+links?\b.{0,250}"
    r"|we\s+(?:may\s+)?(?:earn|receive|get)\s+(?:a\s+)?(?:small\s+)?(?:commission|share)\b.{0,250}",
    _I,
)
_APP_PROMO = re.compile(
    r"(?:click\s+here\s+to\s+)?(?:get|download|install)\s+(?:the\s+)?(?:free\s+)?[\w'’&. ]{1,40}\s+app\b"
    r"[^.!?]{0,80}[.!]?"
    r"|[^.!?]{0,100}\bby\s+clicking\s+here\W*",
    _I,
)
_SHARE_PROMPT = re.compile(
    r"(?:like|liked|enjoy|enjoyed|love|loved)\s+this\s+(?:story|article|post|page)\?\s*share\s+it\b.{0,60}",
    _I,
)
_SUBSCRIPTION_PROMO = re.compile(
    r"if\s+you\s+(?:enjoyed|liked|value|valued|appreciate|appreciated)\s+(?:this|our|reading)\b"
    r"(?=.{0,250}?\b(?:join|subscribe|support|become|donate|member))[^\n]{0,450}",
    _I,
)
_MORE_LINKS = re.compile(
    r"(?:don'?t\s+miss|don’t\s+miss|more|explore\s+further|see\s+more\s+(?:photos|videos|pictures)"
    r"|leggi\s+anche|lesen\s+sie\s+auch|lire\s+aussi|veja\s+tamb[ée]m|lea\s+tambi[ée]n)\s*(?::|\.\.\.|…)?",
    _I,
)
# "For more coverage of markets and companies, visit example.com." / "Visit example.com for the latest news.":
# an outlet sending readers to its own site (a domain is required, so prose that says "visit" is safe).
_SITE_PROMO = re.compile(
    r"for\s+(?:more|the\s+latest|all\s+the\s+latest|further)\b[^.!?\n]{0,80}?,?\s*"
    r"(?:visit|go\s+to|head\s+to|see)\s+(?:us\s+at\s+)?(?:www\.)?[\w-]+(?:\.[\w-]+)+\S*?[.!]?"
    r"|visit\s+(?:us\s+at\s+)?(?:www\.)?[\w-]+(?:\.[\w-]+)+\S*\s+for\s+(?:more|the\s+latest|all\s+the\s+latest)\b"
    r"[^.!?\n]{0,80}[.!]?",
    _I,
)
# Photo credits: a credit alone on its line, or a caption that ends in one ("... (Photo: AP)").
_CREDIT_WORDS = r"(?:photos?|photograph|images?|pictures?|pics?|foto|fotos|credits?)"
_PHOTO_CREDIT = re.compile(
    r"(?:(?:main|top|header|lead|cover)\s+)?"
    + _CREDIT_WORDS
    + r"(?:\s+(?:credit|courtesy|source|by))?\s*[:=]\s*[^.!?]{1,80}"
    r"|[(\[]\s*(?:ap\s+)?"
    + _CREDIT_WORDS
    + r"(?:\s+(?:credit|courtesy|source|by))?\s*[:=]?\s*[^()\[\]]{1,80}[)\]]"
    r"|\[\s*(?:사진|写真|图|圖)\s*[=:][^\]]{1,80}\]"
    r"|(?:[\w.'’ -]{1,50}\s*/\s*)?(?:getty\s+images|shutterstock|istock(?:photo)?|alamy(?:\s+stock\s+photo)?|"
    r"ap\s+photo|afp|epa(?:-efe)?|reuters|pa\s+(?:wire|media))(?:\s*/\s*[\w.'’ -]{1,50})?"
    r"(?:\s+via\s+getty\s+images)?"
    # a caption ending in its credit: "The core stage in November. (credit: NASA/Jude Guidry)"
    r"|.{10,300}?[\s.]\s*[(\[]\s*(?:"
    + _CREDIT_WORDS
    + r"|ap\s+photo)(?:\s+(?:credit|courtesy|by))?\s*[:=/]\s*"
    r"[^()\[\]]{1,80}[)\]]\s*\|?"
    r"|.{10,300}?,\s*" + _CREDIT_WORDS + r"\s*(?:©|\(c\)|by)\s*[^.!?]{1,60}",
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
_RELATED_LINK = re.compile(
    r"[(\[]?(?:related(?:\s+(?:post|story|article|content|coverage|reading|video))?|see\s+also|also\s+read"
    r"|read\s+also|also\s+see|leggi\s+anche(?:\s+su)?|lesen\s+sie\s+auch|lire\s+aussi|veja\s+tamb[ée]m"
    r"|lea\s+tambi[ée]n)\s*:\s*\S.{0,200}"
    r"|also\s+on\s+(?:[a-z0-9-]+\.)+[a-z]{2,}\s+\S.{0,200}",
    _I,
)
_TAGS = re.compile(r"(?:tags?|topics?|keywords?|filed\s+under|categories|category)\s*(?::.{0,250})?", _I)
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
        " be click tell have " + _DIGITS,
    ),
    ("most_popular", _MOST_POPULAR, "most popular trending top editor editors stories news"),
    ("related_block", _RELATED_BLOCK, "related see also read more you recommended further in what"),
    ("copyright", _COPYRIGHT, "copyright © & ("),
    ("rights_reserved", _RIGHTS_RESERVED, ""),  # gated on the phrase, see chrome_rule
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
    ("related_link", _RELATED_LINK, "related see also read leggi lesen lire veja lea ( ["),
    ("more_links", _MORE_LINKS, "don more explore see leggi lesen lire veja lea"),
    ("contact_line", _CONTACT, "email e mail write reach contact tweet send have you"),
    ("timestamp", _TIMESTAMP, "last updated published posted modified " + _DIGITS),
    ("affiliate_notice", _AFFILIATE, "if when this the we"),
    ("subscription_promo", _SUBSCRIPTION_PROMO, "if"),
    ("site_promo", _SITE_PROMO, "for visit"),
    ("app_promo", _APP_PROMO, "click get download install"),
    ("share_bar", _SHARE_PROMPT, "like liked enjoy enjoyed love loved"),
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

# Rules for chrome that can start with any word, tried when the line holds one of the phrases.
_PHRASE_RULES: tuple[tuple[str, re.Pattern[str], tuple[str, ...]], ...] = (
    (
        "newsletter",
        _NEWSLETTER_WIDGET,
        ("newsletter", "inbox", "signing up", "subscribing", "your subscription"),
    ),
    ("app_promo", _APP_PROMO, ("clicking here",)),
    (
        "photo_credit",
        _PHOTO_CREDIT,
        (
            *("photo", "image", "credit", "getty", "picture", "foto", "pic", "사진", "写真", "图", "圖"),
            *("shutterstock", "reuters", "afp", "epa", "alamy", "istock", "pa wire", "pa media"),
        ),
    ),
)
# Headers of a box of links to other stories: the short lines under one, up to the next prose, are its links.
LIST_HEADER_RULES = frozenset({"related_block", "most_popular", "more_links"})
# Rules whose lines may still be metadata (a date line): the header parser reads those for their fields.
_META_RULES = frozenset({"timestamp", "site_template"})
# Every chrome rule name a line can be dropped by (for configuration: rules can be switched off by name).
LINE_RULES: tuple[str, ...] = tuple(
    dict.fromkeys(
        [name for name, _, _ in _FULL_LINE_RULES]
        + [name for name, _, _ in _PHRASE_RULES]
        + ["share_bar", "print_bar", "font_size", "breadcrumb", "nav_bar"]
    )
)
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
_PRINT_WORDS = _wordset("print print-friendly email e-mail mail sms bookmark reprints")
_FONT_WORDS = _wordset("font a+ a- aa")
_BAR_FILLER = _wordset(
    "this article story page on via to a friend send text size copy link save comments comment version order"
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
# News agencies a dateline or credit can name, by every spelling, to one short name (the ``wire`` field).
_WIRE_AGENCIES = {
    "xinhua": "xinhua",
    "xinhua news agency": "xinhua",
    "reuters": "reuters",
    "reuter": "reuters",
    "thomson reuters": "reuters",
    "ap": "ap",
    "associated press": "ap",
    "the associated press": "ap",
    "afp": "afp",
    "agence france-presse": "afp",
    "agence france presse": "afp",
    "bloomberg": "bloomberg",
    "dpa": "dpa",
    "kyodo": "kyodo",
    "kyodo news": "kyodo",
    "yonhap": "yonhap",
    "tass": "tass",
    "itar-tass": "tass",
    "ria novosti": "ria novosti",
    "interfax": "interfax",
    "ansa": "ansa",
    "efe": "efe",
    "europa press": "europa press",
    "pti": "pti",
    "ians": "ians",
    "ani": "ani",
    "upi": "upi",
    "bernama": "bernama",
    "antara": "antara",
    "anadolu": "anadolu",
    "anadolu agency": "anadolu",
    "aap": "aap",
    "pa": "pa",
    "pa media": "pa",
    "press association": "pa",
    "apa": "apa",
    "cna": "cna",
    "china news service": "china news service",
}
# "NEW YORK, March 3 (Reuters) -", "BEIJING, June 7 (Xinhua) --", "WASHINGTON (AP) —", "(AP) —" at a paragraph's
# start; a credit alone on the last line: "(Xinhua)", "Source: Xinhua", "— AFP", "Reuter".
_WIRE_DATELINE = re.compile(
    r"(?:[A-Z][\w.'’ -]{1,40}?(?:,\s*[\w.'’ -]{1,30}?)?"
    r"(?:,\s*(?:[A-Z][a-z]{2,8}\.?\s+\d{1,2}|\d{1,2}\s+[A-Z][a-z]{2,8})(?:,\s*\d{4})?)?\s*)?"
    r"\((?P<agency>[A-Za-z][A-Za-z .&-]{0,30}?)\)\s*(?:--|—|–|-|:)"
)
_WIRE_TAIL = re.compile(
    r"\((?P<a>[A-Za-z][A-Za-z .&-]{0,30}?)\)\.?|(?:source|credit)\s*:\s*(?P<b>[A-Za-z][A-Za-z .&-]{0,30}?)\.?"
    r"|[-—–]\s*(?P<c>[A-Za-z][A-Za-z .&-]{0,30}?)|(?P<d>[A-Za-z][A-Za-z .&-]{0,30}?)\.?",
    _I,
)
_WIRE_HEAD_LINES = 3
# A last paragraph that ends in the agency's sign-off: "... the company said. REUTER".
_SIGN_OFF = re.compile(r"[.!?…][\"'”’)]*\s+\(?(?:reuters?|xinhua|ap|afp|upi|dpa)\)?\.?$", _I)


def wire_agency(text: str, credit: str | None = None) -> str | None:
    """The news agency a story comes from, by the dateline that opens one of its first paragraphs
    (``NEW YORK, March 3 (Reuters) -``, ``BEIJING, June 7 (Xinhua) --``, ``WASHINGTON (AP) —``), a credit line
    that ends it (``(Xinhua)``, ``Source: AFP``), or else the publisher its header credits when that is an agency.
    One short name per agency (``ap`` for "The Associated Press"); None when no agency is named."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    for line in lines[:_WIRE_HEAD_LINES]:
        match = _WIRE_DATELINE.match(line)
        if match is not None:
            agency = _WIRE_AGENCIES.get(" ".join(match.group("agency").lower().split()))
            if agency is not None:
                return agency
    if lines and len(lines[-1]) <= 40:
        match = _WIRE_TAIL.fullmatch(lines[-1])
        if match is not None:
            name = match.group("a") or match.group("b") or match.group("c") or match.group("d") or ""
            agency = _WIRE_AGENCIES.get(" ".join(name.lower().split()))
            if agency is not None:
                return agency
    return _WIRE_AGENCIES.get(credit.lower()) if credit else None


def is_wire_line(line: str) -> bool:
    """A line that is a wire dateline or credit: ``BEIJING, June 7 (Xinhua) --``, ``(Xinhua)``, ``Reuter``,
    ``(Reporting by Jane Doe; Editing by John Roe)``. These are article text, never template chrome."""
    line = line.strip()
    if _WIRE_CREDIT.fullmatch(line) or _DATELINE.fullmatch(line):
        return True
    match = _WIRE_DATELINE.match(line)
    if match is not None and match.group("agency").lower() in _WIRE_AGENCIES:
        return True
    match = _WIRE_TAIL.fullmatch(line) if len(line) <= 40 else None
    if match is None:
        return False
    name = match.group("a") or match.group("b") or match.group("c") or match.group("d") or ""
    return " ".join(name.lower().split()) in _WIRE_AGENCIES


def template_key(line: str) -> str:
    """The form a line is compared in when learning and stripping a site's template lines: inner whitespace
    collapsed, case kept."""
    return " ".join(line.split())


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
    if text.startswith("|") and text.endswith("|"):
        return False  # a table row (trafilatura writes tables as | cell | cell |)
    parts = [p.strip() for p in text.split("|") if p.strip()]
    return len(parts) >= 2 and all(len(p.split()) <= 4 and not _ends_sentence(p, ".!?") for p in parts)


_BULLET = re.compile(r"[-•·*▪►»]\s+")


def chrome_rule(text: str, skip: frozenset[str] = frozenset()) -> str | None:
    """The chrome rule that matches the whole line (whitespace collapsed), or None; rules named in ``skip`` are
    not tried. Gated on the line's first word or a key phrase, so most lines try one regex or none. A list
    bullet in front of the line is ignored."""
    if len(text) > _MAX_CHROME_CHARS:
        return None
    bullet = _BULLET.match(text)
    if bullet is not None and bullet.end() < len(text):
        text = text[bullet.end() :]
    lower = text.lower()
    first = _FIRST_KEY.match(lower)
    key = first.group() if first else ""
    for name, pattern in _RULES_BY_KEY.get(key, ()):
        if name not in skip and pattern.fullmatch(text):
            return name
    if "reserved" in lower and "rights_reserved" not in skip and _RIGHTS_RESERVED.fullmatch(text):
        return "rights_reserved"
    for name, pattern, phrases in _PHRASE_RULES:
        if name not in skip and any(phrase in lower for phrase in phrases) and pattern.fullmatch(text):
            return name
    if len(text) <= 120 and key in _BAR_FIRST:
        bar = _bar_rule(lower)
        if bar is not None and bar not in skip:
            return bar
    if (
        (_CRUMB_SEP.search(text) or lower.startswith("home /"))
        and "breadcrumb" not in skip
        and _is_breadcrumb(text)
    ):
        return "breadcrumb"
    if "|" in text and "nav_bar" not in skip and _is_nav_bar(text):
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


def prose_level(text: str) -> int:
    """1: English-like prose; 2: prose by length and punctuation only; 3: a short sentence; 0: not prose."""
    return _prose_level(text, _size(text))


def _features(text: str, skip: frozenset[str] = frozenset()) -> _Line:
    """Chrome rule, prose level and size of one line."""
    if not text:
        return _EMPTY
    rule = chrome_rule(text, skip)
    size = _size(text)
    return _Line(text, rule, 0 if rule is not None else _prose_level(text, size), size)


def _is_hard_wrapped(lines: Sequence[_Line]) -> bool:
    """Paragraphs broken into short lines (Reuters-style ~70 columns) rather than one paragraph per line."""
    wordy = [line.text for line in lines if line.rule is None and line.words >= 4]
    if len(wordy) < 3:
        return False
    # by characters, not lines: a page's few long paragraphs outweigh its many short menu items
    long_chars = sum(len(text) for text in wordy if len(text) > _WRAP_WIDTH)
    open_ended = sum(1 for text in wordy if not _ends_sentence(text))
    # A sentence broken by the wrap goes on in lower case on the next line, and table rows hold figures; the
    # open-ended lines of a menu or a link list do neither.
    texts = [line.text for line in lines if line.text]
    wrapped_like = sum(
        1
        for prev, nxt in zip(texts, [*texts[1:], ""], strict=True)
        if len(prev.split()) >= 4
        and not _ends_sentence(prev)
        and ((nxt and nxt[0].islower()) or _DIGIT.search(prev))
    )
    short_text = long_chars * 10 <= sum(map(len, wordy))
    return short_text and open_ended * 5 >= len(wordy) * 2 and wrapped_like * 5 >= open_ended


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


def is_meta_line(text: str) -> bool:
    """Whether a line is a header/byline line: a date, a labelled author or source, with little else."""
    return _parse_meta(text) is not None


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
class _Region(NamedTuple):
    marker: str | None  # the strong rule of the line that opens the region (None: the page's start)
    start: int  # index of the line that opens it (its marker line; 0 for the page's start)
    prose: tuple[int, ...]  # its anchor (prose) lines
    chars: int


# Footer markers that sites also put inside an article (a box of links between two paragraphs): the article
# goes on after them when paragraphs follow right away.
_INLINE_MARKERS = frozenset({"related_block", "most_popular"})
_MAX_INSERT_LINES = 8  # non-blank lines between the paragraphs around such a box
_MIN_CONTINUATION_CHARS = 200


def _regions(lines: Sequence[_Line], level: int, max_gap: int | None) -> list[_Region]:
    """The page cut at strong footer markers and, with ``max_gap``, wherever more than that many non-blank lines
    separate two prose lines (a page's article and its teaser boxes, comments or menus)."""
    regions: list[_Region] = []
    marker: str | None = None
    prose: list[int] = []
    chars = gap = start = 0
    for i, line in enumerate(lines):
        if line.rule in _STRONG_RULES:
            regions.append(_Region(marker, start, tuple(prose), chars))
            marker, start, prose, chars, gap = line.rule, i, [], 0, 0
        elif line.prose and line.prose <= level:
            if max_gap is not None and prose and gap > max_gap:
                regions.append(_Region(marker, start, tuple(prose), chars))
                marker, start, prose, chars = "gap", i, [], 0
            prose.append(i)
            chars += len(line.text)
            gap = 0
        elif line.text:
            gap += 1
    regions.append(_Region(marker, start, tuple(prose), chars))
    return regions


def _continues(lines: Sequence[_Line], before: _Region, after: _Region, toward_after: bool) -> bool:
    """Whether the article runs on from one region into the next across a box of links: the marker between them
    is an inline kind, few lines separate their paragraphs, and the region being added starts (or ends, going
    backward) with two paragraphs in a row, not a lone teaser."""
    if after.marker not in _INLINE_MARKERS or not before.prose or not after.prose:
        return False
    gap = sum(1 for line in lines[before.prose[-1] + 1 : after.prose[0]] if line.text)
    if gap > _MAX_INSERT_LINES:
        return False
    added = after if toward_after else before
    if len(added.prose) < 2 or added.chars < _MIN_CONTINUATION_CHARS:
        return False
    a, b = (added.prose[0], added.prose[1]) if toward_after else (added.prose[-2], added.prose[-1])
    return not any(line.text for line in lines[a + 1 : b])


def _choose_span(
    lines: Sequence[_Line], level: int, max_gap: int | None = None
) -> tuple[tuple[int, int] | None, int]:
    """First and last anchor line of the region (between strong footer markers, and long runs without prose when
    ``max_gap`` is given) holding the most prose, grown across boxes of links inside the article; and the prose
    characters it holds."""
    regions = _regions(lines, level, max_gap)
    best = max(range(len(regions)), key=lambda k: regions[k].chars)
    if best and regions[best].marker in LIST_HEADER_RULES:
        # A box of links never outweighs the story above it: a story that is only a table of figures has little
        # or no prose, but its dateline ("FORT WORTH, Texas (The Continental Post) - Shr 71 cts vs 49 cts") says
        # where it starts; its rows then join it as wrapped neighbours.
        opener = _dateline_opener(lines, range(regions[best].start - 1, -1, -1))
        if opener is not None:
            own = [r for r in regions if r.start <= opener][-1]
            last = max([opener, *(i for i in own.prose if i > opener)])
            return (opener, last), sum(len(lines[i].text) for i in own.prose if i >= opener)
        if all(_is_title(lines[i]) for i in regions[best].prose):
            # A box of headlines under its header ("Most read", "1. Business: ...") is never the story, whatever
            # outweighs it: a table with no dateline above it is still the better body.
            earlier = [k for k in range(best) if regions[k].chars]
            if earlier:
                best = max(earlier, key=lambda k: regions[k].chars)
            else:
                table = _table_above(lines, regions[best].start)
                if table is not None:
                    return table, sum(len(lines[i].text) for i in range(table[0], table[1] + 1))
    if not regions[best].chars:
        return None, 0
    lo = hi = best
    while hi + 1 < len(regions) and _continues(lines, regions[hi], regions[hi + 1], True):
        hi += 1
    while lo > 0 and _continues(lines, regions[lo - 1], regions[lo], False):
        lo -= 1
    chars = sum(region.chars for region in regions[lo : hi + 1])
    return (regions[lo].prose[0], regions[hi].prose[-1]), chars


def _dateline_opener(lines: Sequence[_Line], indices: Iterable[int]) -> int | None:
    """The first of ``indices`` whose line is not chrome and opens with a dateline under any name."""
    return next((i for i in indices if lines[i].rule is None and ANY_DATELINE.match(lines[i].text)), None)


def _opens_story(text: str) -> bool:
    """A line that starts with a wire dateline: ``FRESNO, Calif., March 3 (Reuters) - Shr loss ...``."""
    match = _WIRE_DATELINE.match(text)
    return match is not None and " ".join(match.group("agency").lower().split()) in _WIRE_AGENCIES


def _extends_body(line: _Line, forward: bool, wrapped_neighbour: bool) -> bool:
    """Whether a line just outside the prose span belongs to the article: a short sentence, a dateline, a wire
    credit, or (in hard-wrapped text) any non-chrome, non-meta line with no blank line between it and the span,
    such as the rows of an earnings table."""
    if line.rule is not None:
        return False
    if forward and (_SIGN_OFF.search(line.text) or is_wire_line(line.text)):
        return True
    if not forward and _DATELINE.fullmatch(line.text):
        return True
    if _parse_meta(line.text) is not None:
        return False
    return wrapped_neighbour or _ends_sentence(line.text, _TERMINAL if forward else ".…。")


_MAX_ROW_WORDS = 12


def _table_row(line: _Line) -> bool:
    """A row of a table of figures: not chrome, short, stating a figure (digits or number words), neither a
    headline in title case ("Vendo Co 4th Qtr Loss") nor a date or byline line."""
    if line.rule is not None or not 0 < line.words <= _MAX_ROW_WORDS:
        return False
    if _DIGIT.search(line.text) is None and not figures(line.text):  # "Shr loss four cts vs loss seven cts"
        return False
    lettered = [w for w in line.text.split() if w[:1].isalpha() and len(w) > 2]
    if len(lettered) > 1 and sum(w[0].isupper() for w in lettered) > 0.5 * len(lettered):
        return False
    return not _ends_sentence(line.text, ".!?") and _parse_meta(line.text) is None


_TABLE_NOTE = re.compile(r"notes?\s*:", _I)  # a table's closing note ("NOTE: Full name is ...")


def _table_above(lines: Sequence[_Line], header: int) -> tuple[int, int] | None:
    """First and last row of the table of figures right above a box's header line, or None for fewer than two
    rows. Chrome between the table and the header ("Comments (0)", "READ MORE: ...") is stepped over, and so is
    a chrome line that is not a footer marker between two rows (an advert); the table's closing note ("NOTE:
    Full name is Thor Energy Resources Inc") is its last row."""
    rows: list[int] = []
    i = header - 1
    while i >= 0:
        line = lines[i]
        inside = rows and i > 0 and _table_row(lines[i - 1])  # an advert line between two rows
        below = not rows and line.rule is not None  # chrome under the table, above the box
        if not line.text or below or (inside and line.rule is not None and line.rule not in _STRONG_RULES):
            i -= 1
            continue
        if _table_row(line) or (rows and _table_label(line) and i > 0 and _table_row(lines[i - 1])):
            rows.append(i)
            i -= 1
            continue
        if not rows and _TABLE_NOTE.match(line.text) and i > 0:
            rows.append(i)
            i -= 1
            continue
        break
    return (rows[-1], rows[0]) if len(rows) >= 2 and any(_table_row(lines[k]) for k in rows) else None


def _continues_table(lines: Sequence[_Line], end: int, i: int, following: int | None) -> bool:
    """Whether line ``i`` below the body's last line ``end`` is the next row of a table the body ends in (a
    story that is only its dateline and an earnings table: "PHOENIX (The Standard-Times) - Shr 1.18 dollars vs
    1.15 dollars", "Net 19.7 mln vs 19.3 mln", ...), in text that is not hard-wrapped; a label ("Year") counts
    when a row follows it."""
    last = lines[end]
    tabular = (
        _table_row(last)
        or _table_label(last)
        or (
            ANY_DATELINE.match(last.text) is not None
            and _DIGIT.search(last.text) is not None
            and last.words <= 20
        )
    )
    if not tabular:
        return False
    line = lines[i]
    return _table_row(line) or (_table_label(line) and following is not None and _table_row(lines[following]))


def _table_label(line: _Line) -> bool:
    """A table's section label between its rows ("Year", "Six mths", "4th qtr")."""
    return line.rule is None and 0 < line.words <= 3 and not _ends_sentence(line.text, ".!?:")


def parse_text_dump(
    text: str, *, skip_rules: frozenset[str] = frozenset(), template_lines: frozenset[str] = frozenset()
) -> TextDump:
    """Parse one plain-text dump into headline, metadata, copyright site, body and the dropped lines.

    ``skip_rules``: chrome rules not to apply. ``template_lines``: lines known to be this site's template
    (``template_key`` form, learned from the batch by ``transforms.boilerplate``): chrome wherever they are
    (``site_template``, or the rule that knows the line), except that a template line that is a date or byline
    line is still read for its fields.
    """
    lines = [_features(" ".join(raw.split()), skip_rules) for raw in text.splitlines()]
    if template_lines:
        # A template line that a rule of its own knows keeps that rule: a learned "Related stories:" is still the
        # header that makes the links below it chrome.
        lines = [
            line._replace(rule=line.rule or "site_template", prose=0) if line.text in template_lines else line
            for line in lines
        ]
    wrapped = _is_hard_wrapped(lines)
    if wrapped:
        lines = _join_wrapped(lines)
    present = [i for i, line in enumerate(lines) if line.text]
    decision: dict[int, str] = {}  # index -> rule that dropped it; absent = body
    site: str | None = None
    for i in present:
        if lines[i].rule in ("copyright", "rights_reserved") and site is None:
            site = _site_of(lines[i].text)

    # English-like prose anchors the body; where it is scarce next to prose by length and punctuation alone (a
    # page in another language, whose few English-looking lines are stray), the latter does.
    # Hard-wrapped text keeps its tables whole (rows are not prose); elsewhere a long run of lines without prose
    # separates the article from teasers, comments and menus.
    max_gap = None if wrapped else _MAX_GAP_LINES
    span, chars = _choose_span(lines, 1, max_gap)
    wider, wider_chars = _choose_span(lines, 2, max_gap)
    if span is None or chars < _MIN_ENGLISH_SHARE * wider_chars:
        span = wider
    if span is None:
        span = _choose_span(lines, 3, max_gap)[0]
    if span is None:
        # No prose at all (a table of figures): a dateline still says where the story starts.
        opener = _dateline_opener(lines, present)
        span = None if opener is None else (opener, opener)
    if span is None:
        for i in present:
            rule = lines[i].rule
            if rule is not None:
                decision[i] = rule
        return _result(lines, present, decision, None, None, site)

    start, end = span
    # A headline and byline run into a hard-wrapped story with no blank line between are one paragraph with it;
    # the story starts at its dateline when only short, sentence-less lines come before that.
    opener = _dateline_opener(lines, range(start, end + 1))
    if opener is not None and all(
        lines[i].words <= _MAX_TITLE_WORDS and not _ends_sentence(lines[i].text)
        for i in range(start, opener)
        if lines[i].text
    ):
        start = opener
    before = [i for i in present if i < start]
    while before and _extends_body(lines[before[-1]], False, wrapped and before[-1] == start - 1):
        start = before.pop()
    # A dateline opens the story (a wire's, or an outlet's own name in a re-run wire story): the lines between it
    # and the prose (the rows of an earnings table) are article text, unless a footer marker or another
    # headline-like break stands between.
    for k in range(len(before) - 1, max(-1, len(before) - 1 - _MAX_DATELINE_LEAD), -1):
        line = lines[before[k]]
        if line.rule in _STRONG_RULES:
            break
        if line.rule is None and (_opens_story(line.text) or ANY_DATELINE.match(line.text)):
            start = before[k]
            before = before[:k]
            break
    # The rows of a table right above the prose are the story's top (an earnings story whose only prose is its
    # NOTE, in an outlet's copy with no dateline): rows state figures; a short label ("Year", "Six mths") between
    # two rows is one of them.
    opened = ANY_DATELINE.match(lines[start].text) or _DATELINE.match(lines[start].text)
    while before and not opened and _table_row(lines[before[-1]]):
        start = before.pop()
        while len(before) >= 2 and _table_label(lines[before[-1]]) and _table_row(lines[before[-2]]):
            start = before.pop()
    after = [i for i in present if i > end]
    after.reverse()
    while after:
        # A promotion or advert line inside a table ("READ MORE: ...") is stepped over: the rows after it are
        # still the story's (the line itself is dropped as chrome below).
        k = len(after) - 1
        while k > 0 and lines[after[k]].rule is not None and lines[after[k]].rule not in _STRONG_RULES:
            k -= 1
        neighbour = wrapped and after[k] == (after[k + 1] if k + 1 < len(after) else end) + 1
        if _continues_table(lines, end, after[k], after[k - 1] if k else None):
            end = after[k]
            del after[k:]
            continue
        if k < len(after) - 1 and not (neighbour and _extends_body(lines[after[k]], True, True)):
            break
        if not _extends_body(lines[after[k]], True, neighbour):
            break
        end = after[k]
        del after[k:]
    after.reverse()

    metas: list[tuple[int, _Meta]] = []
    titles: list[int] = []
    for i in before:
        line = lines[i]
        metaish = line.rule is None or line.rule in _META_RULES
        meta = _parse_meta(line.text) if metaish and line.prose != 1 else None
        if meta is not None:
            decision[i] = "meta_line"
            metas.append((i, meta))
        elif line.rule is not None:
            decision[i] = line.rule
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

    # Inside the body: chrome lines go, so do the headlines of a box of links under its header and byline or
    # date lines between paragraphs (a second header, an update stamp).
    in_list = False
    for i in present:
        if not start <= i <= end:
            continue
        line = lines[i]
        short = line.prose in (0, 3)
        if line.rule is not None:
            decision[i] = line.rule
            in_list = line.rule in LIST_HEADER_RULES
        elif in_list and short:
            decision[i] = "link_list"
        elif short and line.words <= _MAX_INNER_META_WORDS and _parse_meta(line.text) is not None:
            decision[i] = "meta_line"
        else:
            in_list = False
    footer = False
    for i in after:
        line = lines[i]
        footer = footer or line.rule in _STRONG_RULES
        metaish = line.rule is None or line.rule in _META_RULES
        meta = _parse_meta(line.text) if metaish and not footer else None
        if meta is not None:
            decision[i] = "meta_line"
            metas.append((i, meta))
        elif line.rule is not None:
            decision[i] = line.rule
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
