"""Site templates learned from the batch: the pure functions, the two-pass transform on TestPipeline, its counters,
and the clean stage stripping the learned lines from text dumps of their source."""

from __future__ import annotations

import random
from collections import Counter
from typing import Any

import apache_beam as beam
import pytest
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.pvalue import TaggedOutput
from apache_beam.runners.portability.fn_api_runner import FnApiRunner
from apache_beam.testing.test_pipeline import TestPipeline as BeamTestPipeline
from apache_beam.testing.util import assert_that, equal_to
from apache_beam.transforms.window import GlobalWindow
from apache_beam.utils.windowed_value import WindowedValue

from transforms.boilerplate import (
    LINE_BUFFER,
    LearnBoilerplate,
    LineCounts,
    TemplateLine,
    _CountLinesFn,
    _SelectFn,
    _SumLinesFn,
    document_lines,
    line_partition,
    select_template_lines,
    template_source,
    unpack_line_counts,
)
from transforms.clean import CleanRecords, clean_record
from transforms.records import Document, RawRecord

STORIES = [
    "The port of Valmera reopened on Monday after a nine-day strike that left forty ships waiting at anchor.",
    "The city council approved a plan to turn the disused tram depot on Mill Lane into a public library.",
    "Importers of household goods said the dispute had cost them millions in late fees this spring.",
    "Residents who had campaigned for the library for almost a decade cheered from the public gallery.",
    "Union leaders said members had accepted the offer by a margin of 81 percent to 19 percent.",
    "Construction could begin next spring, and the council hopes the first tenants move in by 2027.",
    "Retailers had warned that the stoppage was delaying deliveries of furniture and spring clothing.",
]
HEADER = "Valmera Evening Post"
PITCH = "The Evening Post has told the stories of this harbour town for more than a century and a half."
FOOTER = "Call the newsroom on 0100 555 0134 with your news."


def _dump(i: int, *, views: int) -> str:
    """A text dump of the Evening Post: two fixed chrome lines above the story, one below, one varying line."""
    story = STORIES[i % len(STORIES)]
    second = STORIES[(i + 3) % len(STORIES)]
    return (
        f"{HEADER}\n\n{PITCH}\n\nHeadline number {i} for the story\n\n"
        f"VALMERA, June {i + 1} (Reuters) - {story}\n\n{second}\n\n{views} views\n\n{FOOTER}\n"
    )


def _records() -> list[RawRecord]:
    rng = random.Random(3)
    out = [
        RawRecord(
            origin=f"/d/post/{i}.txt",
            kind="text",
            body=_dump(i, views=rng.randint(100, 9999)),
            id=f"post-{i}",
            source="eveningpost.example",
        )
        for i in range(8)
    ]
    # another source with too few documents to learn from, an HTML page (not learned from) and a dump with no
    # source at all
    out += [
        RawRecord(
            origin=f"/d/other/{i}.txt",
            kind="text",
            body=_dump(i, views=7),
            id=f"other-{i}",
            source="other.example",
        )
        for i in range(3)
    ]
    out.append(
        RawRecord(
            origin="/d/page.html",
            kind="html",
            body=f"<p>{HEADER}</p>",
            id="page",
            source="eveningpost.example",
        )
    )
    out.append(RawRecord(origin="/d/anon.txt", kind="text", body=_dump(0, views=1), id="anon"))
    return out


# ---------------------------------------------------------------------------------------------------------------
# Pure functions


def test_document_lines_are_distinct_normalised_and_never_wire_credits() -> None:
    text = f"  {HEADER}  \n{HEADER}\n\n(Xinhua)\nReuter\n(Reporting by Jane Doe)\n{'x' * 600}\nShare  this\n"
    assert document_lines(text) == frozenset({HEADER, "Share this"})


def test_select_needs_both_min_docs_and_min_share() -> None:
    counts = [("in all", 40), ("in a quarter", 10), ("in four", 4)]
    chosen = select_template_lines("s", 40, counts, min_docs=5, min_share=0.2, max_lines=10)
    assert [(t.line, t.documents, t.share) for t in chosen] == [
        ("in all", 40, 1.0),
        ("in a quarter", 10, 0.25),
    ]
    assert select_template_lines("s", 40, counts, min_docs=5, min_share=0.5, max_lines=10)[0].line == "in all"
    assert select_template_lines("s", 0, counts, min_docs=5, min_share=0.2, max_lines=10) == []


