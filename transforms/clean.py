"""Cleaning: raw record -> Document with display text, hashing form and metadata.

HTML pages go through trafilatura and our post-processing (``extract.py``), plain-text dumps through our chrome
rules (``textdump.py``) and, when the job learns them, the template lines of their source (``boilerplate.py``).
Every line a rule removes is counted as ``clean/rule:<name>``.

A page is bounded twice: one with more elements than ``max_html_elements`` is rejected before it is parsed
(``too_many_elements``), and one of ``isolate_min_bytes`` or more is extracted in a child process that is killed
after ``extract_timeout`` seconds (``extract_timeout``); smaller pages run in the worker's own thread, where
measured real pages take well under a second (see ``transforms/isolate.py`` and the README for the figures).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from configparser import ConfigParser
from typing import Any, NamedTuple

import apache_beam as beam
from apache_beam.metrics import Metrics

from transforms import records as R
from transforms.boilerplate import template_source
from transforms.extract import (
    Article,
    Extracted,
    HtmlOptions,
    check_rule_names,
    count_elements,
    extract_article,
    trafilatura_config,
)
from transforms.isolate import ChildDied, ExtractTimeout, IsolatedExtractor
from transforms.metrics import CounterCache
from transforms.normalize import display_text, hashing_form, normalize_published, registered_domain
from transforms.records import Document, RawRecord, Rejected
from transforms.textdump import TextDump, parse_text_dump, wire_agency

STAGE = "clean"


def parse_text_record(
    text: str, *, skip_rules: frozenset[str] = frozenset(), template_lines: frozenset[str] = frozenset()
) -> Extracted:
    """A plain-text dump: header and footer chrome removed, header metadata parsed."""
    return _from_dump(parse_text_dump(text, skip_rules=skip_rules, template_lines=template_lines))


def _from_dump(dump: TextDump) -> Extracted:
    return Extracted(
        text=dump.body,
        title=dump.title,
        published=dump.published,
        author=dump.author,
        site=dump.site,
        credit=dump.credit,
    )


def _published(record_value: str | None, found: str | None) -> str | None:
    """The record's own date wins; a date found in the page is used when it parses."""
    if record_value:
        return record_value
    if found:
        try:
            return normalize_published(found)
        except ValueError:
            return None
    return None


def build_document(record: RawRecord, found: Extracted | None) -> Document | Rejected:
    """Merge a record's own fields with what cleaning found; the record's fields win."""
    text = display_text(found.text) if found else ""
    if not text:
        what = "trafilatura found no article text" if record.kind == "html" else "no article text left"
        return Rejected(record.origin, STAGE, R.NO_TEXT, what, id=record.id, url=record.url)
    assert found is not None
    url = record.url or found.url
    hash_text = hashing_form(text)
    return Document(
        id=record.id,
        origin=record.origin,
        url=url,
        source=record.source or registered_domain(url) or found.site,
        title=record.title or (display_text(found.title) if found.title else None),
        published=_published(record.published, found.published),
        author=found.author,
        credit=found.credit,
        wire=wire_agency(text, found.credit),
        site=found.site,
        text=text,
        hash_text=hash_text,
        meta=record.meta,
        content_hash=R.content_hash(hash_text),
    )


class CleanSettings(NamedTuple):
    """Everything ``clean_record`` needs to know, as plain values (a DoFn's settings)."""

    html: HtmlOptions = HtmlOptions()
    max_html_elements: int = 100_000
    extract_timeout: float = 20.0
    isolate_min_bytes: int = 500_000


DEFAULT_SETTINGS = CleanSettings()


