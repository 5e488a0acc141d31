"""Exact groups, clusters without chaining, and a canonical per cluster.

Canonical policy: documents are ordered by a rank built from the job's ``order`` (earliest ``published`` day,
a news agency's own site first, a source priority list, longest text), then the time of day where known, the
id breaking every tie. The best-ranked document of a cluster is its canonical, and every other member is
directly verified against it: nothing joins a cluster through an intermediate document, so templated or
overlapping stories cannot chain into one giant cluster.

Clustering runs in rounds over the verified-edge graph, each a pair of shuffles keyed by node (no step holds
more than one node's neighbours):

1. A node that outranks all its still-active neighbours is a **root** (a canonical). Roots offer themselves
   to their active neighbours; a node with offers joins the root it shares the most text with (shingles in
   common, ``Edge.shared``), the best-ranked of those on a tie. A container always outranks its excerpt, so an
   excerpt or truncated copy (``contained``) never becomes its story's canonical, and a story always outranks a
   round-up carrying its opening (``passage``).
2. Decided nodes (roots and joiners) tell their neighbours, who drop them from their active lists.

On near edges alone every round decides at least the best-ranked active node of each connected component, so
the rounds finish; in practice one round settles a syndicated story (a star of copies around its original) and
a second settles the copies that were only similar to a copy. A cycle of container and rank preferences (a
contains b, b outranks c, c contains a) has no root: the last round decides by rank alone, so the best-ranked
node of what is left is a root (and may be an excerpt of a node that joins it). A node still undecided after
``rounds`` (a longer chain) becomes its own canonical, not flagged, and is counted as ``cluster/unresolved``:
raise ``rounds`` if that counter is not zero.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any, NamedTuple

import apache_beam as beam
from apache_beam.metrics import Metrics

from transforms.index import parse_history_id, real_id
from transforms.lsh import Edge
from transforms.metrics import CountElements
from transforms.minhash import Sketch
from transforms.records import CONTAINED, EXACT, NEAR, PASSAGE, Cluster, Verdict, is_history, pack, unpack

STAGE = "cluster"
POLICY_KEYS = ("earliest", "wire_first", "source_priority", "longest")
DEFAULT_ORDER = POLICY_KEYS  # every key, in this order, then the id

# The sites of news agencies (registered domains): a story served by its agency is the original that outlets
# copy, and every copy is closest to it (each outlet edits the wire text in its own way).
AGENCY_DOMAINS = frozenset(
    {
        "reuters.com",
        "apnews.com",
        "ap.org",
        "afp.com",
        "xinhuanet.com",
        "news.cn",
        "bloomberg.com",
        "dpa.com",
        "kyodonews.net",
        "yna.co.kr",
        "tass.com",
        "tass.ru",
        "ria.ru",
        "interfax.ru",
        "ansa.it",
        "efe.com",
        "europapress.es",
        "ptinews.com",
        "ians.in",
        "aninews.in",
        "upi.com",
        "bernama.com",
        "antaranews.com",
        "aa.com.tr",
        "aap.com.au",
        "pamediagroup.com",
        "apa.at",
        "cna.com.tw",
    }
)

Rank = tuple[object, ...]


def canonical_rank(
    *,
    doc_id: str,
    published: str | None,
    source: str | None,
    length: int,
    order: Sequence[str],
    source_priority: Sequence[str] = (),
) -> Rank:
    """A sort key: smaller is more canonical. Each policy key compares like with like; the id ends every tie."""
    priority = {s.lower(): i for i, s in enumerate(source_priority)}
    key: list[object] = []
    for item in order:
        if item == "earliest":
            key += [0, published[:10]] if published else [1, ""]
        elif item == "wire_first":
            key.append(0 if (source or "").lower() in AGENCY_DOMAINS else 1)
        elif item == "source_priority":
            key.append(priority.get((source or "").lower(), len(priority)))
        elif item == "longest":
            key.append(-length)
        else:
            raise ValueError(f"unknown canonical policy key {item!r}; allowed: {', '.join(POLICY_KEYS)}")
    if "earliest" in order:
        # Many pages give only a date (trafilatura returns none finer), so "earliest" compares calendar days;
        # copies of one day are ordered by the other keys, then by time of day where known, timed ones first.
        key.append(published[10:] if published and len(published) > 10 else "~")
    key.append(doc_id)
    return tuple(key)


# --------------------------------------------------------------------------------------------------------------
# Exact groups
# --------------------------------------------------------------------------------------------------------------


class _ExactGroupFn(beam.DoFn):
    def setup(self) -> None:
        self._groups = Metrics.counter(STAGE, "exact_groups")
        self._dups = Metrics.counter(STAGE, "exact_duplicates")

    def process(self, element: tuple[str, Iterable[bytes]]) -> Iterator[Any]:
        _, packed = element
        members = sorted((unpack(Sketch, b) for b in packed), key=lambda s: s.rank)
        rep = members[0]
        if len(members) > 1:
            self._groups.inc()
            self._dups.inc(len(members) - 1)
        yield beam.pvalue.TaggedOutput("groups", (rep.id, tuple(m.id for m in members)))
        yield rep


class ExactGroups(beam.PTransform):
    """``PCollection[Sketch] -> {"reps": PCollection[Sketch], "groups": PCollection[(rep_id, member_ids)]}``.

    Documents with the same hashing form are one group; its best-ranked member represents it downstream.
    ``member_ids`` lists the whole group in rank order, the representative first.
    """

    def expand(self, sketches: beam.PCollection) -> dict[str, beam.PCollection]:
        outputs = (
            sketches
            | "KeyByContent" >> beam.Map(lambda s: (s.content_hash, pack(s)))
            | "GroupByContent" >> beam.GroupByKey()
            | "PickRepresentative" >> beam.ParDo(_ExactGroupFn()).with_outputs("groups", main="reps")
        )
        return {"reps": outputs.reps, "groups": outputs.groups}


# --------------------------------------------------------------------------------------------------------------
# Clusters from verified edges
# --------------------------------------------------------------------------------------------------------------


class Neighbor(NamedTuple):
    id: str
    rank: Rank
    similarity: float
    relation: str = NEAR
    contains: int = 0  # +1: the neighbour contains this node (it is an excerpt of it); -1: the reverse
    shared: int = 0  # shingles the two have in common


class Node(NamedTuple):
    id: str
    rank: Rank
    neighbors: tuple[Neighbor, ...]  # the still-active ones


class Assignment(NamedTuple):
    root: str
    similarity: float | None  # to the root; None for a root itself
    dup_type: str | None = None  # near | contained | passage; None for a root


def beats(node: Node, n: Neighbor, *, rank_only: bool = False) -> bool:
    """Does ``node`` outrank neighbour ``n``? A container always outranks its excerpt (an excerpt is never the
    canonical of the story it was cut from); otherwise, or with ``rank_only``, the canonical rank decides."""
    if n.contains and not rank_only:
        return n.contains < 0
    return node.rank < n.rank


def is_root(node: Node, *, rank_only: bool = False) -> bool:
    """A node is a root when it outranks every active neighbour."""
    return all(beats(node, n, rank_only=rank_only) for n in node.neighbors)


def best_offer(offers: Iterable[Neighbor]) -> Neighbor | None:
    """The root, among those that offered, that shares the most shingles with the node; the best-ranked of those
    on a tie.

    Two roots offering to one node are two clusters (two stories, or two parts of one story that did not verify
    against each other): the node is verified against both, and belongs with the one whose text it carries most
    of. Taking the best-ranked root instead put copies and round-ups with an older story of the same template or
    topic that they also verify against (README, "Near duplicates, measured")."""
    return min(offers, key=lambda n: (-n.shared, n.rank), default=None)


# Small records cross the cluster shuffles as plain tuples (``tuple(neighbor)``, ``Neighbor._make``): Beam's
# coder writes a tuple of primitives itself, and pickles a NamedTuple with its class.


def _edge_ends(edge: Edge) -> Iterator[tuple[str, tuple[Rank, tuple[Any, ...]]]]:
    a_holds_b = 0 if edge.container is None else (1 if edge.container == edge.b else -1)
    a, b, sim, relation, shared = edge.a, edge.b, edge.similarity, edge.relation, edge.shared
    yield a, (edge.rank_a, (b, edge.rank_b, sim, relation, a_holds_b, shared))
    yield b, (edge.rank_b, (a, edge.rank_a, sim, relation, -a_holds_b, shared))


def _to_node(element: tuple[str, Iterable[tuple[Rank, tuple[Any, ...]]]]) -> tuple[str, Node]:
    node_id, ends = element
    rank: Rank = ()
    neighbors: dict[str, Neighbor] = {}
    for own_rank, plain in ends:
        rank = own_rank
        neighbor = Neighbor._make(plain)
        neighbors[neighbor.id] = neighbor
    return node_id, Node(node_id, rank, tuple(sorted(neighbors.values())))


def _offer(element: tuple[str, Node], rank_only: bool = False) -> Iterator[Any]:
    """Step 1a: roots are decided and offer themselves; every other node carries its state forward."""
    node_id, node = element
    if is_root(node, rank_only=rank_only):
        yield beam.pvalue.TaggedOutput("decided", (node_id, Assignment(node_id, None)))
        for n in node.neighbors:
            offer = (node_id, node.rank, n.similarity, n.relation, -n.contains, n.shared)  # a Neighbor, plain
            yield beam.pvalue.TaggedOutput("offers", (n.id, offer))
    else:
        yield node_id, node


def _accept(element: tuple[str, dict[str, list[Any]]]) -> Iterator[Any]:
    """Step 1b: a non-root with offers joins the best offer (``best_offer``); the others stay active."""
    node_id, grouped = element
    for node in grouped["state"]:
        offer = best_offer(Neighbor._make(plain) for plain in grouped["offers"])
        if offer is None:
            yield node_id, node
        else:
            assignment = Assignment(offer.id, offer.similarity, offer.relation)
            yield beam.pvalue.TaggedOutput("decided", (node_id, assignment))
            for n in node.neighbors:
                yield beam.pvalue.TaggedOutput("gone", (n.id, node_id))


def _tell_root_gone(element: tuple[str, Node], rank_only: bool = False) -> Iterator[tuple[str, str]]:
    node_id, node = element
    if is_root(node, rank_only=rank_only):
        for n in node.neighbors:
            yield n.id, node_id


def _prune(element: tuple[str, dict[str, list[Any]]]) -> Iterator[tuple[str, Node]]:
    """Step 2: active nodes drop the neighbours decided this round."""
    node_id, grouped = element
    gone = set(grouped["gone"])
    for node in grouped["state"]:
        yield node_id, node._replace(neighbors=tuple(n for n in node.neighbors if n.id not in gone))


def _unresolved(element: tuple[str, Node]) -> tuple[str, Assignment]:
    node_id, _ = element
    return node_id, Assignment(node_id, None)


class AssignClusters(beam.PTransform):
    """``PCollection[Edge] -> PCollection[(id, Assignment)]`` for every node of the verified-edge graph."""

    def __init__(self, *, rounds: int = 4):
        super().__init__()
        if rounds < 1:
            raise ValueError("rounds must be at least 1")
        self._rounds = rounds

    def expand(self, edges: beam.PCollection) -> beam.PCollection:
        active = (
            edges
            | "EdgeEnds" >> beam.FlatMap(_edge_ends)
            | "GroupByNode" >> beam.GroupByKey()
            | "ToNode" >> beam.Map(_to_node)
        )
        decided = []
        for k in range(1, self._rounds + 1):
            label = f"Round{k}"
            # The last round breaks what is left by rank alone: a cycle of container and rank preferences (a
            # contains b, b outranks c, c contains a) has no root otherwise and would stay unflagged.
            last = k == self._rounds and k > 1
            step = active | f"{label}Offer" >> beam.FlatMap(_offer, last).with_outputs(
                "decided", "offers", main="state"
            )
            roots_gone = active | f"{label}RootsGone" >> beam.FlatMap(_tell_root_gone, last)
            accepted = (
                {"state": step.state, "offers": step.offers}
                | f"{label}GroupOffers" >> beam.CoGroupByKey()
                | f"{label}Accept" >> beam.FlatMap(_accept).with_outputs("decided", "gone", main="state")
            )
            gone = (roots_gone, accepted.gone) | f"{label}AllGone" >> beam.Flatten()
            active = (
                {"state": accepted.state, "gone": gone}
                | f"{label}GroupGone" >> beam.CoGroupByKey()
                | f"{label}Prune" >> beam.FlatMap(_prune)
            )
            decided += [
                step.decided | f"{label}CountRoots" >> beam.ParDo(CountElements(STAGE, "roots")),
                accepted.decided | f"{label}CountJoined" >> beam.ParDo(CountElements(STAGE, "joined")),
            ]
        leftover = (
            active
            | "Unresolved" >> beam.Map(_unresolved)
            | "CountUnresolved" >> beam.ParDo(CountElements(STAGE, "unresolved"))
        )
        return (*decided, leftover) | "AllAssignments" >> beam.Flatten()


# --------------------------------------------------------------------------------------------------------------
# Verdicts and cluster records
# --------------------------------------------------------------------------------------------------------------


def group_verdicts(members: Sequence[str], assignment: Assignment | None) -> list[tuple[str, Verdict]]:
    """Verdicts for an exact group (representative first) given where its representative went.

    Every duplicate points at its cluster's canonical: ``exact`` when it has the canonical's hashing form,
    otherwise ``near`` or ``contained`` with the representative's similarity (or containment) to the canonical.
    """
    rep = members[0]
    if assignment is None or assignment.root == rep:
        out = [(rep, Verdict(cluster_id=rep))]
        out += [(m, Verdict(rep, duplicate_of=rep, dup_type=EXACT, similarity=1.0)) for m in members[1:]]
        return out
    root, sim, kind = assignment.root, assignment.similarity, assignment.dup_type or NEAR
    return [(m, Verdict(root, duplicate_of=root, dup_type=kind, similarity=sim)) for m in members]


def plain_verdict(element: tuple[str, Verdict]) -> tuple[str, tuple[Any, ...]]:
    """``(id, Verdict)`` with the verdict as a plain tuple, for a shuffle (``Verdict._make`` reads it back)."""
    node, verdict = element
    return node, tuple(verdict)


def _verdicts(element: tuple[str, dict[str, list[Any]]]) -> Iterator[tuple[str, Verdict]]:
    node, grouped = element
    assignment = grouped["assignment"][0] if grouped["assignment"] else None
    for members in grouped["group"]:
        yield from group_verdicts(members, assignment)
    if not grouped["group"] and is_history(node):
        # a history node found by its bands only (no exact copy in the run) is in no exact group of the run
        yield from group_verdicts((node,), assignment)


def cluster_record(cluster_id: str, verdicts: Iterable[tuple[str, Verdict]]) -> Cluster | None:
    """The cluster's summary record, or None for a document alone in its cluster."""
    # by id; a page crawled again has its historical canonical's id too, and comes after it
    members = sorted(verdicts, key=lambda mv: (mv[0], mv[1].duplicate_of is not None))
    if len(members) < 2:
        return None
    sims = [v.similarity for _, v in members if v.similarity is not None]
    return Cluster(
        cluster_id=cluster_id,
        canonical_id=cluster_id,
        member_ids=tuple(m for m, _ in members),
        size=len(members),
        exact=sum(1 for _, v in members if v.dup_type == EXACT),
        near=sum(1 for _, v in members if v.dup_type == NEAR),
        contained=sum(1 for _, v in members if v.dup_type == CONTAINED),
        min_similarity=min(sims) if sims else 1.0,
        passage=sum(1 for _, v in members if v.dup_type == PASSAGE),
    )


