"""The job file's ``clean`` section: the keys of chrome post-processing, the extraction bounds and template
learning, their checks, and how they map onto CleanRecords and LearnBoilerplate."""

from __future__ import annotations

import inspect
from typing import Any

import pytest

from pipeline.config import CleanConfig, JobError, parse_job
from transforms.boilerplate import LearnBoilerplate
from transforms.clean import CleanRecords


def _job(**clean: Any) -> dict[str, Any]:
    return {"inputs": [{"path": "x"}], "output": {"path": "o"}, "clean": clean}


def test_defaults() -> None:
    clean = parse_job(_job()).clean
    assert clean.strip_chrome and clean.recover_paragraphs and clean.skip_rules == []
    assert (clean.max_html_elements, clean.extract_timeout, clean.isolate_min_bytes) == (
        100_000,
        20.0,
        500_000,
    )
    assert clean.templates and (
        clean.template_min_docs,
        clean.template_min_share,
        clean.template_max_lines,
    ) == (
        5,
        0.2,
        100,
    )


def test_every_key_is_an_argument_of_its_transform() -> None:
    clean = CleanConfig()
    assert set(clean.transform_kwargs()) <= set(inspect.signature(CleanRecords).parameters)
    assert set(clean.boilerplate_kwargs()) <= set(inspect.signature(LearnBoilerplate).parameters)
    CleanRecords(**clean.transform_kwargs())
    LearnBoilerplate(**clean.boilerplate_kwargs())


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"skip_rules": ["copyright", "no_such_rule"]}, "clean.skip_rules: unknown rule(s) no_such_rule"),
        ({"extract_timeout": -1}, "clean.extract_timeout"),
        ({"isolate_min_bytes": -5}, "clean.isolate_min_bytes"),
        ({"max_html_elements": 0}, "clean.max_html_elements"),
        ({"template_min_docs": 1}, "clean.template_min_docs"),
        ({"template_min_share": 0}, "clean.template_min_share"),
        ({"template_max_lines": 0}, "clean.template_max_lines"),
        ({"template_lines": 5}, "clean.template_lines: unknown key"),
    ],
)
def test_bad_values_name_the_key(values: dict[str, Any], message: str) -> None:
    with pytest.raises(JobError) as err:
        parse_job(_job(**values))
    assert message in str(err.value)


def test_skipping_known_rules_is_fine() -> None:
    assert parse_job(_job(skip_rules=["photo_credit", "title"])).clean.skip_rules == ["photo_credit", "title"]
