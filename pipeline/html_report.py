"""``report.html``: one self-contained page about a run, built from its outputs (``newsdedup report OUTPUT_DIR``).

The page is static: styles inline, plots hand-written SVG, no script, and a Content-Security-Policy that forbids
loading anything, so it opens from a file, a bucket's download or a mail attachment alike. It holds the funnel
from records read to unique stories, the cluster-size histogram, the similarity of flagged copies against the
threshold, the run's LSH S-curve, who copies whom (source x source heat map) and the wire agencies, the largest
and the borderline clusters with each copy's text beside its canonical's and the differences marked, and the
rejected records by reason with examples.

Memory stays bounded on runs of millions of documents: the outputs are streamed (JSON Lines line by line,
Parquet batch by batch, through Beam's FileSystems so buckets work too) into counters, fixed-size histograms,
top-k heaps and a few examples; the one join (the source of each copy's canonical) runs in a temporary SQLite
file on local disk. All text from the outputs is HTML-escaped; links are made for http(s) URLs only.
"""

from __future__ import annotations

import argparse
import difflib
import heapq
import html
import json
import math
import os
import re
import sqlite3
import sys
import tempfile
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from apache_beam.io.filesystems import FileSystems

from pipeline.config import DedupConfig, JobError, load_job
from pipeline.progress import stage_rows
from pipeline.report import iter_rows
from transforms.lsh import candidate_probability
from transforms.normalize import hashing_form, registered_domain
from transforms.shingles import containment, jaccard, shingle_hashes

REPORT_NAME = "report.html"
LARGEST = 4  # largest clusters shown
BORDERLINE = 4  # clusters with a copy closest to its threshold shown
COPIES_SHOWN = 3  # copies shown per cluster (the least similar ones)
EXAMPLES_PER_REASON = 3  # rejected records shown per reason
MATRIX_SOURCES = 12  # sources in the syndication matrix; the rest are "other sources"
TOP_WIRES = 12
SIM_BINS = 50  # similarity histogram bins over [0, 1]
DIFF_TOKENS = 1500  # words of each text compared and shown
UNKNOWN_SOURCE = "(unknown)"
OTHER_SOURCES = "(other sources)"

PASS1_COLUMNS = [
    "id",
    "url",
    "source",
    "site",
    "wire",
    "cluster_id",
    "is_duplicate",
    "duplicate_of",
    "dup_type",
    "similarity",
    "lsh",
]
PASS2_COLUMNS = [*PASS1_COLUMNS, "title", "published", "origin", "credit", "text"]


# ---------------------------------------------------------------------------------------------------------------
# Reading the outputs (local paths or any Beam filesystem)
# ---------------------------------------------------------------------------------------------------------------


def read_summary(base: str) -> dict[str, Any]:
    path = f"{base.rstrip('/')}/summary.json"
    if not FileSystems.exists(path):
        raise FileNotFoundError(f"{path} not found: not the output folder of a finished run")
    with FileSystems.open(path) as fh:
        return dict(json.loads(fh.read().decode("utf-8")))


def document_source(row: dict[str, Any]) -> str:
    """Who published a copy: its ``source`` (the input's publisher or the URL's registered domain), else the
    site the page names, else the URL's registered domain."""
    return row.get("source") or row.get("site") or registered_domain(row.get("url")) or UNKNOWN_SOURCE


# ---------------------------------------------------------------------------------------------------------------
# Figures
# ---------------------------------------------------------------------------------------------------------------


@dataclass
class FunnelStep:
    label: str
    count: int
    kind: str  # "total" | "rejected" | "skipped" | "documents" | "duplicate" | "unique"
    indent: int = 0


def funnel(summary: dict[str, Any]) -> list[FunnelStep]:
    """Records read -> rejected (by reason) -> documents -> exact / near / excerpt copies -> unique stories, from
    the run's own counters (they hold the dropped duplicates too when ``output.drop_duplicates`` is on)."""
    rec, dd = summary["reconciliation"], summary["dedup"]
    steps = [FunnelStep("records read", rec["records_read"], "total")]
    steps.append(FunnelStep("rejected", rec["rejected"], "rejected"))
    for reason, n in sorted(rec["rejected_by_reason"].items(), key=lambda kv: (-kv[1], kv[0])):
        steps.append(FunnelStep(reason, n, "rejected", indent=1))
    if rec.get("skipped"):  # WARC records that are no article: counted, not written
        steps.append(FunnelStep("skipped (not articles)", rec["skipped"], "skipped"))
        for reason, n in sorted(rec.get("skipped_by_reason", {}).items(), key=lambda kv: (-kv[1], kv[0])):
            steps.append(FunnelStep(reason, n, "skipped", indent=1))
    steps += [
        FunnelStep("documents", dd["documents"], "documents"),
        FunnelStep("exact duplicates", dd["exact_duplicates"], "duplicate", indent=1),
        FunnelStep("near duplicates", dd["near_duplicates"], "duplicate", indent=1),
        FunnelStep("excerpts (contained)", dd["contained_duplicates"], "duplicate", indent=1),
        FunnelStep(
            "round-ups carrying a story (passage)", dd.get("passage_duplicates", 0), "duplicate", indent=1
        ),
        FunnelStep("unique stories", dd["originals"], "unique"),
    ]
    return steps


def size_bin(size: int) -> str:
    """Histogram bin of a cluster size: 1..10 each, then 11-20, 21-50, 51-100, 101-1000, 1001+."""
    if size <= 10:
        return str(size)
    for lo, hi in ((11, 20), (21, 50), (51, 100), (101, 1000)):
        if size <= hi:
            return f"{lo}-{hi}"
    return "1001+"


SIZE_BIN_ORDER = [str(i) for i in range(1, 11)] + ["11-20", "21-50", "51-100", "101-1000", "1001+"]


