"""Scheduled-run plumbing without a pipeline: path templating, the index config, the manifest's window and
expiry, atomic writes, publishing, conflict detection and verify's findings."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
import yaml

from pipeline import index as ix
from pipeline.config import JobError, fill_placeholders, load_job, parse_run_date, placeholder_values
from transforms.index import DOCS_SCHEMA, KEYS_SCHEMA, write_table

DAY = dt.date(2024, 3, 1)


def test_placeholders_fill_from_the_run_date() -> None:
    values = placeholder_values(DAY)
    assert values == {
        "date": "2024-03-01",
        "yesterday": "2024-02-29",
        "year": "2024",
        "month": "03",
        "day": "01",
        "compact_date": "20240301",
    }
    assert (
        fill_placeholders("gs://b/{year}/{month}/{date}/*.jsonl", values)
        == "gs://b/2024/03/2024-03-01/*.jsonl"
    )
    assert fill_placeholders("a{{b}}", values) == "a{b}"
    with pytest.raises(JobError, match=r"inputs\[0\]\.path: unknown placeholder \{hour\}"):
        fill_placeholders("x/{hour}", values, key="inputs[0].path")


def test_run_date_is_a_calendar_date_or_today() -> None:
    assert parse_run_date("2024-02-29") == dt.date(2024, 2, 29)
    assert parse_run_date(None) == dt.datetime.now(dt.timezone.utc).date()
    for bad in ("2024-02-30", "20240301", "yesterday"):
        with pytest.raises(JobError, match="YYYY-MM-DD"):
            parse_run_date(bad)


def _job_file(tmp_path: Path, **index: Any) -> Path:
    data = {
        "inputs": [{"path": "in/{date}/*.jsonl"}],
        "output": {"path": "out/{date}"},
        "index": {"path": str(tmp_path / "state"), **index},
    }
    path = tmp_path / "job.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_job_paths_are_templated_and_the_index_section_is_checked(tmp_path: Path) -> None:
    job = load_job(_job_file(tmp_path), run_date=DAY)
    assert (job.inputs[0].path, job.output.path) == ("in/2024-03-01/*.jsonl", "out/2024-03-01")
    assert job.index is not None and (job.index.retention_days, job.index.partitions) == (30, 16)
    with pytest.raises(JobError, match=r"index\.retention_days"):
        load_job(_job_file(tmp_path, retention_days=0))
    with pytest.raises(
        JobError, match=r"index.window: unknown key \(allowed here: path, retention_days, partitions"
    ):
        load_job(_job_file(tmp_path, window=3))
    with pytest.raises(JobError, match=r"output.path: unknown placeholder \{when\}"):
        load_job(_job_file(tmp_path), [f"output.path={json.dumps('out/{when}')}"])


def test_window_and_expiry() -> None:
    manifest = ix.empty_manifest("s", 4)
    manifest["days"] = {d: {} for d in ("2024-02-27", "2024-02-28", "2024-02-29", "2024-03-01", "2024-03-02")}
    assert ix.window_bounds("2024-03-01", 2) == ("2024-02-28", "2024-02-29")
    assert ix.window_days(manifest, "2024-03-01", 2) == ["2024-02-28", "2024-02-29"]  # never the day itself
    assert ix.expired_days(manifest, "2024-03-01", 2) == ["2024-02-27"]


def test_run_ids_carry_their_start_time() -> None:
    now = dt.datetime(2024, 3, 1, 6, 30, tzinfo=dt.timezone.utc)
    run_id = ix.new_run_id(now)
    assert run_id.startswith("20240301T063000Z-") and ix.run_id_time(run_id) == now
    assert ix.run_id_time("not-a-run") is None


def test_manifest_checks() -> None:
    assert ix.check_manifest(ix.empty_manifest("s", 4)) == []
    assert ix.check_manifest([]) == ["is not a JSON object"]
    bad = ix.empty_manifest("s", 0) | {"version": 9, "days": {"x": {}}}
    problems = ix.check_manifest(bad)
    assert any("version 9" in p for p in problems) and any("partitions" in p for p in problems)
    assert any("'x' is not a date" in p for p in problems)


def _day_files(folder: Path) -> None:
    write_table(f"{folder}/keys-00001.parquet", pa.table({"key": [b"k"], "id": ["a"]}, schema=KEYS_SCHEMA))
    row = {n: None for n in DOCS_SCHEMA.names} | {"id": "a", "figures": [], "lede_figures": []}
    write_table(f"{folder}/docs-00002.parquet", pa.Table.from_pylist([row], schema=DOCS_SCHEMA))


def test_publish_conflict_and_verify(tmp_path: Path) -> None:
    job = load_job(_job_file(tmp_path, partitions=4), run_date=DAY)
    plan = ix.plan_run(job, "2024-03-01", run_id="20240301T000000Z-aaaa0000")
    assert plan.base is None and plan.history == () and plan.partitions == 4
    Path(plan.folder).mkdir(parents=True)
    _day_files(Path(plan.folder))
    published = ix.publish_run(plan)
    assert published["entry"]["documents"] == 1 and published["entry"]["keys"] == 1
    manifest, _ = ix.read_manifest(plan.state)
    assert manifest is not None and list(manifest["days"]) == ["2024-03-01"] and manifest["generation"] == 1
    assert ix.verify_index(plan.state)[0] == []

    later = ix.plan_run(job, "2024-03-02")
    assert [h.day for h in later.history] == ["2024-03-01"]
    assert later.history[0].files == ("docs-00002.parquet", "keys-00001.parquet")
    concurrent = ix.plan_run(job, "2024-03-03")
    Path(later.folder).mkdir(parents=True)
    _day_files(Path(later.folder))
    ix.publish_run(later)
    with pytest.raises(ix.IndexProblem, match="changed while this run was running"):
        ix.publish_run(concurrent)

    # damage: a truncated file, a missing one, an orphan folder
    day2 = Path(later.folder)
    (day2 / "keys-00001.parquet").write_bytes(b"PAR1")
    (Path(plan.folder) / "docs-00002.parquet").unlink()
    orphan = Path(plan.state) / "days" / "2024-03-03" / "20240303T000000Z-bbbb0000"
    orphan.mkdir(parents=True)
    (orphan / "keys-00000.parquet").write_bytes(b"x")
    findings, _ = ix.verify_index(plan.state)
    text = "\n".join(f"{f.problem} | {f.repair}" for f in findings)
    assert "day 2024-03-01: days/2024-03-01/20240301T000000Z-aaaa0000/docs-00002.parquet is missing" in text
    assert "day 2024-03-02: keys-00001.parquet has 4 bytes" in text
    assert "rerun that day: newsdedup run JOB --date 2024-03-02" in text
    assert "orphan folder days/2024-03-03/20240303T000000Z-bbbb0000" in text
    assert len(findings) == 3
    with pytest.raises(ix.IndexProblem, match="the index day 2024-03-01 is damaged"):
        ix.plan_run(job, "2024-03-03")  # a run refuses to start on it (rather than fail mid-pipeline)

    # a corrupt manifest: the repair names the previous one
    Path(plan.state, ix.MANIFEST).write_text("{not json")
    (finding,) = ix.verify_index(plan.state)[0]
    assert "not valid JSON" in finding.problem and ix.PREVIOUS in finding.repair
