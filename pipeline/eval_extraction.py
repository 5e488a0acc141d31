"""``newsdedup eval extraction|boilerplate``: how well cleaning removes page chrome, measured.

``eval extraction --data ../shared/data/zyte-aeb [--limit N] [--rules] [--json PATH]`` scores the cleaner on the
Zyte article-extraction benchmark with that benchmark's own scoring, for two inputs:

- the HTML pages: trafilatura alone (comments off, as the clean stage calls it) against ours (the clean stage:
  trafilatura, recovered paragraphs, chrome rules);
- text dumps of the same pages, as a text-only scraper saves them (``render_text_dump``: the visible text, one
  line per block element): every line kept against ours (the clean stage's text-dump rules).

Scoring, as the benchmark does it (so figures compare with published ones): tokens are ``re.findall(r"\\w+")``
with case kept; a page's text is the multiset of its word 4-grams (a text of fewer than 4 tokens is one shorter
n-gram, as in the benchmark's code); per page tp = sum of min(true count, predicted count), fp = the predicted
excess, fn = the missing part, normalised so tp + fp + fn = 1; a page's precision is 1 when fp = fn = 0, else
tp / (tp + fp) (0 when both are 0), recall likewise; precision and recall are averaged over the pages and F1 is
taken from the two averages.

``--rules`` adds what each post-processing rule contributes (F1, precision and recall with all rules, minus the
same with that rule off) and trafilatura's own options (``favor_precision``, ``favor_recall``) as further rows.

``eval boilerplate --batch DIR`` runs template learning and cleaning on a batch made by
``bench/make_templated_batch.py`` (many pages per site, the chrome lines known by construction) and prints the
share of chrome lines removed and of article lines kept, with and without the learned templates.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import lxml.html
from lxml import etree

from transforms.clean import CleanSettings, clean_record
from transforms.extract import (
    HTML_RULES,
    HtmlOptions,
    extract_html,
    recover_paragraphs,
    strip_page_chrome,
    trafilatura_config,
)
from transforms.normalize import display_text
from transforms.records import Document, RawRecord

# ---------------------------------------------------------------------------------------------------------------
# Scoring (pure).
# ---------------------------------------------------------------------------------------------------------------

_TOKEN = re.compile(r"\w+")
NGRAM = 4


def tokens(text: str) -> list[str]:
    """The benchmark's tokens: runs of word characters, case kept."""
    return _TOKEN.findall(text or "")


def shingle_counts(text: str, n: int = NGRAM) -> Counter[tuple[str, ...]]:
    """The multiset of a text's word n-grams; a text of fewer than n tokens is one shorter n-gram (none if empty)."""
    toks = tokens(text)
    return Counter(tuple(toks[i : i + n]) for i in range(max(1, len(toks) - n + 1)) if toks[i : i + n])


class PageCounts(NamedTuple):
    """One page's n-gram match, normalised so that tp + fp + fn = 1 (all 0 when both texts are empty)."""

    tp: float
    fp: float
    fn: float


def page_counts(true: str, pred: str) -> PageCounts:
    """tp = shared n-grams (by count), fp = predicted excess, fn = missing; divided by their sum."""
    t, p = shingle_counts(true), shingle_counts(pred)
    tp, fp, fn = sum((t & p).values()), sum((p - t).values()), sum((t - p).values())
    total = tp + fp + fn
    if not total:
        return PageCounts(0.0, 0.0, 0.0)
    return PageCounts(tp / total, fp / total, fn / total)


def page_precision(c: PageCounts) -> float:
    if c.fp == 0 and c.fn == 0:
        return 1.0
    return c.tp / (c.tp + c.fp) if c.tp + c.fp else 0.0


def page_recall(c: PageCounts) -> float:
    if c.fp == 0 and c.fn == 0:
        return 1.0
    return c.tp / (c.tp + c.fn) if c.tp + c.fn else 0.0


class Score(NamedTuple):
    precision: float
    recall: float
    f1: float
    pages: int


