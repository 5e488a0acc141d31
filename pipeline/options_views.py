"""Pipeline options whose views are made once per options class instead of at every look-up.

Beam reads a typed view of the options (``options.view_as(TypeOptions)``) whenever it applies a transform, infers a
result type or checks two types for consistency: ~1,500 times while newsdedup's graph is built and turned into
protos, and each view builds an ``argparse`` parser and parses the flags again (~0.9 ms), ~1.3 s of a 10-page
HTML run (README "Performance", measurement 1).

A view holds nothing of its own: its values live in the options' shared ``_all_options`` dict, which every view of
the same options reads and writes. So the view made the first time is handed out again as long as the options
still hold the same flags and the same shared dict (a deep copy, as ``beam.Pipeline`` makes, has its own and makes
its own views). What a view reads and writes is unchanged; only the parsing is not repeated.
"""

from __future__ import annotations

from typing import Any, TypeVar

from apache_beam.options.pipeline_options import PipelineOptions

_ViewT = TypeVar("_ViewT", bound=PipelineOptions)
_VIEWS = "_views_by_class"


class CachedViewOptions(PipelineOptions):
    """``PipelineOptions`` (no options of its own) whose ``view_as`` reuses the view of a class once made."""

    def view_as(self, cls: type[_ViewT]) -> _ViewT:
        views: dict[type, Any] = self.__dict__.setdefault(_VIEWS, {})
        view = views.get(cls)
        if view is None or view._all_options is not self._all_options or view._flags is not self._flags:
            view = super().view_as(cls)
            views[cls] = view
        return view

    def __getstate__(self) -> dict[str, Any]:
        state = dict(super().__getstate__())
        state.pop(_VIEWS, None)  # made again after unpickling, from the unpickled flags
        return state
