"""Assemble the Beam graph of a job: read -> clean -> unique ids -> dedup -> write."""

from __future__ import annotations

from typing import Any

import apache_beam as beam
from apache_beam.metrics import Metrics

from pipeline.config import Job
from pipeline.index import IndexRun
from transforms.boilerplate import LearnBoilerplate
from transforms.clean import CleanRecords
from transforms.dedup import FlagDuplicates, FlagDuplicatesWithHistory, KeepUniqueIds
from transforms.index import WriteIndexDay
from transforms.metrics import CounterCache
from transforms.read import FILE_NAMESPACE, InputSpec, ReadDumps, origin_file
from transforms.write import WriteRecords

OUTPUTS = ("documents", "clusters", "rejected", "boilerplate")


class _DropDuplicatesFn(beam.DoFn):
    """``output.drop_duplicates``: write canonicals and unique documents only, counting what is left out."""

    def setup(self) -> None:
        self._dropped = Metrics.counter("write", "dropped_duplicates")
        self._named = CounterCache()

    def process(self, doc: Any) -> Any:
        if doc.is_duplicate:
            self._dropped.inc()
            self._named.inc(FILE_NAMESPACE + origin_file(doc.origin), "duplicates_dropped")
            return
        yield doc


class _CountByFileFn(beam.DoFn):
    """Counts what is written per input file (namespace ``file:<path>``: ``documents``, ``rejected:<reason>``), for
    the per-file reconciliation of ``pipeline.report``: as many counters as input files times reasons."""

    def __init__(self, what: str):
        self._what = what

    def setup(self) -> None:
        self._named = CounterCache()

    def process(self, element: Any) -> Any:
        name = "documents" if self._what == "documents" else f"rejected:{element.reason}"
        self._named.inc(FILE_NAMESPACE + origin_file(element.origin), name)
        yield element


def build(p: beam.Pipeline, job: Job, index: IndexRun | None = None) -> dict[str, beam.PCollection]:
    """Add the job's whole graph to ``p``; returns the documents, clusters and rejected collections.

    A job with an ``index`` section needs the run's plan (``pipeline.index.plan_run``): the days it matches and
    the folder it writes its own additions to (published by the launcher after the run)."""
    if job.index is not None and index is None:
        raise ValueError("a job with an index section needs its run plan (pipeline.index.plan_run)")
    read = p | "Read" >> ReadDumps(
        inputs=[InputSpec(i.path, i.format, i.source, i.max_decompressed_bytes) for i in job.inputs],
        max_record_bytes=job.read.max_record_bytes,
        max_decompressed_bytes=job.read.max_decompressed_bytes,
    )
    # Site template lines, learned from the batch's text dumps in a first pass, then stripped from them by Clean.
    templates = None
    if job.clean.templates:
        templates = read["records"] | "LearnTemplates" >> LearnBoilerplate(**job.clean.boilerplate_kwargs())
        templates | "WriteBoilerplate" >> WriteRecords(
            path=job.output.path, name="boilerplate", num_shards=job.output.num_shards
        )
    cleaned = read["records"] | "Clean" >> CleanRecords(**job.clean.transform_kwargs(), templates=templates)
    unique = cleaned.documents | "UniqueIds" >> KeepUniqueIds()
    dedup_kwargs = job.dedup.transform_kwargs()
    if index is None:
        dedup = unique.documents | "Dedup" >> FlagDuplicates(**dedup_kwargs)
    else:
        dedup = unique.documents | "Dedup" >> FlagDuplicatesWithHistory(
            partitions=index.partitions, history=index.history, **dedup_kwargs
        )
        dedup["indexed"] | "WriteIndex" >> WriteIndexDay(
            folder=index.folder,
            partitions=index.partitions,
            bands=dedup_kwargs["bands"],
            rows=dedup_kwargs["rows"],
            lede_bands=dedup_kwargs["lede_bands"],
            lede_rows=dedup_kwargs["lede_rows"],
        )
    rejected = (read["rejected"], cleaned.rejected, unique.rejected) | "AllRejected" >> beam.Flatten()

    documents = dedup["documents"]
    if job.output.drop_duplicates:
        documents = documents | "DropDuplicates" >> beam.ParDo(_DropDuplicatesFn())
    documents = documents | "CountDocumentsByFile" >> beam.ParDo(_CountByFileFn("documents"))
    rejected = rejected | "CountRejectedByFile" >> beam.ParDo(_CountByFileFn("rejected"))
    out = job.output
    documents | "WriteDocuments" >> WriteRecords(
        path=out.path,
        name="documents",
        fmt=out.format,
        num_shards=out.num_shards,
        first_seen=index is not None,
    )
    dedup["clusters"] | "WriteClusters" >> WriteRecords(
        path=out.path, name="clusters", num_shards=out.num_shards
    )
    rejected | "WriteRejected" >> WriteRecords(path=out.path, name="rejected", num_shards=out.num_shards)
    return {"documents": documents, "clusters": dedup["clusters"], "rejected": rejected}