def score_pages(pairs: Iterable[tuple[str, str]]) -> Score:
    """(true text, predicted text) per page -> precision and recall averaged over pages, F1 of the averages."""
    counts = [page_counts(true, pred) for true, pred in pairs]
    if not counts:
        return Score(0.0, 0.0, 0.0, 0)
    precision = sum(map(page_precision, counts)) / len(counts)
    recall = sum(map(page_recall, counts)) / len(counts)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Score(precision, recall, f1, len(counts))


# ---------------------------------------------------------------------------------------------------------------
# Text dumps of HTML pages, as a text-only scraper saves them.
# ---------------------------------------------------------------------------------------------------------------

_INVISIBLE = frozenset({"script", "style", "noscript", "template", "head"})
_BLOCKS = frozenset(
    {"address", "article", "aside", "blockquote", "body", "br", "caption", "dd", "details", "dialog", "div"}
    | {"dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6"}
    | {"header", "hgroup", "hr", "html", "legend", "li", "main", "nav", "ol", "option", "p", "pre", "section"}
    | {"select", "summary", "table", "tbody", "tfoot", "thead", "tr", "ul"}
)
_CELLS = frozenset({"td", "th"})


def render_text_dump(html: str) -> str:
    """The visible text of a page, one line per block element: scripts, styles, ``noscript``, templates and the
    ``head`` dropped, a line break at every block element (``p``, ``div``, ``li``, ``h1``, ``br``, ``tr``, ...),
    table cells separated by a space, whitespace collapsed, empty lines left out."""
    parser = lxml.html.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True)
    try:
        root = lxml.html.document_fromstring(html.encode("utf-8", "surrogatepass"), parser=parser)
    except (etree.ParserError, ValueError):
        return ""
    out: list[str] = []
    # an explicit stack instead of recursion: pages nest deeper than Python's recursion limit allows
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        element, closing = stack.pop()
        tag = element.tag.lower() if isinstance(element.tag, str) else None
        if closing:
            if tag in _BLOCKS:
                out.append("\n")
            elif tag in _CELLS:
                out.append(" ")
            if element.tail:
                out.append(element.tail)
            continue
        if tag is None or tag in _INVISIBLE:
            if element.tail:
                out.append(element.tail)
            continue
        if tag in _BLOCKS:
            out.append("\n")
        elif tag in _CELLS:
            out.append(" ")
        if element.text:
            out.append(element.text)
        stack.append((element, True))
        stack.extend((child, False) for child in reversed(element))
    lines = (" ".join(line.split()) for line in "".join(out).split("\n"))
    return "\n".join(line for line in lines if line)


# ---------------------------------------------------------------------------------------------------------------
# The benchmark run.
# ---------------------------------------------------------------------------------------------------------------


class Page(NamedTuple):
    id: str
    url: str
    html: str
    truth: str


def load_pages(data: Path, limit: int | None = None) -> list[Page]:
    """The benchmark's pages in id order (the first ``limit``), HTML decoded as UTF-8 with replacement."""
    truth = json.loads((data / "ground-truth.json").read_text(encoding="utf-8"))
    pages = []
    for page_id in sorted(truth)[:limit]:
        raw = gzip.decompress((data / "html" / f"{page_id}.html.gz").read_bytes())
        pages.append(
            Page(
                page_id, truth[page_id]["url"], raw.decode("utf-8", "replace"), truth[page_id]["articleBody"]
            )
        )
    return pages


def _ours(page: Page, kind: str, body: str, settings: CleanSettings, config: Any) -> str:
    record = RawRecord(origin=page.id, kind=kind, body=body, id=page.id, url=page.url)
    result = clean_record(record, settings=settings, config=config).result
    return result.text if isinstance(result, Document) else ""


def _alone_with(options: HtmlOptions, config: Any) -> Callable[[Page], str]:
    def predict(page: Page) -> str:
        found = extract_html(
            page.html,
            url=page.url,
            config=config,
            favor_precision=options.favor_precision,
            favor_recall=options.favor_recall,
        )
        return found.text if found else ""

    return predict


