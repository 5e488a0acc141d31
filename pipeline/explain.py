"""``newsdedup explain JOB.yaml A B``: why two documents were or were not flagged as copies.

A and B are files (``.html``/``.htm``/``.txt``, cleaned as the run would clean them) or ids of documents in the
job's output. The report gives their similarity and containment, how many LSH bands they share and the chance of
that at their similarity, the verdict at the job's settings, and what the run itself decided when it has one.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
from typing import Any

import numpy as np

from pipeline.config import DedupConfig, Job, JobError
from transforms.clean import clean_record, make_settings
from transforms.lsh import (
    EDITED_MIN_FIGURES,
    EDITED_PLAIN_MARGIN,
    PASSAGE_LEDE_CONTAINMENT,
    band_keys,
    candidate_probability,
    edited_copy,
    figures_agree,
    lede_figures_carried,
    lede_keys,
    passage,
    verify,
)
from transforms.minhash import (
    estimated_jaccard,
    lede_form,
    section_ledes,
    sketch_of,
)
from transforms.normalize import display_text, figures, figures_and_lede_words, hashing_form
from transforms.read import detect_format, parse_file_record
from transforms.records import Document, Rejected, content_hash
from transforms.shingles import choose_unit, containment, jaccard, shingle_hashes, token_count


def load_document(ref: str, job: Job, run_dir: str) -> dict[str, Any]:
    """A document by file path (cleaned now) or by id (as the run wrote it). Raises JobError if neither."""
    if os.path.isfile(ref):
        kind = detect_format(ref)
        if kind not in ("html", "text"):
            raise JobError(f"{ref}: explain takes .html/.htm/.txt files or document ids")
        with open(ref, "rb") as fh:
            record = parse_file_record(fh.read(), ref, os.path.basename(ref), kind)
        if isinstance(record, Rejected):
            raise JobError(f"{ref}: {record.reason}: {record.message}")
        # cleaned exactly as a run cleans it (site templates are learned from a batch, so not applied here)
        doc = clean_record(record, settings=make_settings(**job.clean.transform_kwargs())).result
        if isinstance(doc, Rejected):
            raise JobError(f"{ref}: {doc.reason}: {doc.message}")
        return {"ref": ref, "document": doc, "run": None}
    for path in sorted(glob.glob(os.path.join(run_dir, "documents", "part-*.jsonl"))):
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                if f'"{ref}"' not in line:
                    continue
                row = json.loads(line)
                if row.get("id") == ref:
                    text = row["text"]
                    doc = Document(
                        id=row["id"],
                        origin=row["origin"],
                        url=row.get("url"),
                        source=row.get("source"),
                        title=row.get("title"),
                        published=row.get("published"),
                        author=row.get("author"),
                        credit=row.get("credit"),
                        site=row.get("site"),
                        text=text,
                        hash_text=hashing_form(display_text(text)),
                    )
                    return {"ref": ref, "document": doc, "run": row}
    raise JobError(f"{ref}: not a file, and no document with that id under {run_dir}/documents/")


def explain_pair(a: Document, b: Document, dedup: DedupConfig) -> dict[str, Any]:
    """Every figure that decides whether ``a`` and ``b`` are flagged, at the given settings."""
    bands, rows = dedup.resolved_bands_rows()
    kw = {"size": dedup.shingle_size, "char_size": dedup.char_shingle_size}
    sh_a = shingle_hashes(a.hash_text, unit=dedup.shingle_unit, **kw)
    sh_b = shingle_hashes(b.hash_text, unit=dedup.shingle_unit, **kw)
    tokens = (token_count(a.hash_text), token_count(b.hash_text))
    exact = content_hash(a.hash_text) == content_hash(b.hash_text)
    in_lsh = (
        tokens[0] >= dedup.min_tokens and sh_a.size > 0,
        tokens[1] >= dedup.min_tokens and sh_b.size > 0,
    )
    jac = jaccard(sh_a, sh_b)
    fig_a, fig_b = figures(a.text), figures(b.text)
    out: dict[str, Any] = {
        "settings": {
            "threshold": dedup.threshold,
            "containment_threshold": dedup.containment_threshold,
            "bands": bands,
            "rows": rows,
            "num_perm": dedup.num_perm,
        },
        "units": (choose_unit(a.hash_text), choose_unit(b.hash_text)),
        "tokens": tokens,
        "shingles": (int(sh_a.size), int(sh_b.size)),
        # of the canonicals a document is verified against, it joins the one it shares the most shingles with
        "shared_shingles": int(np.intersect1d(sh_a, sh_b).size),
        "exact": exact,
        "in_lsh": in_lsh,
        "jaccard": round(jac, 4),
        "containment_a_in_b": round(containment(sh_a, sh_b), 4),
        "containment_b_in_a": round(containment(sh_b, sh_a), 4),
        "candidate_probability": round(candidate_probability(jac, bands, rows), 4),
        "figures": (len(fig_a), len(fig_b)),
        "figures_shared": len(set(fig_a).intersection(fig_b)),
        "figures_agree": figures_agree(
            fig_a,
            fig_b,
            min_agreement=dedup.figure_agreement,
            lede_a=figures(a.text, lede_only=True),
            lede_b=figures(b.text, lede_only=True),
        ),
    }
    carried = passage(
        sh_a,
        sh_b,
        shingle_hashes(lede_form(a.hash_text, dedup.shingle_unit), unit=dedup.shingle_unit, **kw),
        shingle_hashes(lede_form(b.hash_text, dedup.shingle_unit), unit=dedup.shingle_unit, **kw),
        items_a=len(section_ledes(a.text)),
        items_b=len(section_ledes(b.text)),
        passage_threshold=dedup.passage_threshold,
        lede_containment=PASSAGE_LEDE_CONTAINMENT,
        min_contained=dedup.min_contained,
    )
    edited = edited_copy(
        sh_a,
        sh_b,
        fig_a,
        fig_b,
        containment_threshold=dedup.edited_containment,
        min_contained=dedup.min_contained,
    )
    if edited is not None:
        out["edited"] = {
            "relation": edited[0],
            "similarity": round(edited[1], 4),
            "container": "ab"[edited[2]],
        }
    if carried is not None:
        story, carrier = (a, b) if carried.side == 0 else (b, a)
        _, lede_figs, lede_words = figures_and_lede_words(story.text)
        out["passage"] = {
            "story": "ab"[carried.side],
            "share": round(carried.share, 4),
            "lede_share": round(carried.lede_share, 4),
            "figures_carried": lede_figures_carried(
                lede_figs,
                figures(carrier.text),
                min_agreement=dedup.figure_agreement,
                lede_share=carried.lede_share,
                lede_words=lede_words,
            ),
        }
    if all(in_lsh):
        # the sketches a run makes of the two documents: their signatures, body bands and lede bands
        sk_a, sk_b = (sketch_of(d, **dedup.minhash_kwargs()) for d in (a, b))
        sig_a, sig_b = (np.frombuffer(s.values, dtype="<u8") for s in (sk_a, sk_b))
        keys_a = band_keys(sig_a, bands=bands, rows=rows, fingerprint=sk_a.fingerprint)
        keys_b = band_keys(sig_b, bands=bands, rows=rows, fingerprint=sk_b.fingerprint)
        out["shared_bands"] = sum(1 for x, y in zip(keys_a, keys_b, strict=True) if x == y)
        lede = {"lede_bands": dedup.lede_bands, "lede_rows": dedup.lede_rows}
        out["shared_lede_bands"] = len(set(lede_keys(sk_a, **lede)) & set(lede_keys(sk_b, **lede)))
        out["estimated_jaccard"] = round(estimated_jaccard(sk_a.values, sk_b.values), 4)
    out["verdict"], out["why"] = _verdict(out, sh_a, sh_b, dedup)
    return out


def _verdict(fig: dict[str, Any], sh_a: np.ndarray, sh_b: np.ndarray, dedup: DedupConfig) -> tuple[str, str]:
    if fig["exact"]:
        return "exact", "the same hashing form: exact duplicates whatever their length"
    if not all(fig["in_lsh"]):
        short = [n for n, ok in zip("ab", fig["in_lsh"], strict=True) if not ok]
        return "not flagged", (
            f"document {' and '.join(short)} has fewer than min_tokens={dedup.min_tokens} tokens: "
            "too short for near-duplicate detection, only exact copies are found"
        )
    found = verify(
        sh_a,
        sh_b,
        threshold=dedup.threshold,
        containment_threshold=dedup.containment_threshold,
        min_contained=dedup.min_contained,
    )
    lsh = (
        f"they share {fig['shared_bands']} of {fig['settings']['bands']} LSH bands "
        f"(chance of at least one at their similarity: {fig['candidate_probability']:.0%}) "
        f"and {fig.get('shared_lede_bands', 0)} lede band keys"
    )
    passage_found = fig.get("passage")
    if passage_found and (found is None or not fig["figures_agree"]):
        # as a run does: a passage is judged when the words alone relate nothing, or relate texts whose figures
        # differ (a round-up item stops before most of its story's figures)
        p = passage_found
        story, carrier = p["story"], "b" if p["story"] == "a" else "a"
        if p["figures_carried"]:
            return "passage", (
                f"{carrier} carries {story}'s opening and {p['share']:.0%} of its shingles "
                f"(>= passage_threshold {dedup.passage_threshold}): a round-up or digest item; {lsh}"
            )
        if found is None:
            return "not flagged", (
                f"{carrier} carries {story}'s opening ({p['share']:.0%} of {story}) but not its opening figures: "
                "another story of the same template"
            )
    edited = ""
    if found is None and fig.get("edited"):
        e = fig["edited"]
        found = (e["relation"], e["similarity"], 0 if e["container"] == "a" else 1)
        inside = max(fig["containment_a_in_b"], fig["containment_b_in_a"])
        edited = (
            f" (an edited copy: below the threshold, but {inside:.0%} of the shorter is inside the other "
            f"(>= edited_containment {dedup.edited_containment}, {EDITED_PLAIN_MARGIN:g} more for a text stating fewer "
            f"than {EDITED_MIN_FIGURES} figures) and every figure it states is there too, one number word aside)"
        )
    if found is None:
        return "not flagged", (
            f"Jaccard {fig['jaccard']:.3f} < threshold {dedup.threshold}, and neither is an excerpt of the other "
            f"(containment {max(fig['containment_a_in_b'], fig['containment_b_in_a']):.3f}, needs "
            f">= {dedup.containment_threshold} and a text at most 80% of the other's length, or "
            f">= edited_containment {dedup.edited_containment} with every figure of the shorter in the other "
            "(one number word aside), "
            f"{EDITED_PLAIN_MARGIN:g} more when it states fewer than {EDITED_MIN_FIGURES}); {lsh}"
        )
    relation, sim, side = found
    if not fig["figures_agree"]:
        return "not flagged", (
            f"the words match ({relation}, {sim:.3f}) but the figures do not: {fig['figures_shared']} shared of "
            f"{min(fig['figures'])} (needs {dedup.figure_agreement:.0%}): a templated story with other numbers"
        )
    missed = (
        ""
        if fig["shared_bands"] or fig.get("shared_lede_bands")
        else " — but they share no band, so this run would not have compared them"
    )
    if relation == "near":
        if edited:
            return "near", f"Jaccard {sim:.3f}{edited}; {lsh}{missed}"
        return "near", f"Jaccard {sim:.3f} >= threshold {dedup.threshold}; {lsh}{missed}"
    inner = "b inside a" if side == 0 else "a inside b"
    if edited:
        return "contained", f"{sim:.0%} of {inner}{edited}; {lsh}{missed}"
    return "contained", f"an excerpt: {sim:.0%} of {inner} (>= {dedup.containment_threshold}); {lsh}{missed}"


def render(result: dict[str, Any], a: dict[str, Any], b: dict[str, Any]) -> str:
    lines = []
    for name, item in (("a", a), ("b", b)):
        doc: Document = item["document"]
        lines.append(
            f"{name}: {item['ref']}  [{doc.id}] {doc.title or '(no title)'} — {doc.source or '?'}, "
            f"{doc.published or 'undated'}"
        )
    r = result
    lines += [
        f"tokens        {r['tokens'][0]} / {r['tokens'][1]}   shingles {r['shingles'][0]} / {r['shingles'][1]}"
        f", {r['shared_shingles']} shared   ({r['units'][0]} / {r['units'][1]} n-grams)",
        f"jaccard       {r['jaccard']:.3f}"
        + (f"   (signature estimate {r['estimated_jaccard']:.3f})" if "estimated_jaccard" in r else ""),
        f"containment   a in b {r['containment_a_in_b']:.3f}   b in a {r['containment_b_in_a']:.3f}",
        f"figures       {r['figures'][0]} / {r['figures'][1]}, {r['figures_shared']} shared"
        + ("" if r["figures_agree"] else "  (they disagree)"),
    ]
    if "shared_bands" in r:
        s = r["settings"]
        lines.append(
            f"lsh           {r['shared_bands']} of {s['bands']} bands shared ({s['bands']} x {s['rows']}); "
            f"P(candidate) at this similarity {r['candidate_probability']:.3f}"
        )
    lines.append(f"verdict       {r['verdict'].upper()}: {r['why']}")
    runs = [(n, i["run"]) for n, i in (("a", a), ("b", b)) if i["run"]]
    for name, row in runs:
        flag = (
            f"duplicate of {row['duplicate_of']} ({row['dup_type']}, {row['similarity']})"
            if row.get("is_duplicate")
            else "not a duplicate"
        )
        lines.append(f"in the run    {name}: cluster {row['cluster_id']}, {flag}")
    if (
        len(runs) == 2
        and runs[0][1]["cluster_id"] != runs[1][1]["cluster_id"]
        and r["verdict"] != "not flagged"
    ):
        lines.append(
            "              different clusters: each copy joins, of the canonicals it is itself verified "
            "against, the one it shares the most shingles with; never a copy of a copy"
        )
    return "\n".join(lines)


def cmd_explain(args: argparse.Namespace, job: Job) -> int:
    run_dir = args.run or job.output.path
    a, b = load_document(args.a, job, run_dir), load_document(args.b, job, run_dir)
    result = explain_pair(a["document"], b["document"], job.dedup)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(render(result, a, b))
    return 0
