"""The same job on other runners gives the same records: Beam's portable job API in process (embedded job
service, LOOPBACK workers: Python only, no Java, no container), and the demo job file's own multi-process
local runner, each compared record by record and counter by counter with the plain one-worker run.

``test_cli.test_two_worker_processes_give_the_same_records`` already compares the records of ``--workers 2``;
here the counters (and so ``summary.json``'s reconciliation) are compared too, which is what a runner that
reports metrics differently would break.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.pipeline.test_cli import _job_file, _run

OUTPUTS = {"documents": "origin", "clusters": "cluster_id", "rejected": "origin"}
PORTABLE = {"name": "PortableRunner", "options": {"job_endpoint": "embed", "environment_type": "LOOPBACK"}}


@pytest.fixture(scope="module")
def local(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The demo job on the in-process FnApiRunner with one worker: the reference."""
    tmp = tmp_path_factory.mktemp("local")
    return _run(_job_file(tmp), tmp / "out", "--workers", "1")


def _assert_same_run(run: dict[str, Any], reference: dict[str, Any]) -> None:
    for output, key in OUTPUTS.items():
        assert run[output], output
        assert sorted(run[output], key=lambda r: r[key]) == sorted(reference[output], key=lambda r: r[key])
    summary, expected = run["summary"], reference["summary"]
    assert summary["counters"] == expected["counters"]
    assert summary["reconciliation"] == expected["reconciliation"]
    assert summary["reconciliation"]["balanced"] is True
    assert summary["dedup"] == expected["dedup"]


def test_the_portable_runner_gives_the_same_records_and_counters(
    local: dict[str, Any], tmp_path: Path
) -> None:
    run = _run(_job_file(tmp_path, runner=PORTABLE), tmp_path / "out")
    assert run["summary"]["runner"] == "PortableRunner"
    _assert_same_run(run, local)


def test_the_demo_files_two_worker_processes_give_the_same_counters(
    local: dict[str, Any], tmp_path: Path
) -> None:
    job = _job_file(tmp_path)  # the runner section as shipped
    options = yaml.safe_load(job.read_text())["runner"]["options"]
    assert options == {"direct_num_workers": 2, "direct_running_mode": "multi_processing"}
    run = _run(job, tmp_path / "out")
    assert (tmp_path / "out" / "logs" / "workers.log").exists()  # the workers were separate processes
    _assert_same_run(run, local)
