"""report.html: its figures on the demo run's real outputs (JSON Lines and Parquet), escaping of hostile text, the
``report`` command, and the page itself rendered in headless Chromium (skipped where Chromium is absent)."""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml

from pipeline.cli import main
from pipeline.html_report import (
    OTHER_SOURCES,
    SIM_BINS,
    collect,
    funnel,
    render_html,
    syndication_matrix,
    word_diff,
    write_report,
)

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "configs" / "demo.yaml"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PLOTS = ("plot-funnel", "plot-cluster-sizes", "plot-similarity", "plot-s-curve", "plot-syndication")
TABLES = (
    "table-funnel",
    "table-stages",
    "table-cluster-sizes",
    "table-similarity",
    "table-s-curve",
    "table-wires",
    "table-rejected",
    "table-rejected-examples",
)
SECTIONS = (
    "funnel",
    "stages",
    "clusters",
    "similarity",
    "s-curve",
    "syndication",
    "largest",
    "borderline",
    "rejected",
)


def _job_file(tmp: Path, **changes: Any) -> Path:
    data = yaml.safe_load(DEMO.read_text())
    for spec in data["inputs"]:
        spec["path"] = str(REPO / spec["path"])
    for section, values in changes.items():
        data.setdefault(section, {}).update(values)
    path = tmp / "job.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def _lines(folder: Path) -> list[dict[str, Any]]:
    return [json.loads(x) for f in sorted(folder.glob("part-*")) for x in f.read_text().splitlines() if x]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The demo job run once through the command line (one worker, JSON log format)."""
    tmp = tmp_path_factory.mktemp("demo")
    out = tmp / "out"
    stdout = io.StringIO()
    with contextlib.redirect_stdout(stdout):
        assert (
            main(["run", str(_job_file(tmp)), "--output", str(out), "--workers", "1", "--log-format", "json"])
            == 0
        )
    return {
        "out": out,
        "events": [json.loads(line) for line in stdout.getvalue().splitlines()],
        "summary": json.loads((out / "summary.json").read_text()),
        "documents": _lines(out / "documents"),
        "clusters": _lines(out / "clusters"),
        "rejected": _lines(out / "rejected"),
    }


def test_a_run_writes_the_report_and_json_events(demo: dict[str, Any]) -> None:
    report = demo["out"] / "report.html"
    assert report.is_file() and report.stat().st_size > 10_000
    kinds = [e["event"] for e in demo["events"]]
    assert kinds[0] == "start" and kinds[-1] == "summary" and "stage" in kinds
    assert demo["events"][0]["files_total"] == demo["summary"]["counters"]["read"]["files"]
    final = demo["events"][-1]
    assert final["reconciliation"] == demo["summary"]["reconciliation"]
    assert final["outputs"]["report"] == str(report)
    assert {"stage": "read", "seen": 37}.items() <= final["stages"][0].items()


def test_collect_figures_match_the_outputs(demo: dict[str, Any]) -> None:
    data = collect(str(demo["out"]))
    summary, docs = demo["summary"], demo["documents"]
    steps = {s.label: s.count for s in data.funnel}
    assert steps["records read"] == 37 and steps["rejected"] == 9 and steps["documents"] == len(docs)
    assert (
        steps["unique stories"]
        == summary["dedup"]["originals"]
        == sum(1 for d in docs if not d["is_duplicate"])
    )
    assert steps["exact duplicates"] == sum(1 for d in docs if d["dup_type"] == "exact")
    # every story counted once in the size histogram, singletons included
    assert sum(data.cluster_sizes.values()) == summary["dedup"]["originals"]
    assert data.cluster_sizes["4"] == sum(1 for c in demo["clusters"] if c["size"] == 4)
    duplicates = [d for d in docs if d["is_duplicate"]]
    assert sum(sum(v) for v in data.similarity_hist.values()) == len(duplicates)
    assert sum(data.similarity_hist["exact"]) == 2 and data.similarity_hist["exact"][SIM_BINS - 1] == 2
    # the syndication matrix holds every copy once, at (its source, its canonical's source)
    by_id = {d["id"]: d for d in docs}
    assert data.copies_matched == len(duplicates) == sum(map(sum, data.matrix))
    copy = by_id["nc-9934"]
    i = data.matrix_sources.index(copy["source"])
    j = data.matrix_sources.index(by_id[copy["duplicate_of"]]["source"])
    assert data.matrix[i][j] >= 1
    assert ("xinhua", 3, 2) in data.wires
    # largest first; its copies are the least similar ones, with texts loaded and figures recomputable
    largest = max(demo["clusters"], key=lambda c: c["size"])
    assert data.largest[0].cluster_id == largest["cluster_id"] and data.largest[0].size == largest["size"]
    assert [c.similarity for c in data.largest[0].copies] == sorted(
        c.similarity for c in data.largest[0].copies
    )
    assert all(c.id in data.documents and c.id in data.shingles for v in data.largest for c in v.copies)
    # borderline: the near copy closest to the threshold leads
    nearest = min((d for d in duplicates if d["dup_type"] == "near"), key=lambda d: d["similarity"] - 0.5)
    assert data.borderline[0].copies[0].id == nearest["id"]
    assert data.borderline[0].cluster_id == nearest["cluster_id"]
    # rejected: counts by reason, at most three examples each
    assert dict(data.rejected_by_reason) == summary["reconciliation"]["rejected_by_reason"]
    assert all(1 <= len(v) <= 3 for v in data.rejected_examples.values())
    assert data.rejected_stage["no_text"] == "clean"


def test_recomputed_figures_agree_with_the_run(demo: dict[str, Any]) -> None:
    from pipeline.html_report import pair_figures

    data = collect(str(demo["out"]))
    for view in data.largest:
        for copy in view.copies:
            fig = pair_figures(data, copy.id, view.cluster_id)
            if copy.dup_type == "near":
                assert fig["jaccard"] == pytest.approx(copy.similarity)
            assert fig["copy_in_canonical"] is not None and 0 < fig["copy_in_canonical"] <= 1


def test_parquet_output_gives_the_same_figures(demo: dict[str, Any], tmp_path: Path) -> None:
    out = tmp_path / "out"
    job = _job_file(tmp_path, output={"format": "parquet"})
    assert main(["run", str(job), "--output", str(out), "--workers", "1", "--quiet"]) == 0
    assert list((out / "documents").glob("part-*.parquet"))
    a, b = collect(str(demo["out"])), collect(str(out))
    assert a.similarity_hist == b.similarity_hist and a.cluster_sizes == b.cluster_sizes
    assert (a.matrix_sources, a.matrix, a.wires) == (b.matrix_sources, b.matrix, b.wires)
    assert [v.cluster_id for v in a.largest + a.borderline] == [
        v.cluster_id for v in b.largest + b.borderline
    ]
    assert (out / "report.html").is_file()


def test_the_report_command_rebuilds_it(
    demo: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(demo["out"], copy)
    (copy / "report.html").unlink()
    assert main(["report", str(copy), "--job", str(DEMO)]) == 0
    assert (copy / "report.html").is_file() and "report: " in capsys.readouterr().out
    assert main(["report", str(tmp_path / "nothing")]) == 2
    assert "summary.json not found" in capsys.readouterr().err


HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)> & "quotes"'


def _write_output(
    base: Path, docs: list[dict[str, Any]], clusters: list[dict[str, Any]], rejected: list[dict[str, Any]]
) -> None:
    """A hand-written output folder as a run leaves it (JSON Lines shards and a summary)."""
    for name, rows in (("documents", docs), ("clusters", clusters), ("rejected", rejected)):
        (base / name).mkdir(parents=True)
        (base / name / "part-00000-of-00001.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    dup = [d for d in docs if d["is_duplicate"]]
    summary = {
        "job": HOSTILE,
        "runner": "DirectRunner",
        "started": "2024-01-01T00:00:00+00:00",
        "wall_seconds": 1.0,
        "settings": {
            "lsh": {
                "bands": 42,
                "rows": 3,
                "threshold": 0.5,
                "similarity_at_50pct": 0.254,
                "similarity_at_95pct": 0.41,
                "s_curve": {"0.5": 0.996},
            }
        },
        "reconciliation": {
            "records_read": len(docs) + len(rejected),
            "documents_written": len(docs),
            "duplicates_dropped": 0,
            "rejected": len(rejected),
            "rejected_by_reason": {"bad_date": len(rejected)},
            "balanced": True,
        },
        "dedup": {
            "documents": len(docs),
            "exact_duplicates": 0,
            "near_duplicates": len(dup),
            "contained_duplicates": 0,
            "originals": len(docs) - len(dup),
        },
        "counters": {"read": {"seen": len(docs) + len(rejected), "kept": len(docs)}},
    }
    (base / "summary.json").write_text(json.dumps(summary))


def _doc(doc_id: str, text: str, **fields: Any) -> dict[str, Any]:
    row = {
        "id": doc_id,
        "origin": f"o/{doc_id}",
        "url": None,
        "source": None,
        "title": None,
        "published": None,
        "author": None,
        "credit": None,
        "site": None,
        "text": text,
        "wire": None,
        "meta": {},
        "content_hash": doc_id,
        "lsh": True,
        "cluster_id": doc_id,
        "is_duplicate": False,
        "duplicate_of": None,
        "dup_type": None,
        "similarity": None,
    }
    row.update(fields)
    return row


STORY = " ".join(f"word{i} of the story about the harbour strike" for i in range(40))


def test_hostile_text_is_escaped_and_only_http_links_are_made(tmp_path: Path) -> None:
    docs = [
        _doc("a", HOSTILE + "\n" + STORY, title=HOSTILE, source=HOSTILE, url="javascript:alert(1)"),
        _doc(
            "b",
            STORY + " " + HOSTILE,
            title="copy",
            source="b.example",
            url="https://b.example/x?a=1&b=<2>",
            cluster_id="a",
            is_duplicate=True,
            duplicate_of="a",
            dup_type="near",
            similarity=0.8,
        ),
    ]
    clusters = [
        {
            "cluster_id": "a",
            "canonical_id": "a",
            "member_ids": ["a", "b"],
            "size": 2,
            "exact": 0,
            "near": 1,
            "contained": 0,
            "min_similarity": 0.8,
        }
    ]
    rejected = [
        {
            "origin": HOSTILE,
            "stage": "read",
            "reason": "bad_date",
            "message": HOSTILE,
            "id": None,
            "url": "javascript:alert(2)",
        }
    ]
    _write_output(tmp_path, docs, clusters, rejected)
    page = (Path(write_report(str(tmp_path)))).read_text()
    assert "<script" not in page and "<img" not in page  # the text shows as text, never as markup
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert 'href="javascript' not in page
    assert 'href="https://b.example/x?a=1&amp;b=&lt;2&gt;"' in page
    data = collect(str(tmp_path))
    assert data.matrix_sources == [HOSTILE, "b.example"] and data.matrix == [[0, 0], [1, 0]]


def test_word_diff_marks_only_the_changed_words() -> None:
    left, right = word_diff(
        "the port strike ended on Monday\nunion leaders agreed",
        "the port strike ended on Tuesday\nunion <b>leaders</b> agreed",
    )
    assert "<del>Monday </del>" in left and "<ins>Tuesday </ins>" in right
    assert "<ins>&lt;b&gt;leaders&lt;/b&gt; </ins>" in right and "<br>" in left
    assert "<del>" not in right and "<ins>" not in left
    long_left, _ = word_diff(STORY, STORY, limit=10)
    assert "more words not compared" in long_left and "<del>" not in long_left


def test_syndication_matrix_keeps_the_top_sources_and_pools_the_rest() -> None:
    pairs = {("a", "wire"): 5, ("b", "wire"): 3, ("c", "d"): 1}
    names, matrix = syndication_matrix(pairs, limit=2)
    assert names == ["wire", "a", OTHER_SOURCES]
    assert matrix == [[0, 0, 0], [5, 0, 0], [3, 0, 1]]
    assert syndication_matrix({}) == ([], [])


def _chromium_render(
    report: Path, png: Path, *, width: int = 1280, height: int | None = None
) -> dict[str, Any]:
    """Open ``report`` in headless Chromium; returns console messages, page errors, failed requests and what the
    page holds; saves a screenshot (full page, or the top ``height`` pixels)."""
    from playwright.sync_api import sync_playwright

    found: dict[str, Any] = {"console": [], "errors": [], "requests": []}
    with tempfile.TemporaryDirectory() as profile, sync_playwright() as pw:
        browser = pw.chromium.launch_persistent_context(
            profile,
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_FLAGS,
            viewport={"width": width, "height": 900},
        )
        page = browser.new_page()
        page.on("console", lambda m: found["console"].append((m.type, m.text)))
        page.on("pageerror", lambda e: found["errors"].append(str(e)))
        page.on("request", lambda r: found["requests"].append(r.url))
        page.goto(report.resolve().as_uri())
        page.wait_for_load_state("load")
        found["plots"] = {p: page.locator(f"svg#{p} > *").count() for p in PLOTS}
        found["tables"] = {t: page.locator(f"table#{t} tbody tr").count() for t in TABLES}
        found["sections"] = {s: page.locator(f"section#{s}").count() for s in SECTIONS}
        found["pairs"] = page.locator(".pair").count()
        found["marked"] = page.locator(".pair ins, .pair del").count()
        clip = None if height is None else {"x": 0, "y": 0, "width": width, "height": height}
        page.screenshot(path=str(png), full_page=True, clip=clip)
        browser.close()
    return found


def test_demo_report_renders_in_chromium(demo: dict[str, Any], tmp_path: Path) -> None:
    if not os.path.exists(CHROMIUM):
        pytest.skip(
            f"{CHROMIUM} not found: install Debian's chromium (apt-get install chromium) to render the report"
        )
    pytest.importorskip("playwright", reason="the playwright package (dev extra) drives Chromium")
    png = tmp_path / "report.png"
    found = _chromium_render(demo["out"] / "report.html", png)
    assert found["errors"] == [] and [m for m in found["console"] if m[0] in ("error", "warning")] == []
    assert found["requests"] == [(demo["out"] / "report.html").resolve().as_uri()]  # nothing else is fetched
    assert all(n > 0 for n in found["sections"].values()), found["sections"]
    assert all(n > 5 for n in found["plots"].values()), found["plots"]
    assert all(n > 0 for n in found["tables"].values()), found["tables"]
    assert found["pairs"] >= 4 and found["marked"] > 0
    assert png.stat().st_size > 50_000


def test_render_html_of_an_empty_run_has_every_section(tmp_path: Path) -> None:
    _write_output(tmp_path, [], [], [])
    page = render_html(collect(str(tmp_path)))
    for section in SECTIONS:
        assert f'<section id="{section}">' in page
    assert "No clusters in this run." in page and "nothing to show in this run" in page


def test_funnel_shows_skipped_warc_records_so_the_steps_add_up() -> None:
    summary = {
        "reconciliation": {
            "records_read": 19,
            "rejected": 0,
            "rejected_by_reason": {},
            "skipped": 14,
            "skipped_by_reason": {"warc_request": 8, "http_status": 2, "not_html": 1, "warc_revisit": 3},
        },
        "dedup": {
            "documents": 5,
            "exact_duplicates": 0,
            "near_duplicates": 1,
            "contained_duplicates": 0,
            "originals": 4,
        },
    }
    steps = {st.label: st for st in funnel(summary)}
    assert steps["skipped (not articles)"].count == 14 and steps["warc_request"].indent == 1
    top = [st for st in funnel(summary) if st.indent == 0 and st.kind != "total"]
    assert sum(st.count for st in top if st.kind in ("rejected", "skipped", "documents")) == 19