def test_select_keeps_at_most_max_lines_the_most_frequent_whatever_the_order() -> None:
    counts = [(f"line {k:03d}", 10 + k % 7) for k in range(200)]
    first = select_template_lines("s", 20, counts, min_docs=2, min_share=0.1, max_lines=5)
    shuffled = list(counts)
    random.Random(1).shuffle(shuffled)
    assert select_template_lines("s", 20, iter(shuffled), min_docs=2, min_share=0.1, max_lines=5) == first
    assert len(first) == 5 and all(t.documents == 16 for t in first)
    assert first == sorted(first, key=lambda t: (-t.documents, t.line))


def test_learn_boilerplate_refuses_bad_settings() -> None:
    for kwargs, match in (
        (dict(min_docs=1), "min_docs"),
        (dict(min_share=0), "min_share"),
        (dict(max_lines_per_source=0), "max_lines_per_source"),
    ):
        with pytest.raises(ValueError, match=match):
            LearnBoilerplate(**kwargs)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------------------------
# The two passes on Beam


def test_learn_boilerplate_finds_each_sources_template(beam_pipeline) -> None:
    with beam_pipeline() as p:
        learned = (
            p | beam.Create(_records()) | LearnBoilerplate(min_docs=5, min_share=0.5, max_lines_per_source=10)
        )
        assert_that(
            learned,
            equal_to(
                [TemplateLine("eveningpost.example", line, 8, 8, 1.0) for line in (HEADER, PITCH, FOOTER)]
            ),
        )


def test_learn_boilerplate_counters(run_counted) -> None:
    def build(p: beam.Pipeline) -> None:
        _ = p | beam.Create(_records()) | LearnBoilerplate(min_docs=5, min_share=0.5)

    counters = run_counted(build)["boilerplate"]
    assert counters["seen"] == 12  # text records only
    assert counters["seen"] == counters["kept"] + counters["dropped:no_source"]
    assert counters["dropped:no_source"] == 1
    assert counters["learned_lines"] == 3 and counters["sources_with_template"] == 1


def test_clean_strips_the_learned_lines_of_the_records_source(run_counted) -> None:
    def build(p: beam.Pipeline) -> None:
        records = p | beam.Create(_records())
        learned = records | "Learn" >> LearnBoilerplate(min_docs=5, min_share=0.5)
        out = records | "Clean" >> CleanRecords(templates=learned)
        texts = out.documents | beam.Map(
            lambda d: (d.id, HEADER in d.text or PITCH in d.text or FOOTER in d.text)
        )
        assert_that(
            texts | "Leftovers" >> beam.Filter(lambda kv: kv[0].startswith("post-") and kv[1]),
            equal_to([]),
        )

    counters = run_counted(build)["clean"]
    assert counters["rule:site_template"] == 8 * 3  # header, pitch and footer of each Evening Post dump


def test_template_lines_are_stripped_but_a_date_line_still_gives_its_fields() -> None:
    lines = [HEADER, "Published: 2014-06-07 09:21", "Headline of the day", STORIES[0], STORIES[1], PITCH]
    body = "\n\n".join(lines) + "\n"
    record = RawRecord(origin="/d/x.txt", kind="text", body=body, id="x", source="eveningpost.example")
    templates = frozenset({HEADER, PITCH, "Published: 2014-06-07 09:21"})
    cleaned = clean_record(record, templates=templates)
    assert isinstance(cleaned.result, Document)
    assert cleaned.result.text == f"{STORIES[0]}\n{STORIES[1]}"
    assert cleaned.result.published == "2014-06-07T09:21:00Z"
    assert cleaned.removed.count("site_template") == 2 and "meta_line" in cleaned.removed


def test_without_templates_the_prose_like_pitch_stays() -> None:
    body = f"{STORIES[0]}\n\n{STORIES[1]}\n\n{PITCH}\n"
    record = RawRecord(origin="/d/x.txt", kind="text", body=body, id="x", source="eveningpost.example")
    cleaned = clean_record(record)
    assert isinstance(cleaned.result, Document) and PITCH in cleaned.result.text


