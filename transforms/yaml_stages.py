"""newsdedup's public stages for Beam YAML: read, clean, dedup and write, as a ``type: python`` provider.

A Beam YAML pipeline names them under ``providers`` and passes plain keyword arguments from ``config``::

    providers:
      - type: python
        config: {}
        transforms:
          ReadNews: transforms.yaml_stages.ReadNews
          CleanNews: transforms.yaml_stages.CleanNews
          DedupNews: transforms.yaml_stages.DedupNews
          WriteNews: transforms.yaml_stages.WriteNews

Between transforms the elements are schema'd ``beam.Row`` s (the fields of ``RawRecord``, ``Document``,
``Cluster`` and ``Rejected``, with their types), so Beam YAML's own transforms (``Filter``, ``MapToFields``,
``WriteToJson``, ...) work on them; the stages accept Rows from any transform that provides the fields they need
(``CleanNews`` needs ``origin``, ``kind``, ``body`` and ``id``). Each stage converts to newsdedup's NamedTuples
at its input and back to Rows at its outputs, and is otherwise the same PTransform the job runner uses. The
argument names are the job file's keys (``dedup.threshold`` is ``DedupNews(threshold=...)``).

No ``from __future__ import annotations`` here: Beam YAML reads the constructors' annotations at run time to
describe their configuration.
"""

import types
import typing
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import apache_beam as beam
from apache_beam.typehints.row_type import RowTypeConstraint

from transforms.boilerplate import LearnBoilerplate, TemplateLine
from transforms.clean import CleanRecords
from transforms.cluster import DEFAULT_ORDER
from transforms.dedup import FlagDuplicates, KeepUniqueIds
from transforms.lsh import choose_bands_rows
from transforms.read import FORMATS, InputSpec, ReadDumps
from transforms.records import Cluster, Document, RawRecord, Rejected
from transforms.write import WriteRecords

INPUT_KEYS = ("path", "format", "source", "max_decompressed_bytes")


def _field_type(hint: Any) -> Any:
    """A field's type as Beam's schemas read it: ``X | None`` as ``Optional[X]``, ``tuple[X, ...]`` as a
    sequence (Beam maps ``types.UnionType`` to an opaque Python object, which other SDKs cannot read)."""
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        args = [_field_type(a) for a in typing.get_args(hint)]
        non_none = [a for a in args if a is not type(None)]
        if len(non_none) == 1 and len(args) == 2:
            return typing.Optional[non_none[0]]  # noqa: UP045 (Beam's schemas need typing.Optional)
        return typing.Union[tuple(args)]  # noqa: UP007
    if typing.get_origin(hint) is tuple:
        (item, *rest) = typing.get_args(hint)
        if rest == [Ellipsis]:
            return typing.cast(Any, typing.Sequence)[_field_type(item)]
    return hint


def row_type(record_type: type[Any]) -> RowTypeConstraint:
    """The Beam schema (a ``RowTypeConstraint``) of one of newsdedup's element types."""
    hints = typing.get_type_hints(record_type)
    return RowTypeConstraint.from_fields([(name, _field_type(hints[name])) for name in record_type._fields])


def to_row(record: NamedTuple) -> beam.Row:
    """A NamedTuple element as a ``beam.Row`` with the same fields (tuples as lists)."""
    return beam.Row(**{k: list(v) if isinstance(v, tuple) else v for k, v in record._asdict().items()})


def from_row(record_type: type[Any]) -> Callable[[Any], Any]:
    """Row -> ``record_type``: the fields it has are taken, the missing ones keep their defaults (a required
    field that is missing raises ``TypeError`` naming it)."""
    fields = record_type._fields

    def convert(row: Any) -> Any:
        values = row._asdict() if hasattr(row, "_asdict") else dict(row)
        return record_type(**{k: v for k, v in values.items() if k in fields})

    return convert


def _as_rows(pcoll: beam.PCollection, record_type: type[Any], label: str) -> beam.PCollection:
    return pcoll | label >> beam.Map(to_row).with_output_types(row_type(record_type))


def _from_rows(pcoll: beam.PCollection, record_type: type[Any], label: str) -> beam.PCollection:
    return pcoll | label >> beam.Map(from_row(record_type))


