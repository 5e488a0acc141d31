"""What the extraction time bound costs: the clean stage's HTML path in the worker thread against the same path in
the child process of ``transforms.isolate`` (pickling the page and the result through a pipe), on real pages.

    python bench/isolation_overhead.py --data ../shared/data/zyte-aeb [--limit N] [--repeat 3]

Prints the time per page both ways (the best of ``--repeat`` runs of the whole set, after one warm-up page), the
overhead per page, the start-up time of a child, and how many of the pages the default ``isolate_min_bytes`` sends
to the child. The benchmark data are read where they are; nothing is copied.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from pipeline.eval_extraction import load_pages
from transforms.clean import CleanSettings
from transforms.extract import DEFAULT_OPTIONS, extract_article, trafilatura_config
from transforms.isolate import IsolatedExtractor


def _rss_mb(child: IsolatedExtractor) -> float | None:
    """Resident memory of the child process in MB (Linux), None where /proc is not there."""
    proc = getattr(child, "_proc", None)
    try:
        status = Path(f"/proc/{proc.pid}/status").read_text() if proc is not None else ""
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("--data", default="../shared/data/zyte-aeb", help="the Zyte benchmark folder")
    ap.add_argument("--limit", type=int, help="only the first N pages")
    ap.add_argument("--repeat", type=int, default=3, help="runs of the whole set; the best is reported")
    args = ap.parse_args(argv)
    pages = load_pages(Path(args.data), args.limit)
    config = trafilatura_config()

    child = IsolatedExtractor(timeout=120)
    t0 = time.perf_counter()
    child.run(pages[0].html, pages[0].url, DEFAULT_OPTIONS)  # starts the child
    startup = time.perf_counter() - t0
    extract_article(pages[0].html, url=pages[0].url, config=config)  # warms up this process

    in_thread: list[list[float]] = []
    in_child: list[list[float]] = []
    for _ in range(args.repeat):
        for runs, call in (
            (in_thread, lambda p: extract_article(p.html, url=p.url, config=config)),
            (in_child, lambda p: child.run(p.html, p.url, DEFAULT_OPTIONS)),
        ):
            times = []
            for page in pages:
                t0 = time.perf_counter()
                call(page)
                times.append(time.perf_counter() - t0)
            runs.append(times)
    rss = _rss_mb(child)
    child.close()

    best_thread = min(in_thread, key=sum)
    best_child = min(in_child, key=sum)
    extra = [c - t for c, t in zip(best_child, best_thread, strict=True)]
    settings = CleanSettings()
    sizes = [len(p.html.encode("utf-8", "surrogatepass")) for p in pages]
    bounded = sum(1 for size in sizes if size >= settings.isolate_min_bytes)
    n = len(pages)
    paid = sum(e for e, size in zip(extra, sizes, strict=True) if size >= settings.isolate_min_bytes)
    ms = 1000 / n
    print(f"{n} pages (median {statistics.median(sizes) / 1000:.0f} KB, largest {max(sizes) / 1e6:.2f} MB)")
    for where, times in (("in the worker thread", best_thread), ("in the child process", best_child)):
        print(f"{where}: {ms * sum(times):7.1f} ms a page (median {1000 * statistics.median(times):.1f})")
    print(
        f"overhead: {ms * sum(extra):+.1f} ms a page ({100 * sum(extra) / sum(best_thread):+.1f}%), "
        f"median {1000 * statistics.median(extra):+.1f} ms"
    )
    memory = f"{rss:.0f} MB resident" if rss is not None else "memory unknown"
    print(
        f"a child starts in {startup:.2f} s and holds {memory} (one per worker thread that meets a large page)"
    )
    print(
        f"with isolate_min_bytes={settings.isolate_min_bytes}: {bounded} of {n} pages ({100 * bounded / n:.0f}%) "
        f"run in the child, {100 * paid / sum(best_thread):+.1f}% time on the whole set"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