@dataclass
class Copy:
    """A copy of a cluster's canonical, as the report shows it."""

    id: str
    similarity: float | None
    dup_type: str | None
    margin: float | None = None  # similarity minus the threshold of its kind


@dataclass
class ClusterView:
    cluster_id: str
    size: int
    copies: list[Copy]
    why: str  # "largest" | "borderline"


@dataclass
class ReportData:
    """Everything the page shows, gathered in bounded memory."""

    summary: dict[str, Any]
    settings_note: str
    threshold: float
    containment_threshold: float
    funnel: list[FunnelStep]
    cluster_sizes: Counter[str] = field(default_factory=Counter)  # size bin -> clusters (singletons included)
    clusters_total: int = 0
    similarity_hist: dict[str, list[int]] = field(default_factory=dict)  # dup_type -> SIM_BINS counts
    documents_seen: int = 0
    duplicates_seen: int = 0
    matrix_sources: list[str] = field(default_factory=list)
    matrix: list[list[int]] = field(default_factory=list)  # [copy source][canonical source]
    copies_matched: int = 0  # copies whose canonical was found (the matrix's total)
    wires: list[tuple[str, int, int]] = field(default_factory=list)  # wire, documents, copies among them
    largest: list[ClusterView] = field(default_factory=list)
    borderline: list[ClusterView] = field(default_factory=list)
    documents: dict[str, dict[str, Any]] = field(default_factory=dict)  # shown documents by id, text capped
    shingles: dict[str, np.ndarray] = field(default_factory=dict)
    rejected_by_reason: Counter[str] = field(default_factory=Counter)
    rejected_stage: dict[str, str] = field(default_factory=dict)
    rejected_examples: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


def _sim_bin(value: float) -> int:
    return min(SIM_BINS - 1, max(0, int(value * SIM_BINS)))


class _SyndicationJoin:
    """Copy source x canonical source counts, joined in a SQLite file on local disk (memory stays flat however
    many canonicals a run has)."""

    BATCH = 10_000

    def __init__(self, folder: str):
        self._db = sqlite3.connect(os.path.join(folder, "syndication.sqlite"))
        self._db.execute("PRAGMA journal_mode=OFF")
        self._db.execute("PRAGMA synchronous=OFF")
        self._db.execute("CREATE TABLE canon (id TEXT PRIMARY KEY, src INTEGER) WITHOUT ROWID")
        self._db.execute("CREATE TABLE copy (canon TEXT, src INTEGER)")
        self._sources: dict[str, int] = {}
        self._canon: list[tuple[str, int]] = []
        self._copy: list[tuple[str, int]] = []

    def _source_id(self, name: str) -> int:
        return self._sources.setdefault(name, len(self._sources))

    def add(self, row: dict[str, Any]) -> None:
        src = self._source_id(document_source(row))
        if row.get("is_duplicate") and row.get("duplicate_of"):
            self._copy.append((str(row["duplicate_of"]), src))
        else:
            self._canon.append((str(row["id"]), src))
        if len(self._canon) + len(self._copy) >= self.BATCH:
            self._flush()

    def _flush(self) -> None:
        self._db.executemany("INSERT OR IGNORE INTO canon VALUES (?, ?)", self._canon)
        self._db.executemany("INSERT INTO copy VALUES (?, ?)", self._copy)
        self._canon.clear()
        self._copy.clear()

    def counts(self) -> dict[tuple[str, str], int]:
        """``{(copy source, canonical source): copies}``."""
        self._flush()
        names = {i: name for name, i in self._sources.items()}
        rows = self._db.execute(
            "SELECT copy.src, canon.src, COUNT(*) FROM copy JOIN canon ON copy.canon = canon.id GROUP BY 1, 2"
        )
        out = {(names[a], names[b]): int(n) for a, b, n in rows}
        self._db.close()
        return out


def syndication_matrix(
    pairs: dict[tuple[str, str], int], limit: int = MATRIX_SOURCES
) -> tuple[list[str], list[list[int]]]:
    """The ``limit`` sources most involved in copying (as copier or copied), in that order, then one row and
    column for all other sources; ``matrix[i][j]`` = copies by source i of a canonical from source j."""
    involvement: Counter[str] = Counter()
    for (a, b), n in pairs.items():
        involvement[a] += n
        involvement[b] += n
    top = [s for s, _ in sorted(involvement.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]]
    names = top + ([OTHER_SOURCES] if len(involvement) > limit else [])
    index = {s: i for i, s in enumerate(top)}
    other = len(top)
    matrix = [[0] * len(names) for _ in names]
    for (a, b), n in pairs.items():
        matrix[index.get(a, other)][index.get(b, other)] += n
    return names, matrix


