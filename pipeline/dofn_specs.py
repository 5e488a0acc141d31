"""A cache for Beam's look-up of a DoFn's state and timer specs, which the launcher repeats ~1,600 times a run.

Beam 2.77 calls ``apache_beam.transforms.userstate.get_dofn_specs`` whenever it builds a ``DoFnSignature``: when a
``ParDo`` is constructed, twice more when the graph is turned into its protos, again when the local runner sets up
each stage's operations. Each call takes the signature (``inspect.signature``) of every method of the DoFn, ~40 of
them, about 1.6 ms; newsdedup's graph has ~210 ParDos (most of them ``Map``s inside ``CoGroupByKey``, the cluster
rounds' and the writes'), so a run spent ~2.7 s of a 1,000-page HTML run's ~31 s there (measured with py-spy and by
counting the calls: README "Performance", measurement 1).

The answer depends only on which attributes of the DoFn are bound methods and on their functions (a state or
timer spec is a default value of a method's parameter), so it is cached under exactly that: the DoFn's class and
the ``(name, function)`` of every bound method it has, the part of Beam's own loop that costs nothing. A DoFn with
an ``_inspect_<method>`` hook (Beam's ``FlatMap`` of a bound method) asks the hook, which reads the instance: it
is never cached. Beam's errors (duplicate parameters) are raised as before: only answers are cached.

The launcher installs it (``install``); ``transforms/`` never does, and remote workers run Beam's own function.
"""

from __future__ import annotations

import threading
import types
from collections.abc import Callable
from typing import Any

from apache_beam.transforms import userstate

_MAX_ENTRIES = 10_000
_lock = threading.Lock()
_cache: dict[tuple[Any, ...], tuple[frozenset[Any], frozenset[Any]]] = {}
_original: Callable[[Any], tuple[set[Any], set[Any]]] | None = None
stats = {"hits": 0, "misses": 0, "uncached": 0}


def _key(dofn: Any) -> tuple[Any, ...] | None:
    """What ``get_dofn_specs`` reads of ``dofn``: its class and the function of each of its bound methods; None
    when an ``_inspect_`` hook would make the answer depend on the instance."""
    methods = []
    for name in dir(dofn):
        value = getattr(dofn, name, None)
        if not isinstance(value, types.MethodType):
            continue
        if hasattr(dofn, f"_inspect_{name}"):
            return None
        methods.append((name, value.__func__))
    return (type(dofn), tuple(methods))


def cached_dofn_specs(dofn: Any) -> tuple[set[Any], set[Any]]:
    """``userstate.get_dofn_specs`` with its answers cached (fresh sets each call, as Beam's own function gives)."""
    assert _original is not None, "install() first"
    key = _key(dofn)
    if key is None:
        stats["uncached"] += 1
        return _original(dofn)
    found = _cache.get(key)
    if found is None:
        state, timers = _original(dofn)
        found = (frozenset(state), frozenset(timers))
        with _lock:
            if len(_cache) >= _MAX_ENTRIES:
                _cache.clear()
            _cache[key] = found
        stats["misses"] += 1
    else:
        stats["hits"] += 1
    return set(found[0]), set(found[1])


def install() -> None:
    """Route Beam's look-ups (``userstate.get_dofn_specs``, called through the module everywhere the launcher and
    the in-process local worker use it) through the cache. Idempotent."""
    global _original
    with _lock:
        if _original is None:
            _original = userstate.get_dofn_specs
            userstate.get_dofn_specs = cached_dofn_specs