def _cluster(element: tuple[str, Iterable[tuple[str, tuple[Any, ...]]]]) -> Iterator[Cluster]:
    cluster_id, verdicts = element
    record = cluster_record(real_id(cluster_id), ((real_id(m), Verdict._make(v)) for m, v in verdicts))
    if record is not None:
        yield record


def resolve_history(verdict: Verdict) -> Verdict:
    """A verdict whose cluster's canonical is a document of an earlier run (a history node): its real id as
    ``cluster_id`` and ``duplicate_of``, and the day it was first seen as ``first_seen``."""
    parsed = parse_history_id(verdict.cluster_id)
    if parsed is None:
        return verdict
    doc_id, day = parsed
    duplicate_of = doc_id if verdict.duplicate_of is not None else None
    return verdict._replace(cluster_id=doc_id, duplicate_of=duplicate_of, first_seen=day)


def _keeps(element: tuple[str, Verdict]) -> bool:
    """A history node takes part in the run's clusters only as a canonical (it may have joined a longer
    document of the run it is an excerpt of: then the run's document is the canonical, and the history node
    is nothing of the run's)."""
    node, verdict = element
    return not is_history(node) or verdict.cluster_id == node


class _ResolveHistoryFn(beam.DoFn):
    def setup(self) -> None:
        self._dups = Metrics.counter("index", "duplicates_of_history")

    def process(self, element: tuple[str, Verdict]) -> Iterator[tuple[str, Verdict]]:
        node, verdict = element
        if not is_history(node):  # history nodes are not documents of the run
            resolved = resolve_history(verdict)
            if resolved.first_seen is not None:
                self._dups.inc()
            yield node, resolved


