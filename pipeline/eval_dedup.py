"""``newsdedup eval dedup --gold GOLD --run OUTDIR``: score a run's duplicate flags against a benchmark's gold.

The gold is the ``gold.json`` of ``bench/make_syndication.py`` (format in bench/README.md): every document's
gold cluster, copy type and tier, and pairs of distinct stories whose texts are alike (hard negatives). The run
is a pipeline output folder; its ``documents/part-*`` give each document's ``cluster_id`` and
``duplicate_of``. Documents are matched by URL. A gold document missing from the run (rejected, or dropped as
a duplicate by ``output.drop_duplicates``) counts as missed: it is a cluster of its own.

Figures, all computed from counts (no loop over pairs of documents):

- **pairwise after clustering**: pairs of documents in one predicted cluster against pairs in one gold
  cluster, counted from the contingency table of (gold cluster, predicted cluster) sizes;
- **raw edges**: every duplicate's ``duplicate_of`` edge is right when both ends are in one gold cluster;
  precision = right edges / edges, recall = right edges / sum over gold clusters of (size - 1);
- **adjusted Rand index** over the two partitions (Hubert and Arabie), in exact integer arithmetic;
- **recall per copy type and per tier**: a copy is found when the run puts it in one cluster with its story's
  wire document (a natural duplicate: with its gold cluster's original);
- **hard negatives**: the share of hard-negative pairs the run keeps apart, overall and per kind;
- **related stories** (a wire rewrite of its own story, a text inside a digest): in different gold clusters, so
  joining them counts against pairwise precision; how many pairs that is, and the precision without them, are
  reported too;
- the largest predicted and gold clusters, and the worst merges and misses as examples.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from fractions import Fraction
from typing import Any, NamedTuple, TypeVar

from pipeline.report import iter_rows, part_paths

EXIT_OK, EXIT_BAD_INPUT = 0, 2
G = TypeVar("G", bound=Hashable)
P = TypeVar("P", bound=Hashable)
WIRE_TYPES = ("original", "natural_dup")


def pairs_of(n: int) -> int:
    """Unordered pairs among ``n`` items."""
    return n * (n - 1) // 2


# ---------------------------------------------------------------------------------------------------------------
# Partition metrics
# ---------------------------------------------------------------------------------------------------------------


class PairScores(NamedTuple):
    """Pair counts of a predicted partition against a gold one."""

    true_positive: int  # pairs together in both
    predicted: int  # pairs together in the prediction
    gold: int  # pairs together in the gold

    @property
    def precision(self) -> float:
        return self.true_positive / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return self.true_positive / self.gold if self.gold else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "precision": round(self.precision, 6),
            "recall": round(self.recall, 6),
            "f1": round(self.f1, 6),
            "true_positive_pairs": self.true_positive,
            "predicted_pairs": self.predicted,
            "gold_pairs": self.gold,
        }


def contingency(gold: Sequence[G], pred: Sequence[P]) -> Counter[tuple[G, P]]:
    """Counts of (gold label, predicted label) over aligned label sequences."""
    if len(gold) != len(pred):
        raise ValueError(f"label sequences differ in length: {len(gold)} gold, {len(pred)} predicted")
    return Counter(zip(gold, pred, strict=True))


def _sums(table: Mapping[tuple[Hashable, Hashable], int]) -> tuple[int, int, int, int]:
    """(n, sum of C(n_ij,2), sum over gold clusters of C(a_i,2), sum over predicted clusters of C(b_j,2))."""
    rows: Counter[Hashable] = Counter()
    cols: Counter[Hashable] = Counter()
    both = 0
    for (g, p), n in table.items():
        rows[g] += n
        cols[p] += n
        both += pairs_of(n)
    n_total = sum(rows.values())
    return n_total, both, sum(map(pairs_of, rows.values())), sum(map(pairs_of, cols.values()))


def pair_scores(gold: Sequence[Hashable], pred: Sequence[Hashable]) -> PairScores:
    """Pairwise precision/recall of clusters, from the contingency table (linear in the number of documents)."""
    _, both, gold_pairs, pred_pairs = _sums(contingency(gold, pred))
    return PairScores(true_positive=both, predicted=pred_pairs, gold=gold_pairs)


def adjusted_rand_index(gold: Sequence[Hashable], pred: Sequence[Hashable]) -> float:
    """Adjusted Rand index (Hubert and Arabie 1985), exact: integer sums, one division at the end.

    ``ARI = (index - expected) / (max - expected)`` with ``index = sum C(n_ij,2)``, ``expected = A*B/C(n,2)``,
    ``max = (A+B)/2``; both sides are multiplied by ``2*C(n,2)`` so that everything stays an integer. When the
    denominator is 0 the two partitions are the same trivial one (all singletons, or one cluster) and the index
    is 1.0, as scikit-learn defines it.
    """
    n, both, a, b = _sums(contingency(gold, pred))
    n2 = pairs_of(n)
    numerator = 2 * n2 * both - 2 * a * b
    denominator = n2 * (a + b) - 2 * a * b
    if denominator == 0:
        return 1.0
    return float(Fraction(numerator, denominator))


# ---------------------------------------------------------------------------------------------------------------
# Gold and run
# ---------------------------------------------------------------------------------------------------------------


class RunDoc(NamedTuple):
    """What scoring needs of one output document."""

    url: str
    id: str
    cluster_id: str
    duplicate_of: str | None
    dup_type: str | None
    similarity: float | None


def load_gold(path: str) -> dict[str, Any]:
    with open(path, encoding="utf-8") as fh:
        gold: dict[str, Any] = json.load(fh)
    if not isinstance(gold.get("documents"), dict):
        raise ValueError(f"{path}: no `documents` object (not a syndication gold file)")
    return gold


RUN_COLUMNS = ["url", "id", "cluster_id", "duplicate_of", "dup_type", "similarity"]


def load_run(run_dir: str) -> list[RunDoc]:
    """The documents a run wrote (``documents/part-*.jsonl`` or ``.parquet``)."""
    if not part_paths(run_dir, "documents"):
        raise FileNotFoundError(f"no documents/part-*.jsonl or .parquet under {run_dir}")
    docs = []
    for row in iter_rows(run_dir, "documents", RUN_COLUMNS):
        docs.append(
            RunDoc(
                url=row.get("url") or "",
                id=str(row["id"]),
                cluster_id=str(row.get("cluster_id") or row["id"]),
                duplicate_of=row.get("duplicate_of"),
                dup_type=row.get("dup_type"),
                similarity=row.get("similarity"),
            )
        )
    return docs


# ---------------------------------------------------------------------------------------------------------------
# Scoring
# ---------------------------------------------------------------------------------------------------------------


def _rate(hit: int, total: int) -> float | None:
    return round(hit / total, 6) if total else None


def _reference_urls(documents: Mapping[str, Mapping[str, Any]]) -> dict[str, str]:
    """For every non-original gold document, the document it must be found with: its story's wire document,
    or for a natural duplicate its gold cluster's original."""
    wire_of_story: dict[Any, str] = {}
    original_of_cluster: dict[str, str] = {}
    for url, entry in documents.items():
        if entry.get("copy_type") in WIRE_TYPES:
            wire_of_story[entry.get("story")] = url
        if entry.get("copy_type") == "original":
            original_of_cluster[entry["cluster"]] = url
    refs = {}
    for url, entry in documents.items():
        kind = entry.get("copy_type")
        if kind == "original":
            continue
        ref = original_of_cluster.get(entry["cluster"]) if kind == "natural_dup" else None
        ref = ref or wire_of_story.get(entry.get("story")) or original_of_cluster.get(entry["cluster"])
        if ref and ref != url:
            refs[url] = ref
    return refs