# ---------------------------------------------------------------------------------------------------------------
# The counts batched per partition of the (source, line) space


def _corpus(seed: int) -> list[RawRecord]:
    """Text dumps of four sources (one known by its URL only) drawing lines from pools of different frequencies:
    lines every source shares, lines in about min_docs documents, story lines; a line of a source whose text is
    another source's template line, unicode; plus an HTML page and a dump with no source."""
    rng = random.Random(seed)
    common = [f"Subscribe to the {name} newsletter" for name in ("Post", "Herald", "Tribune")]
    out = []
    for s, source in enumerate(("post.example", "herald.example", "tribüne.example", None)):
        chrome = [f"Chrome line {k} of source {s} ✓" for k in range(6)] + ["Ünïcode ünïcode line"]
        sometimes = [f"Sometimes line {k} of source {s}" for k in range(30)]
        for i in range(40 + 10 * s):
            lines = [line for line in chrome if rng.random() < 0.8] + common[: s + 1]
            lines += rng.sample(sometimes, rng.randint(0, 6))
            lines += [f"Story line {rng.randrange(10**6)} in document {i}" for _ in range(rng.randint(1, 4))]
            rng.shuffle(lines)
            out.append(
                RawRecord(
                    origin=f"/d/{s}/{i}.txt",
                    kind="text",
                    body="\n\n".join(lines) + "\n",
                    id=f"{s}-{i}",
                    source=source,
                    url=None if source else f"https://www.site{s}.co.uk/news/{i}",
                )
            )
    out.append(
        RawRecord(origin="/d/p.html", kind="html", body=f"<p>{common[0]}</p>", id="p", source="post.example")
    )
    out.append(RawRecord(origin="/d/anon.txt", kind="text", body=f"{common[0]}\n", id="anon"))
    rng.shuffle(out)
    return out


def _documents_per_line(records: list[RawRecord]) -> tuple[Counter[str], Counter[tuple[str, str]]]:
    """Documents per source and per (source, line), counted one document at a time (what the batches sum to)."""
    docs: Counter[str] = Counter()
    lines: Counter[tuple[str, str]] = Counter()
    for record in records:
        source = template_source(record)
        if record.kind == "html" or not source:
            continue
        docs[source] += 1
        lines.update((source, line) for line in document_lines(record.body))
    return docs, lines


def _reference(
    records: list[RawRecord], *, min_docs: int, min_share: float, max_lines: int
) -> list[TemplateLine]:
    """The template lines of the formulation before batching (one ``((source, line), 1)`` element per line of a
    document, summed per key, kept at ``min_docs``, then selected per source), in plain Python."""
    docs, lines = _documents_per_line(records)
    by_source: dict[str, list[tuple[str, int]]] = {}
    for (source, line), n in lines.items():
        if n >= min_docs:
            by_source.setdefault(source, []).append((line, n))
    return [
        template
        for source in sorted(docs)
        for template in select_template_lines(
            source,
            docs[source],
            by_source.get(source, []),
            min_docs=min_docs,
            min_share=min_share,
            max_lines=max_lines,
        )
    ]


class _UnbatchedLearn(beam.PTransform):
    """The graph before batching, kept to show that ``_reference`` is what it gave."""

    def __init__(self, *, min_docs: int, min_share: float, max_lines: int):
        super().__init__()
        self._min_docs, self._select = (
            min_docs,
            _SelectFn(min_docs=min_docs, min_share=min_share, max_lines=max_lines),
        )
        self._max_lines = max_lines

    def expand(self, records: beam.PCollection) -> beam.PCollection:
        min_docs = self._min_docs
        counted = records | beam.Filter(lambda r: r.kind != "html") | beam.FlatMap(_unbatched_counts)
        docs = counted | beam.Filter(lambda kv: kv[1] is None) | beam.Map(lambda kv: (kv[0][0], 1))
        docs = docs | "Docs" >> beam.CombinePerKey(sum)
        lines = (
            counted
            | "Lines" >> beam.Filter(lambda kv: kv[1] is not None)
            | "PerLine" >> beam.CombinePerKey(sum)
            | beam.Filter(lambda kv: kv[1] >= min_docs)
            | beam.MapTuple(lambda key, n: (key[0], (key[1], n)))
            | beam.combiners.Top.PerKey(self._max_lines, key=lambda item: (item[1], item[0]))
            | beam.FlatMapTuple(lambda source, top: ((source, item) for item in top))
        )
        return {"docs": docs, "lines": lines} | beam.CoGroupByKey() | beam.ParDo(self._select)