def collect(base: str, *, dedup: DedupConfig | None = None, settings_note: str = "") -> ReportData:
    """Read a run's outputs under ``base`` into the figures of its report. ``dedup`` gives the shingling and the
    containment threshold used to recompute each shown pair's figures (the job's defaults when None)."""
    summary = read_summary(base)
    dedup = dedup or DedupConfig()
    threshold = float(summary.get("settings", {}).get("lsh", {}).get("threshold", dedup.threshold))
    data = ReportData(
        summary=summary,
        settings_note=settings_note,
        threshold=threshold,
        containment_threshold=dedup.containment_threshold,
        funnel=funnel(summary),
        similarity_hist={kind: [0] * SIM_BINS for kind in ("near", "contained", "passage", "exact")},
    )

    # clusters: the size histogram and the largest ones
    largest: list[tuple[int, str]] = []
    for row in iter_rows(base, "clusters"):
        data.clusters_total += 1
        data.cluster_sizes[size_bin(int(row["size"]))] += 1
        item = (int(row["size"]), str(row["cluster_id"]))
        if len(largest) < LARGEST:
            heapq.heappush(largest, item)
        else:
            heapq.heappushpop(largest, item)
    singletons = int(summary["dedup"].get("originals", 0)) - data.clusters_total
    if singletons > 0:
        data.cluster_sizes["1"] += singletons
    largest_ids = {cid: size for size, cid in largest}
    least_similar: dict[str, list[tuple[float, str, Copy]]] = {cid: [] for cid in largest_ids}

    # documents, first pass: histograms, wires, borderline copies, the syndication join
    borderline: list[tuple[float, str, str, Copy]] = []  # (-|margin|, id, cluster, copy): keeps the smallest
    keep_borderline = BORDERLINE * COPIES_SHOWN * 4
    wires: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    with tempfile.TemporaryDirectory(prefix="newsdedup-report-") as tmp:
        join = _SyndicationJoin(tmp)
        for row in iter_rows(base, "documents", PASS1_COLUMNS):
            data.documents_seen += 1
            join.add(row)
            if row.get("wire"):
                wires[str(row["wire"])][0] += 1
                wires[str(row["wire"])][1] += bool(row.get("is_duplicate"))
            if not row.get("is_duplicate"):
                continue
            data.duplicates_seen += 1
            kind, sim = row.get("dup_type") or "near", row.get("similarity")
            if sim is None:
                continue
            data.similarity_hist.setdefault(kind, [0] * SIM_BINS)[_sim_bin(float(sim))] += 1
            cid = str(row.get("cluster_id") or row.get("duplicate_of"))
            limit = {"near": threshold, "contained": data.containment_threshold}.get(kind)
            copy = Copy(str(row["id"]), float(sim), kind, None if limit is None else float(sim) - limit)
            if cid in least_similar:
                heap = least_similar[cid]
                if len(heap) < COPIES_SHOWN:
                    heapq.heappush(heap, (-float(sim), copy.id, copy))
                else:
                    heapq.heappushpop(heap, (-float(sim), copy.id, copy))
            if copy.margin is not None:
                entry = (-abs(copy.margin), copy.id, cid, copy)
                if len(borderline) < keep_borderline:
                    heapq.heappush(borderline, entry)
                else:
                    heapq.heappushpop(borderline, entry)
        pairs = join.counts()
    data.matrix_sources, data.matrix = syndication_matrix(pairs)
    data.copies_matched = sum(pairs.values())
    data.wires = [
        (w, n, c) for w, (n, c) in sorted(wires.items(), key=lambda kv: (-kv[1][0], kv[0]))[:TOP_WIRES]
    ]

    for size, cid in sorted(largest, reverse=True):
        copies = [c for _, _, c in sorted(least_similar[cid], key=lambda t: (-t[0], t[1]))]
        data.largest.append(ClusterView(cid, size, copies, "largest"))
    by_cluster: dict[str, list[Copy]] = {}
    for _, _, cid, copy in sorted(borderline, key=lambda e: (-e[0], e[1])):
        if cid in by_cluster:
            if len(by_cluster[cid]) < COPIES_SHOWN:
                by_cluster[cid].append(copy)
        elif len(by_cluster) < BORDERLINE:
            by_cluster[cid] = [copy]
    data.borderline = [ClusterView(cid, 0, copies, "borderline") for cid, copies in by_cluster.items()]

    # documents, second pass: the texts of the shown documents (and their shingles, for the figures)
    wanted = {v.cluster_id for v in data.largest + data.borderline}
    wanted |= {c.id for v in data.largest + data.borderline for c in v.copies}
    for row in iter_rows(base, "documents", PASS2_COLUMNS):
        if row["id"] not in wanted:
            continue
        text = row.get("text") or ""
        data.shingles[row["id"]] = shingle_hashes(
            hashing_form(text),
            unit=dedup.shingle_unit,
            size=dedup.shingle_size,
            char_size=dedup.char_shingle_size,
        )
        data.documents[row["id"]] = {k: row.get(k) for k in PASS2_COLUMNS}
    sizes = {v.cluster_id: v.size for v in data.largest}
    if data.borderline:
        for row in iter_rows(base, "clusters"):
            sizes.setdefault(str(row["cluster_id"]), int(row["size"]))
        for view in data.borderline:
            view.size = sizes.get(view.cluster_id, len(view.copies) + 1)

    # rejected records: counts by reason, the first few of each
    for row in iter_rows(base, "rejected"):
        reason = str(row.get("reason"))
        data.rejected_by_reason[reason] += 1
        data.rejected_stage.setdefault(reason, str(row.get("stage")))
        examples = data.rejected_examples.setdefault(reason, [])
        if len(examples) < EXAMPLES_PER_REASON:
            examples.append(row)
    return data


def pair_figures(data: ReportData, copy_id: str, canonical_id: str) -> dict[str, float | None]:
    """Jaccard similarity and containment (both ways) of a copy and its canonical, recomputed from their texts."""
    a, b = data.shingles.get(copy_id), data.shingles.get(canonical_id)
    if a is None or b is None or a.size == 0 or b.size == 0:
        return {"jaccard": None, "copy_in_canonical": None, "canonical_in_copy": None}
    return {
        "jaccard": jaccard(a, b),
        "copy_in_canonical": containment(a, b),
        "canonical_in_copy": containment(b, a),
    }


# ---------------------------------------------------------------------------------------------------------------
# Rendering
# ---------------------------------------------------------------------------------------------------------------


def esc(value: Any) -> str:
    """HTML-escape anything (quotes too: the result is safe in text and in attribute values)."""
    return html.escape("" if value is None else str(value), quote=True)


def _tokens(text: str) -> list[str]:
    return re.findall(r"\n|[^\s]+", text)


