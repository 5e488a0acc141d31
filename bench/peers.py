#!/usr/bin/env python3
"""The peers of measurement 2, run in the bench's own environment (never newsdedup's): datatrove's MinHash
deduplication (its four stages on its LocalPipelineExecutor) and text-dedup's MinHash, over a dump's ``text``.

    /tmp/benchenv/bin/python bench/peers.py datatrove --input dump.jsonl --work DIR --processes 2 --json OUT
    /tmp/benchenv/bin/python bench/peers.py textdedup --input dump.jsonl --work DIR --processes 2 --json OUT

With ``--settings equal`` (the default) both get the settings newsdedup runs with: word 3-grams, 128 permutations
as 42 bands x 3 rows, digits kept (datatrove's default folds numbers to one token; newsdedup keeps them), 64-bit
hashes; with ``--settings default`` each runs with its own defaults (datatrove: 5-grams, 14 x 8; text-dedup:
5-grams, 250 permutations, threshold 0.7). ``OUT`` gets
``{"tool", "version", "seconds", "stages", "labels": {url: cluster}}``: the wall time of the tool's own run (the
dump's conversion to its input format is timed apart as ``prepare_seconds``) and every document's cluster (a
document alone is its own cluster). Imports nothing of newsdedup.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from importlib.metadata import version
from pathlib import Path
from typing import Any

NGRAMS, BANDS, ROWS = 3, 42, 3


def _split_dump(source: Path, folder: Path, parts: int) -> list[str]:
    """The dump in ``parts`` files of whole lines (datatrove gives each task its own files); returns the urls in
    dump order."""
    folder.mkdir(parents=True, exist_ok=True)
    urls: list[str] = []
    lines: list[list[str]] = [[] for _ in range(parts)]
    with open(source, encoding="utf-8") as fh:
        for i, line in enumerate(fh):
            row = json.loads(line)
            urls.append(row["url"])
            lines[i % parts].append(json.dumps({"url": row["url"], "text": row["text"]}) + "\n")
    for k, part in enumerate(lines):
        (folder / f"part{k:02d}.jsonl").write_text("".join(part), encoding="utf-8")
    return urls


def run_datatrove(args: argparse.Namespace) -> dict[str, Any]:
    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.dedup import MinhashDedupSignature
    from datatrove.pipeline.dedup.minhash import (
        MinhashConfig,
        MinhashDedupBuckets,
        MinhashDedupCluster,
        MinhashDedupFilter,
    )
    from datatrove.pipeline.readers import JsonlReader
    from datatrove.pipeline.writers.jsonl import JsonlWriter
    from datatrove.utils.hashing import HashConfig
    from datatrove.utils.text import TextNormConfig

    work = Path(args.work)
    shutil.rmtree(work, ignore_errors=True)
    t0 = time.perf_counter()
    urls = _split_dump(Path(args.input), work / "input", args.processes)
    prepare = time.perf_counter() - t0
    if args.settings == "equal":
        config = MinhashConfig(
            n_grams=NGRAMS,
            num_buckets=BANDS,
            hashes_per_bucket=ROWS,
            hash_config=HashConfig(precision=64),
            norm_config=TextNormConfig(norm_numbers=False),
        )
    else:  # its own defaults (5-grams, 14 buckets x 8 hashes, numbers folded), with 64-bit hashes as its docs advise
        config = MinhashConfig(hash_config=HashConfig(precision=64))

    def reader() -> Any:
        return JsonlReader(str(work / "input"), id_key="url", glob_pattern="*.jsonl")

    stages: dict[str, float] = {}
    common = {"workers": args.processes, "start_method": "fork"}
    steps = [
        (
            "signatures",
            LocalPipelineExecutor(
                pipeline=[reader(), MinhashDedupSignature(output_folder=str(work / "sigs"), config=config)],
                tasks=args.processes,
                logging_dir=str(work / "logs" / "sigs"),
                **common,
            ),
        ),
        (
            "buckets",
            LocalPipelineExecutor(
                pipeline=[
                    MinhashDedupBuckets(
                        input_folder=str(work / "sigs"), output_folder=str(work / "buckets"), config=config
                    )
                ],
                tasks=BANDS,
                logging_dir=str(work / "logs" / "buckets"),
                **common,
            ),
        ),
        (
            "cluster",
            LocalPipelineExecutor(
                pipeline=[
                    MinhashDedupCluster(
                        input_folder=str(work / "buckets"),
                        output_folder=str(work / "remove"),
                        config=config,
                        save_cluster_id=True,
                    )
                ],
                tasks=1,
                logging_dir=str(work / "logs" / "cluster"),
                workers=1,
                start_method="fork",
            ),
        ),
        (
            "filter",
            LocalPipelineExecutor(
                pipeline=[
                    reader(),
                    MinhashDedupFilter(
                        input_folder=str(work / "remove"),
                        exclusion_writer=JsonlWriter(str(work / "removed"), compression=None),
                        load_cluster_ids=True,
                    ),
                    JsonlWriter(str(work / "kept"), compression=None),
                ],
                tasks=args.processes,
                logging_dir=str(work / "logs" / "filter"),
                **common,
            ),
        ),
    ]
    t0 = time.perf_counter()
    for name, executor in steps:
        t = time.perf_counter()
        executor.run()
        stages[name] = round(time.perf_counter() - t, 3)
    seconds = time.perf_counter() - t0
    labels: dict[str, str] = {url: url for url in urls}
    for folder in ("kept", "removed"):
        for path in sorted((work / folder).glob("*.jsonl")):
            for line in path.read_text(encoding="utf-8").splitlines():
                row = json.loads(line)
                cluster = row.get("metadata", {}).get("minhash_cluster_id", -1)
                if cluster != -1:
                    labels[row["id"]] = f"c{cluster}"
    return {
        "tool": "datatrove",
        "settings": args.settings,
        "version": version("datatrove"),
        "seconds": round(seconds, 3),
        "prepare_seconds": round(prepare, 3),
        "stages": stages,
        "labels": labels,
    }


def run_textdedup(args: argparse.Namespace) -> dict[str, Any]:
    import datasets

    work = Path(args.work)
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    t0 = time.perf_counter()
    rows = [json.loads(line) for line in Path(args.input).read_text(encoding="utf-8").splitlines()]
    urls = [r["url"] for r in rows]
    ds = datasets.Dataset.from_dict({"url": urls, "text": [r["text"] for r in rows]})
    ds.save_to_disk(str(work / "input"))
    prepare = time.perf_counter() - t0
    # Its command line as documented (python -m text_dedup.minhash ...), with --debug to write the clusters
    # (its union-find, keyed by our url column).
    command = [
        sys.executable,
        "-m",
        "text_dedup.minhash",
        "--path",
        str(work / "input"),
        "--local",
        "--output",
        str(work / "output"),
        "--cache_dir",
        str(work / "cache"),
        "--column",
        "text",
        "--idx_column",
        "url",
        "--num_proc",
        str(args.processes),
        "--debug",
    ]
    if args.settings == "equal":
        command += ["--ngram", str(NGRAMS), "--min_length", str(NGRAMS), "--num_perm", str(BANDS * ROWS)]
        command += ["--b", str(BANDS), "--r", str(ROWS), "--threshold", "0.5", "--hash_func", "xxh3"]
        command += ["--hash_bits", "64"]
    # else its defaults: 5-grams, 250 permutations, threshold 0.7 (bands x rows derived), sha1
    env = {**os.environ, "HF_DATASETS_OFFLINE": "1", "HF_HUB_OFFLINE": "1", "TQDM_DISABLE": "1"}
    t0 = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, cwd=work)
    seconds = time.perf_counter() - t0
    if done.returncode != 0:
        raise RuntimeError(f"text_dedup.minhash failed ({done.returncode}):\n{done.stderr[-3000:]}")
    import pickle

    with open(work / "output" / "uf.pkl", "rb") as fh:
        uf = pickle.load(fh)
    labels = {url: str(uf.find(url)) if url in uf.parent else url for url in urls}
    return {
        "tool": "text-dedup",
        "settings": args.settings,
        "version": version("text-dedup"),
        "seconds": round(seconds, 3),
        "prepare_seconds": round(prepare, 3),
        "stages": {},
        "labels": labels,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("tool", choices=("datatrove", "textdedup"))
    ap.add_argument("--input", required=True, help="dump.jsonl (url, text)")
    ap.add_argument("--work", required=True, help="scratch folder (replaced)")
    ap.add_argument("--processes", type=int, default=2)
    ap.add_argument("--json", required=True, help="where to write the result")
    ap.add_argument(
        "--settings",
        choices=("equal", "default"),
        default="equal",
        help="equal: newsdedup's shingles and LSH; default: the tool's own defaults",
    )
    args = ap.parse_args(argv)
    result = run_datatrove(args) if args.tool == "datatrove" else run_textdedup(args)
    Path(args.json).write_text(json.dumps(result))
    print(f"{result['tool']}: {result['seconds']:.1f}s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
