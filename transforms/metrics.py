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