def word_diff(canonical: str, copy: str, *, limit: int = DIFF_TOKENS) -> tuple[str, str]:
    """Both texts as escaped HTML, words only in the canonical marked ``<del>``, words only in the copy
    ``<ins>`` (difflib at word level; paragraph breaks kept; at most ``limit`` words of each compared)."""
    a_all, b_all = _tokens(canonical), _tokens(copy)
    a, b = a_all[:limit], b_all[:limit]
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)

    def render(tokens: list[str], marked: Iterable[tuple[int, int]], tag: str, more: int) -> str:
        flags = [False] * len(tokens)
        for i1, i2 in marked:
            for i in range(i1, i2):
                flags[i] = True
        out: list[str] = []
        open_tag = False
        for token, flag in zip(tokens, flags, strict=True):
            if flag != open_tag:
                out.append(f"<{tag}>" if flag else f"</{tag}>")
                open_tag = flag
            out.append("<br>" if token == "\n" else esc(token) + " ")
        if open_tag:
            out.append(f"</{tag}>")
        if more:
            out.append(f'<span class="more">… {more} more words not compared</span>')
        return "".join(out)

    opcodes = matcher.get_opcodes()
    left = render(
        a,
        ((i1, i2) for op, i1, i2, _, _ in opcodes if op in ("delete", "replace")),
        "del",
        len(a_all) - len(a),
    )
    right = render(
        b,
        ((j1, j2) for op, _, _, j1, j2 in opcodes if op in ("insert", "replace")),
        "ins",
        len(b_all) - len(b),
    )
    return left, right


def _fmt(value: float | None, digits: int = 3) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def _link(url: Any) -> str:
    if isinstance(url, str) and re.match(r"https?://", url, re.IGNORECASE):
        return f'<a href="{esc(url)}" rel="noreferrer noopener">{esc(url)}</a>'
    return esc(url or "")


def _svg_open(plot_id: str, width: int, height: int) -> str:
    return (
        f'<svg class="plot" id="{plot_id}" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        'role="img">'
    )


def _y_title(title: str, y: float) -> str:
    return f'<text x="12" y="{y}" text-anchor="middle" transform="rotate(-90 12 {y})">{esc(title)}</text>'


def _empty_svg(plot_id: str, message: str, width: int = 640, height: int = 80) -> str:
    return (
        f'<svg class="plot" id="{plot_id}" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img"><text x="{width / 2}" y="{height / 2}" text-anchor="middle" class="muted">{esc(message)}</text>'
        "</svg>"
    )


COLORS = {
    "total": "#4c6a92",
    "rejected": "#c0504d",
    "skipped": "#9a9a9a",
    "documents": "#4c6a92",
    "duplicate": "#e0a030",
    "unique": "#5a9a5a",
    "near": "#e0a030",
    "contained": "#8064a2",
    "passage": "#4f81bd",
    "exact": "#c0504d",
}


