"""The benchmark corpus: real Reuters-21578 stories with outlet copies (``bench/make_syndication.py``), as text
dumps (measurements 2-4) or as HTML pages on four site templates (measurement 1).

- ``text_corpus(n)``: about ``n`` documents, a third of the stories with outlet copies (1-4 each up to ~25k
  documents; beyond that every story is used and the copies per syndicated story grow with ``n``), gold
  clusters by construction. Reuters-21578 has 20,841 stories with text, so the collection holds at most about
  ``20,841 x (1 + copies / 3)`` documents; the growth runs stay within it.
- ``html_corpus(n)``: ``n`` pages wrapping the documents of a text corpus (copies included) in the markup of
  one of four sites: a header with navigation, the headline, a byline, the story in ``<p>`` paragraphs (one site
  splits it into two blocks around an advertisement), a "most read" aside and a footer.

Deterministic for a seed; Reuters is read from ``../shared/data`` at run time, never copied.
"""

from __future__ import annotations

import html
import json
import random
import time
from pathlib import Path
from typing import Any

from bench import make_syndication as ms

REUTERS = Path(__file__).resolve().parents[2] / "shared" / "data" / "reuters21578" / "reuters21578.jsonl.gz"
TIER_SET_MAX = 25_000  # documents a tier set of 1/3 syndicated stories with 1-4 copies reaches at most
STORIES_WITH_TEXT = 20_841
DOCS_PER_STORY = 1.85  # documents per sampled story of a tier set (the stories plus their copies), measured


def settings_for(n: int, seed: int) -> ms.Settings:
    """Generator settings that give about ``n`` documents with a third of the stories syndicated."""
    if n <= TIER_SET_MAX:
        return ms.Settings(seed=seed, stories=max(20, round(n / DOCS_PER_STORY)), syndicated_share=1 / 3)
    copies = 3 * (n / STORIES_WITH_TEXT - 1)  # mean copies per syndicated story
    lo, hi = max(1, round(copies * 0.6)), max(2, round(copies * 1.4))
    return ms.Settings(seed=seed, full=True, syndicated_share=1 / 3, min_copies=lo, max_copies=hi)


_COLLECTION: dict[str, Any] = {}


def _collection(reuters: Path, limit: int | None) -> tuple[list[Any], list[Any]]:
    key = f"{reuters}:{limit}"
    if key not in _COLLECTION:
        stories = ms.load_reuters(str(reuters), limit)
        _COLLECTION[key] = (stories, ms.find_similar_pairs(stories))
    stories, pairs = _COLLECTION[key]
    return stories, pairs


def text_corpus(
    n: int, out: Path, *, seed: int = 7, reuters: Path = REUTERS, limit_collection: int | None = None
) -> dict[str, Any]:
    """``out/dump.jsonl`` and ``out/gold.json`` of about ``n`` documents (kept when already made with the same
    settings); returns what was made."""
    settings = settings_for(n, seed)
    stamp = {"n": n, "seed": seed, "settings": settings.__dict__, "limit_collection": limit_collection}
    done = out / "corpus.json"
    if done.is_file() and json.loads(done.read_text()).get("stamp") == stamp:
        return dict(json.loads(done.read_text()))
    t0 = time.perf_counter()
    stories, pairs = _collection(reuters, limit_collection)
    docs, gold = ms.build(stories, pairs, settings)
    ms.write_benchmark(str(out), docs, gold)
    info = {
        "stamp": stamp,
        "documents": len(docs),
        "copies": sum(1 for d in docs if d.copy_type not in ("original", "natural_dup")),
        "gold_pairs": gold["stats"]["gold_pairs"],
        "seconds": round(time.perf_counter() - t0, 1),
    }
    done.write_text(json.dumps(info))
    return info


# ---------------------------------------------------------------------------------------------------------------
# HTML pages
# ---------------------------------------------------------------------------------------------------------------

SITES = ("harbourledger.example", "asiamarketwire.example", "metrobusiness.example", "gulfenergy.example")
_NAV = ("Home", "Business", "Markets", "World", "Technology", "Opinion", "Sport")


def _paragraphs(text: str) -> list[str]:
    """A text dump's lines joined into paragraphs (hard-wrapped wire copy has indented paragraph starts)."""
    out: list[str] = []
    for raw in text.splitlines():
        if not raw.strip():
            continue
        if not out or raw.startswith(("  ", "\t")) or len(raw.strip()) > 90:
            out.append(raw.strip())
        else:
            out[-1] += " " + raw.strip()
    return out


