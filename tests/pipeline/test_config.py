"""Job-file validation: each kind of mistake names its key (every committed job file: test_configs.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.config import Job, JobError, load_job, parse_job

MINIMAL = {"inputs": [{"path": "data/sample/crawl"}], "output": {"path": "out/x"}}


def _with(**sections: object) -> dict[str, object]:
    return {**MINIMAL, **sections}


def test_defaults_fill_every_section() -> None:
    job = parse_job(MINIMAL)
    assert isinstance(job, Job)
    assert job.clean.include_comments is False
    assert job.dedup.canonical_order == ["earliest", "wire_first", "source_priority", "longest"]
    assert job.runner.name == "DirectRunner"


def test_unknown_key_names_its_path_and_the_allowed_keys() -> None:
    with pytest.raises(JobError) as err:
        parse_job(_with(dedup={"treshold": 0.5}))
    message = str(err.value)
    assert "dedup.treshold: unknown key" in message
    assert "threshold" in message and "num_perm" in message


def test_unknown_key_in_a_list_item_names_its_index() -> None:
    with pytest.raises(JobError, match=r"inputs\[0\]\.sorce: unknown key"):
        parse_job({"inputs": [{"path": "x", "sorce": "a.com"}], "output": {"path": "o"}})


def test_wrong_type_names_the_key() -> None:
    with pytest.raises(JobError, match=r"dedup\.num_perm: .*'many'"):
        parse_job(_with(dedup={"num_perm": "many"}))


def test_bands_times_rows_above_num_perm_names_the_key() -> None:
    with pytest.raises(JobError, match=r"dedup: bands x rows = 20 x 8 = 160 exceeds num_perm \(128\)"):
        parse_job(_with(dedup={"bands": 20, "rows": 8}))


def test_bands_without_rows_is_refused() -> None:
    with pytest.raises(JobError, match="give both bands and rows"):
        parse_job(_with(dedup={"bands": 20}))


def test_missing_required_sections() -> None:
    with pytest.raises(JobError) as err:
        parse_job({"inputs": []})
    assert "inputs: " in str(err.value)
    assert "output: required key is missing" in str(err.value)


def test_value_out_of_range_and_bad_choice() -> None:
    with pytest.raises(JobError) as err:
        parse_job(_with(dedup={"threshold": 1.5, "canonical_order": ["earliest", "loudest"]}))
    message = str(err.value)
    assert "dedup.threshold:" in message
    assert "dedup.canonical_order[1]:" in message


def test_favor_precision_and_recall_conflict() -> None:
    with pytest.raises(JobError, match="clean: favor_precision and favor_recall"):
        parse_job(_with(clean={"favor_precision": True, "favor_recall": True}))


def test_overrides_from_the_command_line(tmp_path: Path) -> None:
    job_file = tmp_path / "job.yaml"
    job_file.write_text("inputs:\n  - path: a\noutput:\n  path: out\ndedup:\n  threshold: 0.5\n")
    job = load_job(
        job_file, ["dedup.threshold=0.7", "output.path=elsewhere", "runner.options.direct_num_workers=2"]
    )
    assert job.dedup.threshold == 0.7
    assert job.output.path == "elsewhere"
    assert job.runner.options == {"direct_num_workers": 2}


def test_override_errors_name_the_key(tmp_path: Path) -> None:
    job_file = tmp_path / "job.yaml"
    job_file.write_text("inputs:\n  - path: a\noutput:\n  path: out\n")
    with pytest.raises(JobError, match=r"dedup\.shingle_size"):
        load_job(job_file, ["dedup.shingle_size=zero"])
    with pytest.raises(JobError, match=r"expected key\.path=value"):
        load_job(job_file, ["dedup.threshold"])


def test_not_yaml_and_not_a_mapping(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("inputs: [\n")
    with pytest.raises(JobError, match="not valid YAML"):
        load_job(bad)
    bad.write_text("- just\n- a list\n")
    with pytest.raises(JobError, match="YAML mapping"):
        load_job(bad)


def test_yaml_tags_are_not_executed(tmp_path: Path) -> None:
    evil = tmp_path / "evil.yaml"
    evil.write_text("inputs: !!python/object/apply:os.system ['true']\noutput: {path: o}\n")
    with pytest.raises(JobError, match="not valid YAML"):
        load_job(evil)


def test_transform_kwargs_match_flag_duplicates() -> None:
    import inspect

    from transforms.dedup import FlagDuplicates

    kwargs = parse_job(MINIMAL).dedup.transform_kwargs()
    params = set(inspect.signature(FlagDuplicates.__init__).parameters) - {"self"}
    assert set(kwargs) == params
