"""Speed work must not change output: records of two runs compared with digests made before the speed work.

``tests/data/golden/records.json`` holds, per run, a digest of every written record (documents by id, clusters
by cluster id): the demo job on the bundled sample, and a generated syndication batch of real Reuters-21578 stories
(that part skips where ``../shared`` is absent). The digests were produced by the code as of commit fc6a0ba
(main before the speed work of the benchmark issue was merged: vectorized shingles and signatures, one pass over
figures) and rebuilt since for changes meant to alter output (learned template lines keep their own chrome rule,
session 4; edited copies without figures and table stories found under chrome, session 5); rebuild them only for
such a change::

    PYTHONPATH=. python tests/transforms/test_output_identical.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
import xxhash
import yaml

REPO = Path(__file__).resolve().parents[2]
GOLDEN = REPO / "tests" / "data" / "golden" / "records.json"
REUTERS = REPO.parent / "shared" / "data" / "reuters21578" / "reuters21578.jsonl.gz"
# A generated batch: the first stories of the collection, each with copies of every tier (bench/make_syndication).
SYNDICATION = {"limit_collection": 1500, "seed": 7, "stories": 400}


def record_digests(run_dir: Path, root: Path) -> dict[str, dict[str, str]]:
    """{output name: {record key: 16-hex digest of the record with sorted keys}} of a run's documents and
    clusters; origins are taken relative to ``root`` (the checkout or the temporary folder moves)."""
    out: dict[str, dict[str, str]] = {}
    for name, key in (("documents", "id"), ("clusters", "cluster_id")):
        digests: dict[str, str] = {}
        for part in sorted((run_dir / name).glob("part-*")):
            for line in part.read_text(encoding="utf-8").splitlines():
                if line:
                    record = json.loads(line)
                    if "origin" in record:
                        record["origin"] = record["origin"].replace(str(root), "ROOT")
                    digests[record[key]] = xxhash.xxh64_hexdigest(json.dumps(record, sort_keys=True).encode())
        out[name] = dict(sorted(digests.items()))
    return out


def _run(job: dict[str, Any], tmp: Path, root: Path) -> dict[str, dict[str, str]]:
    from pipeline.cli import main

    path = tmp / "job.yaml"
    path.write_text(yaml.safe_dump(job))
    out = tmp / "out"
    assert main(["run", str(path), "--output", str(out), "-q"]) == 0
    return record_digests(out, root)


def demo_job() -> dict[str, Any]:
    job: dict[str, Any] = yaml.safe_load((REPO / "configs" / "demo.yaml").read_text())
    for spec in job["inputs"]:
        spec["path"] = str(REPO / spec["path"])
    return job


def syndication_job(tmp: Path) -> dict[str, Any]:
    from bench.make_syndication import Settings, build, find_similar_pairs, load_reuters, write_benchmark

    stories = load_reuters(str(REUTERS), SYNDICATION["limit_collection"])
    docs, gold = build(
        stories,
        find_similar_pairs(stories),
        Settings(seed=SYNDICATION["seed"], stories=SYNDICATION["stories"]),
    )
    write_benchmark(str(tmp / "batch"), docs, gold)
    return {
        "name": "golden-syndication",
        "inputs": [{"path": str(tmp / "batch" / "dump.jsonl")}],
        "output": {"path": str(tmp / "out"), "format": "jsonl"},
        "runner": {"name": "DirectRunner", "options": {"direct_num_workers": 1}},
    }


def _compare(name: str, got: dict[str, dict[str, str]]) -> None:
    want = json.loads(GOLDEN.read_text())[name]
    for output in ("documents", "clusters"):
        assert set(got[output]) == set(want[output]), f"{name}: other {output} than before"
        changed = sorted(k for k in want[output] if got[output][k] != want[output][k])
        assert not changed, f"{name}: {len(changed)} {output} differ from the golden run, e.g. {changed[:3]}"


def test_demo_records_are_as_before_the_speed_work(tmp_path: Path) -> None:
    _compare("demo", _run(demo_job(), tmp_path, REPO))


@pytest.mark.skipif(
    not REUTERS.is_file(), reason=f"Reuters-21578 not found at {REUTERS} (needs ../shared next to the repo)"
)
def test_generated_batch_records_are_as_before_the_speed_work(tmp_path: Path) -> None:
    _compare("syndication", _run(syndication_job(tmp_path), tmp_path, tmp_path))


if __name__ == "__main__":  # rebuild the golden digests with the code as it is now
    import tempfile

    golden: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as d:
        (Path(d) / "demo").mkdir()
        golden["demo"] = _run(demo_job(), Path(d) / "demo", REPO)
        (Path(d) / "synd").mkdir()
        golden["syndication"] = _run(syndication_job(Path(d) / "synd"), Path(d) / "synd", Path(d) / "synd")
    GOLDEN.parent.mkdir(parents=True, exist_ok=True)
    GOLDEN.write_text(json.dumps(golden, indent=0, sort_keys=True) + "\n")
    sizes = {k: {o: len(v) for o, v in runs.items()} for k, runs in golden.items()}
    print(f"wrote {GOLDEN}: {sizes}", file=sys.stderr)
