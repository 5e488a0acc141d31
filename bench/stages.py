"""Measurement 4: where a document's time goes, stage by stage.

Each stage's own function (what the Beam stage's DoFn calls) runs over the corpus in one process, timed in CPU
seconds: read (a JSON line to a record), learn templates, clean (chrome rules and metadata), normalize (display
text and hashing form), shingle, signature (body and lede), figures, LSH (band keys, buckets), verify, cluster
(canonical ranks, each copy to its best-ranked verified neighbour), write (a record to its JSON line). What the
pipeline spends beyond their sum (its CPU seconds, all processes, less the stages') is Beam's: encoding elements,
shuffles, bundles.
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from transforms.boilerplate import document_lines
from transforms.clean import clean_record
from transforms.cluster import canonical_rank
from transforms.lsh import band_keys, bucket_pairs, figures_agree, verify
from transforms.minhash import minhash_template, settings_fingerprint, signature, sketch_shingles
from transforms.normalize import display_text, figures_and_lede_words, hashing_form
from transforms.read import parse_json_record
from transforms.records import Document, to_json

STAGES = (
    "read",
    "learn_templates",
    "clean",
    "normalize",
    "shingle",
    "signature",
    "figures",
    "lsh",
    "verify",
    "cluster",
    "write",
)


def profile(dump: Path, *, limit: int | None = None, bands: int = 42, rows: int = 3) -> dict[str, Any]:
    """CPU seconds per stage over the first ``limit`` documents of ``dump``, with the job's default settings."""
    cpu: dict[str, float] = defaultdict(float)

    def timed(stage: str, fn: Callable[[], Any]) -> Any:
        t0 = time.process_time()
        out = fn()
        cpu[stage] += time.process_time() - t0
        return out

    lines = dump.read_text(encoding="utf-8").splitlines()[:limit]
    records = timed(
        "read", lambda: [parse_json_record(line, f"{dump}:{i + 1}") for i, line in enumerate(lines)]
    )
    records = [r for r in records if not hasattr(r, "reason")]
    timed("learn_templates", lambda: [document_lines(r.body) for r in records])
    docs: list[Document] = [
        d
        for d in timed("clean", lambda: [clean_record(r).result for r in records])
        if isinstance(d, Document)
    ]
    # clean_record made both text forms; they are timed again alone and moved from clean to normalize.
    t_norm = timed("normalize", lambda: [hashing_form(display_text(d.text)) for d in docs])
    del t_norm
    cpu["clean"] = max(0.0, cpu["clean"] - cpu["normalize"])
    kw = dict(unit="auto", size=3, char_size=5, min_tokens=20, lede=True)
    shingled = timed("shingle", lambda: [sketch_shingles(d.hash_text, **kw) for d in docs])  # type: ignore[arg-type]
    body, lede = minhash_template(128, 1), minhash_template(30, 2)

    def sign() -> list[np.ndarray | None]:
        out: list[np.ndarray | None] = []
        for s in shingled:
            if s is None:
                out.append(None)
                continue
            if s[1].size:
                signature(s[1], lede)
            out.append(signature(s[0], body))
        return out

    sigs = timed("signature", sign)
    figs = timed("figures", lambda: [figures_and_lede_words(d.text) for d in docs])
    fp = settings_fingerprint(unit="auto", size=3, char_size=5, num_perm=128, seed=1, lede_perm=30)

    def lsh() -> set[tuple[int, int]]:
        buckets: dict[bytes, list[int]] = defaultdict(list)
        for i, sig in enumerate(sigs):
            if sig is not None:
                for key in band_keys(sig, bands=bands, rows=rows, fingerprint=fp):
                    buckets[key].append(i)
        pairs: set[tuple[int, int]] = set()
        for members in buckets.values():
            if len(members) > 1:
                pairs.update((int(a), int(b)) for a, b in bucket_pairs(map(str, members), all_pairs_limit=16))
        return pairs

    pairs = timed("lsh", lsh)

    def verify_all() -> list[tuple[int, int, float]]:
        edges = []
        for a, b in pairs:
            sa, sb = shingled[a], shingled[b]
            assert sa is not None and sb is not None
            found = verify(sa[0], sb[0], threshold=0.5, containment_threshold=0.7, min_contained=25)
            if found and figures_agree(
                figs[a][0], figs[b][0], min_agreement=0.6, lede_a=figs[a][1], lede_b=figs[b][1]
            ):
                edges.append((a, b, found[1]))
        return edges

    edges = timed("verify", verify_all)
    order = ("earliest", "wire_first", "source_priority", "longest")

    def cluster() -> dict[int, int]:
        ranks = [
            canonical_rank(
                doc_id=d.id, published=d.published, source=d.source, length=len(d.text), order=order
            )
            for d in docs
        ]
        best: dict[int, int] = {}
        for a, b, _ in edges:
            lo, hi = (a, b) if ranks[a] < ranks[b] else (b, a)
            if hi not in best or ranks[lo] < ranks[best[hi]]:
                best[hi] = lo
        return best

    timed("cluster", cluster)
    timed("write", lambda: [to_json(d) for d in docs])
    total = sum(cpu.values())
    return {
        "documents": len(docs),
        "candidate_pairs": len(pairs),
        "verified_edges": len(edges),
        "cpu_seconds": {s: round(cpu[s], 3) for s in STAGES},
        "total_cpu_seconds": round(total, 3),
        "us_per_document": {s: round(1e6 * cpu[s] / max(1, len(docs)), 1) for s in STAGES},
    }


if __name__ == "__main__":
    import sys

    print(
        json.dumps(
            profile(Path(sys.argv[1]), limit=int(sys.argv[2]) if len(sys.argv) > 2 else None), indent=1
        )
    )
