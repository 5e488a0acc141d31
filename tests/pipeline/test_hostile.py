"""The whole pipeline over the hostile corpus (``tests/data/hostile``, written by ``tests/data/make_hostile.py``):
every record comes out once with the fate the corpus was built for, the run goes on, and every input file
reconciles (records read = documents + rejected + skipped, by reason)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from pipeline.cli import main

REPO = Path(__file__).resolve().parents[2]
HOSTILE = REPO / "tests" / "data" / "hostile"
EXPECTED = json.loads((HOSTILE / "expected.json").read_text(encoding="utf-8"))


def _lines(folder: Path) -> list[dict[str, Any]]:
    return [
        json.loads(line) for f in sorted(folder.glob("part-*")) for line in f.read_text().splitlines() if line
    ]


def _job(tmp_path: Path, **changes: Any) -> Path:
    data: dict[str, Any] = {
        "name": "hostile",
        "inputs": [
            {"path": str(HOSTILE / "feeds")},
            {"path": str(HOSTILE / "bombs"), "max_decompressed_bytes": EXPECTED["bomb_limit"]},
            {"path": str(HOSTILE / "pages"), "source": "hostile.example"},
            {"path": str(HOSTILE / "warc")},
        ],
        **json.loads(json.dumps(EXPECTED["job"])),
        "output": {"path": str(tmp_path / "out"), "num_shards": 1},
        "runner": {
            "name": "DirectRunner",
            "options": {"direct_num_workers": 1, "direct_running_mode": "in_memory"},
        },
    }
    data.update(changes)
    path = tmp_path / "job.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("hostile")
    code = main(["run", str(_job(tmp))])
    out = tmp / "out"
    return {
        "code": code,
        "documents": _lines(out / "documents"),
        "rejected": _lines(out / "rejected"),
        "summary": json.loads((out / "summary.json").read_text()),
    }


def _rel(origin: str) -> str:
    return origin.removeprefix(str(HOSTILE) + "/")


def test_the_run_goes_on_and_succeeds(run: dict[str, Any]) -> None:
    assert run["code"] == 0


def test_every_record_has_the_fate_it_was_built_for(run: dict[str, Any]) -> None:
    got: dict[str, str] = {}
    for doc in run["documents"]:
        got.setdefault(_rel(doc["origin"]), "document")
    for rej in run["rejected"]:
        assert rej["stage"] in ("read", "clean", "ids") and rej["message"], rej
        got.setdefault(_rel(rej["origin"]), f"rejected:{rej['reason']}")
    assert len(got) == len(run["documents"]) + len(run["rejected"])  # no record comes out twice
    assert got == EXPECTED["fates"]


def test_every_reason_of_the_corpus_is_covered(run: dict[str, Any]) -> None:
    """The corpus exercises every rejection reason of the read and clean stages (and ids), and every skip."""
    from transforms import records as R

    fates = set(EXPECTED["fates"].values())
    assert {f"rejected:{reason}" for reason in R.REASONS} <= fates
    skipped = {reason for counts in EXPECTED["skipped"].values() for reason in counts}
    # revisits are in the sample capture (tests/transforms/test_warc.py)
    assert set(R.SKIP_REASONS) - skipped == {R.SKIP_WARC_REVISIT}


def test_each_input_file_reconciles_by_reason(run: dict[str, Any]) -> None:
    rec = run["summary"]["reconciliation"]
    assert rec["balanced"] and rec["files_balanced"]
    files = {_rel(path): f for path, f in rec["files"].items()}
    by_file: dict[str, dict[str, int]] = {}
    for origin, fate in EXPECTED["fates"].items():
        file = (
            origin.rsplit("@", 1)[0]
            if "@" in origin
            else origin.rsplit(":", 1)[0]
            if ".jsonl" in origin
            else origin
        )
        counts = by_file.setdefault(file, {})
        counts[fate] = counts.get(fate, 0) + 1
    assert set(files) == set(by_file)
    for file, counts in by_file.items():
        f = files[file]
        skipped = EXPECTED["skipped"].get(file, {})
        assert f["documents_written"] == counts.get("document", 0), file
        assert f["rejected_by_reason"] == {
            k.removeprefix("rejected:"): v for k, v in counts.items() if k.startswith("rejected:")
        }, file
        assert f["skipped_by_reason"] == skipped, file
        assert f["records_read"] == sum(counts.values()) + sum(skipped.values()), file
        assert f["balanced"], file
    assert rec["records_read"] == sum(f["records_read"] for f in files.values())
    assert rec["skipped_by_reason"] == {"warc_metadata": 1, "warc_other": 1, "warc_request": 1} | {
        "not_html": 1,
        "http_status": 1,
        "warc_warcinfo": 1,
    }


def test_texts_are_decoded_and_repaired(run: dict[str, Any]) -> None:
    docs = {_rel(d["origin"]): d for d in run["documents"]}
    assert docs["pages/latin1-meta.html"]["title"].startswith("Café crème")
    assert "“officials” said – naïvely" in docs["pages/cp1252-undeclared.html"]["text"]
    assert (
        "river" in docs["pages/utf16-bom.html"]["text"]
        and "theatre" in docs["pages/utf16le-nobom.html"]["text"]
    )
    assert (
        docs["pages/shift-jis.html"]["title"].startswith("東京のプール")
        and "pool" in docs["pages/shift-jis.html"]["text"]
    )
    assert "walk‑in clinic ‘Santé’ on" in docs["pages/mojibake.html"]["text"]  # mojibake repaired
    assert "officials \ufffd\ufffd said" in docs["pages/invalid-bytes.html"]["text"]  # invalid bytes replaced
    assert "Orchard" in docs["pages/brief.txt"]["text"] or "orchard" in docs["pages/brief.txt"]["text"]
    feed = {d["url"].rsplit("/", 1)[1]: d for d in run["documents"] if d["url"]}
    assert "musée" in feed["mojibake"]["text"] and "Ã" not in feed["mojibake"]["text"]
    assert "\ufffd end." in feed["surrogate"]["text"]
    assert "élus" in feed["tram"]["text"]  # the HTTP header said latin-1, the bytes were UTF-8
    for doc in run["documents"]:
        doc["text"].encode("utf-8")  # valid UTF-8 throughout (no lone surrogates)


def test_a_wrong_format_setting_fails_the_run_with_a_message_that_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    job = _job(
        tmp_path,
        inputs=[{"path": str(HOSTILE / "warc" / "capture.warc.gz"), "format": "jsonl"}],
        max_rejected_share=0.5,
    )
    assert main(["run", str(job)]) == 1
    err = capsys.readouterr().err
    assert "max_rejected_share=0.5" in err and "`format`" in err and "capture.warc.gz" in err
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["reconciliation"]["balanced"] and summary["reconciliation"]["rejected_share"] > 0.5
    # the same run passes when the check is off
    job = _job(
        tmp_path,
        inputs=[{"path": str(HOSTILE / "warc" / "capture.warc.gz"), "format": "jsonl"}],
        max_rejected_share=None,
    )
    assert main(["run", str(job)]) == 0
