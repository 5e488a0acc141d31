"""Where a one-process run's memory and elements go: ``newsdedup run`` in Beam's in-memory mode, sampled.

The job runs in this process (``direct_num_workers: 1``, ``direct_running_mode: in_memory``: runner and worker
share it), so a thread can look at the runner's own buffers while it works. Once a second it records the
process's RSS, the bytes malloc has handed out (``mallinfo2``: large objects; Python's small objects live in
its own arenas, counted by ``sys.getallocatedblocks``) and every live buffer of the FnApiRunner: each shuffle's
``GroupingBuffer`` (a dict of encoded key -> list of decoded values; its bytes estimated from 400 sampled keys),
the encoded ``ListBuffer`` chunks between stages and the in-memory data channel's pending output. At the end it
prints the RSS timeline, the largest size each buffer reached and the largest collections (Beam's element
counts, by the transform that produced them).

The hooks reach into Beam 2.77's FnApiRunner (``execution.GroupingBuffer``, ``ListBuffer``,
``FnApiRunner._execute_bundle``): a measuring tool, not part of newsdedup.

    python bench/memory_profile.py CORPUS.jsonl --out /tmp/memprof
"""

from __future__ import annotations

import argparse
import ctypes
import json
import random
import sys
import threading
import time
import weakref
from collections import Counter
from pathlib import Path
from typing import Any

import yaml
from apache_beam.metrics import monitoring_infos
from apache_beam.runners.portability.fn_api_runner import execution, fn_runner
from apache_beam.runners.worker import data_plane

_live: weakref.WeakValueDictionary[int, Any] = weakref.WeakValueDictionary()
_labels: dict[int, str] = {}
elements: Counter[str] = Counter()


def _label() -> str:
    """The shuffle or buffer a new buffer belongs to, from the runner frame that made it."""
    frame = sys._getframe(2)
    for _ in range(4):
        if frame is None:
            break
        found = frame.f_locals
        if "transform_proto" in found:
            return str(found["transform_proto"].unique_name)
        if "buffer_id" in found:
            return repr(found["buffer_id"])[:80]
        frame = frame.f_back
    return "?"


def _track(cls: type) -> None:
    init = cls.__init__

    def tracked(self: Any, *args: Any, **kwargs: Any) -> None:
        init(self, *args, **kwargs)
        _live[id(self)] = self
        _labels[id(self)] = "in-memory data channel" if cls is data_plane.InMemoryDataChannel else _label()

    cls.__init__ = tracked  # type: ignore[misc]


def _count_elements() -> None:
    execute = fn_runner.FnApiRunner._execute_bundle

    def counting(self: Any, context: Any, manager: Any, bundle_input: Any) -> Any:
        result = execute(self, context, manager, bundle_input)
        names = {pc: t.unique_name for t in manager.stage.transforms for pc in t.outputs.values()}
        for info in result.process_bundle.monitoring_infos:
            if info.urn == monitoring_infos.ELEMENT_COUNT_URN:
                pcoll = info.labels[monitoring_infos.PCOLLECTION_LABEL]
                elements[names.get(pcoll, pcoll)] += monitoring_infos.extract_counter_value(info)
        return result

    fn_runner.FnApiRunner._execute_bundle = counting  # type: ignore[method-assign]


def deep_size(obj: Any, depth: int = 0) -> int:
    size = sys.getsizeof(obj)
    if depth > 3:
        return size
    if isinstance(obj, (tuple, list)):
        return size + sum(deep_size(x, depth + 1) for x in obj)
    if isinstance(obj, dict):
        return size + sum(deep_size(k, depth + 1) + deep_size(v, depth + 1) for k, v in obj.items())
    return size


_MALLINFO2 = [
    "arena",
    "ordblks",
    "smblks",
    "hblks",
    "hblkhd",
    "usmblks",
    "fsmblks",
    "uordblks",
    "fordblks",
    "keepcost",
]


class _MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in _MALLINFO2]


def malloc_in_use() -> int:
    libc = ctypes.CDLL("libc.so.6")
    libc.mallinfo2.restype = _MallInfo2
    info = libc.mallinfo2()
    return int(info.uordblks + info.hblkhd)


def rss() -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS"):
                return int(line.split()[1]) * 1024
    return 0