def svg_funnel(steps: list[FunnelStep]) -> str:
    """Horizontal bars, one per funnel step, scaled to the records read."""
    width, left, bar_h, gap = 720, 190, 20, 6
    height = len(steps) * (bar_h + gap) + 10
    top = max((s.count for s in steps), default=0) or 1
    parts = [_svg_open("plot-funnel", width, height)]
    for i, step in enumerate(steps):
        y = 5 + i * (bar_h + gap)
        w = (width - left - 70) * step.count / top
        label = ("· " if step.indent else "") + step.label
        parts.append(
            f'<text x="{left - 8}" y="{y + 15}" text-anchor="end" class="{"sub" if step.indent else "step"}">'
            f"{esc(label)}</text>"
            f'<rect x="{left}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{COLORS[step.kind]}">'
            f"<title>{esc(step.label)}: {step.count}</title></rect>"
            f'<text x="{left + w + 6:.1f}" y="{y + 15}">{step.count}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def svg_bars(
    plot_id: str,
    labels: list[str],
    series: dict[str, list[int]],
    *,
    x_title: str,
    y_title: str,
    marks: Iterable[tuple[float, str]] = (),
    numeric_axis: bool = False,
    width: int = 720,
    height: int = 260,
) -> str:
    """A vertical (stacked) bar chart. ``marks`` are vertical lines at fractions of the x axis (thresholds).
    With ``numeric_axis`` the x axis is [0, 1] with ticks every 0.1, else each bar is labelled."""
    left, right, top_pad, bottom = 50, 15, 15, 45
    plot_w, plot_h = width - left - right, height - top_pad - bottom
    n = len(labels)
    totals = [sum(s[i] for s in series.values()) for i in range(n)]
    top = max(totals, default=0)
    if top == 0:
        return _empty_svg(plot_id, "nothing to show in this run", width, 80)
    bar_w = plot_w / n
    parts = [_svg_open(plot_id, width, height)]
    step = max(1, math.ceil(top / 4))
    top = step * math.ceil(top / step)
    for value in range(0, top + 1, step):
        y = top_pad + plot_h - plot_h * value / top
        parts.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>'
            f'<text x="{left - 5}" y="{y + 4:.1f}" text-anchor="end" class="tick">{value}</text>'
        )
    for i in range(n):
        y = top_pad + plot_h
        x = left + i * bar_w
        for name, values in series.items():
            v = values[i]
            if not v:
                continue
            h = plot_h * v / top
            y -= h
            parts.append(
                f'<rect x="{x + 1:.1f}" y="{y:.1f}" width="{max(bar_w - 2, 1):.1f}" height="{h:.1f}" '
                f'fill="{COLORS.get(name, "#4c6a92")}"><title>{esc(labels[i])}: {v} {esc(name)}</title></rect>'
            )
        if not numeric_axis:
            parts.append(
                f'<text x="{x + bar_w / 2:.1f}" y="{top_pad + plot_h + 14}" text-anchor="middle" class="tick">'
                f"{esc(labels[i])}</text>"
            )
    if numeric_axis:
        for t in range(11):
            x = left + plot_w * t / 10
            parts.append(
                f'<text x="{x:.1f}" y="{top_pad + plot_h + 14}" text-anchor="middle" class="tick">{t / 10:.1f}</text>'
            )
    for frac, label in marks:
        x = left + plot_w * frac
        parts.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top_pad}" y2="{top_pad + plot_h}" class="mark"/>'
            f'<text x="{x + 4:.1f}" y="{top_pad + 12}" class="marklabel">{esc(label)}</text>'
        )
    parts.append(
        f'<text x="{left + plot_w / 2}" y="{height - 8}" text-anchor="middle">{esc(x_title)}</text>'
        + _y_title(y_title, top_pad + plot_h / 2)
    )
    if len(series) > 1:
        for k, name in enumerate(series):
            x = left + 10 + k * 110
            parts.append(
                f'<rect x="{x}" y="{top_pad + 20}" width="10" height="10" fill="{COLORS.get(name, "#4c6a92")}"/>'
                f'<text x="{x + 14}" y="{top_pad + 29}" class="tick">{esc(name)}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)


def svg_s_curve(bands: int, rows: int, threshold: float) -> str:
    """P(candidate) = 1 - (1 - s^rows)^bands over s in [0, 1], with the threshold and the 50%/95% points."""
    width, height, left, right, top_pad, bottom = 720, 260, 50, 15, 15, 45
    plot_w, plot_h = width - left - right, height - top_pad - bottom

    def xy(s: float, p: float) -> tuple[float, float]:
        return left + plot_w * s, top_pad + plot_h * (1 - p)

    points = " ".join(
        "{:.1f},{:.1f}".format(*xy(i / 200, candidate_probability(i / 200, bands, rows))) for i in range(201)
    )
    parts = [_svg_open("plot-s-curve", width, height)]
    for t in range(11):
        x, _ = xy(t / 10, 0)
        parts.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top_pad}" y2="{top_pad + plot_h}" class="grid"/>'
            f'<text x="{x:.1f}" y="{top_pad + plot_h + 14}" text-anchor="middle" class="tick">{t / 10:.1f}</text>'
        )
    for t in range(5):
        _, y = xy(0, t / 4)
        parts.append(
            f'<text x="{left - 5}" y="{y + 4:.1f}" text-anchor="end" class="tick">{t / 4:.2f}</text>'
        )
    parts.append(
        f'<polyline points="{points}" class="curve"><title>{bands} bands x {rows} rows</title></polyline>'
    )
    x, _ = xy(threshold, 0)
    p_at = candidate_probability(threshold, bands, rows)
    parts.append(
        f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top_pad}" y2="{top_pad + plot_h}" class="mark"/>'
        f'<text x="{x + 4:.1f}" y="{top_pad + plot_h - 8}" class="marklabel">threshold {threshold:g}: '
        f"P = {p_at:.3f}</text>"
    )
    for p in (0.5, 0.95):
        s = (1.0 - (1.0 - p) ** (1.0 / bands)) ** (1.0 / rows)
        cx, cy = xy(s, p)
        parts.append(
            f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="4" class="point"><title>P = {p:g} at similarity {s:.3f}</title>'
            f'</circle><text x="{cx + 7:.1f}" y="{cy + 4:.1f}" class="tick">{p:.0%} at {s:.3f}</text>'
        )
    parts.append(
        f'<text x="{left + plot_w / 2}" y="{height - 8}" text-anchor="middle">Jaccard similarity of a pair</text>'
        + _y_title("P(candidate)", top_pad + plot_h / 2)
        + "</svg>"
    )
    return "".join(parts)


def svg_heatmap(names: list[str], matrix: list[list[int]]) -> str:
    """Copies by row source of canonicals from column source; colour on a log scale, counts in the cells."""
    if not names:
        return _empty_svg("plot-syndication", "no copies with their canonical in the documents output")
    cell, left, top_pad = 34, 230, 200
    width, height = left + cell * len(names) + 20, top_pad + cell * len(names) + 20
    peak = max((v for row in matrix for v in row), default=0) or 1
    parts = [_svg_open("plot-syndication", width, height)]
    for j, name in enumerate(names):
        x = left + j * cell + cell / 2
        parts.append(
            f'<text x="{x:.1f}" y="{top_pad - 6}" transform="rotate(-50 {x:.1f} {top_pad - 6})" class="tick">'
            f"{esc(name[:32])}</text>"
        )
    for i, name in enumerate(names):
        y = top_pad + i * cell
        parts.append(
            f'<text x="{left - 6}" y="{y + cell / 2 + 4:.1f}" text-anchor="end" class="tick">{esc(name[:36])}</text>'
        )
        for j, value in enumerate(matrix[i]):
            x = left + j * cell
            level = math.log1p(value) / math.log1p(peak) if value else 0.0
            fill = f"rgba(192, 80, 77, {0.08 + 0.92 * level:.3f})" if value else "#f4f4f4"
            parts.append(
                f'<rect x="{x}" y="{y}" width="{cell - 2}" height="{cell - 2}" fill="{fill}">'
                f"<title>{esc(name)} copied {esc(names[j])}: {value}</title></rect>"
            )
            if value:
                color = "#fff" if level > 0.6 else "#222"
                parts.append(
                    f'<text x="{x + (cell - 2) / 2:.1f}" y="{y + cell / 2 + 3:.1f}" text-anchor="middle" '
                    f'class="cellnum" fill="{color}">{value}</text>'
                )
    parts.append("</svg>")
    return "".join(parts)


