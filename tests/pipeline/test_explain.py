"""`newsdedup explain`: the figures and the verdict for two documents, by file or by id in a run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.cli import main
from tests.conftest import PORT_STORY
from tests.transforms.test_edited import HEAVY, OTHER_STRIKE

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "configs" / "demo.yaml"
SAMPLE = REPO / "data" / "sample"
SEED = SAMPLE / "dumps" / "chinanews" / "000_d61b9ddc0bd3fe74.txt"
ORIGINAL = SAMPLE / "pages" / "chinadaily" / "content_17574125.html"


def _explain(capsys: pytest.CaptureFixture[str], *args: str) -> dict:
    assert main(["explain", str(DEMO), *args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_two_files_of_one_story_are_near(capsys: pytest.CaptureFixture[str]) -> None:
    r = _explain(capsys, str(SEED), str(ORIGINAL))
    assert r["verdict"] == "near" and r["jaccard"] > 0.9
    assert r["shared_bands"] > 0 and r["candidate_probability"] > 0.99
    assert "Jaccard" in r["why"] and "threshold 0.5" in r["why"]


def test_a_stricter_threshold_changes_the_verdict(capsys: pytest.CaptureFixture[str]) -> None:
    # Below the threshold the two are still an edited copy (every figure of the shorter in the other) ...
    r = _explain(capsys, str(SEED), str(ORIGINAL), "--set", "dedup.threshold=0.97")
    assert r["verdict"] == "near" and "an edited copy" in r["why"] and r["edited"]["relation"] == "near"
    # ... unless that relation is off too
    off = ("--set", "dedup.threshold=0.97", "--set", "dedup.edited_containment=0")
    r = _explain(capsys, str(SEED), str(ORIGINAL), *off)
    assert r["verdict"] == "not flagged" and "< threshold 0.97" in r["why"] and "edited" not in r


def test_a_heavy_edit_is_explained_as_an_edited_copy(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = {}
    for name, text in (("wire", PORT_STORY), ("outlet", HEAVY), ("other", OTHER_STRIKE)):
        files[name] = tmp_path / f"{name}.txt"
        files[name].write_text(text, encoding="utf-8")
    r = _explain(capsys, str(files["outlet"]), str(files["wire"]))
    assert r["verdict"] == "contained" and r["jaccard"] < 0.5 and "an edited copy" in r["why"]
    assert r["edited"] == {"relation": "contained", "similarity": r["containment_a_in_b"], "container": "b"}
    r = _explain(capsys, str(files["other"]), str(files["outlet"]))
    assert r["verdict"] == "not flagged" and "edited" not in r


def test_ids_from_a_run_and_the_human_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    assert main(["run", str(DEMO), "--output", str(out), "--workers", "1"]) == 0
    capsys.readouterr()
    # two earnings briefs on one template, with different companies and figures: not copies
    assert main(["explain", str(DEMO), "nwh-20140605-0201", "nwh-20140605-0214", "--run", str(out)]) == 0
    text = capsys.readouterr().out
    assert "NOT FLAGGED" in text and "< threshold 0.5" in text
    assert "in the run    a: cluster nwh-20140605-0201, not a duplicate" in text
    # the six-word wire alert is too short for near-duplicate detection
    assert (
        main(["explain", str(DEMO), "nwh-alert-20140607-0931", "nwh-20140606-0092", "--run", str(out)]) == 0
    )
    assert "too short for near-duplicate detection" in capsys.readouterr().out


def test_an_unknown_reference_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", str(DEMO), "no-such-id", str(SEED), "--run", str(tmp_path)]) == 2
    assert "no-such-id: not a file" in capsys.readouterr().err