def buffers() -> list[tuple[str, str, int, int]]:
    """(kind, label, keys or chunks, estimated bytes) of every live runner buffer holding data."""
    out = []
    for key, buf in list(_live.items()):
        name = _labels.get(key, "?")
        try:
            if isinstance(buf, execution.GroupingBuffer):
                items = list(buf._table.items())
                if items:
                    sample = random.sample(items, min(400, len(items)))
                    per_key = sum(deep_size(k) + deep_size(v) for k, v in sample) / len(sample)
                    out.append(("grouping", name, len(items), int(per_key * len(items))))
                elif buf._grouped_output:
                    held = sum(len(chunk) for part in buf._grouped_output for chunk in part)
                    out.append(("grouped", name, 0, held))
            elif isinstance(buf, data_plane.InMemoryDataChannel):
                pending = list(buf._inputs)
                held = sum(len(getattr(x, "data", b"")) for x in pending)
                if held:
                    out.append(("channel", name, len(pending), held))
            else:
                chunks = list(buf._inputs)
                if chunks:
                    out.append(("list", name, len(chunks), sum(len(c) for c in chunks)))
        except RuntimeError:  # changed while read: the next sample sees it
            continue
    return out


def profile(corpus: Path, out: Path) -> dict[str, Any]:
    for cls in (execution.GroupingBuffer, execution.ListBuffer, data_plane.InMemoryDataChannel):
        _track(cls)
    _count_elements()
    out.mkdir(parents=True, exist_ok=True)
    job = {
        "name": "memory-profile",
        "inputs": [{"path": str(corpus)}],
        "output": {"path": str(out / "run"), "format": "jsonl"},
        "runner": {
            "name": "DirectRunner",
            "options": {"direct_num_workers": 1, "direct_running_mode": "in_memory"},
        },
    }
    (out / "job.yaml").write_text(yaml.safe_dump(job))
    timeline: list[dict[str, Any]] = []
    stop = threading.Event()
    start = time.monotonic()

    def sample() -> None:
        while not stop.wait(1.0):
            timeline.append(
                {
                    "t": round(time.monotonic() - start, 1),
                    "rss": rss(),
                    "malloc": malloc_in_use(),
                    "blocks": sys.getallocatedblocks(),
                    "buffers": buffers(),
                }
            )

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    from pipeline.cli import main as cli

    if cli(["run", str(out / "job.yaml"), "-q"]) != 0:
        raise RuntimeError("the run failed")
    stop.set()
    sampler.join()
    return {"seconds": round(time.monotonic() - start, 1), "timeline": timeline, "elements": dict(elements)}


def report(result: dict[str, Any]) -> None:
    def mb(n: float) -> str:
        return f"{n / 2**20:.0f} MB"

    timeline = result["timeline"]
    peak = max(timeline, key=lambda s: s["rss"])
    print(f"run {result['seconds']} s; peak RSS {mb(peak['rss'])} at {peak['t']:.0f} s")
    largest: dict[str, tuple[int, str, int, dict[str, Any]]] = {}
    for s in timeline:
        for kind, name, n, held in s["buffers"]:
            if held > largest.get(name, (0,))[0]:
                largest[name] = (held, kind, n, s)
    print("largest size each runner buffer reached (estimated), with the process at that moment:")
    for name, (held, kind, n, s) in sorted(largest.items(), key=lambda x: -x[1][0])[:10]:
        print(
            f"  {mb(held):>8s} {kind:9s} {n:>8d} keys/chunks at {s['t']:5.0f} s (RSS {mb(s['rss'])}, "
            f"malloc {mb(s['malloc'])}, {s['blocks'] / 1e6:.2f}M Python blocks)  {name}"
        )
    print("timeline (s: RSS, malloc in use, Python blocks, runner buffers):")
    for s in timeline[:: max(1, len(timeline) // 15)]:
        held = sum(b[3] for b in s["buffers"])
        print(
            f"  {s['t']:5.0f} {mb(s['rss']):>8s} {mb(s['malloc']):>8s} {s['blocks'] / 1e6:6.2f}M {mb(held):>8s}"
        )
    print("largest collections (elements, by producing transform):")
    for name, n in Counter(result["elements"]).most_common(12):
        print(f"  {n:>9d}  {name}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "corpus", type=Path, help="a JSON Lines dump (e.g. the bench's text-10000-s7/dump.jsonl)"
    )
    parser.add_argument("--out", type=Path, default=Path("/tmp/newsdedup-memory-profile"))
    args = parser.parse_args()
    result = profile(args.corpus, args.out)
    (args.out / "memory_profile.json").write_text(json.dumps(result))
    report(result)


if __name__ == "__main__":
    main()