def input_specs(inputs: Sequence[Any]) -> list[InputSpec]:
    """The ``inputs`` argument (as in the job file: a path, or a mapping with ``path``, ``format``, ``source``,
    ``max_decompressed_bytes``) as ``InputSpec`` s; unknown keys raise ``ValueError`` naming them."""
    specs = []
    for i, item in enumerate(inputs):
        spec: dict[str, Any] = {"path": item} if isinstance(item, str) else dict(item)
        unknown = set(spec) - set(INPUT_KEYS)
        if unknown or "path" not in spec:
            raise ValueError(
                f"inputs[{i}]: needs a path and allows only {', '.join(INPUT_KEYS)} (got {sorted(spec)})"
            )
        fmt = spec.get("format", "auto")
        if fmt not in FORMATS:
            raise ValueError(f"inputs[{i}].format: {fmt!r} is not one of {', '.join(FORMATS)}")
        specs.append(InputSpec(spec["path"], fmt, spec.get("source"), spec.get("max_decompressed_bytes")))
    return specs


class ReadNews(beam.PTransform):
    """``PBegin -> {"records": PCollection[Row(RawRecord)], "rejected": PCollection[Row(Rejected)]}``.

    Args:
        inputs: files, folders or globs; each a path or a mapping with path, format, source,
            max_decompressed_bytes (the job file's inputs)
        max_record_bytes: larger records are rejected (too_large)
        max_decompressed_bytes: a compressed file expanding beyond this is stopped; 0: no bound
    """

    _yaml_requires_inputs = False

    def __init__(
        self,
        inputs: list[Any],
        max_record_bytes: int = 5_000_000,
        max_decompressed_bytes: int = 10_000_000_000,
    ):
        super().__init__()
        if isinstance(inputs, str):
            inputs = [inputs]
        self._read = ReadDumps(
            inputs=input_specs(inputs),
            max_record_bytes=max_record_bytes,
            max_decompressed_bytes=max_decompressed_bytes or None,
        )

    def expand(self, pbegin: beam.pvalue.PBegin) -> dict[str, beam.PCollection]:
        read = pbegin | "Read" >> self._read
        return {
            "records": _as_rows(read["records"], RawRecord, "RecordRows"),
            "rejected": _as_rows(read["rejected"], Rejected, "RejectedRows"),
        }


class CleanNews(beam.PTransform):
    """``PCollection[Row(RawRecord)] -> {"documents": Row(Document), "rejected": Row(Rejected),
    "boilerplate": Row(TemplateLine)}``: HTML through trafilatura and the chrome rules, text dumps through the
    header/footer rules and their source's template lines, learned from the same input (``templates``).

    Args:
        templates: learn each source's template lines from the text dumps and strip them
        template_min_docs: a template line is in at least this many documents of its source
        template_min_share: ... and in at least this share of them
        template_max_lines: template lines kept per source at most
        include_comments: keep the page's comments
        include_tables: keep tables in the text
        favor_precision: trafilatura's favor_precision
        favor_recall: trafilatura's favor_recall
        recover_paragraphs: put back paragraphs trafilatura dropped from sibling blocks
        strip_chrome: apply the chrome rules
        skip_rules: chrome rules to switch off by name
        max_html_elements: pages with more elements are rejected before parsing
        extract_timeout: seconds a large page may take, in a child process; 0: no bound
        isolate_min_bytes: pages of this size or more run under the time bound
    """

    def __init__(
        self,
        templates: bool = True,
        template_min_docs: int = 5,
        template_min_share: float = 0.2,
        template_max_lines: int = 100,
        include_comments: bool = False,
        include_tables: bool = True,
        favor_precision: bool = False,
        favor_recall: bool = False,
        recover_paragraphs: bool = True,
        strip_chrome: bool = True,
        skip_rules: list[str] | None = None,
        max_html_elements: int = 100_000,
        extract_timeout: float = 20.0,
        isolate_min_bytes: int = 500_000,
    ):
        super().__init__()
        self._learn = (
            LearnBoilerplate(
                min_docs=template_min_docs,
                min_share=template_min_share,
                max_lines_per_source=template_max_lines,
            )
            if templates
            else None
        )
        self._clean_kwargs: dict[str, Any] = dict(
            include_comments=include_comments,
            include_tables=include_tables,
            favor_precision=favor_precision,
            favor_recall=favor_recall,
            recover_paragraphs=recover_paragraphs,
            strip_chrome=strip_chrome,
            skip_rules=tuple(skip_rules or ()),
            max_html_elements=max_html_elements,
            extract_timeout=extract_timeout,
            isolate_min_bytes=isolate_min_bytes,
        )
        CleanRecords(**self._clean_kwargs)  # settings that do not fit together fail here, not at expansion

    def expand(self, rows: beam.PCollection) -> dict[str, beam.PCollection]:
        records = _from_rows(rows, RawRecord, "ToRecords")
        learned = records | "LearnTemplates" >> self._learn if self._learn is not None else None
        cleaned = records | "Clean" >> CleanRecords(**self._clean_kwargs, templates=learned)
        outputs = {
            "documents": _as_rows(cleaned.documents, Document, "DocumentRows"),
            "rejected": _as_rows(cleaned.rejected, Rejected, "RejectedRows"),
        }
        if learned is not None:
            outputs["boilerplate"] = _as_rows(learned, TemplateLine, "BoilerplateRows")
        return outputs


