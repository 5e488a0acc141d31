#!/usr/bin/env python3
"""A batch of plain-text dumps with many pages per site, for measuring site-template learning.

    python bench/make_templated_batch.py --reuters ../shared/data/reuters21578/reuters21578.jsonl.gz \\
        --out DIR [--pages-per-site 120] [--seed 7]

writes ``DIR/pages.jsonl`` (the pipeline's JSON Lines input: ``id``, ``url``, ``source``, ``text``) and
``DIR/gold.jsonl`` (per page: ``id``, ``site``, ``title``, and its lines by kind: ``article``, ``template`` (chrome
lines the same on every page of the site), ``varying`` (chrome that changes from page to page: dates, tickers,
view counts, rotating headline lists, bylines)). Then::

    python -m pipeline.eval_extraction boilerplate --batch DIR     # or: newsdedup eval boilerplate --batch DIR

Every page wraps one real Reuters-21578 story (read from the collection at run time, never copied), each story
used once, in one of five site templates of our own. Sites differ in what a text-only scraper would keep: a
nameplate and menus, "sentences" of self-promotion that read like prose, chrome above the headline or only below
the story, hard-wrapped bodies or one paragraph a line. The story gets a wire dateline (``CITY, Mon D
(Reuters) -``) and keeps its ``Reuter`` sign-off: wire credits are article text. Deterministic for a seed.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

REUTERS = Path(__file__).resolve().parents[2] / "shared" / "data" / "reuters21578" / "reuters21578.jsonl.gz"

MIN_BODY_CHARS = 300
MAX_BODY_CHARS = 4000
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


class Story(NamedTuple):
    newid: int
    title: str
    dateline: str
    date: str  # "26-FEB-1987 15:01:01.79"
    body: str


class Page(NamedTuple):
    lines: list[tuple[str, str]]  # (kind, line): title | article | template | varying


def read_stories(path: Path) -> list[Story]:
    stories = []
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for raw in fh:
            d = json.loads(raw)
            body = (d.get("body") or "").strip()
            if (
                not (MIN_BODY_CHARS <= len(body) <= MAX_BODY_CHARS)
                or not d.get("title")
                or not d.get("dateline")
            ):
                continue
            stories.append(Story(d["newid"], d["title"].strip(), d["dateline"].strip(), d["date"], body))
    return stories


def _paragraphs(body: str) -> list[str]:
    """The story re-flowed to one paragraph a line (Reuters starts a paragraph with four spaces)."""
    out: list[str] = []
    for raw in body.splitlines():
        if not raw.strip():
            continue
        if raw.startswith("    ") or not out or raw.strip().lower() == "reuter":
            out.append(raw.strip())
        else:
            out[-1] += " " + raw.strip()
    return [" ".join(p.split()) for p in out]


def article_lines(story: Story, *, reflow: bool) -> list[str]:
    """The story's lines with a wire dateline in front; hard-wrapped as sent, or one paragraph a line."""
    dateline = re.sub(r"\s*-\s*$", "", story.dateline)
    lines = (
        _paragraphs(story.body)
        if reflow
        else [line.strip() for line in story.body.splitlines() if line.strip()]
    )
    lines[0] = f"{dateline} (Reuters) - {lines[0]}"
    return lines


def _date_words(story: Story) -> tuple[str, str, int]:
    day, mon, year = story.date.split()[0].split("-")
    return mon.capitalize(), day.lstrip("0"), int(year)


class Site(NamedTuple):
    name: str
    domain: str
    reflow: bool
    build: Callable[[Story, random.Random, list[str]], list[tuple[str, str]]]  # chrome around the article


def _harbour(story: Story, rng: random.Random, others: list[str]) -> list[tuple[str, str]]:
    mon, day, year = _date_words(story)
    t, v = "template", "varying"
    head = [
        (t, "The Harbour Ledger"),
        (t, "Home | Business | Markets | World | Opinion | Sport"),
        (t, "Subscribe for 99 cents a week"),
        (v, f"{rng.choice(WEEKDAYS)}, {mon} {day}, {year}"),
        (v, f"Markets: Dow {rng.randint(1700, 2400):,}.{rng.randint(10, 99)} ({rng.uniform(-2, 2):+.2f}%)"),
        ("title", story.title.title()),
        (v, f"By {rng.choice(['Staff', 'Ledger Wire Desk', 'Business Desk'])} | {mon} {day}, {year}"),
    ]
    foot = [
        (
            t,
            "Our journalism is independent and funded by readers like you, so please consider subscribing today.",
        ),
        (t, "Most read"),
        *((v, headline) for headline in rng.sample(others, 3)),
        (t, "About us · Careers · Advertise · Contact"),
        (t, "The Harbour Ledger is published by Ledger Media Group, 14 Quay Street, Portsmouth."),
        (t, "© 1987 Ledger Media Group. All rights reserved."),
    ]
    return [*head, ("article", ""), *foot]


def _asia(story: Story, rng: random.Random, others: list[str]) -> list[tuple[str, str]]:
    mon, day, year = _date_words(story)
    t, v = "template", "varying"
    head = [
        (t, "ASIA MARKET WIRE"),
        (t, "Asia Market Wire brings you the region's business news before the markets open every weekday."),
        (t, "Markets Companies Economy Commodities Currencies"),
        ("title", story.title),
        (v, f"Published {day} {mon} {year} {rng.randint(0, 23):02d}:{rng.randint(0, 59):02d} GMT"),
        (v, f"{rng.randint(120, 9800):,} views"),
    ]
    foot = [
        (
            t,
            "Readers who found this story useful also read our morning briefing, which is free to all subscribers.",
        ),
        (t, "Asia Market Wire is not responsible for the content of external sites."),
        (v, f"Story code {rng.randint(100000, 999999)}"),
        (t, "Copyright 1987 Asia Market Wire Ltd"),
    ]
    return [*head, ("article", ""), *foot]


