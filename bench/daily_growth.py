"""How a scheduled job's run time and history index grow over simulated days: `newsdedup run --date D` once a
day on a fixed daily volume built from the Reuters-21578 newswire, each run matched against the index of the
days before it, then `newsdedup index compact` as a nightly job would.

Each day holds ``--originals`` new Reuters stories, ``--in-day`` copies of that day's stories and ``--cross-day``
copies of stories first published 1 to ``--max-age`` days before (so some are older than the retention window
and must not be flagged). A copy keeps the story with two words changed and an outlet line added; its url,
source and id are its own. Prints per day: run wall time, documents, copies of earlier days flagged, index size
and files after compaction; the ratio of the last 5 days' mean run time to days 2-6 and to the first days with
a full window; writes everything as JSON.

    python bench/daily_growth.py --reuters ../shared/data/reuters21578/reuters21578.jsonl.gz --out /tmp/daily-growth

Each run is a fresh ``python -m pipeline.cli run`` process on the local runner (one in-memory worker), so the
wall time includes the interpreter's and Beam's start (~constant); ``pipeline_seconds`` is the pipeline alone.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.make_syndication import Story, load_reuters  # noqa: E402

OUTLETS = ("daily-courier.example", "metro-post.example", "valley-news.example", "harbour-times.example")
WIRE = "reuters.com"


def copy_text(story: Story, rng: random.Random, outlet: str) -> str:
    """A syndicated copy: the story's paragraphs with two words changed and the outlet's line at the end."""
    paragraphs = [p.split() for p in story.paragraphs]
    for _ in range(2):
        para = rng.randrange(len(paragraphs))
        if len(paragraphs[para]) > 1:
            paragraphs[para][rng.randrange(1, len(paragraphs[para]))] = "reportedly"
    lines = [" ".join(p) for p in paragraphs]
    return "\n".join([*lines, f"Distributed by {outlet} for its readers."])


def record(doc_id: str, url: str, day: str, title: str, text: str, hour: int) -> dict[str, Any]:
    return {"id": doc_id, "url": url, "published": f"{day}T{hour:02d}:00:00Z", "title": title, "text": text}


def plan_days(
    stories: list[Story], *, days: int, originals: int, in_day: int, cross_day: int, max_age: int, seed: int
) -> tuple[dict[str, list[dict[str, Any]]], dict[str, list[tuple[str, str, int]]]]:
    """The records of every day, and the planted copies of earlier days: (copy id, original id, age in days)."""
    rng = random.Random(seed)
    start = dt.date(2024, 1, 1)
    pool = iter(stories)
    published: dict[int, list[tuple[str, Story]]] = {}
    out: dict[str, list[dict[str, Any]]] = {}
    planted: dict[str, list[tuple[str, str, int]]] = {}
    for d in range(days):
        day = (start + dt.timedelta(days=d)).isoformat()
        records, today = [], []
        for _ in range(originals):
            story = next(pool)
            doc_id = f"r{story.newid}"
            today.append((doc_id, story))
            text = "\n".join(story.paragraphs)
            records.append(record(doc_id, f"https://{WIRE}/{day}/{doc_id}", day, story.title, text, 6))
        for k in range(in_day):
            doc_id, story = rng.choice(today)
            outlet = OUTLETS[k % len(OUTLETS)]
            cid = f"{doc_id}-{day}-c{k}"
            records.append(
                record(cid, f"https://{outlet}/{cid}", day, story.title, copy_text(story, rng, outlet), 9)
            )
        planted[day] = []
        earlier = [a for a in range(1, max_age + 1) if d - a >= 0]
        for k in range(cross_day if earlier else 0):
            age = rng.choice(earlier)
            doc_id, story = rng.choice(published[d - age])
            outlet = OUTLETS[k % len(OUTLETS)]
            cid = f"{doc_id}-{day}-x{k}"
            planted[day].append((cid, doc_id, age))
            records.append(
                record(cid, f"https://{outlet}/{cid}", day, story.title, copy_text(story, rng, outlet), 9)
            )
        published[d] = today
        out[day] = records
    return out, planted


def dir_size(path: Path) -> tuple[int, int]:
    files = [p for p in path.rglob("*") if p.is_file()]
    return sum(p.stat().st_size for p in files), len(files)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--reuters", default=str(REPO.parent / "shared/data/reuters21578/reuters21578.jsonl.gz"))
    ap.add_argument("--out", default="/tmp/daily-growth")
    ap.add_argument("--days", type=int, default=30)
    ap.add_argument("--originals", type=int, default=400)
    ap.add_argument("--in-day", type=int, default=300)
    ap.add_argument("--cross-day", type=int, default=300)
    ap.add_argument("--max-age", type=int, default=10)
    ap.add_argument("--retention-days", type=int, default=7)
    ap.add_argument("--partitions", type=int, default=8)
    ap.add_argument("--seed", type=int, default=5)
    args = ap.parse_args(argv)
    if not os.path.exists(args.reuters):
        print(f"Reuters-21578 not found at {args.reuters} (../shared/data is not part of the repository)")
        return 2
    root = Path(args.out)
    if root.exists():
        subprocess.run(["rm", "-rf", str(root)], check=True)
    stories = [s for s in load_reuters(args.reuters) if s.words >= 60 and not s.templated]
    random.Random(args.seed).shuffle(stories)
    if len(stories) < args.days * args.originals:
        print(f"only {len(stories)} stories for {args.days} x {args.originals} originals")
        return 2
    days, planted = plan_days(
        stories,
        days=args.days,
        originals=args.originals,
        in_day=args.in_day,
        cross_day=args.cross_day,
        max_age=args.max_age,
        seed=args.seed,
    )
    for day, records in days.items():
        folder = root / "in" / day
        folder.mkdir(parents=True)
        (folder / "news.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    job = root / "job.yaml"
    job.write_text(
        json.dumps(
            {
                "name": "daily-growth",
                "inputs": [{"path": f"{root}/in/{{date}}/"}],
                "clean": {"templates": False},
                "output": {"path": f"{root}/out/{{date}}", "num_shards": 1},
                "index": {
                    "path": f"{root}/index",
                    "retention_days": args.retention_days,
                    "partitions": args.partitions,
                },
                "runner": {"name": "DirectRunner"},
            }
        ),
        encoding="utf-8",
    )
    env = dict(os.environ, PYTHONPATH=str(REPO))
    rows = []
    print(
        f"{'day':<10} {'docs':>5} {'run s':>6} {'pipe s':>6} {'days':>4} {'hist dups':>9} {'planted':>7} "
        f"{'in win':>6} {'flagged':>7} {'idx days':>8} {'idx MB':>7} {'files':>5}"
    )
    for day in days:
        t0 = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "pipeline.cli", "run", str(job), "--date", day, "-q"],
            env=env,
            cwd=REPO,
            capture_output=True,
            text=True,
        )
        wall = time.perf_counter() - t0
        if done.returncode != 0:
            print(done.stderr[-3000:])
            return 1
        subprocess.run(
            [sys.executable, "-m", "pipeline.cli", "index", "compact", str(job), "--date", day],
            env=env,
            cwd=REPO,
            capture_output=True,
            check=True,
        )
        summary = json.loads((root / "out" / day / "summary.json").read_text(encoding="utf-8"))
        docs = {}
        for f in sorted((root / "out" / day / "documents").glob("part-*")):
            for line in f.read_text(encoding="utf-8").splitlines():
                d = json.loads(line)
                docs[d["id"]] = d
        in_window = [(c, o, a) for c, o, a in planted[day] if a <= args.retention_days]
        # flagged as a copy of an earlier day (its original itself may be a copy of an older Reuters story)
        flagged = sum(1 for c, _, _ in in_window if docs[c]["first_seen"])
        to_original = sum(1 for c, o, _ in in_window if docs[c]["duplicate_of"] == o)
        outside_flagged = sum(
            1 for c, _, a in planted[day] if a > args.retention_days and docs[c]["first_seen"]
        )
        manifest = json.loads((root / "index" / "manifest.json").read_text(encoding="utf-8"))
        size, files = dir_size(root / "index" / "days")
        ix = summary["index"]
        row = {
            "day": day,
            "documents": len(docs),
            "run_seconds": round(wall, 2),
            "pipeline_seconds": summary["wall_seconds"],
            "days_matched": ix["days_matched"],
            "duplicates_of_history": ix["duplicates_of_history"],
            "history_keys_matched": ix["history_keys_matched"],
            "history_probes": ix["history_probes"],
            "planted_cross_day": len(planted[day]),
            "planted_in_window": len(in_window),
            "planted_in_window_flagged": flagged,
            "planted_in_window_flagged_to_original": to_original,
            "planted_outside_window_flagged": outside_flagged,
            "index_days": len(manifest["days"]),
            "index_bytes": size,
            "index_files": files,
            "index_documents": sum(e["documents"] for e in manifest["days"].values()),
        }
        rows.append(row)
        print(
            f"{day:<10} {row['documents']:>5} {row['run_seconds']:>6.1f} {row['pipeline_seconds']:>6.1f} "
            f"{row['days_matched']:>4} {row['duplicates_of_history']:>9} {row['planted_cross_day']:>7} "
            f"{row['planted_in_window']:>6} {flagged:>7} {row['index_days']:>8} {size / 1e6:>7.2f} {files:>5}",
            flush=True,
        )
    run = [r["run_seconds"] for r in rows]
    pipe = [r["pipeline_seconds"] for r in rows]
    full = args.retention_days + 1  # the first day with a full window (0-based index)
    figures = {
        "settings": vars(args),
        "days": rows,
        "ratio_last5_to_days2_6": round(statistics.mean(run[-5:]) / statistics.mean(run[1:6]), 3),
        "pipeline_ratio_last5_to_days2_6": round(statistics.mean(pipe[-5:]) / statistics.mean(pipe[1:6]), 3),
        "ratio_last5_to_first5_full_window": round(
            statistics.mean(run[-5:]) / statistics.mean(run[full : full + 5]), 3
        ),
        "index_bytes_max": max(r["index_bytes"] for r in rows),
        "index_bytes_last": rows[-1]["index_bytes"],
        "planted_in_window": sum(r["planted_in_window"] for r in rows),
        "planted_in_window_flagged": sum(r["planted_in_window_flagged"] for r in rows),
        "planted_outside_window_flagged": sum(r["planted_outside_window_flagged"] for r in rows),
    }
    (root / "daily_growth.json").write_text(json.dumps(figures, indent=2), encoding="utf-8")
    print(
        f"run time, mean of the last 5 days / days 2-6: {figures['ratio_last5_to_days2_6']} "
        f"(pipeline alone {figures['pipeline_ratio_last5_to_days2_6']}); / the first 5 days with a full "
        f"{args.retention_days}-day window: {figures['ratio_last5_to_first5_full_window']}"
    )
    print(
        f"index: at most {figures['index_bytes_max'] / 1e6:.2f} MB, {rows[-1]['index_days']} days at the end; "
        f"planted copies of days in the window flagged {figures['planted_in_window_flagged']}/"
        f"{figures['planted_in_window']}, of older days {figures['planted_outside_window_flagged']}"
    )
    print(f"figures: {root / 'daily_growth.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