def _pair_list(raw: Iterable[Sequence[Any]]) -> list[tuple[str, str, dict[str, Any]]]:
    out = []
    for item in raw:
        info = item[2] if len(item) > 2 and isinstance(item[2], dict) else {}
        out.append((str(item[0]), str(item[1]), info))
    return out


def score(gold: Mapping[str, Any], run: Sequence[RunDoc], *, examples: int = 5) -> dict[str, Any]:
    """Every figure of the report, as a JSON-ready dict."""
    documents: Mapping[str, Mapping[str, Any]] = gold["documents"]
    urls = sorted(documents)
    by_url: dict[str, RunDoc] = {}
    duplicate_urls = 0
    for run_doc in run:
        if run_doc.url in by_url:
            duplicate_urls += 1
            continue
        by_url[run_doc.url] = run_doc
    url_of_id = {doc.id: doc.url for doc in run}
    missing = [u for u in urls if u not in by_url]
    unknown = sum(1 for u in by_url if u not in documents)

    gold_labels = [documents[u]["cluster"] for u in urls]
    pred_labels = [by_url[u].cluster_id if u in by_url else f"missing:{u}" for u in urls]
    pred_of = dict(zip(urls, pred_labels, strict=True))
    clustered = pair_scores(gold_labels, pred_labels)
    ari = adjusted_rand_index(gold_labels, pred_labels)

    # raw edges
    gold_sizes = Counter(gold_labels)
    edges = right = 0
    wrong_edges: list[dict[str, Any]] = []
    for u in urls:
        doc = by_url.get(u)
        if doc is None or not doc.duplicate_of:
            continue
        edges += 1
        target = url_of_id.get(doc.duplicate_of)
        if (
            target is not None
            and target in documents
            and documents[target]["cluster"] == documents[u]["cluster"]
        ):
            right += 1
        elif len(wrong_edges) < examples:
            wrong_edges.append(
                {
                    "url": u,
                    "duplicate_of": target,
                    "dup_type": doc.dup_type,
                    "similarity": doc.similarity,
                    "copy_type": documents[u].get("copy_type"),
                    "target_copy_type": (
                        documents[target].get("copy_type")
                        if target is not None and target in documents
                        else None
                    ),
                }
            )
    needed = sum(size - 1 for size in gold_sizes.values())
    raw_edges = {
        "precision": _rate(right, edges) if edges else 1.0,
        "recall": _rate(right, needed) if needed else 1.0,
        "edges": edges,
        "right_edges": right,
        "gold_edges": needed,
    }
    p, r = raw_edges["precision"] or 0.0, raw_edges["recall"] or 0.0
    raw_edges["f1"] = round(2 * p * r / (p + r), 6) if p + r else 0.0

    # recall per copy type and tier
    refs = _reference_urls(documents)
    by_type: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # found, total, missing from run
    by_tier: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    missed_examples: dict[str, list[str]] = defaultdict(list)
    for u, ref in refs.items():
        entry = documents[u]
        found = u in by_url and ref in by_url and pred_of[u] == pred_of[ref]
        for table, key in ((by_type, entry.get("copy_type")), (by_tier, entry.get("tier"))):
            row = table[str(key)]
            row[0] += found
            row[1] += 1
            row[2] += u not in by_url
        if not found and len(missed_examples[str(entry.get("copy_type"))]) < examples:
            missed_examples[str(entry.get("copy_type"))].append(u)

    def recall_table(table: Mapping[str, list[int]]) -> dict[str, Any]:
        return {
            k: {"recall": _rate(v[0], v[1]), "found": v[0], "copies": v[1], "missing_from_run": v[2]}
            for k, v in sorted(table.items())
        }

    # hard negatives and related pairs
    def apart_table(pairs: list[tuple[str, str, dict[str, Any]]]) -> dict[str, Any]:
        kinds: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        merged_examples: list[dict[str, Any]] = []
        for a, b, info in pairs:
            together = a in by_url and b in by_url and pred_of[a] == pred_of[b]
            for key in ("all", str(info.get("kind", "unknown"))):
                kinds[key][0] += not together
                kinds[key][1] += 1
            if together and len(merged_examples) < examples:
                merged_examples.append({"a": a, "b": b, **info})
        return {
            "precision": _rate(kinds["all"][0], kinds["all"][1]) if pairs else None,
            "pairs": len(pairs),
            "kept_apart": kinds["all"][0] if pairs else 0,
            "by_kind": {
                k: {"precision": _rate(v[0], v[1]), "kept_apart": v[0], "pairs": v[1]}
                for k, v in sorted(kinds.items())
                if k != "all"
            },
            "merged_examples": merged_examples,
        }

    hard = apart_table(_pair_list(gold.get("hard_negative_pairs", [])))
    related = apart_table(_pair_list(gold.get("related_pairs", [])))

    # cluster sizes and worst merges
    pred_sizes = Counter(pred_labels)
    mixed: dict[str, Counter[str]] = defaultdict(Counter)
    for (g, pr), n in contingency(gold_labels, pred_labels).items():
        mixed[pr][g] = n
    false_pairs = {
        pr: pairs_of(sum(parts.values())) - sum(map(pairs_of, parts.values()))
        for pr, parts in mixed.items()
        if len(parts) > 1
    }
    # predicted pairs that join two gold clusters listed as related (a wire rewrite and its copies): wrong for
    # the gold, but not a clear error; reported, and a precision without them
    related_of: dict[str, set[str]] = defaultdict(set)
    for a, b, _ in _pair_list(gold.get("related_pairs", [])):
        if a in documents and b in documents and documents[a]["cluster"] != documents[b]["cluster"]:
            related_of[documents[a]["cluster"]].add(documents[b]["cluster"])
            related_of[documents[b]["cluster"]].add(documents[a]["cluster"])
    related_joined = 0
    for pr in false_pairs:
        parts = mixed[pr]
        for g, n in parts.items():
            related_joined += sum(n * parts[h] for h in related_of.get(g, ()) if h in parts and g < h)
    pairwise = clustered.as_dict()
    pairwise["pairs_joining_related_stories"] = related_joined
    kept = clustered.predicted - related_joined
    pairwise["precision_without_related"] = round(clustered.true_positive / kept, 6) if kept else 1.0
    worst = sorted(false_pairs.items(), key=lambda kv: (-kv[1], kv[0]))[:examples]
    members: dict[str, list[str]] = defaultdict(list)
    wanted = {pr for pr, _ in worst}
    for u, pr in zip(urls, pred_labels, strict=True):
        if pr in wanted:
            members[pr].append(u)
    worst_merges = [
        {
            "cluster_id": pr,
            "size": pred_sizes[pr],
            "gold_clusters": len(mixed[pr]),
            "false_pairs": fp,
            "members": [
                {"url": u, "cluster": documents[u]["cluster"], "copy_type": documents[u].get("copy_type")}
                for u in members[pr][:12]
            ],
        }
        for pr, fp in worst
    ]
    largest_pred = max(pred_sizes.values(), default=0)
    largest_gold = max(gold_sizes.values(), default=0)
    return {
        "documents": {
            "gold": len(urls),
            "run": len(run),
            "missing_from_run": len(missing),
            "run_not_in_gold": unknown,
            "repeated_urls_in_run": duplicate_urls,
        },
        "clusters": {
            "gold": len(gold_sizes),
            "predicted": len(pred_sizes),
            "largest_gold": largest_gold,
            "largest_predicted": largest_pred,
            "predicted_mixing_gold_clusters": len(false_pairs),
        },
        "pairwise": pairwise,
        "raw_edges": raw_edges,
        "ari": round(ari, 6),
        "recall_by_copy_type": recall_table(by_type),
        "recall_by_tier": recall_table(by_tier),
        "hard_negatives": hard,
        "related_pairs": related,
        "examples": {
            "worst_merges": worst_merges,
            "wrong_edges": wrong_edges,
            "missed": dict(sorted(missed_examples.items())),
            "missing_from_run": missing[:examples],
        },
    }