def _unbatched_counts(record: RawRecord) -> list[tuple[tuple[str, str], int | None]]:
    source = template_source(record)
    if not source:
        return []
    return [((source, ""), None)] + [((source, line), 1) for line in document_lines(record.body)]


def test_reference_is_the_unbatched_graph(beam_pipeline) -> None:
    records = _corpus(5)
    want = _reference(records, min_docs=5, min_share=0.1, max_lines=8)
    assert len({t.source for t in want}) == 4 and len(want) > 20
    with beam_pipeline() as p:
        learned = p | beam.Create(records) | _UnbatchedLearn(min_docs=5, min_share=0.1, max_lines=8)
        assert_that(learned, equal_to(want))


def test_line_counts_flush_one_batch_a_partition_with_every_count() -> None:
    records = [r for r in _corpus(2) if r.kind == "text" and template_source(r)]
    counts, flushed, docs = LineCounts(partitions=7, limit=40), [], Counter()
    for record in records:
        if counts.add(template_source(record), document_lines(record.body)):
            flushed.append(counts.flush())
    flushed.append(counts.flush())
    assert len(flushed) > 10 and counts.flush() == ([], [])
    got: Counter[tuple[str, str]] = Counter()
    for batches, sources in flushed:
        assert [part for part, _ in batches] == sorted({part for part, _ in batches})  # one item a partition
        for part, batch in batches:
            for source, line, n in unpack_line_counts(batch):
                assert line_partition(source, line, 7) == part and n >= 1
                got[source, line] += n
        docs.update(dict(sources))
    assert (docs, got) == _documents_per_line(records)
    assert max(n for (_, line), n in got.items() if line.startswith("Chrome")) > 1  # counted before a flush


def test_line_counts_round_trip_any_text_and_refuse_a_source_too_long() -> None:
    counts = LineCounts(partitions=1, limit=100)
    counts.add("ünï \ud800 source", ["", "a\x00b", "x" * 70000, "\ud800"])
    counts.add("s", ["a\x00b"])
    ((part, batch),), docs = counts.flush()
    assert part == 0 and docs == [("ünï \ud800 source", 1), ("s", 1)]
    assert sorted(unpack_line_counts(batch)) == sorted(
        [("ünï \ud800 source", line, 1) for line in ("", "a\x00b", "x" * 70000, "\ud800")]
        + [("s", "a\x00b", 1)]
    )
    counts.add("s" * 70000, ["line"])
    with pytest.raises(ValueError, match="too long"):
        counts.flush()


def test_count_fn_flushes_when_full_and_at_each_bundles_end() -> None:
    records = [r for r in _corpus(3) if r.kind == "text"]
    fn = _CountLinesFn(500, partitions=5, buffer=30)
    fn.setup()
    early: list[Any] = []
    late: list[Any] = []
    for bundle in (records[:70], records[70:71], records[71:]):  # three bundles, one of a single document
        fn.start_bundle()
        early += [item for record in bundle for item in fn.process(record)]
        late += list(fn.finish_bundle())
    assert early and late
    assert all(isinstance(w.value, WindowedValue) for w in late if isinstance(w, TaggedOutput))
    unwrapped = [w.value if isinstance(w, TaggedOutput) else w for w in late]
    assert all(
        w.windows == (GlobalWindow(),) and w.timestamp == GlobalWindow().max_timestamp() for w in unwrapped
    )
    outputs = early + [
        TaggedOutput(w.tag, w.value.value) if isinstance(w, TaggedOutput) else w.value for w in late
    ]
    docs: Counter[str] = Counter()
    grouped: dict[int, list[bytes]] = {}
    for item in outputs:
        if isinstance(item, TaggedOutput):
            assert item.tag == "docs"
            docs[item.value[0]] += item.value[1]
        else:
            grouped.setdefault(item[0], []).append(item[1])
    assert max(len(batches) for batches in grouped.values()) > 3  # a partition's counts come in many batches
    want_docs, want_lines = _documents_per_line(records)
    assert docs == want_docs
    summed = [kv for item in sorted(grouped.items()) for kv in _SumLinesFn(min_docs=2).process(item)]
    assert sorted(summed) == sorted((s, (line, n)) for (s, line), n in want_lines.items() if n >= 2)


