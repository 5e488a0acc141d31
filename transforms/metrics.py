"""Counting helpers shared by the stages: counters are ``namespace = stage``, names ``seen``, ``kept``,
``dropped:<reason>`` and stage-specific tallies (see DESIGN.md section 3)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import apache_beam as beam
from apache_beam.metrics import Metrics


class CountElements(beam.DoFn):
    """Pass elements through unchanged, counting them as ``namespace/name``."""

    def __init__(self, namespace: str, name: str):
        self._namespace, self._name = namespace, name

    def setup(self) -> None:
        self._counter = Metrics.counter(self._namespace, self._name)

    def process(self, element: Any) -> Iterator[Any]:
        self._counter.inc()
        yield element


class CounterCache:
    """Counters made on first use and kept, for names known only per element (``rule:<name>``, ``file:<path>``):
    ``Metrics.counter`` builds a new counter object at every call, which costs more than incrementing one.
    Make one per DoFn instance, in ``setup``. At most ``limit`` are kept (per-file names grow with the input
    files): past it the cache starts again."""

    def __init__(self, limit: int = 4096) -> None:
        if limit < 1:
            raise ValueError("limit must be at least 1")
        self._made: dict[tuple[str, str], Any] = {}
        self._limit = limit

    def inc(self, namespace: str, name: str, n: int = 1) -> None:
        counter = self._made.get((namespace, name))
        if counter is None:
            if len(self._made) >= self._limit:
                self._made.clear()
            counter = self._made[(namespace, name)] = Metrics.counter(namespace, name)
        counter.inc(n)
