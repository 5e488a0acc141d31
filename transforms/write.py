"""Writing the outputs: documents (JSON Lines or Parquet), clusters and rejected records (JSON Lines).

Each output is a folder of shards under the job's output path: ``documents/part-00000-of-00001.jsonl``.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import apache_beam as beam
import pyarrow as pa

from transforms.metrics import CountElements
from transforms.records import to_json

STAGE = "write"
FORMATS = ("jsonl", "parquet")
SHARD_TEMPLATE = "-SSSSS-of-NNNNN"

DOCUMENT_SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("origin", pa.string()),
        ("url", pa.string()),
        ("source", pa.string()),
        ("title", pa.string()),
        ("published", pa.string()),
        ("author", pa.string()),
        ("credit", pa.string()),
        ("site", pa.string()),
        ("text", pa.string()),
        ("wire", pa.string()),
        ("meta", pa.string()),
        ("content_hash", pa.string()),
        ("lsh", pa.bool_()),
        ("cluster_id", pa.string()),
        ("is_duplicate", pa.bool_()),
        ("duplicate_of", pa.string()),
        ("dup_type", pa.string()),
        ("similarity", pa.float64()),
    ]
)
# Runs with a history index also write the run date a copy's canonical was first seen (None for the others).
HISTORY_DOCUMENT_SCHEMA = DOCUMENT_SCHEMA.append(pa.field("first_seen", pa.string()))


def to_parquet_row(record: NamedTuple, schema: pa.Schema = DOCUMENT_SCHEMA) -> dict[str, Any]:
    """A Document as a Parquet row (``meta`` stays a JSON string, the hashing form is not written)."""
    row = record._asdict()
    return {name: row[name] for name in schema.names}


class WriteRecords(beam.PTransform):
    """``PCollection[NamedTuple] -> files``: one output folder of JSON Lines (or Parquet) shards, counted as
    ``write/<name>``. ``num_shards=0`` lets the runner decide. ``first_seen``: documents carry the field of
    that name (runs with a history index)."""

    def __init__(
        self, *, path: str, name: str, fmt: str = "jsonl", num_shards: int = 0, first_seen: bool = False
    ):
        super().__init__()
        if fmt not in FORMATS:
            raise ValueError(f"format: {fmt!r} is not one of {', '.join(FORMATS)}")
        if fmt == "parquet" and name != "documents":
            raise ValueError("only documents are written as Parquet")
        if num_shards < 0:
            raise ValueError("num_shards must be 0 (runner decides) or more")
        self._prefix = f"{path.rstrip('/')}/{name}/part"
        self._name, self._fmt, self._shards = name, fmt, num_shards
        self._first_seen = first_seen and name == "documents"

    def expand(self, pcoll: beam.PCollection) -> beam.pvalue.PDone:
        counted = pcoll | "Count" >> beam.ParDo(CountElements(STAGE, self._name))
        if self._fmt == "parquet":
            schema = HISTORY_DOCUMENT_SCHEMA if self._first_seen else DOCUMENT_SCHEMA
            return (
                counted
                | "ToRow" >> beam.Map(to_parquet_row, schema)
                | "WriteParquet"
                >> beam.io.WriteToParquet(
                    self._prefix,
                    schema,
                    file_name_suffix=".parquet",
                    num_shards=self._shards,
                    shard_name_template=SHARD_TEMPLATE,
                )
            )
        return (
            counted
            | "ToJson" >> beam.Map(to_json, first_seen=self._first_seen)
            | "WriteJson"
            >> beam.io.WriteToText(
                self._prefix,
                file_name_suffix=".jsonl",
                num_shards=self._shards,
                shard_name_template=SHARD_TEMPLATE,
            )
        )