def make_settings(
    *,
    include_comments: bool = False,
    include_tables: bool = True,
    favor_precision: bool = False,
    favor_recall: bool = False,
    recover_paragraphs: bool = True,
    strip_chrome: bool = True,
    skip_rules: Iterable[str] = (),
    max_html_elements: int = 100_000,
    extract_timeout: float = 20.0,
    isolate_min_bytes: int = 500_000,
) -> CleanSettings:
    """The job file's ``clean`` section as ``CleanSettings``; ``ValueError`` when the values don't fit."""
    if favor_precision and favor_recall:
        raise ValueError("favor_precision and favor_recall cannot both be true")
    if max_html_elements < 1:
        raise ValueError("max_html_elements must be 1 or more")
    if extract_timeout < 0:
        raise ValueError("extract_timeout must be 0 (no time bound) or a number of seconds")
    if isolate_min_bytes < 0:
        raise ValueError("isolate_min_bytes must be 0 (every page under the time bound) or more")
    html = HtmlOptions(
        include_comments=include_comments,
        include_tables=include_tables,
        favor_precision=favor_precision,
        favor_recall=favor_recall,
        recover_paragraphs=recover_paragraphs,
        strip_chrome=strip_chrome,
        skip_rules=check_rule_names(skip_rules),
    )
    return CleanSettings(
        html=html,
        max_html_elements=max_html_elements,
        extract_timeout=extract_timeout,
        isolate_min_bytes=isolate_min_bytes,
    )


class Cleaned(NamedTuple):
    """One record's outcome and what cleaning did to it (for the counters)."""

    result: Document | Rejected
    removed: tuple[str, ...] = ()  # the rule of every line removed, in text order
    recovered: int = 0  # paragraphs put back into a page's text
    isolated: bool = False  # extracted in a child process under the time bound


def _rejected(record: RawRecord, reason: str, message: str) -> Rejected:
    return Rejected(record.origin, STAGE, reason, message, id=record.id, url=record.url)


def clean_record(
    record: RawRecord,
    *,
    settings: CleanSettings = DEFAULT_SETTINGS,
    templates: frozenset[str] = frozenset(),
    config: ConfigParser | None = None,
    isolated: IsolatedExtractor | None = None,
) -> Cleaned:
    """Clean one record. ``templates``: its source's template lines (text dumps only). ``isolated``: the child
    process runner used for pages of ``settings.isolate_min_bytes`` or more (none: they run here, unbounded).
    Exceptions of the extractor propagate; the bounds come back as ``Rejected``."""
    if record.kind != "html":
        dump = parse_text_dump(record.body, skip_rules=settings.html.skip_rules, template_lines=templates)
        return Cleaned(build_document(record, _from_dump(dump)), tuple(rule for rule, _ in dump.dropped))
    elements = count_elements(record.body)
    if elements > settings.max_html_elements:
        message = f"the page has about {elements} elements, more than max_html_elements={settings.max_html_elements}"
        return Cleaned(_rejected(record, R.TOO_MANY_ELEMENTS, message))
    bounded = (
        isolated is not None
        and settings.extract_timeout > 0
        and len(record.body.encode("utf-8", "surrogatepass")) >= settings.isolate_min_bytes
    )
    if bounded:
        assert isolated is not None
        try:
            article: Article = isolated.run(record.body, record.url, settings.html)
        except ExtractTimeout as e:
            return Cleaned(_rejected(record, R.EXTRACT_TIMEOUT, str(e)), isolated=True)
        except ChildDied as e:
            return Cleaned(_rejected(record, R.EXTRACT_ERROR, str(e)), isolated=True)
    else:
        # A record's own date wins over the page's (build_document), so a dated record skips the slow date search.
        article = extract_article(
            record.body,
            url=record.url,
            options=settings.html,
            config=config,
            extensive_date_search=not record.published,
        )
    return Cleaned(
        build_document(record, article.found),
        tuple(rule for rule, _ in article.removed),
        len(article.recovered),
        bounded,
    )