def _prairie(story: Story, rng: random.Random, others: list[str]) -> list[tuple[str, str]]:
    mon, day, year = _date_words(story)
    t, v = "template", "varying"
    head = [
        ("title", story.title.title()),
        (v, f"Posted {mon} {day}, {year} at {rng.randint(1, 12)}:{rng.randint(0, 59):02d} PM"),
    ]
    foot = [
        (t, "Prairie Farm & Market Report"),
        (t, "Call our markets desk toll-free at 1-800-555-0134 between 6 a.m. and 6 p.m."),
        (t, "Grain bids are updated every fifteen minutes during trading hours."),
        (
            v,
            f"Cash corn {rng.uniform(1.2, 1.9):.2f} | Soybeans {rng.uniform(4.5, 5.5):.2f}"
            f" | Wheat {rng.uniform(2.3, 3.1):.2f}",
        ),
        (t, "Share this story"),
        (t, "Farm Report Network"),
    ]
    return [*head, ("article", ""), *foot]


def _metro(story: Story, rng: random.Random, others: list[str]) -> list[tuple[str, str]]:
    mon, day, year = _date_words(story)
    t, v = "template", "varying"
    head = [
        (t, "Metro Business Daily"),
        (t, "Your city. Your money. Your business."),
        (t, "News Markets Technology Property Jobs"),
        (v, f"Today's edition: {rng.randint(12, 96)} pages"),
        ("title", story.title.title()),
    ]
    foot = [
        (v, f"Filed {mon} {day}, {year}"),
        (t, "Related coverage"),
        *((v, headline) for headline in rng.sample(others, 2)),
        (t, "Got a story? Email the newsroom: tips@metrobusiness.example"),
        (t, "Metro Business Daily, 220 Canal Street"),
    ]
    return [*head, ("article", ""), *foot]


def _gulf(story: Story, rng: random.Random, others: list[str]) -> list[tuple[str, str]]:
    mon, day, year = _date_words(story)
    t, v = "template", "varying"
    head = [
        (t, "Gulf Energy Review | Oil | Gas | Shipping | Finance"),
        ("title", story.title),
        (v, f"{mon} {day}, {year}"),
        (t, "Print this article | Email to a friend"),
    ]
    foot = [
        (t, "The views expressed by our correspondents are their own and not those of Gulf Energy Review."),
        (t, "For licensing and reprints, contact our syndication department."),
        (v, f"Last updated {rng.randint(1, 12)}:{rng.randint(0, 59):02d} {rng.choice(['AM', 'PM'])}"),
        (t, "Gulf Energy Review - the Gulf's energy business weekly since 1979"),
    ]
    return [*head, ("article", ""), *foot]


SITES = (
    Site("The Harbour Ledger", "harbourledger.example", False, _harbour),
    Site("Asia Market Wire", "asiamarketwire.example", True, _asia),
    Site("Prairie Farm & Market Report", "prairiefarm.example", False, _prairie),
    Site("Metro Business Daily", "metrobusiness.example", True, _metro),
    Site("Gulf Energy Review", "gulfenergy.example", True, _gulf),
)


def build(
    stories: list[Story], pages_per_site: int, seed: int
) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    rng = random.Random(seed)
    chosen = rng.sample(stories, pages_per_site * len(SITES))
    headlines = [s.title.title() for s in rng.sample(stories, 200)]
    for k, story in enumerate(chosen):
        site = SITES[k % len(SITES)]
        lines: list[tuple[str, str]] = []
        blocks: list[str] = []  # blank lines between blocks; a hard-wrapped story is one block of lines
        for kind, line in site.build(story, rng, headlines):
            if kind == "article":
                body = article_lines(story, reflow=site.reflow)
                lines.extend(("article", a) for a in body)
                blocks.extend(body if site.reflow else ["\n".join(body)])
            else:
                lines.append((kind, line))
                blocks.append(line)
        page_id = f"{site.domain.split('.')[0]}-{story.newid}"
        text = "\n\n".join(blocks)
        page = {
            "id": page_id,
            "url": f"https://www.{site.domain}/news/{story.newid}",
            "source": site.domain,
            "text": text + "\n",
        }
        gold: dict[str, Any] = {"id": page_id, "site": site.domain, "title": None}
        for kind in ("article", "template", "varying"):
            gold[kind] = [line for k2, line in lines if k2 == kind]
        gold["title"] = next(line for k2, line in lines if k2 == "title")
        yield page, gold


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument(
        "--reuters",
        default=str(REUTERS),
        help="Reuters-21578 as JSON Lines (default: ../shared beside the repository)",
    )
    ap.add_argument("--out", required=True, help="output folder")
    ap.add_argument("--pages-per-site", type=int, default=120)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args(argv)
    stories = read_stories(Path(args.reuters))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    n = 0
    with (
        open(out / "pages.jsonl", "w", encoding="utf-8") as pages,
        open(out / "gold.jsonl", "w", encoding="utf-8") as gold,
    ):
        for page, truth in build(stories, args.pages_per_site, args.seed):
            pages.write(json.dumps(page, ensure_ascii=False) + "\n")
            gold.write(json.dumps(truth, ensure_ascii=False) + "\n")
            n += 1
    print(f"{n} pages from {len(SITES)} sites -> {out}/pages.jsonl, {out}/gold.jsonl")
    return 0


if __name__ == "__main__":
    sys.exit(main())