def _table(
    table_id: str, header: list[str], rows: Iterable[list[str]], *, numeric: Iterable[int] | None = None
) -> str:
    """A table of already-escaped cells; the ``numeric`` columns (default: all but the first) right-aligned."""
    right = set(range(1, len(header)) if numeric is None else numeric)
    head = "".join(f"<th{' class=num' if i in right else ''}>{h}</th>" for i, h in enumerate(header))
    body = "".join(
        "<tr>"
        + "".join(f"<td{' class=num' if i in right else ''}>{c}</td>" for i, c in enumerate(row))
        + "</tr>"
        for row in rows
    )
    return f'<table id="{table_id}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _doc_head(doc: dict[str, Any], role: str) -> str:
    return (
        f'<div class="dochead"><span class="role">{esc(role)}</span> <b>{esc(document_source(doc))}</b> '
        f'<span class="muted">{esc(doc.get("published") or "")} · id {esc(doc.get("id"))}</span><br>'
        f'<span class="title">{esc(doc.get("title") or "(no title)")}</span><br>'
        f'<span class="url">{_link(doc.get("url"))}</span></div>'
    )


def render_cluster(data: ReportData, view: ClusterView) -> str:
    """One cluster: for each shown copy, the canonical and the copy side by side with the differences marked."""
    canonical = data.documents.get(view.cluster_id)
    title = esc((canonical or {}).get("title") or view.cluster_id)
    if view.why == "borderline":
        margins = [c.margin for c in view.copies if c.margin is not None]
        summary_line = f"closest to its threshold by {min((abs(m) for m in margins), default=0):.3f}"
    else:
        summary_line = f"{view.size} documents"
    parts = [
        f'<details class="cluster" {"open" if view is (data.largest + data.borderline)[0] else ""}>'
        f'<summary><b>{title}</b> <span class="muted">cluster {esc(view.cluster_id)} · size {view.size} · '
        f"{esc(summary_line)}</span></summary>"
    ]
    if canonical is None:
        parts.append('<p class="muted">The canonical is not in the documents output.</p></details>')
        return "".join(parts)
    for copy in view.copies:
        doc = data.documents.get(copy.id)
        if doc is None:
            continue
        fig = pair_figures(data, copy.id, view.cluster_id)
        threshold = data.threshold if copy.dup_type == "near" else data.containment_threshold
        left, right = word_diff(canonical.get("text") or "", doc.get("text") or "")
        parts.append(
            '<div class="pair"><div class="figures">'
            f'<span class="badge {esc(copy.dup_type)}">{esc(copy.dup_type)}</span> '
            f"recorded similarity <b>{_fmt(copy.similarity)}</b>"
            + (f" (threshold {threshold:g})" if copy.dup_type in ("near", "contained") else "")
            + f" · Jaccard {_fmt(fig['jaccard'])} · containment: copy in canonical {_fmt(fig['copy_in_canonical'])}, "
            f"canonical in copy {_fmt(fig['canonical_in_copy'])}</div>"
            f'<div class="side">{_doc_head(canonical, "canonical")}<div class="text">{left}</div></div>'
            f'<div class="side">{_doc_head(doc, "copy")}<div class="text">{right}</div></div></div>'
        )
    parts.append("</details>")
    return "".join(parts)


