"""Article extraction from HTML: trafilatura, then our own counted post-processing of its text.

trafilatura is the base. Comments are excluded (measured on templated news pages: precision 0.67 -> 0.99 with them
off) and trafilatura's own deduplication is off: it is process-global state, so with it on, a page's text would
depend on which pages the same worker happened to see before.

Two fixes on top, measured on the Zyte article-extraction benchmark (``newsdedup eval extraction``):

- ``recover_paragraphs``: trafilatura takes the *first* container that looks like the article, so pages that split
  the story into several sibling blocks (ads or embeds between the chunks) lose every chunk but the first. Prose
  paragraphs that sit in the same kind of container (same tag and class path) as two or more paragraphs it kept
  are put back, in page order.
- ``strip_page_chrome``: the chrome trafilatura leaves in: the headline repeated as the first line, copyright and
  "all rights reserved" lines, share/print/comment counters, "Most read"/"Related" headers and the link lists under
  them, newsletter, cookie and app-promotion text, byline and date lines above and below the prose, photo credits,
  author contact notes. The line rules are textdump's (one rule set for HTML and text dumps); every removed line
  is returned with the rule that removed it, so the clean stage counts each rule as ``rule:<name>``.

``extract_article`` runs all three; ``transforms.isolate`` runs it under a deadline in a child process.
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Iterable
from configparser import ConfigParser
from typing import Any, NamedTuple

import lxml.html
import trafilatura
from lxml import etree
from trafilatura.settings import Document as TrafilaturaDocument
from trafilatura.settings import set_date_params, use_config

from transforms.textdump import LINE_RULES, LIST_HEADER_RULES, chrome_rule, is_meta_line, prose_level


class Extracted(NamedTuple):
    """What cleaning found in a page or a text dump: the article text and the metadata it states."""

    text: str
    title: str | None = None
    published: str | None = None
    author: str | None = None
    site: str | None = None  # the site that served the page (site name, copyright owner)
    credit: str | None = None  # the publisher the text credits (byline/header line)
    url: str | None = None  # the page's own URL (canonical link), when the record had none


def trafilatura_config() -> ConfigParser:
    """trafilatura settings for running inside a worker.

    Its extraction timeout uses SIGALRM, which works only in a main thread (its own CLI); Beam runs DoFns in
    worker threads, so it is switched off here. The clean stage bounds a page's size (element count) itself and
    runs large pages in a child process that is killed at a deadline (``transforms.isolate``).
    """
    config = use_config()
    config.set("DEFAULT", "EXTRACTION_TIMEOUT", "0")
    return config


def date_params(extensive: bool) -> dict[str, Any] | None:
    """htmldate's settings for trafilatura (``date_extraction_params``): its own default (None: the extensive
    search) or the quick search, for a caller that has the page's date already (``extract_html``; the bench's
    bare loop does the same, so both call trafilatura alike)."""
    return None if extensive else set_date_params(extensive=False)


def extract_html(
    html: str,
    *,
    url: str | None = None,
    include_comments: bool = False,
    include_tables: bool = True,
    favor_precision: bool = False,
    favor_recall: bool = False,
    config: ConfigParser | None = None,
    extensive_date_search: bool = True,
) -> Extracted | None:
    """The article of an HTML page as trafilatura alone finds it, or None when it finds none.

    ``extensive_date_search=False`` skips htmldate's extensive search for the page's date (dateparser tried in
    every language it knows), for a caller that has the date already and will not use the one found: the rest of
    the result is the same (htmldate searches a copy of the page), and it saves ~2 ms a page plus ~4.5 s a process
    of compiling dateparser's patterns the first time (measured on the bench's pages: README "Performance")."""
    doc = trafilatura.bare_extraction(
        html,
        url=url,
        include_comments=include_comments,
        include_tables=include_tables,
        favor_precision=favor_precision,
        favor_recall=favor_recall,
        deduplicate=False,
        with_metadata=True,
        config=config or trafilatura_config(),
        date_extraction_params=date_params(extensive_date_search),
    )
    if not isinstance(doc, TrafilaturaDocument) or not (doc.text or "").strip():
        return None
    text = doc.text or ""
    if include_comments and (doc.comments or "").strip():
        text = f"{text}\n{doc.comments}"  # trafilatura keeps comments apart from the article text
    return Extracted(
        text=text,
        title=doc.title or None,
        published=doc.date or None,
        author=doc.author or None,
        site=doc.sitename or None,
        url=doc.url or None,
    )


def count_elements(html: str) -> int:
    """About how many elements a page has (opening tags), counted without parsing it: a cheap guard against
    pathological pages before they reach the parser."""
    return html.count("<") - html.count("</")


# ---------------------------------------------------------------------------------------------------------------
# Paragraphs trafilatura dropped from an article split into sibling blocks.
# ---------------------------------------------------------------------------------------------------------------

_NOT_ARTICLE = frozenset(
    {"nav", "header", "footer", "aside", "form", "figure", "figcaption", "button", "select", "textarea"}
    | {"blockquote"}
)
_DROP_CONTENT = ("script", "style", "noscript", "template")
_NON_WORD = re.compile(r"\W+")
_SIGNATURE_DEPTH = 3
_MIN_KEPT_SIBLINGS = 2


def _parse_html(html: str) -> lxml.html.HtmlElement | None:
    parser = lxml.html.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True)
    try:
        root = lxml.html.document_fromstring(html.encode("utf-8", "surrogatepass"), parser=parser)
    except (etree.ParserError, ValueError):
        return None
    return root


def _signature(element: lxml.html.HtmlElement) -> tuple[tuple[str, str], ...]:
    """The tag and class of an element's nearest ancestors: paragraphs of one article's blocks share it."""
    out = []
    for ancestor in itertools.islice(element.iterancestors(), _SIGNATURE_DEPTH):
        out.append((str(ancestor.tag), ancestor.get("class", "")))
    return tuple(out)


def recover_paragraphs(html: str, text: str) -> tuple[str, tuple[str, ...]]:
    """Put back the prose paragraphs trafilatura dropped from an article split into sibling blocks.

    A ``<p>`` of the page counts as kept when its words (punctuation and spacing ignored) are in ``text``.
    Paragraphs are grouped by the tag and class of their three nearest ancestors; in a group with at least two
    kept paragraphs, the missing ones that are prose are inserted after the kept paragraph that precedes them in
    the page. Paragraphs inside navigation, headers, footers, asides, forms, figures and quotes are never
    recovered. Returns the new text (one paragraph a line) and the recovered paragraphs."""
    root = _parse_html(html)
    lines = [" ".join(raw.split()) for raw in text.splitlines()]
    lines = [line for line in lines if line]
    if root is None or not lines:
        return "\n".join(lines), ()
    for element in list(root.iter(*_DROP_CONTENT)):
        element.drop_tree()
    for br in root.iter("br"):
        br.tail = "\n" + (br.tail or "")

    compact = [_NON_WORD.sub("", line) for line in lines]
    joined = "".join(compact)
    starts = list(itertools.accumulate([0, *map(len, compact)]))

    def line_of(paragraph: str) -> int | None:
        key = _NON_WORD.sub("", paragraph)
        pos = joined.find(key) if key else -1
        return None if pos < 0 else bisect.bisect_right(starts, pos) - 1

    groups: dict[tuple[tuple[str, str], ...], list[tuple[int, str, int | None]]] = {}
    for order, p in enumerate(root.iter("p")):
        if any(ancestor.tag in _NOT_ARTICLE for ancestor in p.iterancestors()):
            continue
        paragraph = " ".join(p.text_content().split())
        if paragraph:
            groups.setdefault(_signature(p), []).append((order, paragraph, line_of(paragraph)))

    after: dict[int, list[tuple[int, str]]] = {}  # line index (-1: before the first line) -> paragraphs
    for members in groups.values():
        kept = [(order, at) for order, _, at in members if at is not None]
        if len(kept) < _MIN_KEPT_SIBLINGS:
            continue
        for order, paragraph, at in members:
            if at is not None or prose_level(paragraph) not in (1, 2):
                continue
            before = [line for o, line in kept if o < order]
            anchor = before[-1] if before else min(line for _, line in kept) - 1
            after.setdefault(anchor, []).append((order, paragraph))
    if not after:
        return "\n".join(lines), ()
    out: list[str] = []
    recovered: list[str] = []
    for i in range(-1, len(lines)):
        if i >= 0:
            out.append(lines[i])
        for _, paragraph in sorted(after.get(i, ())):
            out.append(paragraph)
            recovered.append(paragraph)
    return "\n".join(out), tuple(recovered)


# ---------------------------------------------------------------------------------------------------------------
# Chrome trafilatura leaves in the text, line by line, every removal named by its rule.
# ---------------------------------------------------------------------------------------------------------------

# Our rules for extracted page text; the line rules come from textdump (one rule set for both kinds of input).
PAGE_RULES: tuple[str, ...] = ("title", "kicker", "link_list", "meta_line", "author_bio")
HTML_RULES: tuple[str, ...] = LINE_RULES + PAGE_RULES
_MAX_KICKER_WORDS = 6
_MAX_HEADLINE_WORDS = 16
_MAX_HEAD_LINES = 3
_MAX_META_WORDS = 15
_TAIL_LINES = 3
_MAX_BIO_CHARS = 500
_FOLD = re.compile(r"[\W_]+")
# The last sentence of a note about the author: how to reach or follow them ("Follow him on Twitter @x."),
# or a line that is only an address or a profile link.
_BIO = re.compile(
    r"(?:^|[.!?]\s+)(?:[^.!?]{0,80}\b(?:follow|e-?mail|reach|reached|contact|write\s+to|tweet)\b[^.!?]{0,80}?"
    r"(?:[\w.+-]+@[\w-]+(?:\.[\w-]+)+|(?<![\w.])@\w{2,}|twitter\.com/\w+)[^!?]{0,80}"
    r"|(?:[\w.+-]+@[\w-]+(?:\.[\w-]+)+|(?:https?://)?(?:www\.)?(?:twitter|facebook|instagram)\.com/\w+))\s*$",
    re.IGNORECASE,
)


class Stripped(NamedTuple):
    """Article text after post-processing, and each removed line with the rule that removed it."""

    text: str
    removed: tuple[tuple[str, str], ...]  # (rule, line), in text order


def _fold(text: str) -> str:
    return _FOLD.sub(" ", text.casefold()).strip()


def _is_title(line: str, title: str) -> bool:
    """The line repeats the headline, or one holds the other at its start (``Headline | Site``)."""
    a, b = _fold(line), _fold(title)
    if not a or not b:
        return False
    return (
        a == b or (len(a) >= 0.6 * len(b) and b.startswith(a)) or (len(b) >= 0.6 * len(a) and a.startswith(b))
    )


def _is_headline(line: str) -> bool:
    """Short and not ending in a full stop: a headline (a question included), not a paragraph."""
    return len(line.split()) <= _MAX_HEADLINE_WORDS and not line.rstrip("\"'”’)").endswith((".", "…"))


def _is_prose(line: str) -> bool:
    return prose_level(line) in (1, 2)


def strip_page_chrome(text: str, *, title: str | None = None, skip: frozenset[str] = frozenset()) -> Stripped:
    """Remove the chrome an extractor leaves in an article's text (one paragraph a line).

    - ``title``: the headline repeated in the first three lines (it is metadata, kept in the title field), and
      ``kicker``: short lines above it (section labels);
    - the line rules of ``transforms.textdump`` (``copyright``, ``share_bar``, ``newsletter``, ``photo_credit``,
      ...): a rule matches a whole line, so prose that only mentions "copyright" or "print" stays;
    - ``link_list``: the short lines under a "Related" / "Most read" / "Don't miss" header, up to the next prose;
    - ``meta_line``: byline and date lines above the first and below the last paragraph of prose;
    - ``author_bio``: in the last three lines, a note that ends by saying how to reach or follow the author.

    Rules named in ``skip`` are off. Pure: returns the kept lines and every removed line with its rule."""
    lines = [" ".join(raw.split()) for raw in text.splitlines()]
    lines = [line for line in lines if line]
    rule: list[str | None] = [None] * len(lines)

    if title and "title" not in skip:
        for i, line in enumerate(lines[:_MAX_HEAD_LINES]):
            if _is_title(line, title):
                rule[i] = "title"
                for j in range(i):
                    kicker = len(lines[j].split()) <= _MAX_KICKER_WORDS and not _is_prose(lines[j])
                    if kicker and "kicker" not in skip:
                        rule[j] = "kicker"
                break

    prose = [_is_prose(line) for line in lines]
    first = next((i for i, p in enumerate(prose) if p), len(lines))
    last = max((i for i, p in enumerate(prose) if p), default=-1)
    in_list = False
    for i, line in enumerate(lines):
        if rule[i] is not None:
            continue
        found = chrome_rule(line, skip)
        if found is not None:
            rule[i] = found
            header = found in LIST_HEADER_RULES or (found == "tags" and ":" not in line)
            in_list = header and "link_list" not in skip
            continue
        if in_list and (not prose[i] or _is_headline(line)):
            rule[i] = "link_list"
            continue
        in_list = False
        if (
            (i < first or i > last)
            and "meta_line" not in skip
            and len(line.split()) <= _MAX_META_WORDS
            and not line.startswith("|")
            and is_meta_line(line)
        ):
            rule[i] = "meta_line"
        elif (
            i >= len(lines) - _TAIL_LINES
            and "author_bio" not in skip
            and len(line) <= _MAX_BIO_CHARS
            and _BIO.search(line)
        ):
            rule[i] = "author_bio"
    kept = "\n".join(line for line, r in zip(lines, rule, strict=True) if r is None)
    removed = tuple((r, line) for line, r in zip(lines, rule, strict=True) if r is not None)
    return Stripped(kept, removed)


def check_rule_names(names: Iterable[str]) -> frozenset[str]:
    """The given rule names, checked: raises ValueError naming any that is not a rule."""
    chosen = frozenset(names)
    unknown = sorted(chosen - set(HTML_RULES))
    if unknown:
        raise ValueError(f"unknown rule(s) {', '.join(unknown)}; the rules are: {', '.join(HTML_RULES)}")
    return chosen


# ---------------------------------------------------------------------------------------------------------------
# The whole HTML path.
# ---------------------------------------------------------------------------------------------------------------


class HtmlOptions(NamedTuple):
    """How a page is cleaned (plain values: sent as they are to a child process)."""

    include_comments: bool = False
    include_tables: bool = True
    favor_precision: bool = False
    favor_recall: bool = False
    recover_paragraphs: bool = True
    strip_chrome: bool = True
    skip_rules: frozenset[str] = frozenset()


DEFAULT_OPTIONS = HtmlOptions()


class Article(NamedTuple):
    """What ``extract_article`` found: the page's article (None: no article text) and what post-processing did."""

    found: Extracted | None
    removed: tuple[tuple[str, str], ...] = ()  # (rule, line) of every line removed as chrome
    recovered: tuple[str, ...] = ()  # paragraphs put back


def extract_article(
    html: str,
    *,
    url: str | None = None,
    options: HtmlOptions = DEFAULT_OPTIONS,
    config: ConfigParser | None = None,
    extensive_date_search: bool = True,
) -> Article:
    """trafilatura, then ``recover_paragraphs`` and ``strip_page_chrome`` as ``options`` say.
    ``extensive_date_search``: see ``extract_html`` (off when the caller has the page's date)."""
    found = extract_html(
        html,
        url=url,
        include_comments=options.include_comments,
        include_tables=options.include_tables,
        favor_precision=options.favor_precision,
        favor_recall=options.favor_recall,
        config=config,
        extensive_date_search=extensive_date_search,
    )
    if found is None:
        return Article(None)
    text = found.text
    recovered: tuple[str, ...] = ()
    if options.recover_paragraphs:
        text, recovered = recover_paragraphs(html, text)
    removed: tuple[tuple[str, str], ...] = ()
    if options.strip_chrome:
        text, removed = strip_page_chrome(text, title=found.title, skip=options.skip_rules)
    return Article(found._replace(text=text), removed, recovered)
