#!/usr/bin/env python3
"""Consistency check of the bundled sample dump (data/sample) against its gold file. Standard library only.

    python tests/data/sample_gold_check.py

Checks that:
  * every record of every input file (each non-blank line of a .jsonl/.jsonl.gz file, each .html/.htm/.txt file)
    appears in gold.json exactly once, and gold.json names no record that does not exist;
  * each gold entry is well-formed and agrees with what the raw record visibly is (e.g. an `invalid_json` line
    does not parse, a `binary_content` file starts with an image signature, a document has a url and content);
  * stories and relations hang together (one original per multi-document story, unique for singletons,
    templated pairs point at each other);
  * the seed document is byte-for-byte the shared seed (when ../shared is present);
  * generate.py is deterministic: two runs into fresh directories give byte-identical files, equal to the files
    in data/sample;
  * the counts block in data/sample/README.md is the one generate.py prints;
  * data/sample stays small.
Exits non-zero with a list of problems on failure.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SAMPLE = os.path.join(ROOT, "data", "sample")
GENERATOR = os.path.join(SAMPLE, "generate.py")
NOT_INPUTS = {"generate.py", "README.md", "gold.json"}
SEED_REL = "dumps/chinanews/000_d61b9ddc0bd3fe74.txt"
SEED_SHARED = os.path.join(ROOT, "..", "shared", "seeds", "000_d61b9ddc0bd3fe74.txt")
REASONS = {
    "invalid_json",
    "not_an_object",
    "missing_field",
    "missing_content",
    "wrong_type",
    "bad_date",
    "no_text",
    "binary_content",
}
RELATIONS = {"original", "exact", "near", "unique"}
MAX_BYTES = 400 * 1024
IMAGE_MAGIC = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8")

problems: list[str] = []


def fail(msg: str) -> None:
    problems.append(msg)


def walk(top: str) -> list[str]:
    out = []
    for d, dirs, files in os.walk(top):
        dirs[:] = sorted(x for x in dirs if x != "__pycache__")
        out += [os.path.relpath(os.path.join(d, f), top).replace(os.sep, "/") for f in sorted(files)]
    return out


def jsonl_lines(path: str) -> list[str]:
    with open(path, "rb") as fh:
        data = fh.read()
    if path.endswith(".gz"):
        data = gzip.decompress(data)
    return data.decode("utf-8").split("\n")


def input_records() -> dict[str, tuple[str, object]]:
    """origin -> (kind, raw) for every record in data/sample."""
    recs: dict[str, tuple[str, object]] = {}
    for rel in walk(SAMPLE):
        if rel in NOT_INPUTS:
            continue
        path = os.path.join(SAMPLE, rel)
        if rel.endswith((".jsonl", ".jsonl.gz")):
            for n, line in enumerate(jsonl_lines(path), 1):
                if line.strip():
                    recs[f"{rel}:{n}"] = ("jsonl", line)
        elif rel.endswith((".html", ".htm", ".txt")):
            with open(path, "rb") as fh:
                recs[rel] = ("file", fh.read())
        else:
            fail(f"unexpected file in data/sample: {rel}")
    return recs


def is_iso_date(value: str) -> bool:
    try:
        dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        return True
    except ValueError:
        return False


def check_jsonl_record(origin: str, line: str, g: dict) -> None:
    reason = g["reason"] if g["fate"] == "rejected" else None
    try:
        obj = json.loads(line)
    except ValueError:
        if reason != "invalid_json":
            fail(f"{origin}: does not parse as JSON but gold says {g['fate']}/{g['reason']}")
        return
    if reason == "invalid_json":
        fail(f"{origin}: gold says invalid_json but the line parses")
    if not isinstance(obj, dict):
        if reason != "not_an_object":
            fail(f"{origin}: a JSON {type(obj).__name__} but gold says {g['fate']}/{g['reason']}")
        return
    if reason == "not_an_object":
        fail(f"{origin}: gold says not_an_object but the line is an object")
    if (obj.get("id") if obj.get("id") is not None else None) != g["id"]:
        fail(f"{origin}: gold id {g['id']!r} != record id {obj.get('id')!r}")
    url = obj.get("url") if isinstance(obj.get("url"), str) else None
    if url != g["url"]:
        fail(f"{origin}: gold url {g['url']!r} != record url {url!r}")
    content = [obj.get(k) for k in ("html", "text") if obj.get(k) is not None]
    visible = {
        "missing_field": not url,
        "wrong_type": any(not isinstance(c, str) for c in content),
        "missing_content": bool(url) and not content,
        "bad_date": isinstance(obj.get("published"), str) and not is_iso_date(obj["published"]),
    }
    if reason in visible and not visible[reason]:
        fail(f"{origin}: gold says {reason} but the record does not show it")
    if g["fate"] == "document" or reason == "no_text":
        bad = [k for k, v in visible.items() if v]
        if bad:
            fail(f"{origin}: gold says {g['fate']}/{g['reason']} but the record shows {bad}")
        if not any(isinstance(c, str) and c.strip() for c in content):
            fail(f"{origin}: gold says {g['fate']} but the record has no html/text")


def check_file_record(rel: str, data: bytes, g: dict) -> None:
    reason = g["reason"] if g["fate"] == "rejected" else None
    if g["id"] is not None or g["url"] is not None:
        fail(f"{rel}: file records have no id or url of their own (gold: {g['id']!r}, {g['url']!r})")
    if (not data.strip()) != (reason == "missing_content"):
        fail(f"{rel}: empty={not data.strip()} but gold says {g['fate']}/{g['reason']}")
    if data.startswith(IMAGE_MAGIC) != (reason == "binary_content"):
        fail(f"{rel}: image signature={data.startswith(IMAGE_MAGIC)} but gold says {g['fate']}/{g['reason']}")
    if g["fate"] == "document":
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            fail(f"{rel}: a document that is not valid UTF-8")


def check_gold(gold: dict, recs: dict[str, tuple[str, object]]) -> None:
    entries = gold.get("records", [])
    stories = gold.get("stories", {})
    seen: dict[str, int] = {}
    for g in entries:
        seen[g.get("origin")] = seen.get(g.get("origin"), 0) + 1
    for origin, n in seen.items():
        if n > 1:
            fail(f"gold lists {origin} {n} times")
    for origin in sorted(set(recs) - set(seen)):
        fail(f"record {origin} is missing from gold.json")
    for origin in sorted(set(seen) - set(recs), key=str):
        fail(
            f"gold.json lists {origin}, which is not a record (blank line, wrong line number or no such file)"
        )

    docs_by_story: dict[str, list[dict]] = {}
    for g in entries:
        o = g.get("origin")
        missing = {"origin", "url", "id", "fate", "reason", "story", "relation", "flags"} - set(g)
        if missing:
            fail(f"{o}: gold entry lacks {sorted(missing)}")
            continue
        if g["fate"] == "rejected":
            if g["reason"] not in REASONS or g["story"] is not None or g["relation"] is not None:
                fail(f"{o}: rejected entries need a known reason and null story/relation: {g}")
        elif g["fate"] == "document":
            if g["story"] not in stories:
                fail(f"{o}: story {g['story']!r} is not in gold['stories']")
            if g["relation"] not in RELATIONS:
                fail(f"{o}: relation {g['relation']!r} is not one of {sorted(RELATIONS)}")
            if g["reason"] not in (None, "too_short") or (g["reason"] == "too_short") != (
                "too_short" in g["flags"]
            ):
                fail(f"{o}: a document's reason is null, or too_short together with the too_short flag")
            docs_by_story.setdefault(g["story"], []).append(g)
        else:
            fail(f"{o}: fate {g['fate']!r}")
        if o in recs:
            kind, raw = recs[o]
            if kind == "jsonl":
                check_jsonl_record(o, raw, g)  # type: ignore[arg-type]
            else:
                check_file_record(o, raw, g)  # type: ignore[arg-type]

    for key, st in stories.items():
        docs = docs_by_story.get(key, [])
        rels = sorted(d["relation"] for d in docs)
        if not docs:
            fail(f"story {key} has no documents")
        elif len(docs) == 1 and rels != ["unique"]:
            fail(f"story {key}: a single document must be 'unique', got {rels}")
        elif len(docs) > 1 and (rels.count("original") != 1 or "unique" in rels):
            fail(f"story {key}: needs exactly one original and the rest exact/near, got {rels}")
        if st.get("syndicated") != (len(docs) > 1):
            fail(f"story {key}: syndicated={st.get('syndicated')} but it has {len(docs)} documents")
        if st.get("documents") not in (None, len(docs)):
            fail(f"story {key}: gold says {st.get('documents')} documents, found {len(docs)}")
        other = st.get("templated_with")
        if other is not None and (other not in stories or stories[other].get("templated_with") != key):
            fail(f"story {key}: templated_with {other!r} does not point back")
    too_short = [g for g in entries if "too_short" in g.get("flags", [])]
    if len(too_short) != 1 or too_short[0]["fate"] != "document":
        fail(f"expected exactly one document flagged too_short, got {[g['origin'] for g in too_short]}")


def digest_tree(top: str) -> dict[str, str]:
    return {
        rel: hashlib.sha256(open(os.path.join(top, rel), "rb").read()).hexdigest()
        for rel in walk(top)
        if rel not in ("generate.py", "README.md")
    }


def check_determinism() -> None:
    with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
        for out in (a, b):
            r = subprocess.run([sys.executable, GENERATOR, "--out", out], capture_output=True, text=True)
            if r.returncode:
                fail(f"generate.py --out failed: {r.stderr.strip()[-500:]}")
                return
        ha, hb, hs = digest_tree(a), digest_tree(b), digest_tree(SAMPLE)
    if ha != hb:
        diff = sorted(k for k in set(ha) | set(hb) if ha.get(k) != hb.get(k))
        fail(f"generate.py is not deterministic; differing files: {diff}")
    if ha != hs:
        diff = sorted(k for k in set(ha) | set(hs) if ha.get(k) != hs.get(k))
        fail(f"data/sample is stale (rerun data/sample/generate.py); differing files: {diff}")


def check_readme() -> None:
    r = subprocess.run([sys.executable, GENERATOR, "--counts"], capture_output=True, text=True)
    if r.returncode:
        fail(f"generate.py --counts failed: {r.stderr.strip()[-500:]}")
        return
    with open(os.path.join(SAMPLE, "README.md"), encoding="utf-8") as fh:
        readme = fh.read()
    if r.stdout.strip() not in readme:
        fail("README.md's counts block differs from `python data/sample/generate.py --counts`:\n" + r.stdout)


def main() -> int:
    recs = input_records()
    with open(os.path.join(SAMPLE, "gold.json"), encoding="utf-8") as fh:
        gold = json.load(fh)
    check_gold(gold, recs)
    if os.path.exists(SEED_SHARED):
        with open(SEED_SHARED, "rb") as a, open(os.path.join(SAMPLE, SEED_REL), "rb") as b:
            if a.read() != b.read():
                fail(f"{SEED_REL} differs from {SEED_SHARED}")
    check_determinism()
    check_readme()
    size = sum(os.path.getsize(os.path.join(SAMPLE, rel)) for rel in walk(SAMPLE))
    if size > MAX_BYTES:
        fail(f"data/sample is {size} bytes, over {MAX_BYTES}")
    if problems:
        print(f"FAIL: {len(problems)} problem(s)")
        for p in problems:
            print("  -", p)
        return 1
    docs = sum(1 for g in gold["records"] if g["fate"] == "document")
    print(
        f"OK: {len(recs)} records ({docs} documents, {len(recs) - docs} rejected), gold covers each once; "
        f"generate.py deterministic; data/sample {size} bytes"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