# ---------------------------------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------------------------------


def _fmt(value: float | None) -> str:
    return "  n/a" if value is None else f"{value:.4f}"


def render(result: Mapping[str, Any]) -> str:
    d, c = result["documents"], result["clusters"]
    pw, edges, hard = result["pairwise"], result["raw_edges"], result["hard_negatives"]
    lines = [
        f"documents: {d['gold']} in gold, {d['run']} in run, {d['missing_from_run']} gold documents missing from "
        f"the run (counted as missed), {d['run_not_in_gold']} run documents not in gold",
        f"pairwise after clustering: precision {_fmt(pw['precision'])}  recall {_fmt(pw['recall'])}  "
        f"F1 {_fmt(pw['f1'])}  ({pw['true_positive_pairs']} of {pw['predicted_pairs']} predicted pairs right, "
        f"{pw['gold_pairs']} gold pairs"
        + (
            f"; precision {_fmt(pw['precision_without_related'])} without the {pw['pairs_joining_related_stories']} "
            "pairs that join related stories)"
            if pw["pairs_joining_related_stories"]
            else ")"
        ),
        f"raw duplicate_of edges:    precision {_fmt(edges['precision'])}  recall {_fmt(edges['recall'])}  "
        f"F1 {_fmt(edges['f1'])}  ({edges['right_edges']} of {edges['edges']} edges right, "
        f"{edges['gold_edges']} needed)",
        f"adjusted Rand index: {result['ari']:.4f}",
        f"hard negatives kept apart: {_fmt(hard['precision'])} ({hard['kept_apart']} of {hard['pairs']} pairs)"
        + "".join(
            f"; {k} {_fmt(v['precision'])} ({v['kept_apart']}/{v['pairs']})"
            for k, v in hard["by_kind"].items()
        ),
        f"clusters: {c['gold']} gold, {c['predicted']} predicted; largest gold {c['largest_gold']}, largest "
        f"predicted {c['largest_predicted']}; {c['predicted_mixing_gold_clusters']} predicted clusters mix "
        f"gold clusters",
    ]
    related = result["related_pairs"]
    if related["pairs"]:
        lines.append(
            f"related pairs (rewrites of one event, not gold duplicates): {related['pairs'] - related['kept_apart']}"
            f" of {related['pairs']} merged"
        )
    for title, key in (("copy type", "recall_by_copy_type"), ("tier", "recall_by_tier")):
        lines.append(f"recall by {title}:")
        for name, row in result[key].items():
            lines.append(
                f"  {name:<14} {_fmt(row['recall'])}  ({row['found']}/{row['copies']}"
                + (f", {row['missing_from_run']} missing from run" if row["missing_from_run"] else "")
                + ")"
            )
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    """The ``newsdedup eval dedup`` handler."""
    try:
        gold = load_gold(args.gold)
        docs = load_run(args.run)
    except (OSError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_BAD_INPUT
    result = score(gold, docs, examples=args.examples)
    result["inputs"] = {"gold": args.gold, "run": args.run, "gold_settings": gold.get("settings", {})}
    print(render(result))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(result, fh, indent=1)
            fh.write("\n")
    return EXIT_OK


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``dedup`` under ``newsdedup eval``; its handler is set with ``set_defaults(handler=...)``."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "dedup", help="score a run's duplicate flags against a syndication benchmark's gold.json"
    )
    parser.add_argument("--gold", required=True, help="gold.json of bench/make_syndication.py")
    parser.add_argument("--run", required=True, help="the run's output folder (holding documents/)")
    parser.add_argument("--json", help="also write every figure as JSON here")
    parser.add_argument("--examples", type=int, default=5, help="examples of merges and misses to keep")
    parser.set_defaults(handler=run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m pipeline.eval_dedup dedup --gold ... --run ...`` (the same as ``newsdedup eval dedup``)."""
    ap = argparse.ArgumentParser(prog="newsdedup eval")
    add_parser(ap.add_subparsers(dest="evaluation", required=True))
    args = ap.parse_args(argv)
    return int(args.handler(args))


if __name__ == "__main__":
    sys.exit(main())
