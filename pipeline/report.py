"""The run summary: counters per stage, the reconciliation of records in and out, and its text rendering."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from transforms.lsh import candidate_probability, similarity_at

# Stages whose counters follow seen == kept + sum(dropped:*).
BALANCED_STAGES = ("read", "clean", "ids", "verify")


def counters_from(result: Any) -> dict[str, dict[str, int]]:
    """``{namespace: {name: value}}`` from a pipeline result, summed over steps (committed values if known)."""
    out: dict[str, dict[str, int]] = defaultdict(dict)
    for metric in result.metrics().query()["counters"]:
        value = metric.committed if metric.committed is not None else metric.attempted
        ns, name = metric.key.metric.namespace, metric.key.metric.name
        out[ns][name] = out[ns].get(name, 0) + int(value or 0)
    return {ns: dict(sorted(names.items())) for ns, names in sorted(out.items())}


def stage_balance(counters: dict[str, dict[str, int]]) -> dict[str, bool]:
    """For each balanced stage present: does ``seen == kept + sum(dropped:*)`` hold?"""
    checks = {}
    for stage in BALANCED_STAGES:
        c = counters.get(stage)
        if not c:
            continue
        dropped = sum(v for k, v in c.items() if k.startswith("dropped:"))
        checks[stage] = c.get("seen", 0) == c.get("kept", 0) + dropped
    return checks


def reconcile(counters: dict[str, dict[str, int]]) -> dict[str, Any]:
    """records read = documents written + duplicates dropped + rejected, with rejected broken down by reason."""
    read = counters.get("read", {}).get("seen", 0)
    write = counters.get("write", {})
    docs, dropped, rejected = (
        write.get("documents", 0),
        write.get("dropped_duplicates", 0),
        write.get("rejected", 0),
    )
    by_reason: dict[str, int] = defaultdict(int)
    for stage in ("read", "clean", "ids"):
        for name, value in counters.get(stage, {}).items():
            if name.startswith("dropped:"):
                by_reason[name.removeprefix("dropped:")] += value
    balance = stage_balance(counters)
    return {
        "records_read": read,
        "documents_written": docs,
        "duplicates_dropped": dropped,
        "rejected": rejected,
        "rejected_by_reason": dict(sorted(by_reason.items())),
        "stages_balanced": balance,
        "balanced": read == docs + dropped + rejected
        and sum(by_reason.values()) == rejected
        and all(balance.values()),
    }


def dedup_figures(counters: dict[str, dict[str, int]]) -> dict[str, int]:
    d, c = counters.get("dedup", {}), counters.get("cluster", {})
    return {
        "documents": d.get("seen", 0),
        "exact_duplicates": d.get("exact_duplicates", 0),
        "near_duplicates": d.get("near_duplicates", 0),
        "contained_duplicates": d.get("contained_duplicates", 0),
        "originals": d.get("originals", 0),
        "too_short_for_lsh": counters.get("minhash", {}).get("too_short", 0),
        "candidate_pairs": counters.get("verify", {}).get("seen", 0),
        "verified_pairs": counters.get("verify", {}).get("kept", 0),
        "hot_buckets": counters.get("lsh", {}).get("hot_buckets", 0),
        "clusters": counters.get("write", {}).get("clusters", 0),
        "unresolved_nodes": c.get("unresolved", 0),
    }


def lsh_settings(*, bands: int, rows: int, threshold: float) -> dict[str, Any]:
    """Bands x rows, the similarities at 50% / 95% candidate chance, and the S-curve from 0.3 to 0.9."""
    return {
        "bands": bands,
        "rows": rows,
        "threshold": threshold,
        "similarity_at_50pct": round(similarity_at(0.5, bands, rows), 3),
        "similarity_at_95pct": round(similarity_at(0.95, bands, rows), 3),
        "s_curve": {
            f"{s / 10:.1f}": round(candidate_probability(s / 10, bands, rows), 3) for s in range(3, 10)
        },
    }


def render_summary(summary: dict[str, Any]) -> str:
    """The few lines a person reads at the end of a run."""
    rec = summary["reconciliation"]
    dd = summary["dedup"]
    lines = [
        f"job {summary['job']}: {rec['records_read']} records read in {summary['wall_seconds']:.1f}s "
        f"({summary['runner']})",
        f"  documents written  {rec['documents_written']}"
        + (f" (+{rec['duplicates_dropped']} duplicates dropped)" if rec["duplicates_dropped"] else ""),
        f"  exact duplicates   {dd['exact_duplicates']}",
        f"  near duplicates    {dd['near_duplicates']}",
        f"  excerpts           {dd['contained_duplicates']}",
        f"  clusters (2+)      {dd['clusters']}",
        f"  too short for LSH  {dd['too_short_for_lsh']}",
        f"  rejected           {rec['rejected']}"
        + (
            " (" + ", ".join(f"{k} {v}" for k, v in rec["rejected_by_reason"].items()) + ")"
            if rec["rejected"]
            else ""
        ),
        f"  reconciliation     {'ok' if rec['balanced'] else 'FAILED'}: read {rec['records_read']} = documents "
        f"{rec['documents_written']} + dropped {rec['duplicates_dropped']} + rejected {rec['rejected']}",
    ]
    lines.append("outputs:")
    lines += [f"  {name:<12} {path}" for name, path in summary["outputs"].items()]
    return "\n".join(lines)
