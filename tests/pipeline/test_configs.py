"""Every file in ``configs/`` is valid: job files pass ``newsdedup validate``, with runner options Beam knows by
those names and nothing deployment-specific committed; Beam YAML pipelines pass Beam's own schema check and name
transforms that exist."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import apache_beam as beam
import pytest
import yaml

from pipeline.cli import main, pipeline_options
from pipeline.config import load_job

REPO = Path(__file__).resolve().parents[2]
CONFIGS = sorted((REPO / "configs").glob("*.yaml"))
# Options that name a deployment (project, buckets, cluster addresses, accounts): they come from the command line.
DEPLOYMENT_OPTIONS = {
    "project",
    "region",
    "temp_location",
    "staging_location",
    "service_account_email",
    "network",
    "subnetwork",
    "flink_master",
    "spark_master_url",
    "spark_rest_url",
    "job_endpoint",
}
RUNNER_FILES = {"dataflow.yaml": "DataflowRunner", "flink.yaml": "FlinkRunner", "spark.yaml": "SparkRunner"}


def _load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), path
    return data


def _is_beam_yaml(path: Path) -> bool:
    return "pipeline" in _load(path)


JOBS = [p for p in CONFIGS if not _is_beam_yaml(p)]
BEAM_YAML = [p for p in CONFIGS if _is_beam_yaml(p)]


def test_configs_hold_the_runner_job_files_and_a_beam_yaml_example() -> None:
    names = {p.name for p in CONFIGS}
    assert set(RUNNER_FILES) | {"demo.yaml", "beam_yaml_example.yaml"} <= names
    assert [p.name for p in BEAM_YAML] == ["beam_yaml_example.yaml"]


@pytest.mark.parametrize("path", JOBS, ids=lambda p: p.name)
def test_every_job_file_validates(
    path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(REPO)  # job files use paths relative to the repository root
    assert main(["validate", str(path)]) == 0
    assert "valid" in capsys.readouterr().out


@pytest.mark.parametrize("path", JOBS, ids=lambda p: p.name)
def test_runner_options_are_beam_options_and_name_no_deployment(path: Path) -> None:
    job = load_job(path)
    known = pipeline_options(job, []).get_all_options(retain_unknown_options=False)
    for key in job.runner.options:
        assert key in known, f"{path.name}: runner.options.{key} is not a Beam pipeline option"
        assert key not in DEPLOYMENT_OPTIONS, f"{path.name}: {key} belongs on the command line"
    text = path.read_text(encoding="utf-8")
    assert "${" not in text, "job files are not templated: values come from --set and pass-through flags"
    if path.name in RUNNER_FILES:
        assert job.runner.name == RUNNER_FILES[path.name]
        assert job.runner.options.get("save_main_session") is False
        assert "://" in job.output.path  # workers on other machines cannot write a local path


def test_the_beam_version_is_the_same_in_the_lock_the_image_and_the_launcher() -> None:
    lock = (REPO / "deploy" / "requirements.lock").read_text(encoding="utf-8")
    pins = dict(line.split("==") for line in lock.splitlines() if line and not line.startswith("#"))
    dockerfile = (REPO / "deploy" / "Dockerfile").read_text(encoding="utf-8")
    (base,) = [line.split()[1] for line in dockerfile.splitlines() if line.startswith("FROM ")]
    assert base == f"apache/beam_python3.11_sdk:{pins['apache-beam']}"
    assert pins["apache-beam"] == beam.__version__
    project = _pyproject_dependencies()
    assert project <= set(pins), f"not pinned in deploy/requirements.lock: {sorted(project - set(pins))}"


def _pyproject_dependencies() -> set[str]:
    import re

    import tomllib
    from packaging.utils import canonicalize_name

    data = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    return {
        canonicalize_name(re.split(r"[<>=!~\[; ]", dep, maxsplit=1)[0])
        for dep in data["project"]["dependencies"]
    }


@pytest.mark.parametrize("path", BEAM_YAML, ids=lambda p: p.name)
def test_beam_yaml_pipelines_pass_beams_schema_and_name_real_transforms(path: Path) -> None:
    pytest.importorskip("jinja2", reason="Beam YAML needs apache-beam[yaml]")
    from apache_beam.utils.python_callable import PythonCallableWithSource
    from apache_beam.yaml import yaml_provider, yaml_transform

    spec = _load(path)
    yaml_transform.validate_against_schema(spec, "generic")
    provided: set[str] = set()
    for provider in spec["providers"]:
        assert provider["type"] == "python" and not provider["config"].get("packages")  # nothing to download
        for name, target in provider["transforms"].items():
            constructor = PythonCallableWithSource.load_from_fully_qualified_name(target)
            assert isinstance(constructor, type) and issubclass(constructor, beam.PTransform), target
            provided.add(name)
    # Beam's own transforms, some by language (Filter-python, Filter-generic, ...)
    builtin = {name.split("-")[0] for name in yaml_provider.standard_providers()}
    for transform in spec["pipeline"]["transforms"]:
        assert transform["type"] in provided | builtin, transform["type"]