class BuildVerdicts(beam.PTransform):
    """``{"groups", "assignments"} -> {"verdicts": PCollection[(id, Verdict)], "clusters": PCollection[Cluster]}``.

    One verdict per document of every exact group; one cluster record per cluster of two or more.

    ``history=True``: some nodes are documents of earlier runs (``transforms.index``). They get no verdict; a
    cluster whose canonical is one names it by its real id, with ``first_seen`` on its copies' verdicts, and
    its cluster record lists the historical canonical among its members.
    """

    def __init__(self, *, history: bool = False):
        super().__init__()
        self._history = history

    def expand(self, inputs: dict[str, beam.PCollection]) -> dict[str, beam.PCollection]:
        verdicts = (
            {"group": inputs["groups"], "assignment": inputs["assignments"]}
            | "JoinGroups" >> beam.CoGroupByKey()
            | "Verdicts" >> beam.FlatMap(_verdicts)
        )
        if self._history:
            verdicts = verdicts | "HistoryAsCanonicals" >> beam.Filter(_keeps)
        clusters = (
            verdicts
            | "KeyByCluster" >> beam.Map(lambda kv: (kv[1].cluster_id, plain_verdict(kv)))
            | "GroupByCluster" >> beam.GroupByKey()
            | "ClusterRecords" >> beam.FlatMap(_cluster)
        )
        if self._history:
            verdicts = verdicts | "ResolveHistory" >> beam.ParDo(_ResolveHistoryFn())
        return {"verdicts": verdicts, "clusters": clusters}