def _ours_with(settings: CleanSettings, config: Any) -> Callable[[Page], str]:
    return lambda page: _ours(page, "html", page.html, settings, config)


def _row(name: str, score: Score, seconds: float) -> dict[str, Any]:
    return {
        "system": name,
        "precision": round(score.precision, 4),
        "recall": round(score.recall, 4),
        "f1": round(score.f1, 4),
        "pages": score.pages,
        "seconds": round(seconds, 1),
    }


def evaluate_extraction(pages: Sequence[Page], *, rules: bool = False) -> dict[str, Any]:
    """The table's rows (and, with ``rules``, each rule's contribution and trafilatura's own options)."""
    config = trafilatura_config()
    settings = CleanSettings()  # the clean stage's defaults (no child process here: nothing is time-bounded)
    rows = []

    def timed(name: str, predict: Callable[[Page], str]) -> list[str]:
        t0 = time.perf_counter()
        texts = [predict(page) for page in pages]
        rows.append(
            _row(
                name, score_pages(zip((p.truth for p in pages), texts, strict=True)), time.perf_counter() - t0
            )
        )
        return texts

    base = timed("HTML: trafilatura alone (comments off)", _alone_with(HtmlOptions(), config))
    timed("HTML: ours", lambda page: _ours(page, "html", page.html, settings, config))
    dumps = [render_text_dump(page.html) for page in pages]
    by_id = {page.id: dump for page, dump in zip(pages, dumps, strict=True)}
    timed("text dump: keep all lines", lambda page: by_id[page.id])
    timed("text dump: ours", lambda page: _ours(page, "text", by_id[page.id], settings, config))
    result: dict[str, Any] = {"pages": len(pages), "rows": rows}
    if not rules:
        return result

    for option, html in (
        ("favor_precision", HtmlOptions(favor_precision=True)),
        ("favor_recall", HtmlOptions(favor_recall=True)),
    ):
        timed(f"HTML: trafilatura alone, {option}", _alone_with(html, config))
        timed(f"HTML: ours, {option}", _ours_with(settings._replace(html=html), config))
    # Each rule's part: the clean stage's HTML path rebuilt from its pieces (trafilatura's text computed once),
    # scored with every rule on, then with one rule (or paragraph recovery) off.
    titles = {}
    recovered = {}
    for page, text in zip(pages, base, strict=True):
        found = extract_html(page.html, url=page.url, config=config)
        titles[page.id] = found.title if found else None
        recovered[page.id] = recover_paragraphs(page.html, text)[0] if text else ""

    def variant(skip: frozenset[str], recover: bool = True) -> tuple[Score, Counter[str]]:
        fired: Counter[str] = Counter()
        pairs = []
        for page, text in zip(pages, base, strict=True):
            source = recovered[page.id] if recover else text
            stripped = strip_page_chrome(source, title=titles[page.id], skip=skip)
            fired.update(rule for rule, _ in stripped.removed)
            pairs.append((page.truth, display_text(stripped.text)))
        return score_pages(pairs), fired

    full, fired = variant(frozenset())
    contributions = []
    without = {"recover_paragraphs": variant(frozenset(), recover=False)[0]}
    for rule in HTML_RULES:
        if fired[rule]:
            without[rule] = variant(frozenset({rule}))[0]
    for name, score in without.items():
        contributions.append(
            {
                "rule": name,
                "lines": fired[name] if name != "recover_paragraphs" else None,
                "f1": round(full.f1 - score.f1, 4),
                "precision": round(full.precision - score.precision, 4),
                "recall": round(full.recall - score.recall, 4),
            }
        )
    result["all_rules"] = _row("HTML: trafilatura + recovery + all rules", full, 0.0)
    result["contributions"] = contributions
    return result


