"""The command line end to end: the demo job on the bundled sample dump, checked record by record against its gold."""

from __future__ import annotations

import json
from collections.abc import Iterator
from itertools import combinations
from pathlib import Path
from typing import Any

import pytest
import yaml

from pipeline.cli import main, pipeline_options
from pipeline.config import load_job
from pipeline.report import reconcile

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "configs" / "demo.yaml"
SAMPLE = REPO / "data" / "sample"
GOLD = json.loads((SAMPLE / "gold.json").read_text(encoding="utf-8"))


def _lines(folder: Path) -> list[dict[str, Any]]:
    return [
        json.loads(line) for f in sorted(folder.glob("part-*")) for line in f.read_text().splitlines() if line
    ]


def _relative_origin(origin: str) -> str:
    return origin.split("data/sample/", 1)[1]


def _job_file(tmp_path: Path, **changes: Any) -> Path:
    """The demo job with absolute input paths (tests run from any folder) and the given section changes."""
    data = yaml.safe_load(DEMO.read_text())
    for spec in data["inputs"]:
        spec["path"] = str(REPO / spec["path"])
    for section, values in changes.items():
        if isinstance(values, dict):
            data.setdefault(section, {}).update(values)
        else:
            data[section] = values
    path = tmp_path / "job.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def _run(job: Path, out: Path, *extra: str) -> dict[str, Any]:
    assert main(["run", str(job), "--output", str(out), *extra]) == 0
    return {
        "documents": _lines(out / "documents"),
        "clusters": _lines(out / "clusters"),
        "rejected": _lines(out / "rejected"),
        "summary": json.loads((out / "summary.json").read_text()),
    }


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The demo job, run once in process (one worker) for all the checks below."""
    tmp = tmp_path_factory.mktemp("demo")
    return _run(_job_file(tmp), tmp / "out", "--workers", "1")


def _gold(fate: str) -> Iterator[dict[str, Any]]:
    return (r for r in GOLD["records"] if r["fate"] == fate)


def test_every_record_comes_out_once_with_its_fate(demo: dict[str, Any]) -> None:
    docs = {_relative_origin(d["origin"]): d for d in demo["documents"]}
    rejected = {_relative_origin(r["origin"]): r for r in demo["rejected"]}
    assert len(docs) == len(demo["documents"]) and len(rejected) == len(demo["rejected"])
    assert set(docs) == {r["origin"] for r in _gold("document")}
    assert {o: r["reason"] for o, r in rejected.items()} == {
        r["origin"]: r["reason"] for r in _gold("rejected")
    }
    for r in demo["rejected"]:
        assert r["message"] and r["stage"] in ("read", "clean", "ids")


def test_summary_reconciles(demo: dict[str, Any]) -> None:
    rec = demo["summary"]["reconciliation"]
    n_docs, n_rejected = sum(1 for _ in _gold("document")), sum(1 for _ in _gold("rejected"))
    assert rec["balanced"] is True
    assert rec["records_read"] == len(GOLD["records"]) == n_docs + n_rejected
    assert rec["documents_written"] == n_docs and rec["rejected"] == n_rejected
    assert all(rec["stages_balanced"].values())
    assert rec["stages_balanced"]["candidate_pairs"] is True  # every candidate pair reached verification
    assert demo["summary"]["counters"]["lsh"]["candidate_pairs"] > 0
    assert demo["summary"]["dedup"]["unresolved_nodes"] == 0


def test_copies_of_a_story_share_a_cluster_and_different_stories_never_do(demo: dict[str, Any]) -> None:
    story = {r["origin"]: r["story"] for r in _gold("document")}
    docs = demo["documents"]
    for a, b in combinations(docs, 2):
        same_story = story[_relative_origin(a["origin"])] == story[_relative_origin(b["origin"])]
        assert (a["cluster_id"] == b["cluster_id"]) == same_story, (a["title"], b["title"])


def test_flags_point_at_the_canonical(demo: dict[str, Any]) -> None:
    relation = {r["origin"]: r["relation"] for r in _gold("document")}
    by_id = {d["id"]: d for d in demo["documents"]}
    for d in demo["documents"]:
        expected = relation[_relative_origin(d["origin"])]
        if expected in ("original", "unique"):
            assert d["is_duplicate"] is False and d["duplicate_of"] is None and d["cluster_id"] == d["id"]
        else:
            assert d["is_duplicate"] is True and d["dup_type"] == expected, d["title"]
            canonical = by_id[d["duplicate_of"]]
            assert d["cluster_id"] == canonical["id"] and canonical["is_duplicate"] is False
            assert 0.5 <= d["similarity"] <= 1.0
    clusters = {c["cluster_id"]: c for c in demo["clusters"]}
    assert sorted(c["size"] for c in clusters.values()) == sorted(
        s["documents"] for s in GOLD["stories"].values() if s["documents"] > 1
    )
    for cid, c in clusters.items():
        assert sorted(c["member_ids"]) == sorted(d["id"] for d in demo["documents"] if d["cluster_id"] == cid)


def test_the_seed_comes_out_exactly_as_its_article(demo: dict[str, Any]) -> None:
    (seed,) = [d for d in demo["documents"] if d["origin"].endswith("000_d61b9ddc0bd3fe74.txt")]
    assert seed["title"] == "Special unit to help China fight cyber terrorism"
    assert seed["published"] == "2014-06-07T09:21:00Z"
    assert (
        seed["credit"] == "chinadaily.com.cn"
        and seed["author"] == "Mo Hong'e"
        and seed["site"] == "chinanews.com"
    )
    assert seed["source"] == "chinanews.com"
    text = seed["text"]
    assert text.startswith("A special unit combating the spread of terrorism online")
    assert text.endswith('they must fight it together," Zhang said.')
    for chrome in (
        "Print",
        "Comments (0)",
        "Most popular",
        "Archived Content",
        "Media partners",
        "Copyright",
        "Reproduction",
    ):
        assert chrome not in text
    # a syndicated copy: grouped under the chinadaily original, a near (not exact) copy of it
    assert seed["dup_type"] == "near" and seed["duplicate_of"] is not None


def test_meta_is_carried_through(demo: dict[str, Any]) -> None:
    jsonl_docs = [d for d in demo["documents"] if ".jsonl" in d["origin"]]
    assert jsonl_docs and all("crawl_id" in d["meta"] for d in jsonl_docs)


def test_two_worker_processes_give_the_same_records(demo: dict[str, Any], tmp_path: Path) -> None:
    multi = _run(_job_file(tmp_path), tmp_path / "out", "--workers", "2")
    for output in ("documents", "clusters", "rejected"):
        key = "cluster_id" if output == "clusters" else "origin"
        assert sorted(multi[output], key=lambda r: r[key]) == sorted(demo[output], key=lambda r: r[key])
    assert (tmp_path / "out" / "logs" / "workers.log").exists()


def test_input_order_does_not_change_the_records(demo: dict[str, Any], tmp_path: Path) -> None:
    data = yaml.safe_load(_job_file(tmp_path).read_text())
    job = _job_file(tmp_path, inputs=list(reversed(data["inputs"])), output={"num_shards": 3})
    reversed_run = _run(job, tmp_path / "out", "--workers", "1")
    for output in ("documents", "clusters", "rejected"):
        key = "cluster_id" if output == "clusters" else "origin"
        assert sorted(reversed_run[output], key=lambda r: r[key]) == sorted(
            demo[output], key=lambda r: r[key]
        )
    assert len(list((tmp_path / "out" / "documents").glob("part-*"))) == 3


def test_a_rerun_replaces_the_outputs_and_drop_duplicates_counts(tmp_path: Path) -> None:
    out = tmp_path / "out"
    _run(_job_file(tmp_path, output={"num_shards": 3}), out, "--workers", "1")
    run = _run(_job_file(tmp_path, output={"num_shards": 1, "drop_duplicates": True}), out, "--workers", "1")
    assert [p.name for p in (out / "documents").glob("part-*")] == ["part-00000-of-00001.jsonl"]
    rec = run["summary"]["reconciliation"]
    assert rec["balanced"] and rec["duplicates_dropped"] == 12
    assert not any(d["is_duplicate"] for d in run["documents"])


def test_parquet_output(tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    out = tmp_path / "out"
    assert (
        main(
            [
                "run",
                str(_job_file(tmp_path)),
                "--output",
                str(out),
                "--workers",
                "1",
                "--set",
                "output.format=parquet",
            ]
        )
        == 0
    )
    table = pq.read_table(next((out / "documents").glob("part-*.parquet")))
    assert table.num_rows == sum(1 for _ in _gold("document"))
    assert {"id", "text", "cluster_id", "duplicate_of", "similarity"} <= set(table.column_names)


def test_validate_prints_bands_rows_and_the_s_curve(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(DEMO), "--set", "dedup.threshold=0.8"]) == 0
    out = capsys.readouterr().out
    assert "lsh: " in out and " bands x " in out and "derived from threshold 0.8" in out
    assert "50% chance at similarity" in out and "95% at" in out
    assert "P(cand.)" in out


def test_validate_refuses_a_bad_job_naming_the_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    job = tmp_path / "bad.yaml"
    job.write_text("inputs:\n  - path: x\noutput:\n  path: o\ndedup:\n  bands: 40\n  rows: 4\n")
    assert main(["validate", str(job)]) == 2
    assert "dedup: bands x rows = 40 x 4 = 160 exceeds num_perm (128)" in capsys.readouterr().err


def test_an_input_that_matches_nothing_stops_before_running(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    job = tmp_path / "job.yaml"
    job.write_text(f"inputs:\n  - path: {tmp_path}/nothing/*.jsonl\noutput:\n  path: {tmp_path}/out\n")
    assert main(["run", str(job)]) == 2
    assert "inputs[0].path" in capsys.readouterr().err and not (tmp_path / "out").exists()


def test_unknown_flags_pass_through_to_beam() -> None:
    from apache_beam.options.pipeline_options import GoogleCloudOptions

    job = load_job(DEMO)
    options = pipeline_options(job, ["--temp_location=/tmp/beam-temp"])
    assert options.view_as(GoogleCloudOptions).temp_location == "/tmp/beam-temp"
    assert options.get_all_options()["direct_num_workers"] == 2


def test_reconcile_catches_a_lost_record() -> None:
    counters = {
        "read": {"seen": 10, "kept": 9, "dropped:invalid_json": 1},
        "clean": {"seen": 9, "kept": 9},
        "write": {"documents": 8, "rejected": 1},
    }
    assert reconcile(counters)["balanced"] is False
    counters["write"]["documents"] = 9
    assert reconcile(counters)["balanced"] is True
    counters["clean"]["kept"] = 8
    assert reconcile(counters)["balanced"] is False


def test_reconcile_catches_candidate_pairs_lost_between_lsh_and_verification() -> None:
    # every document count adds up, yet copies would go unflagged: the run must not pass as balanced
    counters = {
        "read": {"seen": 10, "kept": 10},
        "clean": {"seen": 10, "kept": 10},
        "lsh": {"candidate_pairs": 7},
        "verify": {"seen": 6, "kept": 4, "dropped:below_threshold": 2},
        "write": {"documents": 10},
    }
    rec = reconcile(counters)
    assert rec["stages_balanced"]["verify"] is True and rec["stages_balanced"]["candidate_pairs"] is False
    assert rec["balanced"] is False
    counters["verify"] = {"seen": 7, "kept": 5, "dropped:below_threshold": 2}
    assert reconcile(counters)["balanced"] is True


def test_the_local_runner_streams_shuffles_to_workers_without_a_flush_timer() -> None:
    # Beam's timer-flushed stream can drop bytes written between its send and its clear (see make_runner)
    from apache_beam.runners.portability.fn_api_runner import worker_handlers
    from apache_beam.runners.worker.data_plane import (
        ClosableOutputStream,
        TimeBasedBufferingClosableOutputStream,
    )

    from pipeline.cli import make_runner

    make_runner(load_job(DEMO))
    assert worker_handlers.DATA_BUFFER_TIME_LIMIT_MS == 0
    stream = ClosableOutputStream.create(None, lambda data: None, worker_handlers.DATA_BUFFER_TIME_LIMIT_MS)
    assert not isinstance(stream, TimeBasedBufferingClosableOutputStream)
