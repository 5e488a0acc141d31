"""WARC input: records written by warcio (the sample capture's generator, ``data/warc/make_warc.py``), read by
ReadDumps, and a crawl of four sites with a syndicated story run end to end."""

from __future__ import annotations

import bz2
import gzip
import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import apache_beam as beam
import pytest
import yaml
from apache_beam.testing.util import assert_that, equal_to

from pipeline.cli import main
from pipeline.config import load_job
from transforms import records as R
from transforms.read import InputSpec, ReadDumps, detect_format, parse_warc_response, warc_skip_reason
from transforms.records import RawRecord, Rejected, stable_id

REPO = Path(__file__).resolve().parents[2]
WARC_DIR = REPO / "data" / "warc"


def _load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_warc", WARC_DIR / "make_warc.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


make_warc = _load_generator()


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/crawl/CC-NEWS-20240306.warc.gz", "warc"),
        ("/crawl/capture.warc", "warc"),
        ("/crawl/capture.warc.zst", "warc"),
        ("/crawl/old.arc.gz", "warc"),
        ("/crawl/capture.warc.tar", None),
    ],
)
def test_warc_format_by_name(path: str, expected: str | None) -> None:
    assert detect_format(path) == expected


@pytest.mark.parametrize(
    ("rec_type", "status", "content_type", "reason"),
    [
        ("response", 200, "text/html; charset=utf-8", None),
        ("response", 200, "application/xhtml+xml", None),
        ("response", 200, None, None),  # no Content-Type: the payload decides (binary or not)
        ("response", 206, "TEXT/HTML", None),
        ("response", 200, "image/jpeg", R.SKIP_NOT_HTML),
        ("response", 200, "application/pdf", R.SKIP_NOT_HTML),
        ("response", 200, "application/json", R.SKIP_NOT_HTML),
        ("response", 301, "text/html", R.SKIP_HTTP_STATUS),
        ("response", 404, "text/html", R.SKIP_HTTP_STATUS),
        ("response", 503, "text/html", R.SKIP_HTTP_STATUS),
        ("request", None, None, R.SKIP_WARC_REQUEST),
        ("metadata", None, None, R.SKIP_WARC_METADATA),
        ("revisit", 200, "text/html", R.SKIP_WARC_REVISIT),
        ("warcinfo", None, None, R.SKIP_WARC_WARCINFO),
        ("resource", None, "text/html", R.SKIP_WARC_OTHER),
        ("conversion", None, None, R.SKIP_WARC_OTHER),
        (None, None, None, R.SKIP_WARC_OTHER),
    ],
)
def test_warc_skip_reason(
    rec_type: str | None, status: int | None, content_type: str | None, reason: str
) -> None:
    assert warc_skip_reason(rec_type, status, content_type) == reason


URL = "https://www.harbourtimes.example.com/news/strike"


def test_parse_warc_response_uses_the_http_charset_and_the_url_rule() -> None:
    body = "<html><body><p>Caf\u00e9 cr\u00e8me \u2013 \u201cquoted\u201d</p></body></html>".encode("cp1252")
    rec = parse_warc_response(
        body,
        "/crawl/a.warc.gz@512",
        url=URL,
        content_type="text/html; charset=windows-1252",
        fetched="2024-03-06T04:01:00Z",
        record_id="<urn:uuid:1>",
        default_source="fallback",
    )
    assert isinstance(rec, RawRecord)
    assert (rec.origin, rec.kind, rec.url, rec.id, rec.source) == (
        "/crawl/a.warc.gz@512",
        "html",
        URL,
        stable_id("url", URL),  # the JSON Lines rule: a capture and a JSON record of one URL share an id
        "example.com",  # the registered domain (example.com is one, like bbc.co.uk)
    )
    assert "Café crème – “quoted”" in rec.body
    assert json.loads(rec.meta) == {"fetched": "2024-03-06T04:01:00Z", "warc_record_id": "<urn:uuid:1>"}
    assert rec.published is None  # the fetch time is not the publication date


@pytest.mark.parametrize(
    ("body", "url", "reason"),
    [
        (b"", URL, R.MISSING_CONTENT),
        (b" \r\n ", URL, R.MISSING_CONTENT),
        (b"%PDF-1.4\n%\xe2\xe3", URL, R.BINARY_CONTENT),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", URL, R.BINARY_CONTENT),
        (b"<html><p>x</p></html>", None, R.MISSING_FIELD),
    ],
)
def test_parse_warc_response_rejects(body: bytes, url: str | None, reason: str) -> None:
    rej = parse_warc_response(body, "/crawl/a.warc@0", url=url, content_type="text/html")
    assert isinstance(rej, Rejected) and (rej.reason, rej.stage, rej.origin) == (
        reason,
        "read",
        "/crawl/a.warc@0",
    )


def _write_capture(folder: Path, name: str) -> tuple[Path, dict[str, str]]:
    cap, expected = make_warc.build()
    path = folder / name
    data = cap.warc_bytes(compress=False)
    if name.endswith(".gz"):
        data = cap.warc_bytes(compress=True)
    elif name.endswith(".bz2"):
        data = bz2.compress(data)
    path.write_bytes(data)
    return path, expected


