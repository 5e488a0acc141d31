"""Near-duplicate detection, assembled: exact groups, MinHash, LSH, verification, clusters, verdicts.

``KeepUniqueIds``: ``PCollection[Document] -> PCollection[Document]`` (+ ``rejected``), one document per id.
``FlagDuplicates``: ``PCollection[Document] -> {"documents", "clusters"}``, every document once with its flags.

Only small sketches (id, hashes, rank) travel through the dedup shuffles; full documents are shuffled once, to
receive their verdicts.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import apache_beam as beam
from apache_beam.metrics import Metrics

from transforms import records as R
from transforms.cluster import (
    POLICY_KEYS,
    AssignClusters,
    BuildVerdicts,
    ExactGroups,
    canonical_rank,
    plain_verdict,
)
from transforms.index import HistoryDay, LookupHistoryKeys, LookupHistoryProbes, run_rank
from transforms.lsh import FindCandidatePairs, VerifyPairs
from transforms.metrics import CounterCache
from transforms.minhash import ComputeMinHash, Sketch
from transforms.records import Document, Rejected, Verdict

STAGE = "dedup"
IDS = "ids"


def origin_order(origin: str) -> tuple[str, int]:
    """Sort key of an origin: path, then line number as a number (so line 9 comes before line 10)."""
    path, _, line = origin.rpartition(":")
    if path and line.isdigit():
        return path, int(line)
    return origin, 0


class _UniqueIdFn(beam.DoFn):
    def setup(self) -> None:
        self._seen = Metrics.counter(IDS, "seen")
        self._kept = Metrics.counter(IDS, "kept")
        self._dropped = Metrics.counter(IDS, f"dropped:{R.DUPLICATE_ID}")

    def process(self, element: tuple[str, Iterable[bytes]]) -> Iterator[Any]:
        doc_id, packed = element
        ordered = sorted((R.unpack(Document, b) for b in packed), key=lambda d: origin_order(d.origin))
        self._seen.inc(len(ordered))
        self._kept.inc()
        yield ordered[0]
        for other in ordered[1:]:
            self._dropped.inc()
            yield beam.pvalue.TaggedOutput(
                "rejected",
                Rejected(
                    other.origin,
                    IDS,
                    R.DUPLICATE_ID,
                    f"id {doc_id} is already used by the record at {ordered[0].origin}",
                    id=doc_id,
                    url=other.url,
                ),
            )


class KeepUniqueIds(beam.PTransform):
    """``PCollection[Document] -> PCollection[Document]`` with a ``rejected`` output: ids must be unique for
    flags to mean anything, so of several records with one id the first (by origin) is kept."""

    def expand(self, docs: beam.PCollection) -> beam.pvalue.DoOutputsTuple:
        return (
            docs
            | "KeyById" >> beam.Map(lambda d: (d.id, R.pack(d)))
            | "GroupById" >> beam.GroupByKey()
            | "FirstPerId" >> beam.ParDo(_UniqueIdFn()).with_outputs("rejected", main="documents")
        )


def _with_rank(
    sketch: Sketch, order: Sequence[str], source_priority: Sequence[str], history: bool = False
) -> Sketch:
    rank = canonical_rank(
        doc_id=sketch.id,
        published=sketch.published,
        source=sketch.source,
        length=sketch.length,
        order=order,
        source_priority=source_priority,
    )
    return sketch._replace(rank=run_rank(rank) if history else rank)


class _ApplyVerdictFn(beam.DoFn):
    def setup(self) -> None:
        self._seen = Metrics.counter(STAGE, "seen")
        self._kept = Metrics.counter(STAGE, "kept")
        self._missing = Metrics.counter(STAGE, "missing_verdict")
        self._named = CounterCache()

    def process(self, element: tuple[str, dict[str, list[Any]]]) -> Iterator[Document]:
        _, grouped = element
        verdicts = [Verdict._make(v) for v in grouped["verdict"]]
        lsh = bool(grouped["lsh"] and grouped["lsh"][0])
        for packed in grouped["doc"]:
            doc = R.unpack(Document, packed)
            self._seen.inc()
            if not verdicts:  # cannot happen while every document is in an exact group; counted if it does
                self._missing.inc()
                verdict = Verdict(cluster_id=doc.id)
            else:
                verdict = verdicts[0]
            if verdict.dup_type:
                self._named.inc(STAGE, f"{verdict.dup_type}_duplicates")
            elif verdict.cluster_id == doc.id:
                self._named.inc(STAGE, "originals")
            self._kept.inc()
            yield doc._replace(
                lsh=lsh,
                cluster_id=verdict.cluster_id,
                is_duplicate=verdict.duplicate_of is not None,
                duplicate_of=verdict.duplicate_of,
                dup_type=verdict.dup_type,
                similarity=verdict.similarity,
                first_seen=verdict.first_seen,
            )
            if verdict.duplicate_of is None:  # canonicals and unique documents go to the history index
                for sketch in grouped.get("sketch", ()):
                    yield beam.pvalue.TaggedOutput("indexed", sketch)


class FlagDuplicates(beam.PTransform):
    """``PCollection[Document] -> {"documents": PCollection[Document], "clusters": PCollection[Cluster]}``.

    Exact duplicates by hash of the hashing form; near duplicates and excerpts by MinHash LSH, each candidate
    verified on its exact shingle sets; clusters built around a canonical chosen by ``canonical_order`` (see
    ``cluster.py``). Documents need unique ids.

    ``FlagDuplicatesWithHistory`` adds documents of earlier runs.
    """

    def __init__(
        self,
        *,
        num_perm: int = 128,
        seed: int = 1,
        shingle_unit: str = "auto",
        shingle_size: int = 3,
        char_shingle_size: int = 5,
        min_tokens: int = 20,
        bands: int,
        rows: int,
        threshold: float = 0.5,
        containment_threshold: float = 0.7,
        min_contained: int = 15,
        figure_agreement: float = 0.6,
        passage_threshold: float = 0.25,
        edited_containment: float = 0.5,
        all_pairs_limit: int = 16,
        lede_bands: int = 30,
        lede_rows: int = 3,
        cluster_rounds: int = 8,
        canonical_order: Sequence[str] = ("earliest",),
        source_priority: Sequence[str] = (),
    ):
        super().__init__()
        if bands * rows > num_perm:
            raise ValueError(
                f"bands x rows ({bands} x {rows} = {bands * rows}) exceeds num_perm ({num_perm})"
            )
        for key in canonical_order:
            if key not in POLICY_KEYS:
                raise ValueError(f"canonical_order: unknown key {key!r}; allowed: {', '.join(POLICY_KEYS)}")
        self._sign = ComputeMinHash(
            num_perm=num_perm,
            seed=seed,
            unit=shingle_unit,
            size=shingle_size,
            char_size=char_shingle_size,
            min_tokens=min_tokens,
            lede_perm=lede_bands * lede_rows,
        )
        self._pairs = FindCandidatePairs(
            bands=bands,
            rows=rows,
            all_pairs_limit=all_pairs_limit,
            lede_bands=lede_bands,
            lede_rows=lede_rows,
        )
        self._verify = VerifyPairs(
            threshold=threshold,
            containment_threshold=containment_threshold,
            min_contained=min_contained,
            figure_agreement=figure_agreement,
            passage_threshold=passage_threshold,
            edited_containment=edited_containment,
        )
        self._assign = AssignClusters(rounds=cluster_rounds)
        self._order = tuple(canonical_order)
        self._priority = tuple(source_priority)
        self._index: tuple[LookupHistoryKeys, LookupHistoryProbes] | None = None  # FlagDuplicatesWithHistory

    def expand(self, docs: beam.PCollection) -> dict[str, beam.PCollection]:
        order, priority, index = self._order, self._priority, self._index
        sketches = (
            docs | "MinHash" >> self._sign | "Rank" >> beam.Map(_with_rank, order, priority, bool(index))
        )
        if index is None:
            exact = sketches | "ExactGroups" >> ExactGroups()
            reps = exact["reps"] | "HasSignature" >> beam.Filter(lambda s: bool(s.values))
            pairs = reps | "CandidatePairs" >> self._pairs
            edges = (pairs, reps) | "VerifyPairs" >> self._verify
        else:
            found = sketches | "LookupHistory" >> index[0]
            members = (sketches, found["exact"]) | "WithHistory" >> beam.Flatten()
            exact = members | "ExactGroups" >> ExactGroups()
            reps = exact["reps"] | "HasSignature" >> beam.Filter(lambda s: bool(s.values))
            pairs = (reps, found["bands"]) | "CandidatePairs" >> self._pairs
            probes = pairs | "HistoryProbes" >> index[1]
            edges = (pairs, reps, probes) | "VerifyPairs" >> self._verify
        assignments = edges | "Cluster" >> self._assign
        built = {"groups": exact["groups"], "assignments": assignments} | "Verdicts" >> BuildVerdicts(
            history=index is not None
        )
        in_lsh = sketches | "LshFlag" >> beam.Map(lambda s: (s.id, bool(s.values)))
        joined = {
            # the hashing form has done its work (it is in no output): the documents cross this shuffle without it,
            # packed (records.pack)
            "doc": docs | "KeyDocs" >> beam.Map(lambda d: (d.id, R.pack(d._replace(hash_text="")))),
            "verdict": built["verdicts"] | "PlainVerdicts" >> beam.Map(plain_verdict),
            "lsh": in_lsh,
        }
        if index is None:
            documents = (
                joined
                | "JoinVerdicts" >> beam.CoGroupByKey()
                | "ApplyVerdicts" >> beam.ParDo(_ApplyVerdictFn())
            )
            return {"documents": documents, "clusters": built["clusters"]}
        joined["sketch"] = sketches | "KeySketches" >> beam.Map(lambda s: (s.id, s))
        out = (
            joined
            | "JoinVerdicts" >> beam.CoGroupByKey()
            | "ApplyVerdicts" >> beam.ParDo(_ApplyVerdictFn()).with_outputs("indexed", main="documents")
        )
        return {"documents": out.documents, "clusters": built["clusters"], "indexed": out.indexed}


class FlagDuplicatesWithHistory(FlagDuplicates):
    """``PCollection[Document] -> {"documents", "clusters", "indexed": PCollection[Sketch]}``: ``FlagDuplicates``
    (the same keyword arguments) against a history index as well (``transforms/index.py``).

    The documents of the ``history`` days that share a band key or the exact text of a document of the batch
    join its dedup as nodes that outrank every document of the batch (first seen wins across runs): a copy of
    one gets ``duplicate_of`` its real id and ``first_seen`` its day. ``indexed`` holds the sketches of the
    batch's canonicals and unique documents, for ``WriteIndexDay``. ``partitions``: the index's partition count.
    """

    def __init__(
        self,
        *,
        partitions: int,
        history: Sequence[HistoryDay | tuple[str, str, tuple[str, ...]]] = (),
        **dedup: Any,
    ):
        super().__init__(**dedup)
        if partitions < 1:
            raise ValueError("partitions must be at least 1")
        keys = {k: dedup[k] for k in ("bands", "rows")}
        keys |= {"lede_bands": dedup.get("lede_bands", 30), "lede_rows": dedup.get("lede_rows", 3)}
        days = [HistoryDay(*h) for h in history]
        self._index = (
            LookupHistoryKeys(history=days, partitions=partitions, **keys),
            LookupHistoryProbes(history=days, partitions=partitions),
        )