class _CleanFn(beam.DoFn):
    def __init__(self, settings: CleanSettings):
        self._settings = settings

    def setup(self) -> None:
        self._config = trafilatura_config()
        self._isolated = (
            IsolatedExtractor(self._settings.extract_timeout) if self._settings.extract_timeout > 0 else None
        )
        self._seen = Metrics.counter(STAGE, "seen")
        self._kept = Metrics.counter(STAGE, "kept")
        self._recovered = Metrics.counter(STAGE, "recovered_paragraphs")
        self._in_child = Metrics.counter(STAGE, "isolated")
        self._chars = Metrics.distribution(STAGE, "text_chars")
        self._named = CounterCache()

    def teardown(self) -> None:
        isolated: IsolatedExtractor | None = getattr(self, "_isolated", None)
        if isolated is not None:
            isolated.close()

    def process(
        self, record: RawRecord, templates: Mapping[str, frozenset[str]] | None = None
    ) -> Iterator[Any]:
        self._seen.inc()
        self._named.inc(STAGE, f"kind:{record.kind}")
        lines: frozenset[str] = frozenset()
        if templates and record.kind != "html":
            lines = templates.get(template_source(record) or "", frozenset())
        try:
            cleaned = clean_record(
                record, settings=self._settings, templates=lines, config=self._config, isolated=self._isolated
            )
        except Exception as e:  # one hostile page must not sink the run: it becomes a dead letter
            cleaned = Cleaned(_rejected(record, R.EXTRACT_ERROR, f"{type(e).__name__}: {e}"))
        for rule, n in Counter(cleaned.removed).items():
            self._named.inc(STAGE, f"rule:{rule}", n)
        if cleaned.recovered:
            self._recovered.inc(cleaned.recovered)
        if cleaned.isolated:
            self._in_child.inc()
        result = cleaned.result
        if isinstance(result, Rejected):
            self._named.inc(STAGE, f"dropped:{result.reason}")
            yield beam.pvalue.TaggedOutput("rejected", result)
            return
        self._kept.inc()
        self._chars.update(len(result.text))
        yield result


def _by_source(item: tuple[str, Iterable[str]]) -> tuple[str, frozenset[str]]:
    return item[0], frozenset(item[1])


class CleanRecords(beam.PTransform):
    """``PCollection[RawRecord] -> PCollection[Document]``, with a ``rejected`` output of ``Rejected``.

    ``templates``: optional ``PCollection[TemplateLine]`` from ``LearnBoilerplate``, stripped from text dumps of
    their source (a side input, at most ``max_lines_per_source`` lines a source). The other arguments are the
    job file's ``clean`` section.
    """

    def __init__(
        self,
        *,
        include_comments: bool = False,
        include_tables: bool = True,
        favor_precision: bool = False,
        favor_recall: bool = False,
        recover_paragraphs: bool = True,
        strip_chrome: bool = True,
        skip_rules: Iterable[str] = (),
        max_html_elements: int = 100_000,
        extract_timeout: float = 20.0,
        isolate_min_bytes: int = 500_000,
        templates: beam.PCollection | None = None,
    ):
        super().__init__()
        self._fn = _CleanFn(
            make_settings(
                include_comments=include_comments,
                include_tables=include_tables,
                favor_precision=favor_precision,
                favor_recall=favor_recall,
                recover_paragraphs=recover_paragraphs,
                strip_chrome=strip_chrome,
                skip_rules=skip_rules,
                max_html_elements=max_html_elements,
                extract_timeout=extract_timeout,
                isolate_min_bytes=isolate_min_bytes,
            )
        )
        self._templates = templates

    def expand(self, records: beam.PCollection) -> beam.pvalue.DoOutputsTuple:
        if self._templates is None:
            return records | "Clean" >> beam.ParDo(self._fn).with_outputs("rejected", main="documents")
        by_source = (
            self._templates
            | "TemplateKeys" >> beam.Map(lambda t: (t.source, t.line))
            | "GroupTemplates" >> beam.GroupByKey()
            | "TemplateSets" >> beam.Map(_by_source)
        )
        return records | "Clean" >> beam.ParDo(
            self._fn, templates=beam.pvalue.AsDict(by_source)
        ).with_outputs("rejected", main="documents")