STYLE = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#222;margin:0;background:#fafafa}
header{background:#2f4058;color:#fff;padding:14px 24px}header h1{margin:0 0 4px;font-size:20px}
header .meta{opacity:.85}nav{padding:6px 24px;background:#e8ecf2}nav a{margin-right:14px;color:#2f4058}
main{padding:8px 24px 40px;max-width:1500px}section{background:#fff;border:1px solid #ddd;border-radius:6px;
padding:10px 16px 16px;margin:14px 0}h2{font-size:17px;margin:6px 0 10px}
table{border-collapse:collapse;margin:8px 0}th,td{border-bottom:1px solid #e4e4e4;padding:3px 10px;text-align:left;
vertical-align:top}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}th{background:#f2f4f7}
.muted{color:#777}.ok{color:#2e7d32;font-weight:bold}.bad{color:#c62828;font-weight:bold}
svg.plot{display:block;max-width:100%;height:auto;font-size:12px}svg .tick{font-size:11px;fill:#555}
svg .grid{stroke:#e6e6e6}svg .mark{stroke:#c62828;stroke-width:2;stroke-dasharray:5 3}
svg .marklabel{fill:#c62828;font-size:11px}svg .curve{fill:none;stroke:#2f4058;stroke-width:2.5}
svg .point{fill:#e0a030}svg .sub{fill:#666;font-size:11px}svg .cellnum{font-size:10px}svg .muted{fill:#777}
.row{display:flex;flex-wrap:wrap;gap:24px}.row>div{flex:1 1 480px;min-width:0}
details.cluster{border:1px solid #ddd;border-radius:5px;margin:8px 0;padding:4px 10px}
details.cluster summary{cursor:pointer;padding:4px 0}
.pair{display:grid;grid-template-columns:1fr 1fr;gap:10px;margin:8px 0 14px}.pair .figures{grid-column:1/3;
background:#f2f4f7;padding:4px 8px;border-radius:4px}.side{border:1px solid #e4e4e4;border-radius:4px;
padding:6px 8px;min-width:0}.text{max-height:340px;overflow:auto;font-size:13px;overflow-wrap:anywhere}
.dochead{border-bottom:1px solid #eee;margin-bottom:4px;padding-bottom:4px;overflow-wrap:anywhere}
.role{text-transform:uppercase;font-size:11px;color:#555}.title{font-style:italic}.url{font-size:12px}
del{background:#fbd3d0;text-decoration:line-through;text-decoration-color:#c62828}
ins{background:#cdeccf;text-decoration:none}.more{color:#777;font-style:italic}
.badge{display:inline-block;padding:0 6px;border-radius:8px;color:#fff;background:#777;font-size:12px}
.badge.near{background:#e0a030}.badge.contained{background:#8064a2}.badge.exact{background:#c0504d}
.badge.passage{background:#4f81bd}
code{background:#f2f4f7;padding:0 3px;border-radius:3px;overflow-wrap:anywhere}
"""

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"


def render_html(data: ReportData) -> str:
    """The report page: escaped text, inline style, inline SVG, no script."""
    s, rec, dd = data.summary, data.summary["reconciliation"], data.summary["dedup"]
    lsh = s.get("settings", {}).get("lsh", {})
    balanced = (
        '<span class="ok">reconciled</span>'
        if rec.get("balanced")
        else '<span class="bad">NOT reconciled</span>'
    )
    sections: list[str] = []

    funnel_rows = [
        [
            ("&nbsp;&nbsp;&nbsp;&nbsp;" * st.indent) + esc(st.label),
            str(st.count),
            f"{st.count / rec['records_read']:.1%}" if rec["records_read"] else "–",
        ]
        for st in data.funnel
    ]
    sections.append(
        '<section id="funnel"><h2>Funnel</h2><div class="row"><div>'
        + svg_funnel(data.funnel)
        + "</div><div>"
        + _table("table-funnel", ["step", "records", "of read"], funnel_rows)
        + f"<p>Counts {balanced}: records read {rec['records_read']} = documents written {rec['documents_written']}"
        f" + duplicates dropped {rec['duplicates_dropped']} + rejected {rec['rejected']}"
        f" + skipped {rec.get('skipped', 0)}.</p></div></div></section>"
    )

    ix = s.get("index")
    if ix:  # a scheduled run against a history index (pipeline/index.py)
        days = (
            f"{ix['days_matched']} days of it ({esc(ix['first_day_matched'])} to {esc(ix['last_day_matched'])})"
            if ix.get("days_matched")
            else "no earlier day (none published in the window)"
        )
        sections.append(
            f'<section id="history"><h2>History index</h2><p>Run date {esc(ix["run_date"])}, index '
            f"<code>{esc(ix['path'])}</code>, window {esc(ix['window'][0])} to {esc(ix['window'][1])}: matched "
            f"{days}; {ix['duplicates_of_history']} documents are copies of a document of an earlier day "
            f"(<code>first_seen</code>), {ix['history_keys_matched']} index keys matched, "
            f"{ix['history_probes']} historical documents verified. This run adds {ix['documents_added']} "
            f"documents ({ix['keys_added']} keys) once it is published.</p></section>"
        )

    stage_table = _table(
        "table-stages",
        ["stage", "seen", "kept", "dropped", "dropped by reason"],
        [
            [
                esc(r["stage"]),
                str(r["seen"]),
                "" if r["kept"] is None else str(r["kept"]),
                str(r["dropped"]),
                esc(", ".join(f"{k} {v}" for k, v in sorted(r["dropped_by_reason"].items()))),
            ]
            for r in stage_rows(s)
        ],
        numeric=(1, 2, 3),
    )
    sections.append(f'<section id="stages"><h2>Counts per stage</h2>{stage_table}</section>')

    size_labels = [b for b in SIZE_BIN_ORDER if data.cluster_sizes.get(b)]
    sections.append(
        '<section id="clusters"><h2>Cluster sizes</h2><div class="row"><div>'
        + svg_bars(
            "plot-cluster-sizes",
            size_labels,
            {"stories": [data.cluster_sizes[b] for b in size_labels]},
            x_title="documents in the story's cluster (1: a unique story)",
            y_title="stories",
        )
        + "</div><div>"
        + _table(
            "table-cluster-sizes",
            ["size", "stories"],
            [[esc(b), str(data.cluster_sizes[b])] for b in size_labels],
        )
        + f"<p>{data.clusters_total} clusters of two or more documents.</p></div></div></section>"
    )

    bins = [f"{i / SIM_BINS:.2f}–{(i + 1) / SIM_BINS:.2f}" for i in range(SIM_BINS)]
    hist = {k: v for k, v in data.similarity_hist.items() if any(v)}
    marks = [(data.threshold, f"threshold {data.threshold:g}")]
    if hist.get("contained"):
        marks.append((data.containment_threshold, f"containment {data.containment_threshold:g}"))
    sim_rows = [
        [
            esc(kind),
            str(sum(values)),
            _fmt(min((i / SIM_BINS for i, v in enumerate(values) if v), default=None), 2),
        ]
        for kind, values in hist.items()
    ]
    dropped_note = (
        "<p class=muted>Duplicates were dropped from this output (output.drop_duplicates): only the counts above "
        "know them.</p>"
        if rec.get("duplicates_dropped")
        else ""
    )
    sections.append(
        '<section id="similarity"><h2>Similarity of flagged copies to their canonical</h2>'
        + svg_bars(
            "plot-similarity",
            bins,
            hist or {"near": [0] * SIM_BINS},
            x_title="recorded similarity (Jaccard for near and exact copies, containment for excerpts)",
            y_title="copies",
            marks=marks,
            numeric_axis=True,
        )
        + _table("table-similarity", ["kind", "copies", "lowest bin from"], sim_rows)
        + dropped_note
        + "</section>"
    )

    if lsh:
        sections.append(
            '<section id="s-curve"><h2>LSH S-curve of this run</h2>'
            + svg_s_curve(int(lsh["bands"]), int(lsh["rows"]), float(lsh["threshold"]))
            + f"<p>{lsh['bands']} bands x {lsh['rows']} rows: a pair becomes a candidate with 50% chance at "
            f"similarity {lsh['similarity_at_50pct']} and 95% at {lsh['similarity_at_95pct']}. Pairs found by the "
            f"bands are then verified on their exact shingle sets.</p>"
            + _table(
                "table-s-curve",
                ["similarity", *[esc(k) for k in lsh.get("s_curve", {})]],
                [["P(candidate)", *[f"{v:.3f}" for v in lsh.get("s_curve", {}).values()]]],
            )
            + "</section>"
        )

    wire_rows = [[esc(w), str(n), str(c), str(n - c)] for w, n, c in data.wires]
    sections.append(
        '<section id="syndication"><h2>Who copies whom</h2><div class="row"><div>'
        + svg_heatmap(data.matrix_sources, data.matrix)
        + f'<p class="muted">Rows: the source of a copy; columns: the source of its canonical; {data.copies_matched} '
        "copies. Sources are the documents' <code>source</code> (the input's publisher or the URL's registered "
        "domain), else the site the page names.</p></div>"
        + '<div id="wires"><h2>Top wire agencies</h2>'
        + (
            _table("table-wires", ["agency", "documents", "copies", "originals"], wire_rows)
            if wire_rows
            else '<table id="table-wires"><tr><td class="muted">no wire credits found</td></tr></table>'
        )
        + '<p class="muted">By the dateline or credit in the text (<code>wire</code>).</p></div></div></section>'
    )

    for key, title, views in (
        ("largest", "Largest clusters", data.largest),
        ("borderline", "Borderline clusters (a copy closest to its threshold)", data.borderline),
    ):
        body = (
            "".join(render_cluster(data, v) for v in views) or '<p class="muted">No clusters in this run.</p>'
        )
        sections.append(
            f'<section id="{key}"><h2>{esc(title)}</h2><p class="muted">Canonical left, copy right; '
            "<del>struck</del> words only in the canonical, <ins>green</ins> words only in the copy. Jaccard and "
            f"containment recomputed from the texts {esc(data.settings_note)}.</p>{body}</section>"
        )

    reason_rows = [
        [esc(reason), esc(data.rejected_stage.get(reason, "")), str(n)]
        for reason, n in sorted(data.rejected_by_reason.items(), key=lambda kv: (-kv[1], kv[0]))
    ]
    example_rows = [
        [
            esc(reason),
            f"<code>{esc(r.get('origin'))}</code>",
            esc(r.get("id") or ""),
            _link(r.get("url")),
            esc(r.get("message")),
        ]
        for reason, rows in sorted(data.rejected_examples.items())
        for r in rows
    ]
    examples = (
        f"<h3>Examples (up to {EXAMPLES_PER_REASON} a reason)</h3>"
        + _table(
            "table-rejected-examples", ["reason", "origin", "id", "url", "message"], example_rows, numeric=()
        )
        if example_rows
        else ""
    )
    sections.append(
        '<section id="rejected"><h2>Rejected records</h2>'
        + _table("table-rejected", ["reason", "stage", "records"], reason_rows, numeric=(2,))
        + (examples or '<p class="muted">No record was rejected.</p>')
        + "</section>"
    )

    nav = "".join(
        f'<a href="#{i}">{t}</a>'
        for i, t in (
            ("funnel", "Funnel"),
            ("stages", "Stages"),
            ("clusters", "Cluster sizes"),
            ("similarity", "Similarity"),
            ("s-curve", "S-curve"),
            ("syndication", "Syndication"),
            ("largest", "Largest"),
            ("borderline", "Borderline"),
            ("rejected", "Rejected"),
        )
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>newsdedup report: {esc(s.get('job'))}</title><style>{STYLE}</style></head><body>"
        f'<header><h1>newsdedup run report: {esc(s.get("job"))}</h1><div class="meta">started {esc(s.get("started"))}'
        f" · {esc(s.get('wall_seconds'))} s on {esc(s.get('runner'))} · {rec['records_read']} records read · "
        f"{dd['documents']} documents · {dd['originals']} unique stories · threshold {data.threshold:g}</div></header>"
        f"<nav>{nav}</nav><main>{''.join(sections)}</main></body></html>\n"
    )


def write_report(base: str, *, dedup: DedupConfig | None = None, settings_note: str = "") -> str:
    """Build ``report.html`` from the outputs under ``base`` and write it there; returns its path."""
    data = collect(base, dedup=dedup, settings_note=settings_note)
    path = f"{base.rstrip('/')}/{REPORT_NAME}"
    with FileSystems.create(path, mime_type="text/html") as fh:
        fh.write(render_html(data).encode("utf-8"))
    return path


def add_parser(subparsers: Any) -> None:
    """``newsdedup report OUTPUT_DIR [--job JOB.yaml]``."""
    sp = subparsers.add_parser("report", help="(re)build report.html from a run's output folder")
    sp.add_argument(
        "output_dir", help="output folder of a finished run (local path or a Beam filesystem URL)"
    )
    sp.add_argument(
        "--job",
        help="the run's job file: its shingling and containment threshold are used to recompute the shown pairs' "
        "figures (default: the defaults)",
    )
    sp.add_argument(
        "--set", action="append", metavar="KEY=VALUE", help="override a job-file key (repeatable)"
    )


def cmd_report(args: argparse.Namespace) -> int:
    """Handler of ``newsdedup report``: 0 when written, 2 when the folder is not a run's output."""
    dedup, note = None, "with the default shingling (pass --job JOB.yaml to use the run's)"
    if args.job:
        try:
            job = load_job(args.job, list(args.set or []))
        except JobError as e:
            print(f"invalid job {args.job}:\n{e}", file=sys.stderr)
            return 2
        dedup, note = job.dedup, f"with the shingling of {os.path.basename(args.job)}"
    try:
        path = write_report(args.output_dir, dedup=dedup, settings_note=note)
    except FileNotFoundError as e:
        print(f"cannot build the report: {e}", file=sys.stderr)
        return 2
    print(f"report: {path}")
    return 0
