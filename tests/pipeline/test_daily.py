"""Scheduled runs against the history index: consecutive daily runs of `newsdedup run` on generated news, with
copies across days and within a day, a rerun, a run killed between writing its index files and publishing them,
and retention. Every document's flags are asserted exactly."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from pipeline import index as history_index
from pipeline.cli import FAULT_ENV, KILL_BEFORE_PUBLISH, main

REPO = Path(__file__).resolve().parents[2]
D1, D2, D3, D4, D5 = "2024-03-01", "2024-03-02", "2024-03-03", "2024-03-04", "2024-03-05"

_VOCABULARY = """
council minister port workers strike union talks harbour freight shipping trade court ruling appeal budget vote
parliament province rail line station passengers delays storm flood river bank police inquiry hospital doctors
nurses vaccine school teachers pay deal mayor election campaign market shares investors rates inflation farmers
harvest drought water supply energy prices fuel airport runway tourists hotel museum festival music film director
team coach season final league stadium fans
"""
_GLUE = "the a of in on for to with after before and said that would from its their as at by"
WORDS, GLUE = _VOCABULARY.split(), _GLUE.split()


def story(seed: int, sentences: int = 7) -> list[str]:
    """A made-up news story: sentences of 11-15 words, different for every seed."""
    rng = random.Random(seed)
    out = []
    for _ in range(sentences):
        words = [
            rng.choice(WORDS) if rng.random() < 0.6 else rng.choice(GLUE) for _ in range(rng.randint(11, 15))
        ]
        out.append(" ".join(words).capitalize() + ".")
    return out


def near_copy(sentences: list[str], seed: int) -> list[str]:
    """A syndicated copy: the last sentence dropped and two words changed."""
    rng = random.Random(seed)
    copy = [s.split() for s in sentences[:-1]]
    for _ in range(2):
        s = rng.randrange(len(copy))
        copy[s][rng.randrange(1, len(copy[s]))] = "reportedly"
    return [" ".join(words) for words in copy]


STORIES = {
    name: story(i) for i, name in enumerate(["s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8"], start=11)
}


def record(doc_id: str, day: str, sentences: list[str], site: str) -> dict[str, Any]:
    return {
        "id": doc_id,
        "url": f"https://{site}/{doc_id}",
        "published": f"{day}T08:00:00Z",
        "title": doc_id,
        "text": "\n".join(sentences),
    }


def roundup(lead: list[str], seed: int) -> list[str]:
    """A briefs page: a filler item, the opening of ``lead`` under its own headline, another filler item (each
    item one paragraph)."""
    return [
        " ".join(story(seed)[:3]),
        "Harbour Freight Talks Resume",
        " ".join(lead[:3]),
        "Council Budget Vote Delayed",
        " ".join(story(seed + 1)[:3]),
    ]


DAYS: dict[str, list[dict[str, Any]]] = {
    D1: [
        record("d1-s1", D1, STORIES["s1"], "wire.example"),
        record("d1-s2", D1, STORIES["s2"], "wire.example"),
        record("d1-s3", D1, STORIES["s3"], "wire.example"),
        record("d1-s3-copy", D1, near_copy(STORIES["s3"], 1), "daily.example"),  # a copy within the day
        record("d1-s4", D1, STORIES["s4"], "wire.example"),
        record("d1-s4-mirror", D1, STORIES["s4"], "mirror.example"),  # an exact copy within the day
    ],
    D2: [
        record("d2-s1-copy", D2, near_copy(STORIES["s1"], 2), "daily.example"),  # copy of day 1's s1
        record("d2-s2-exact", D2, STORIES["s2"], "mirror.example"),  # exact copy of day 1's s2
        record("d1-s3", D2, STORIES["s3"], "wire.example"),  # day 1's page crawled again: same id, same text
        record("d2-s5", D2, STORIES["s5"], "wire.example"),
        record("d2-s5-copy", D2, near_copy(STORIES["s5"], 3), "daily.example"),  # a copy within day 2
    ],
    D3: [
        record("d3-s5-copy", D3, near_copy(STORIES["s5"], 4), "weekly.example"),  # copy of day 2's s5
        record("d3-s1-copy", D3, near_copy(STORIES["s1"], 5), "weekly.example"),  # copy of day 1's s1
        record("d3-s6", D3, STORIES["s6"], "wire.example"),
        record("d3-briefs", D3, roundup(STORIES["s5"], 90), "weekly.example"),  # carries day 2's s5 opening
    ],
    D4: [  # the killed run
        record("d4-s7", D4, STORIES["s7"], "wire.example"),
        record("d4-s6-copy", D4, near_copy(STORIES["s6"], 6), "daily.example"),
    ],
    D5: [  # retention 2 days: matches D3 and D4 (never published), not D1 or D2
        record("d5-s2-copy", D5, near_copy(STORIES["s2"], 7), "daily.example"),
        record("d5-s6-copy", D5, near_copy(STORIES["s6"], 8), "weekly.example"),
        record("d5-s8", D5, STORIES["s8"], "wire.example"),
    ],
}

# id -> (duplicate_of, dup_type, first_seen, cluster_id); None for a canonical or unique document
FLAGS: dict[str, dict[str, tuple[str | None, str | None, str | None, str]]] = {
    D1: {
        "d1-s1": (None, None, None, "d1-s1"),
        "d1-s2": (None, None, None, "d1-s2"),
        "d1-s3": (None, None, None, "d1-s3"),
        "d1-s3-copy": ("d1-s3", "near", None, "d1-s3"),
        "d1-s4": (None, None, None, "d1-s4"),
        "d1-s4-mirror": ("d1-s4", "exact", None, "d1-s4"),
    },
    D2: {
        "d2-s1-copy": ("d1-s1", "near", D1, "d1-s1"),
        "d2-s2-exact": ("d1-s2", "exact", D1, "d1-s2"),
        "d1-s3": ("d1-s3", "exact", D1, "d1-s3"),
        "d2-s5": (None, None, None, "d2-s5"),
        "d2-s5-copy": ("d2-s5", "near", None, "d2-s5"),
    },
    D3: {
        "d3-s5-copy": ("d2-s5", "near", D2, "d2-s5"),
        "d3-s1-copy": ("d1-s1", "near", D1, "d1-s1"),
        "d3-s6": (None, None, None, "d3-s6"),
        "d3-briefs": ("d2-s5", "passage", D2, "d2-s5"),
    },
    D5: {
        "d5-s2-copy": (None, None, None, "d5-s2-copy"),  # its canonical (day 1) is outside the window
        "d5-s6-copy": ("d3-s6", "near", D3, "d3-s6"),
        "d5-s8": (None, None, None, "d5-s8"),
    },
}


def _write_inputs(root: Path) -> None:
    for day, records in DAYS.items():
        folder = root / "in" / day
        folder.mkdir(parents=True)
        (folder / "news.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")


def _job(root: Path, retention_days: int) -> Path:
    job = {
        "name": "daily-test",
        "inputs": [{"path": f"{root}/in/{{date}}/"}],
        "output": {"path": f"{root}/out/{{date}}", "num_shards": 1},
        "index": {"path": f"{root}/index", "retention_days": retention_days, "partitions": 4},
        "runner": {"name": "DirectRunner"},
    }
    path = root / f"job-{retention_days}.yaml"
    path.write_text(yaml.safe_dump(job), encoding="utf-8")
    return path


def _docs(root: Path, day: str) -> dict[str, dict[str, Any]]:
    rows = [
        json.loads(line)
        for f in sorted((root / "out" / day / "documents").glob("part-*"))
        for line in f.read_text(encoding="utf-8").splitlines()
        if line
    ]
    return {r["id"]: r for r in rows}


def _flags(root: Path, day: str) -> dict[str, tuple[str | None, str | None, str | None, str]]:
    return {
        i: (d["duplicate_of"], d["dup_type"], d["first_seen"], d["cluster_id"])
        for i, d in _docs(root, day).items()
    }


def _run(job: Path, day: str) -> dict[str, Any]:
    assert main(["run", str(job), "--date", day, "-q"]) == 0
    return json.loads((job.parent / "out" / day / "summary.json").read_text(encoding="utf-8"))


def _manifest(root: Path) -> dict[str, Any]:
    return json.loads((root / "index" / "manifest.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def daily(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("daily")
    _write_inputs(root)
    job = _job(root, retention_days=2)
    runs: dict[str, Any] = {"root": root, "job": job}
    for day in (D1, D2, D3):
        runs[day] = {"summary": _run(job, day), "flags": _flags(root, day), "manifest": _manifest(root)}
    return runs


def test_three_days_flag_copies_within_and_across_days(daily: dict[str, Any]) -> None:
    for day in (D1, D2, D3):
        assert daily[day]["flags"] == FLAGS[day], day


def test_each_day_adds_its_canonicals_and_uniques_only(daily: dict[str, Any]) -> None:
    days = daily[D3]["manifest"]["days"]
    assert sorted(days) == [D1, D2, D3]
    assert {d: days[d]["documents"] for d in days} == {D1: 4, D2: 1, D3: 1}
    s3 = daily[D3]["summary"]["index"]
    assert (s3["days_matched"], s3["first_day_matched"], s3["last_day_matched"]) == (2, D1, D2)
    assert (s3["duplicates_of_history"], s3["documents_added"], s3["published"]) == (3, 1, True)
    assert daily[D1]["summary"]["index"]["days_matched"] == 0
    report = (daily["root"] / "out" / D3 / "report.html").read_text(encoding="utf-8")
    assert '<section id="history">' in report and f"{D1} to {D2}" in report
    counters = daily[D2]["summary"]["counters"]
    assert counters["lsh"]["candidate_pairs"] == counters["verify"]["seen"]
    assert counters["index"]["duplicates_of_history"] == 3


def test_clusters_name_the_historical_canonical(daily: dict[str, Any]) -> None:
    root = daily["root"]
    clusters = [
        json.loads(line)
        for f in sorted((root / "out" / D3 / "clusters").glob("part-*"))
        for line in f.read_text(encoding="utf-8").splitlines()
        if line
    ]
    got = sorted((c["canonical_id"], c["member_ids"]) for c in clusters)
    assert got == [("d1-s1", ["d1-s1", "d3-s1-copy"]), ("d2-s5", ["d2-s5", "d3-briefs", "d3-s5-copy"])]


def test_rerun_of_day_two_gives_the_same_flags_and_replaces_its_entry(daily: dict[str, Any]) -> None:
    root, job = daily["root"], daily["job"]
    before = _manifest(root)
    (root / "out" / D2 / "documents" / "part-stale.jsonl").write_text("{}\n")  # replaced by the rerun
    summary = _run(job, D2)
    assert _flags(root, D2) == FLAGS[D2]
    assert not (root / "out" / D2 / "documents" / "part-stale.jsonl").exists()
    after = _manifest(root)
    assert sorted(after["days"]) == [D1, D2, D3]
    assert after["days"][D2]["documents"] == before["days"][D2]["documents"] == 1
    assert after["days"][D2]["run_id"] != before["days"][D2]["run_id"]
    assert summary["index"]["replaced_run"] == before["days"][D2]["run_id"]
    assert summary["index"]["last_day_matched"] == D1  # a rerun never matches its own day, nor later ones
    # the replaced folder is an orphan until compacted
    findings, _ = history_index.verify_index(str(root / "index"))
    assert [f.problem.split(":")[0] for f in findings] == [
        f"orphan folder days/{D2}/{before['days'][D2]['run_id']}"
    ]
    assert (
        main(
            [
                "index",
                "compact",
                str(root / "index"),
                "--date",
                D3,
                "--retention-days",
                "30",
                "--orphan-grace-hours",
                "0",
            ]
        )
        == 0
    )
    assert history_index.verify_index(str(root / "index"))[0] == []


def test_a_killed_run_leaves_the_index_as_it_was(
    daily: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    root, job = daily["root"], daily["job"]
    manifest_bytes = (root / "index" / "manifest.json").read_bytes()
    env = dict(os.environ, **{FAULT_ENV: KILL_BEFORE_PUBLISH})
    done = subprocess.run(
        [sys.executable, "-m", "pipeline.cli", "run", str(job), "--date", D4, "-q"],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == -9, done.stderr  # killed by SIGKILL between writing and publishing
    assert (root / "index" / "manifest.json").read_bytes() == manifest_bytes
    written = list((root / "index" / "days" / D4).glob("*/*.parquet"))
    assert written, "the killed run had written its index files"
    capsys.readouterr()
    assert main(["index", "verify", str(root / "index")]) == 1
    out = capsys.readouterr().out
    assert f"orphan folder days/{D4}/" in out and "repair: newsdedup index compact" in out
    assert (
        main(
            [
                "index",
                "compact",
                str(root / "index"),
                "--date",
                D4,
                "--retention-days",
                "30",
                "--orphan-grace-hours",
                "0",
            ]
        )
        == 0
    )
    assert not (root / "index" / "days" / D4).exists()
    assert main(["index", "verify", str(root / "index")]) == 0
    assert (
        root / "index" / "manifest.json"
    ).read_bytes() == manifest_bytes  # nothing expired, nothing changed


def test_days_outside_the_window_are_not_matched_and_compact_drops_them(
    daily: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    root, job = daily["root"], daily["job"]
    summary = _run(job, D5)
    assert _flags(root, D5) == FLAGS[D5]
    assert (summary["index"]["first_day_matched"], summary["index"]["last_day_matched"]) == (D3, D3)
    capsys.readouterr()
    assert main(["index", "stats", str(job), "--date", D5, "--json"]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert [(r["day"], r["status"]) for r in stats["days"]] == [
        (D1, "expired"),
        (D2, "expired"),
        (D3, "in window"),
        (D5, "run date"),
    ]
    assert main(["index", "compact", str(job), "--date", D5]) == 0
    assert sorted(_manifest(root)["days"]) == [D3, D5]
    assert not (root / "index" / "days" / D1).exists()
    assert main(["index", "verify", str(job), "--date", D5]) == 0
