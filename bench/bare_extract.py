#!/usr/bin/env python3
"""The bare loop of measurement 1: ``trafilatura.extract`` over every page of a pages file, with newsdedup's
options (``transforms.extract``: comments off, tables on, trafilatura's deduplication off, metadata on, its
signal-based timeout off, and htmldate's extensive date search only for a page whose record carries no date, as
newsdedup's cleaning does), in a ``multiprocessing`` pool of N processes. Prints JSON: pages, texts found,
seconds.

    python bench/bare_extract.py PAGES.jsonl --processes 2
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from multiprocessing import Pool
from typing import Any

import trafilatura

from transforms.extract import DEFAULT_OPTIONS, date_params, trafilatura_config

_CONFIG: Any = None


def _init() -> None:
    global _CONFIG
    _CONFIG = trafilatura_config()


def extract(line: str) -> bool:
    page = json.loads(line)
    text = trafilatura.extract(
        page["html"],
        url=page.get("url"),
        include_comments=DEFAULT_OPTIONS.include_comments,
        include_tables=DEFAULT_OPTIONS.include_tables,
        favor_precision=DEFAULT_OPTIONS.favor_precision,
        favor_recall=DEFAULT_OPTIONS.favor_recall,
        deduplicate=False,
        with_metadata=True,
        config=_CONFIG,
        date_extraction_params=date_params(not page.get("published")),
    )
    return bool(text)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("pages")
    ap.add_argument("--processes", type=int, default=1)
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    with open(args.pages, encoding="utf-8") as fh, Pool(args.processes, initializer=_init) as pool:
        found = list(pool.imap(extract, fh, chunksize=8))
    seconds = time.perf_counter() - t0
    print(json.dumps({"pages": len(found), "found": sum(found), "seconds": round(seconds, 3)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
