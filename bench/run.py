#!/usr/bin/env python3
"""newsdedup's speed benchmark: generates the corpus, runs the measurements, prints a table, writes JSON.

    python -m bench.run [--sizes 10000,100000] [--only html,text,growth,profile] [--html-pages 1000[,5000]]
                        [--text-size 10000] [--peers-python /tmp/benchenv/bin/python] [--work DIR] [--json FILE]

1. ``html``: the HTML path end to end (``newsdedup run``, DirectRunner) with 1 and 2 workers, against a bare
   ``multiprocessing`` loop of ``trafilatura.extract`` (same options) in as many processes
   (``bench/bare_extract.py``). Ratio = bare seconds / newsdedup seconds (target >= 0.85).
2. ``text``: the text path (cleaning and dedup) against datatrove's MinHash deduplication (four stages, local
   executor) and text-dedup's MinHash (``bench/peers.py``, run with ``--peers-python``), same documents, word
   3-grams, 128 permutations as 42 bands x 3 rows; each tool's pairwise F1 on the gold beside its time.
3. ``growth``: newsdedup on text corpora of each of ``--sizes`` documents: wall time, peak memory (all
   processes), documents per second, time per document.
4. ``profile``: CPU seconds per stage (``bench/stages.py``) against the pipeline's own CPU seconds.

Every ratio is taken within one run of this script (the machine is shared: absolute times move, ratios less).
Corpora are made once per size and seed under ``--work`` (``bench/corpus.py``) from Reuters-21578 in
``../shared/data``; nothing is downloaded. The peers live in their own environment (bench/README.md).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import yaml

from bench import corpus as C

REPO = Path(__file__).resolve().parents[1]
MEASUREMENTS = ("html", "text", "growth", "profile")
DEFAULT_PEERS_PYTHON = "/tmp/benchenv/bin/python"


# ---------------------------------------------------------------------------------------------------------------
# Running a command: wall, CPU (all processes it waited for) and peak memory (all processes of its tree)
# ---------------------------------------------------------------------------------------------------------------


def _children() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", "rb") as fh:
                    ppid = int(fh.read().rsplit(b")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            kids.setdefault(ppid, []).append(int(entry))
    return kids


def _tree_rss(pid: int) -> int:
    """Resident bytes of a process and all its descendants."""
    kids, total, todo = _children(), 0, [pid]
    while todo:
        p = todo.pop()
        todo += kids.get(p, [])
        try:
            with open(f"/proc/{p}/statm") as fh:
                total += int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, IndexError, ValueError):
            pass
    return total


def measure(
    command: list[str], *, env: dict[str, str] | None = None, cwd: Path | None = None
) -> dict[str, Any]:
    """Run ``command``; its wall seconds, CPU seconds, peak memory of its process tree, and stdout."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        command, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    peak = [0]
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(0.5):
            peak[0] = max(peak[0], _tree_rss(proc.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    wall = time.perf_counter() - t0
    stop.set()
    sampler.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited {proc.returncode}:\n{err[-4000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {
        "seconds": round(wall, 3),
        "cpu_seconds": round(cpu, 3),
        "peak_rss_mb": round(peak[0] / 2**20),
        "stdout": out,
    }


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}


def run_newsdedup(inputs: Path, out: Path, workers: int, name: str) -> dict[str, Any]:
    """``newsdedup run`` of a job reading ``inputs`` with ``workers`` local workers."""
    out.mkdir(parents=True, exist_ok=True)
    options: dict[str, Any] = {"direct_num_workers": workers}
    if workers > 1:
        options["direct_running_mode"] = "multi_processing"
    job = {
        "name": name,
        "inputs": [{"path": str(inputs)}],
        "output": {"path": str(out / "run"), "format": "jsonl"},
        "runner": {"name": "DirectRunner", "options": options},
    }
    (out / "job.yaml").write_text(yaml.safe_dump(job))
    result = measure(
        [sys.executable, "-m", "pipeline.cli", "run", str(out / "job.yaml"), "-q"], env=_env(), cwd=REPO
    )
    summary = json.loads((out / "run" / "summary.json").read_text())
    result.pop("stdout")
    result["documents"] = summary["reconciliation"]["documents_written"]
    result["records"] = summary["reconciliation"]["records_read"]
    return result


# ---------------------------------------------------------------------------------------------------------------
# Pairwise F1 against the gold
# ---------------------------------------------------------------------------------------------------------------


def pairwise_f1(gold: dict[str, Any], labels: dict[str, str]) -> dict[str, Any]:
    """Pairwise precision / recall / F1 of predicted clusters (``labels``: url -> cluster; a url without a label
    is alone) against the gold clusters, over the gold's documents."""
    from pipeline.eval_dedup import pair_scores

    urls = sorted(gold["documents"])
    truth = [gold["documents"][u]["cluster"] for u in urls]
    pred = [labels.get(u, "self:" + u) for u in urls]
    return pair_scores(truth, pred).as_dict()


def newsdedup_labels(run_dir: Path) -> dict[str, str]:
    from pipeline.eval_dedup import load_run

    return {d.url: d.cluster_id for d in load_run(str(run_dir)) if d.url}


# ---------------------------------------------------------------------------------------------------------------
# The measurements
# ---------------------------------------------------------------------------------------------------------------


def measure_html(
    work: Path, pages: int, seed: int, workers: list[int], limit: int | None = None
) -> dict[str, Any]:
    info = C.html_corpus(pages, work / f"html-{pages}-s{seed}", seed=seed, limit_collection=limit)
    path = work / f"html-{pages}-s{seed}" / "pages.jsonl"
    rows = []
    for w in workers:
        bare = measure(
            [sys.executable, str(REPO / "bench" / "bare_extract.py"), str(path), "--processes", str(w)],
            env=_env(),
        )
        ours = run_newsdedup(path, work / "runs" / f"html-w{w}", w, f"bench-html-w{w}")
        rows.append(
            {
                "workers": w,
                "bare_seconds": bare["seconds"],
                "bare_found": json.loads(bare["stdout"])["found"],
                "newsdedup_seconds": ours["seconds"],
                "newsdedup_documents": ours["documents"],
                "ratio": round(bare["seconds"] / ours["seconds"], 3),
            }
        )
    return {"pages": info["pages"], "rows": rows, "target": 0.85}


def html_marginal(sizes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Measurement 1 at two page counts, split into a fixed and a per-page part (a line through the two points)
    for the bare loop and newsdedup, per worker count: ``marginal_ratio`` is bare / newsdedup per added page."""
    small, large = sizes[0], sizes[-1]
    added = large["pages"] - small["pages"]
    rows = []
    for a, b in zip(small["rows"], large["rows"], strict=True):
        per_page = {who: (b[f"{who}_seconds"] - a[f"{who}_seconds"]) / added for who in ("bare", "newsdedup")}
        rows.append(
            {
                "workers": a["workers"],
                "bare_ms_per_page": round(1e3 * per_page["bare"], 2),
                "newsdedup_ms_per_page": round(1e3 * per_page["newsdedup"], 2),
                "marginal_ratio": round(per_page["bare"] / per_page["newsdedup"], 3),
                "bare_fixed_seconds": round(a["bare_seconds"] - small["pages"] * per_page["bare"], 2),
                "newsdedup_fixed_seconds": round(
                    a["newsdedup_seconds"] - small["pages"] * per_page["newsdedup"], 2
                ),
            }
        )
    return rows


def measure_text(
    work: Path,
    n: int,
    seed: int,
    peers_python: str | None,
    workers: int,
    limit: int | None = None,
    peer_settings: tuple[str, ...] = ("equal",),
) -> dict[str, Any]:
    folder = work / f"text-{n}-s{seed}"
    info = C.text_corpus(n, folder, seed=seed, limit_collection=limit)
    gold = json.loads((folder / "gold.json").read_text())
    dump = folder / "dump.jsonl"
    ours = run_newsdedup(dump, work / "runs" / f"text-{n}-w{workers}", workers, f"bench-text-{n}")
    tools = [
        {
            "tool": "newsdedup",
            "seconds": ours["seconds"],
            **pairwise_f1(gold, newsdedup_labels(work / "runs" / f"text-{n}-w{workers}" / "run")),
        }
    ]
    skipped: dict[str, str] = {}
    for tool, settings in [(t, s) for t in ("datatrove", "textdedup") for s in peer_settings]:
        if not peers_python or not Path(peers_python).exists():
            skipped[tool] = f"no peers environment at {peers_python} (see bench/README.md)"
            continue
        out = work / "runs" / f"{tool}-{settings}-{n}.json"
        try:
            measure(
                [
                    peers_python,
                    str(REPO / "bench" / "peers.py"),
                    tool,
                    "--input",
                    str(dump),
                    "--work",
                    str(work / "peers" / f"{tool}-{n}"),
                    "--processes",
                    str(workers),
                    "--json",
                    str(out),
                    "--settings",
                    settings,
                ]
            )
        except RuntimeError as e:
            skipped[f"{tool} ({settings})"] = str(e)[-500:]
            continue
        result = json.loads(out.read_text())
        tools.append(
            {
                "tool": f"{result['tool']} {result['version']}"
                + (" (own defaults)" if settings == "default" else ""),
                "seconds": result["seconds"],
                "prepare_seconds": result["prepare_seconds"],
                "stages": result["stages"],
                **pairwise_f1(gold, result["labels"]),
            }
        )
    for t in tools:
        t["ratio_to_newsdedup"] = round(t["seconds"] / ours["seconds"], 3)
    return {"documents": info["documents"], "workers": workers, "tools": tools, "skipped": skipped}


def measure_growth(
    work: Path, sizes: list[int], seed: int, workers: int, limit: int | None = None
) -> dict[str, Any]:
    rows = []
    for n in sizes:
        folder = work / f"text-{n}-s{seed}"
        info = C.text_corpus(n, folder, seed=seed, limit_collection=limit)
        run = run_newsdedup(
            folder / "dump.jsonl", work / "runs" / f"growth-{n}-w{workers}", workers, f"bench-{n}"
        )
        docs = info["documents"]
        rows.append(
            {
                "documents": docs,
                "seconds": run["seconds"],
                "cpu_seconds": run["cpu_seconds"],
                "peak_rss_mb": run["peak_rss_mb"],
                "docs_per_second": round(docs / run["seconds"], 1),
                "us_per_document": round(1e6 * run["seconds"] / docs, 1),
            }
        )
    return {"workers": workers, "rows": rows, "target_docs_per_second": 2000}


def measure_profile(
    work: Path, n: int, seed: int, growth: dict[str, Any] | None, limit: int | None = None
) -> dict[str, Any]:
    from bench.stages import profile

    folder = work / f"text-{n}-s{seed}"
    C.text_corpus(n, folder, seed=seed, limit_collection=limit)
    result = profile(folder / "dump.jsonl")
    pipeline_cpu = None
    for row in (growth or {}).get("rows", []):
        if row["documents"] == result["documents"] or abs(row["documents"] - result["documents"]) < 0.02 * n:
            pipeline_cpu = row["cpu_seconds"]
    if pipeline_cpu is None:
        run = run_newsdedup(folder / "dump.jsonl", work / "runs" / f"profile-{n}", 2, f"bench-profile-{n}")
        pipeline_cpu = run["cpu_seconds"]
    result["pipeline_cpu_seconds"] = pipeline_cpu
    result["beam_cpu_seconds"] = round(max(0.0, pipeline_cpu - result["total_cpu_seconds"]), 3)
    return result


# ---------------------------------------------------------------------------------------------------------------
# The table
# ---------------------------------------------------------------------------------------------------------------


def render(results: dict[str, Any]) -> str:
    lines = [f"machine: {results['machine']}"]
    if "html" in results:
        for h in results.get("html_sizes", [results["html"]]):
            lines += [
                "",
                f"1. HTML path, {h['pages']} pages: bare trafilatura loop / newsdedup (target >= {h['target']})",
            ]
            lines.append("| workers | bare loop s | newsdedup s | ratio |")
            lines.append("| --- | --- | --- | --- |")
            for r in h["rows"]:
                lines.append(
                    f"| {r['workers']} | {r['bare_seconds']:.1f} | {r['newsdedup_seconds']:.1f} | "
                    f"{r['ratio']:.2f} |"
                )
        if "html_marginal" in results:
            sizes = results["html_sizes"]
            lines += [
                "",
                f"1b. HTML path, fixed and per-page parts (from {sizes[0]['pages']} and {sizes[-1]['pages']} pages)",
            ]
            lines.append(
                "| workers | bare ms/page | newsdedup ms/page | per-page ratio | bare fixed s | newsdedup fixed s |"
            )
            lines.append("| --- | --- | --- | --- | --- | --- |")
            for r in results["html_marginal"]:
                lines.append(
                    f"| {r['workers']} | {r['bare_ms_per_page']:.1f} | {r['newsdedup_ms_per_page']:.1f} | "
                    f"{r['marginal_ratio']:.2f} | {r['bare_fixed_seconds']:.1f} | {r['newsdedup_fixed_seconds']:.1f} |"
                )
    if "text" in results:
        t = results["text"]
        lines += ["", f"2. Text path, {t['documents']} documents, {t['workers']} processes each"]
        lines.append("| tool | seconds | time / newsdedup | precision | recall | pairwise F1 |")
        lines.append("| --- | --- | --- | --- | --- | --- |")
        for r in t["tools"]:
            lines.append(
                f"| {r['tool']} | {r['seconds']:.1f} | {r['ratio_to_newsdedup']:.2f} | {r['precision']:.3f} | "
                f"{r['recall']:.3f} | {r['f1']:.3f} |"
            )
        for tool, why in t["skipped"].items():
            lines.append(f"  {tool} skipped: {why.splitlines()[0] if why else ''}")
    if "growth" in results:
        g = results["growth"]
        lines += [
            "",
            f"3. Growth, text path, {g['workers']} workers (target >= {g['target_docs_per_second']} docs/s)",
        ]
        lines.append("| documents | seconds | peak memory MB | docs/s | us/document |")
        lines.append("| --- | --- | --- | --- | --- |")
        for r in g["rows"]:
            lines.append(
                f"| {r['documents']} | {r['seconds']:.1f} | {r['peak_rss_mb']} | {r['docs_per_second']:.0f} | "
                f"{r['us_per_document']:.0f} |"
            )
    if "profile" in results:
        p = results["profile"]
        total = p["pipeline_cpu_seconds"] or p["total_cpu_seconds"]
        lines += [
            "",
            f"4. Stage profile, {p['documents']} documents (CPU seconds; share of the pipeline's {total:.1f})",
        ]
        lines.append("| stage | CPU s | us/document | share |")
        lines.append("| --- | --- | --- | --- |")
        for stage, sec in p["cpu_seconds"].items():
            lines.append(
                f"| {stage} | {sec:.2f} | {p['us_per_document'][stage]:.0f} | {100 * sec / total:.1f}% |"
            )
        beam = p["beam_cpu_seconds"]
        lines.append(
            f"| Beam (pipeline less stages) | {beam:.2f} | {1e6 * beam / p['documents']:.0f} | "
            f"{100 * beam / total:.1f}% |"
        )
    return "\n".join(lines)


def machine() -> str:
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    system = f"{platform.system()} {platform.machine()}, Python {platform.python_version()}"
    return f"{os.cpu_count()} cores, {mem:.0f} GiB, {system}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("--only", default=",".join(MEASUREMENTS), help="measurements to run (comma-separated)")
    ap.add_argument("--sizes", default="10000,100000", help="growth: text corpus sizes (documents)")
    ap.add_argument("--text-size", type=int, default=10000, help="measurement 2's corpus size")
    ap.add_argument(
        "--html-pages",
        default="1000",
        help="measurement 1's pages; two or more sizes (1000,5000) also give the fixed and per-page parts",
    )
    ap.add_argument("--workers", default="1,2", help="measurement 1's worker counts")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument(
        "--peer-settings",
        default="equal,default",
        help="measurement 2: the peers with newsdedup's settings (equal) and/or their own defaults (default)",
    )
    ap.add_argument("--peers-python", default=DEFAULT_PEERS_PYTHON, help="python of the peers' environment")
    ap.add_argument("--work", default="/tmp/newsdedup-bench", help="corpora and runs")
    ap.add_argument("--json", help="write the results here (default: WORK/results.json)")
    ap.add_argument(
        "--limit-collection", type=int, help="use only the first N Reuters stories (quick runs and tests)"
    )
    args = ap.parse_args(argv)
    only = [m.strip() for m in args.only.split(",") if m.strip()]
    unknown = set(only) - set(MEASUREMENTS)
    if unknown:
        ap.error(
            f"unknown measurement(s) {', '.join(sorted(unknown))}; choose from {', '.join(MEASUREMENTS)}"
        )
    if not C.REUTERS.is_file():
        print(
            f"Reuters-21578 not found at {C.REUTERS} (needs ../shared next to the repository)",
            file=sys.stderr,
        )
        return 2
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    results: dict[str, Any] = {
        "machine": machine(),
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    t0 = time.perf_counter()
    if "html" in only:
        workers = [int(w) for w in args.workers.split(",")]
        pages = [int(n) for n in args.html_pages.split(",") if n]
        html_sizes = [measure_html(work, n, args.seed, workers, args.limit_collection) for n in pages]
        results["html"] = html_sizes[0]
        if len(html_sizes) > 1:
            results["html_sizes"] = html_sizes
            results["html_marginal"] = html_marginal(html_sizes)
    if "text" in only:
        results["text"] = measure_text(
            work,
            args.text_size,
            args.seed,
            args.peers_python,
            workers=2,
            limit=args.limit_collection,
            peer_settings=tuple(args.peer_settings.split(",")),
        )
    if "growth" in only:
        results["growth"] = measure_growth(work, sizes, args.seed, workers=2, limit=args.limit_collection)
    if "profile" in only:
        results["profile"] = measure_profile(
            work, sizes[0], args.seed, results.get("growth"), args.limit_collection
        )
    results["seconds"] = round(time.perf_counter() - t0, 1)
    table = render(results)
    results["table"] = table
    out = Path(args.json) if args.json else work / "results.json"
    out.write_text(json.dumps(results, indent=1))
    print(table)
    print(f"\nresults: {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