def render_table(result: dict[str, Any]) -> str:
    lines = [
        f"zyte-aeb, {result['pages']} pages",
        f"{'system':46} {'precision':>9} {'recall':>7} {'F1':>7}  seconds",
    ]
    for row in result["rows"]:
        lines.append(
            f"{row['system']:46} {row['precision']:9.4f} {row['recall']:7.4f} {row['f1']:7.4f}  {row['seconds']:7.1f}"
        )
    if "contributions" in result:
        lines.append("")
        lines.append("what each part adds to HTML: ours (all on minus that one off)")
        lines.append(f"{'rule':22} {'lines':>6} {'F1':>8} {'precision':>9} {'recall':>8}")
        for c in result["contributions"]:
            count = "" if c["lines"] is None else str(c["lines"])
            lines.append(
                f"{c['rule']:22} {count:>6} {c['f1']:+8.4f} {c['precision']:+9.4f} {c['recall']:+8.4f}"
            )
    return "\n".join(lines)


def run_extraction(args: argparse.Namespace) -> int:
    data = Path(args.data)
    if not (data / "ground-truth.json").is_file():
        print(f"no benchmark at {data} (expected ground-truth.json and html/)", file=sys.stderr)
        return 2
    result = evaluate_extraction(load_pages(data, args.limit), rules=args.rules)
    print(render_table(result))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


# ---------------------------------------------------------------------------------------------------------------
# Template learning on a batch with many pages per site.
# ---------------------------------------------------------------------------------------------------------------


def _key(line: str) -> str:
    return " ".join(display_text(line).split())


def line_rates(gold: Iterable[dict[str, Any]], texts: dict[str, str]) -> dict[str, Any]:
    """Share of gold chrome lines removed and of gold article lines kept, over all pages (lines as multisets);
    chrome lines also split by kind (``template``: the same on every page of the site; ``varying``)."""
    totals: Counter[str] = Counter()
    for page in gold:
        kept = Counter(_key(line) for line in texts.get(page["id"], "").splitlines())
        article = Counter(_key(line) for line in page["article"])
        totals["article"] += sum(article.values())
        totals["article_kept"] += sum((article & kept).values())
        for kind in ("template", "varying"):
            chrome = Counter(_key(line) for line in page[kind])
            totals[kind] += sum(chrome.values())
            totals[f"{kind}_removed"] += sum((chrome - kept).values())
    chrome_total = totals["template"] + totals["varying"]
    return {
        "article_lines": totals["article"],
        "article_kept": round(totals["article_kept"] / max(1, totals["article"]), 4),
        "chrome_lines": chrome_total,
        "chrome_removed": round(
            (totals["template_removed"] + totals["varying_removed"]) / max(1, chrome_total), 4
        ),
        "template_removed": round(totals["template_removed"] / max(1, totals["template"]), 4),
        "varying_removed": round(totals["varying_removed"] / max(1, totals["varying"]), 4),
    }


def evaluate_boilerplate(batch: Path, *, min_docs: int, min_share: float, max_lines: int) -> dict[str, Any]:
    """Read the batch, learn its templates, clean it with and without them (on the in-process runner)."""
    import apache_beam as beam
    from apache_beam.runners.portability.fn_api_runner import FnApiRunner

    from transforms.boilerplate import LearnBoilerplate
    from transforms.clean import CleanRecords
    from transforms.read import InputSpec, ReadDumps
    from transforms.write import WriteRecords

    gold = [
        json.loads(line) for line in (batch / "gold.jsonl").read_text(encoding="utf-8").splitlines() if line
    ]
    with tempfile.TemporaryDirectory() as tmp:
        p = beam.Pipeline(runner=FnApiRunner())
        read = p | "Read" >> ReadDumps(inputs=[InputSpec(str(batch / "pages.jsonl"), "jsonl", None)])
        learned = read["records"] | "Learn" >> LearnBoilerplate(
            min_docs=min_docs, min_share=min_share, max_lines_per_source=max_lines
        )
        learned | "WriteLearned" >> WriteRecords(path=tmp, name="boilerplate", num_shards=1)
        for name, templates in (("rules", None), ("templates", learned)):
            cleaned = read["records"] | f"Clean_{name}" >> CleanRecords(templates=templates)
            cleaned.documents | f"Write_{name}" >> WriteRecords(path=tmp, name=name, num_shards=1)
        t0 = time.perf_counter()
        p.run().wait_until_finish()
        seconds = time.perf_counter() - t0

        def rows(name: str) -> list[dict[str, Any]]:
            return [
                json.loads(line)
                for f in sorted(Path(tmp, name).glob("part-*"))
                for line in f.read_text().splitlines()
            ]

        learned_rows = rows("boilerplate")
        result: dict[str, Any] = {
            "pages": len(gold),
            "sites": len({g["site"] for g in gold}),
            "settings": {"min_docs": min_docs, "min_share": min_share, "max_lines_per_source": max_lines},
            "learned_lines": Counter(r["source"] for r in learned_rows),
            "seconds": round(seconds, 1),
        }
        for name in ("rules", "templates"):
            texts = {doc["id"]: doc["text"] for doc in rows(name)}
            result[name] = line_rates(gold, texts)
    return result