@pytest.mark.parametrize("partitions", [1, 2, 1024])
@pytest.mark.parametrize("buffer", [1, 3, LINE_BUFFER])
def test_batched_template_lines_are_those_of_counting_per_line(beam_pipeline, partitions, buffer) -> None:
    records = _corpus(11)
    settings = dict(min_docs=5, min_share=0.1)
    want = _reference(records, max_lines=8, **settings)
    with beam_pipeline() as p:
        learned = (
            p
            | beam.Create(records)
            | LearnBoilerplate(max_lines_per_source=8, partitions=partitions, buffer=buffer, **settings)
        )
        assert_that(learned, equal_to(want))


def test_lines_split_across_bundles_sum_to_their_documents() -> None:
    records = _corpus(13)
    options = PipelineOptions(direct_num_workers=3, direct_running_mode="multi_threading")
    with BeamTestPipeline(runner=FnApiRunner(), options=options) as p:
        created = p | beam.Create(records) | beam.Reshuffle()
        batches = (
            created
            | "Count" >> beam.ParDo(_CountLinesFn(500, partitions=1)).with_outputs("docs", main="lines")
        ).lines | "Group" >> beam.GroupByKey()
        assert_that(
            batches | beam.MapTuple(lambda part, b: len(list(b))), equal_to([3]), label="ThreeBundles"
        )
        learned = created | "Learn" >> LearnBoilerplate(min_docs=5, min_share=0.1, max_lines_per_source=8)
        assert_that(learned, equal_to(_reference(records, min_docs=5, min_share=0.1, max_lines=8)))


@pytest.mark.parametrize("buffer", [1, LINE_BUFFER])
def test_a_line_in_min_docs_documents_is_kept_one_fewer_is_not(beam_pipeline, buffer) -> None:
    def dump(i: int, lines: list[str]) -> RawRecord:
        return RawRecord(
            origin=f"/d/{i}.txt", kind="text", body="\n".join(lines), id=str(i), source="s.example"
        )

    records = [
        dump(i, [f"story {i}"] + ["in five"] * (i < 5) + ["in four"] * (i < 4) + ["in six"] * (i < 6))
        for i in range(30)
    ]
    with beam_pipeline() as p:
        learned = (
            p
            | beam.Create(records)
            | LearnBoilerplate(min_docs=5, min_share=0.01, buffer=buffer, partitions=1)
        )
        assert_that(
            learned | beam.Map(lambda t: (t.line, t.documents, t.source_documents)),
            equal_to([("in six", 6, 30), ("in five", 5, 30)]),
        )


def test_counters_and_candidate_lines_are_per_document() -> None:
    records = _corpus(17)
    p = beam.Pipeline(runner=FnApiRunner())
    _ = (
        p
        | beam.Create(records)
        | LearnBoilerplate(min_docs=5, min_share=0.1, max_lines_per_source=8, buffer=3)
    )
    result = p.run()
    result.wait_until_finish()
    metrics = result.metrics().query()
    counters = {
        c.key.metric.name: c.committed for c in metrics["counters"] if c.key.metric.namespace == "boilerplate"
    }
    (sizes,) = [d.committed for d in metrics["distributions"] if d.key.metric.name == "candidate_lines"]
    texts = [r for r in records if r.kind == "text"]
    kept = [r for r in texts if template_source(r)]
    want = _reference(records, min_docs=5, min_share=0.1, max_lines=8)
    assert counters == {
        "seen": len(texts),
        "kept": len(kept),
        "dropped:no_source": len(texts) - len(kept),
        "learned_lines": len(want),
        "sources_with_template": len({t.source for t in want}),
    }
    per_doc = [len(document_lines(r.body)) for r in kept]
    assert (sizes.count, sizes.sum, sizes.min, sizes.max) == (
        len(per_doc),
        sum(per_doc),
        min(per_doc),
        max(per_doc),
    )