def render_page(doc: dict[str, Any], site: str, rng: random.Random, others: list[str]) -> str:
    """One document as a page of ``site``'s template."""
    e = html.escape
    title = e(doc.get("title") or "News")
    paras = [f"<p>{e(p)}</p>" for p in _paragraphs(doc["text"])] or ["<p></p>"]
    date = (doc.get("published") or "")[:10]
    nav = "".join(f'<li><a href="/{w.lower()}">{w}</a></li>' for w in _NAV)
    most = "".join(f'<li><a href="/story/{k}">{e(h)}</a></li>' for k, h in enumerate(rng.sample(others, 4)))
    head = f"<head><meta charset='utf-8'><title>{title} | {site}</title></head>"
    if site == SITES[0]:
        body = (
            f"<header><div class='logo'>{site}</div><nav><ul>{nav}</ul></nav></header>"
            f"<main><article><h1>{title}</h1><div class='byline'>By Staff | {date}</div>"
            f"<div class='article-body'>{''.join(paras)}</div></article>"
            f"<aside><h3>Most read</h3><ol>{most}</ol></aside></main>"
            f"<footer><p>© 1987 Ledger Media Group. All rights reserved.</p><a href='/about'>About us</a></footer>"
        )
    elif site == SITES[1]:
        half = max(1, len(paras) // 2)
        body = (
            f"<div id='top'><span>{site}</span><ul class='menu'>{nav}</ul></div>"
            f"<div class='story'><h1 class='headline'>{title}</h1><span class='time'>Published {date}</span>"
            f"<section class='story-text'>{''.join(paras[:half])}</section>"
            "<div class='ad'>Advertisement</div>"
            f"<section class='story-text'>{''.join(paras[half:])}</section></div>"
            f"<div class='related'><h4>Related stories</h4><ul>{most}</ul></div>"
            "<div class='foot'>Copyright 1987 Asia Market Wire Ltd</div>"
        )
    elif site == SITES[2]:
        body = (
            f"<table width='100%'><tr><td colspan='2'><b>{site}</b> {nav}</td></tr><tr><td class='main'>"
            f"<h2>{title}</h2><p class='date'>Filed {date}</p>{''.join(paras)}</td>"
            f"<td class='side'><h4>Most popular</h4><ul>{most}</ul></td></tr></table>"
            "<p class='legal'>Metro Business Daily, 220 Canal Street. All rights reserved.</p>"
        )
    else:
        body = (
            f"<div class='page'><nav class='top'>{nav}</nav><h1>{title}</h1>"
            "<div class='tools'>Print this article | Email to a friend</div>"
            f"<div class='content' itemprop='articleBody'>{''.join(paras)}</div>"
            f"<div class='more'><h3>More from {site}</h3><ul>{most}</ul></div>"
            "<footer>For licensing and reprints, contact our syndication department.</footer></div>"
        )
    return f"<!DOCTYPE html><html lang='en'>{head}<body>{body}</body></html>"


def html_corpus(
    n: int, out: Path, *, seed: int = 7, reuters: Path = REUTERS, limit_collection: int | None = None
) -> dict[str, Any]:
    """``out/pages.jsonl``: ``n`` pages (``url``, ``html``, ``source``, ``published``) of a text corpus's
    documents on the four site templates, copies included; kept when already made with the same settings."""
    stamp = {"n": n, "seed": seed, "limit_collection": limit_collection, "sites": list(SITES)}
    done = out / "corpus.json"
    if done.is_file() and json.loads(done.read_text()).get("stamp") == stamp:
        return dict(json.loads(done.read_text()))
    text = text_corpus(n, out / "text", seed=seed, reuters=reuters, limit_collection=limit_collection)
    rng = random.Random(seed)
    rows = [
        json.loads(line) for line in (out / "text" / "dump.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    rows = rows[:n]
    others = [r.get("title") or "" for r in rng.sample(rows, min(len(rows), 200))]
    with open(out / "pages.jsonl", "w", encoding="utf-8") as fh:
        for k, row in enumerate(rows):
            site = SITES[k % len(SITES)]
            page = {
                "url": row["url"],
                "source": row.get("source"),
                "published": row.get("published"),
                "html": render_page(row, site, rng, others),
            }
            fh.write(json.dumps(page, ensure_ascii=False) + "\n")
    info = {"stamp": stamp, "pages": len(rows), "copies_in_text_corpus": text["copies"]}
    done.write_text(json.dumps(info))
    return info