def run_boilerplate(args: argparse.Namespace) -> int:
    batch = Path(args.batch)
    if not (batch / "gold.jsonl").is_file():
        print(f"no batch at {batch} (make one with bench/make_templated_batch.py)", file=sys.stderr)
        return 2
    result = evaluate_boilerplate(
        batch, min_docs=args.min_docs, min_share=args.min_share, max_lines=args.max_lines
    )
    learned = dict(result["learned_lines"])
    print(f"{result['pages']} pages from {result['sites']} sites; learned lines per source: {learned}")
    print(f"{'cleaning':28} {'chrome removed':>14} {'template':>9} {'varying':>8} {'article kept':>13}")
    for name, label in (("rules", "chrome rules only"), ("templates", "rules + learned templates")):
        r = result[name]
        print(
            f"{label:28} {r['chrome_removed']:14.4f} {r['template_removed']:9.4f} {r['varying_removed']:8.4f}"
            f" {r['article_kept']:13.4f}"
        )
    print(
        f"({result['rules']['chrome_lines']} chrome lines, {result['rules']['article_lines']} article lines)"
    )
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


# ---------------------------------------------------------------------------------------------------------------
# Command line.
# ---------------------------------------------------------------------------------------------------------------


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``extraction`` (and ``boilerplate``) under ``newsdedup eval``; handlers via ``set_defaults``."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "extraction",
        help="score chrome removal on the Zyte article-extraction benchmark (HTML and text dumps)",
    )
    parser.add_argument("--data", required=True, help="the benchmark folder (ground-truth.json, html/)")
    parser.add_argument("--limit", type=int, help="score only the first N pages (by id)")
    parser.add_argument(
        "--rules", action="store_true", help="also each rule's contribution, trafilatura's options"
    )
    parser.add_argument("--json", help="also write the figures as JSON here")
    parser.add_argument("-v", "--verbose", action="store_true", help="more logging")
    parser.set_defaults(handler=run_extraction)

    bp = subparsers.add_parser(
        "boilerplate",
        help="chrome removed and article kept on a templated batch (bench/make_templated_batch.py)",
    )
    bp.add_argument("--batch", required=True, help="folder with pages.jsonl and gold.jsonl")
    bp.add_argument("--min-docs", type=int, default=5, help="clean.template_min_docs")
    bp.add_argument("--min-share", type=float, default=0.2, help="clean.template_min_share")
    bp.add_argument("--max-lines", type=int, default=100, help="clean.template_max_lines")
    bp.add_argument("--json", help="also write the figures as JSON here")
    bp.add_argument("-v", "--verbose", action="store_true", help="Beam's INFO logging")
    bp.set_defaults(handler=run_boilerplate)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m pipeline.eval_extraction extraction --data ...`` (the same as ``newsdedup eval extraction``)."""
    ap = argparse.ArgumentParser(prog="newsdedup eval")
    add_parser(ap.add_subparsers(dest="evaluation", required=True))
    args = ap.parse_args(argv)
    return int(args.handler(args))


if __name__ == "__main__":
    sys.exit(main())