class DedupNews(beam.PTransform):
    """``PCollection[Row(Document)] -> {"documents": Row(Document), "clusters": Row(Cluster),
    "rejected": Row(Rejected)}``: one document per id (the others rejected as duplicate_id), then every document
    once with its syndication flags, and one cluster record per cluster of two or more.

    Args:
        threshold: Jaccard similarity of shingle sets at which a verified pair is a near duplicate
        containment_threshold: share of the shorter text inside the longer for an excerpt; 0: off
        min_contained: shingles an excerpt or a passage needs at least
        passage_threshold: share of a story a round-up must carry, with its opening, to be its copy; 0: off
        edited_containment: share of an edited copy inside the other text, every figure it states there too; 0: off
        shingle_unit: auto, word or char
        shingle_size: n of word n-grams
        char_shingle_size: n of character n-grams (CJK, Thai)
        min_tokens: shorter documents are only checked for exact duplicates
        num_perm: MinHash permutations
        seed: MinHash seed
        bands: LSH bands; with rows, overrides the derivation from threshold and recall_floor
        rows: LSH rows per band
        recall_floor: chance that a pair at the threshold becomes a candidate
        all_pairs_limit: larger LSH buckets become a star to their smallest id
        cluster_rounds: rounds of cluster assignment
        canonical_order: policy keys choosing a cluster's canonical (earliest, wire_first, source_priority, longest)
        source_priority: sources preferred as canonical, best first
    """

    def __init__(
        self,
        threshold: float = 0.5,
        containment_threshold: float = 0.7,
        min_contained: int = 15,
        passage_threshold: float = 0.25,
        edited_containment: float = 0.5,
        shingle_unit: str = "auto",
        shingle_size: int = 3,
        char_shingle_size: int = 5,
        min_tokens: int = 20,
        num_perm: int = 128,
        seed: int = 1,
        bands: int = 0,
        rows: int = 0,
        recall_floor: float = 0.95,
        all_pairs_limit: int = 16,
        cluster_rounds: int = 8,
        canonical_order: list[str] | None = None,
        source_priority: list[str] | None = None,
    ):
        super().__init__()
        if bool(bands) != bool(rows):
            raise ValueError("give both bands and rows, or neither (then they derive from threshold)")
        if not bands:
            bands, rows = choose_bands_rows(num_perm=num_perm, threshold=threshold, recall_floor=recall_floor)
        self._flag = FlagDuplicates(
            threshold=threshold,
            containment_threshold=containment_threshold,
            min_contained=min_contained,
            passage_threshold=passage_threshold,
            edited_containment=edited_containment,
            shingle_unit=shingle_unit,
            shingle_size=shingle_size,
            char_shingle_size=char_shingle_size,
            min_tokens=min_tokens,
            num_perm=num_perm,
            seed=seed,
            bands=bands,
            rows=rows,
            all_pairs_limit=all_pairs_limit,
            cluster_rounds=cluster_rounds,
            canonical_order=tuple(canonical_order or DEFAULT_ORDER),
            source_priority=tuple(source_priority or ()),
        )

    def expand(self, rows: beam.PCollection) -> dict[str, beam.PCollection]:
        docs = _from_rows(rows, Document, "ToDocuments")
        unique = docs | "UniqueIds" >> KeepUniqueIds()
        flagged = unique.documents | "Dedup" >> self._flag
        return {
            "documents": _as_rows(flagged["documents"], Document, "DocumentRows"),
            "clusters": _as_rows(flagged["clusters"], Cluster, "ClusterRows"),
            "rejected": _as_rows(unique.rejected, Rejected, "RejectedRows"),
        }


class WriteNews(beam.PTransform):
    """``PCollection[Row] -> files``: ``<path>/<name>/part-*.jsonl`` (or ``.parquet`` for documents), the same
    files as a job's outputs (``meta`` written as an object, the hashing form left out).

    Args:
        path: output folder (local or any Beam filesystem)
        name: subfolder: documents, clusters, rejected, boilerplate or any other name
        format: jsonl, or parquet (documents only)
        num_shards: files to write; 0: the runner decides
    """

    def __init__(self, path: str, name: str, format: str = "jsonl", num_shards: int = 0):
        super().__init__()
        self._write = WriteRecords(path=path, name=name, fmt=format, num_shards=num_shards)

    def expand(self, rows: beam.PCollection) -> beam.pvalue.PDone:
        return rows | "Write" >> self._write