@pytest.mark.parametrize("name", ["crawl.warc.gz", "crawl.warc", "crawl.warc.bz2", "whole-file-gzip.warc.gz"])
def test_read_dumps_reads_every_record_of_a_capture(tmp_path: Path, name: str, run_counted) -> None:
    path, expected = _write_capture(tmp_path, name)
    if name.startswith("whole-file"):  # one gzip member for the whole file, not one a record
        cap, _ = make_warc.build()
        path.write_bytes(gzip.compress(cap.warc_bytes(compress=False), mtime=0))
    documents = sorted(k for k, v in expected.items() if v.startswith("document"))

    def build(p: beam.Pipeline) -> None:
        out = p | ReadDumps(inputs=[InputSpec(str(path))])
        assert_that(
            out["records"] | "Where" >> beam.Map(lambda r: r.origin.removeprefix(str(path))),
            equal_to(documents),
            label="Records",
        )
        assert_that(out["rejected"], equal_to([]), label="NoRejected")

    counters = run_counted(build)
    skipped = {k: v for k, v in counters["read"].items() if k.startswith("skipped:")}
    want: dict[str, int] = {}
    for fate in expected.values():
        if fate.startswith("skipped:"):
            want[fate] = want.get(fate, 0) + 1
    assert skipped == want
    assert counters["read"]["seen"] == len(expected) == counters["read"]["kept"] + sum(skipped.values())
    per_file = counters[f"file:{path}"]
    assert per_file["read"] == len(expected)
    assert {k: v for k, v in per_file.items() if k.startswith("skipped:")} == want


def test_the_committed_sample_is_what_the_generator_writes(tmp_path: Path) -> None:
    out = tmp_path / "sample.warc.gz"
    assert make_warc.main(["--out", str(out)]) == 0
    assert out.read_bytes() == (WARC_DIR / "sample.warc.gz").read_bytes()
    assert out.stat().st_size < 20_000


def test_the_warc_job_example_is_valid_and_reads_the_sample() -> None:
    job = load_job(REPO / "configs" / "warc.yaml")
    assert [(i.path, i.format) for i in job.inputs] == [("data/warc/sample.warc.gz", "warc")]
    assert job.max_rejected_share == 0.5


@pytest.fixture(scope="module")
def crawl_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The WARC job example on a capture written here by warcio, run end to end (two worker processes)."""
    tmp = tmp_path_factory.mktemp("warc")
    path, expected = _write_capture(tmp, "crawl.warc.gz")
    data = yaml.safe_load((REPO / "configs" / "warc.yaml").read_text())
    data["inputs"][0]["path"] = str(path)
    data["output"]["path"] = str(tmp / "out")
    data["runner"]["options"] = {"direct_num_workers": 2, "direct_running_mode": "multi_processing"}
    job = tmp / "job.yaml"
    job.write_text(yaml.safe_dump(data))
    code = main(["run", str(job)])
    out = tmp / "out"

    def lines(name: str) -> list[dict[str, Any]]:
        return [
            json.loads(x) for f in sorted((out / name).glob("part-*")) for x in f.read_text().splitlines()
        ]

    return {
        "code": code,
        "path": str(path),
        "expected": expected,
        "documents": lines("documents"),
        "rejected": lines("rejected"),
        "summary": json.loads((out / "summary.json").read_text()),
    }


def test_the_syndicated_copy_is_flagged_as_a_near_duplicate_of_the_original(
    crawl_run: dict[str, Any],
) -> None:
    assert crawl_run["code"] == 0 and crawl_run["rejected"] == []
    docs = {d["url"]: d for d in crawl_run["documents"]}
    original, copy = docs[make_warc.ORIGINAL_URL], docs[make_warc.COPY_URL]
    assert original["is_duplicate"] is False and original["cluster_id"] == original["id"]
    assert copy["is_duplicate"] is True
    assert (copy["duplicate_of"], copy["dup_type"]) == (original["id"], R.NEAR)
    assert 0.5 <= copy["similarity"] < 1
    others = [d for u, d in docs.items() if u not in (make_warc.ORIGINAL_URL, make_warc.COPY_URL)]
    assert len(others) == 3 and not any(d["is_duplicate"] for d in others)
    assert len({d["cluster_id"] for d in crawl_run["documents"]}) == 4


def test_every_capture_record_has_its_fate(crawl_run: dict[str, Any]) -> None:
    expected = crawl_run["expected"]
    got = sorted(d["origin"].removeprefix(crawl_run["path"]) for d in crawl_run["documents"])
    assert got == sorted(k for k, v in expected.items() if v.startswith("document"))
    rec = crawl_run["summary"]["reconciliation"]
    want: dict[str, int] = {}
    for fate in expected.values():
        if fate.startswith("skipped:"):
            want[fate.removeprefix("skipped:")] = want.get(fate.removeprefix("skipped:"), 0) + 1
    assert rec["skipped_by_reason"] == want
    assert rec["files"][crawl_run["path"]] == {
        "records_read": len(expected),
        "documents_written": 5,
        "duplicates_dropped": 0,
        "rejected": 0,
        "rejected_by_reason": {},
        "skipped": sum(want.values()),
        "skipped_by_reason": want,
        "balanced": True,
    }
    assert rec["balanced"]


def test_capture_metadata_and_charsets(crawl_run: dict[str, Any]) -> None:
    docs = {d["url"]: d for d in crawl_run["documents"]}
    cafe = docs[make_warc.CAFE_URL]  # windows-1252, declared only in the HTTP header
    assert "Café Amélie" in cafe["text"] and "crème brûlée" in cafe["text"]
    assert cafe["meta"]["fetched"].startswith("2024-03-06T04:")
    assert cafe["meta"]["warc_record_id"].startswith("<urn:uuid:")
    rail = docs[make_warc.RAIL_URL]  # served with Content-Encoding: gzip
    assert rail["text"].startswith("Commuters on the northern rail line")
    assert docs[make_warc.ORIGINAL_URL]["source"] == "example.com"
    assert "Most read" not in docs[make_warc.ORIGINAL_URL]["text"]
