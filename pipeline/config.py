"""The job file: pydantic models, loading, command-line overrides, and error messages that name the key.

Each section maps onto one stage's keyword arguments with the same names (``dedup`` -> ``FlagDuplicates``,
``clean`` -> ``CleanRecords``, ``read`` -> ``ReadDumps``), so the YAML key, the Python argument and the docs agree.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any, Literal, cast

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from transforms import cluster
from transforms.extract import check_rule_names
from transforms.lsh import choose_bands_rows
from transforms.minhash import settings_fingerprint

PolicyKey = Literal["earliest", "wire_first", "source_priority", "longest"]
DEFAULT_ORDER = cast(tuple[PolicyKey, ...], cluster.DEFAULT_ORDER)


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class InputConfig(_Section):
    path: str = Field(
        description="a file, a folder (read recursively) or a glob; local or any Beam filesystem"
    )
    format: Literal["auto", "jsonl", "html", "text", "warc"] = Field(
        "auto",
        description="auto: by file name (.jsonl, .ndjson, .html/.htm, .txt, .warc, .arc; each may end in "
        ".gz, .bz2, .zst or .xz)",
    )
    source: str | None = Field(None, description="publisher of records that name none (files have no URL)")
    max_decompressed_bytes: int | None = Field(
        None, ge=1, description="this input's bound on a compressed file's expanded size (default: read's)"
    )


class ReadConfig(_Section):
    max_record_bytes: int = Field(
        5_000_000, ge=1, description="records above this size are rejected (too_large)"
    )
    max_decompressed_bytes: int | None = Field(
        10_000_000_000,
        ge=1,
        description="a compressed file that expands beyond this many bytes is stopped there "
        "(decompression_bomb); null: no bound",
    )


class CleanConfig(_Section):
    include_comments: bool = False
    include_tables: bool = True
    favor_precision: bool = False
    favor_recall: bool = False
    recover_paragraphs: bool = Field(
        True, description="put back article paragraphs trafilatura dropped from sibling blocks of the page"
    )
    strip_chrome: bool = Field(True, description="remove the chrome trafilatura leaves in (counted per rule)")
    skip_rules: list[str] = Field(
        default_factory=list, description="chrome rules to switch off by name (e.g. [photo_credit, title])"
    )
    max_html_elements: int = Field(
        100_000, ge=1, description="pages with more elements are rejected before parsing (too_many_elements)"
    )
    extract_timeout: float = Field(
        20.0,
        ge=0,
        description="seconds a large page may take, in a child process (extract_timeout); 0: no bound",
    )
    isolate_min_bytes: int = Field(
        500_000, ge=0, description="pages of this size or more run under the time bound; 0: every page"
    )
    templates: bool = Field(
        True, description="learn each source's template lines from the batch (text dumps)"
    )
    template_min_docs: int = Field(5, ge=2, description="a template line is in at least this many documents")
    template_min_share: float = Field(
        0.2, gt=0, le=1, description="... and in at least this share of its source's documents"
    )
    template_max_lines: int = Field(100, ge=1, description="template lines kept per source at most")

    @field_validator("skip_rules")
    @classmethod
    def _known_rules(cls, names: list[str]) -> list[str]:
        check_rule_names(names)
        return names

    @model_validator(mode="after")
    def _one_favor(self) -> CleanConfig:
        if self.favor_precision and self.favor_recall:
            raise ValueError("favor_precision and favor_recall cannot both be true")
        return self

    def transform_kwargs(self) -> dict[str, Any]:
        """The arguments of ``CleanRecords`` (the learned templates are added by the graph)."""
        return self.model_dump(
            exclude={"templates", "template_min_docs", "template_min_share", "template_max_lines"}
        )

    def boilerplate_kwargs(self) -> dict[str, Any]:
        """The arguments of ``LearnBoilerplate``."""
        return {
            "min_docs": self.template_min_docs,
            "min_share": self.template_min_share,
            "max_lines_per_source": self.template_max_lines,
        }


class DedupConfig(_Section):
    threshold: float = Field(
        0.5,
        gt=0,
        le=1,
        description="Jaccard similarity of shingle sets at which a verified pair is a near duplicate",
    )
    containment_threshold: float = Field(
        0.7, ge=0, le=1, description="share of the shorter text inside the longer for an excerpt (0: off)"
    )
    min_contained: int = Field(15, ge=1, description="shingles an excerpt or a passage needs at least")
    passage_threshold: float = Field(
        0.25,
        ge=0,
        le=1,
        description="share of a story a round-up must carry, with its opening, to be its copy (0: off)",
    )
    edited_containment: float = Field(
        0.5,
        ge=0,
        le=1,
        description=(
            "share of an edited copy inside the other text, every figure it states there too; 0.1 more when it"
            " states fewer than two (0: off)"
        ),
    )
    figure_agreement: float = Field(
        0.6, ge=0, le=1, description="share of figures (numbers) two copies must share (0: no check)"
    )
    shingle_unit: Literal["auto", "word", "char"] = "auto"
    shingle_size: int = Field(3, ge=1, le=20, description="n of word n-grams")
    char_shingle_size: int = Field(5, ge=1, le=50, description="n of character n-grams (CJK, Thai)")
    min_tokens: int = Field(20, ge=1, description="shorter documents are only checked for exact duplicates")
    num_perm: int = Field(128, ge=2, le=4096)
    seed: int = Field(1, ge=0)
    bands: int | None = Field(
        None, ge=1, description="LSH bands; with rows, overrides derivation from threshold"
    )
    rows: int | None = Field(None, ge=1)
    recall_floor: float = Field(
        0.95,
        gt=0,
        lt=1,
        description="chance a pair at the threshold becomes a candidate (derives bands x rows)",
    )
    all_pairs_limit: int = Field(16, ge=2, description="buckets above this size become a star, not all pairs")
    lede_bands: int = Field(
        30, ge=0, description="LSH bands of the lede's signature (excerpts, trims, heavy edits); 0: off"
    )
    lede_rows: int = Field(3, ge=1)
    cluster_rounds: int = Field(
        8, ge=1, le=20, description="rounds of cluster assignment (see cluster/unresolved)"
    )
    canonical_order: list[PolicyKey] = Field(default_factory=lambda: list(DEFAULT_ORDER))
    source_priority: list[str] = Field(
        default_factory=list, description="sources preferred as canonical, best first"
    )

    @model_validator(mode="after")
    def _bands_rows(self) -> DedupConfig:
        if (self.bands is None) != (self.rows is None):
            raise ValueError("give both bands and rows, or neither (then they derive from threshold)")
        if self.bands is not None and self.rows is not None and self.bands * self.rows > self.num_perm:
            raise ValueError(
                f"bands x rows = {self.bands} x {self.rows} = {self.bands * self.rows} exceeds num_perm "
                f"({self.num_perm})"
            )
        if len(set(self.canonical_order)) != len(self.canonical_order):
            raise ValueError("canonical_order lists a key twice")
        return self

    def fingerprint(self) -> str:
        """The settings fingerprint the run's signatures carry (``transforms.minhash.settings_fingerprint``)."""
        settings = self.minhash_kwargs()
        del settings["min_tokens"]  # a guard on which documents are signed, not on the signature's values
        return settings_fingerprint(**settings)

    def minhash_kwargs(self) -> dict[str, Any]:
        """The arguments of ``ComputeMinHash`` (and ``minhash.sketch_of``) these settings make."""
        return {
            "unit": self.shingle_unit,
            "size": self.shingle_size,
            "char_size": self.char_shingle_size,
            "num_perm": self.num_perm,
            "seed": self.seed,
            "min_tokens": self.min_tokens,
            "lede_perm": self.lede_bands * self.lede_rows,
        }

    def resolved_bands_rows(self) -> tuple[int, int]:
        if self.bands is not None and self.rows is not None:
            return self.bands, self.rows
        return choose_bands_rows(
            num_perm=self.num_perm, threshold=self.threshold, recall_floor=self.recall_floor
        )

    def transform_kwargs(self) -> dict[str, Any]:
        """The arguments of ``FlagDuplicates``."""
        bands, rows = self.resolved_bands_rows()
        kwargs = self.model_dump(exclude={"recall_floor"})
        kwargs.update(bands=bands, rows=rows)
        return kwargs


class OutputConfig(_Section):
    path: str = Field(description="output folder (local or any Beam filesystem)")
    format: Literal["jsonl", "parquet"] = "jsonl"
    num_shards: int = Field(0, ge=0, description="files per output; 0 lets the runner decide")
    drop_duplicates: bool = Field(False, description="write canonicals and unique documents only")


class IndexConfig(_Section):
    path: str = Field(
        description="folder of the history index (local or any Beam filesystem); may use {date} placeholders"
    )
    retention_days: int = Field(
        30,
        ge=1,
        description="a run matches the days of the index in [run date - retention_days, run date); older days "
        "are not matched and `newsdedup index compact` deletes them",
    )
    partitions: int = Field(
        16,
        ge=1,
        le=4096,
        description="hash partitions of each day's files (fixed when the index is created: the manifest's wins)",
    )


class RunnerConfig(_Section):
    name: Literal[
        "DirectRunner", "DataflowRunner", "FlinkRunner", "SparkRunner", "PortableRunner", "PrismRunner"
    ] = "DirectRunner"
    options: dict[str, Any] = Field(
        default_factory=dict, description="Beam pipeline options, by their flag names"
    )


class Job(_Section):
    name: str = "newsdedup"
    inputs: list[InputConfig] = Field(min_length=1)
    read: ReadConfig = Field(default_factory=ReadConfig)
    clean: CleanConfig = Field(default_factory=CleanConfig)
    dedup: DedupConfig = Field(default_factory=DedupConfig)
    output: OutputConfig
    index: IndexConfig | None = Field(
        None, description="history index of a scheduled job: flag copies of earlier runs' documents"
    )
    runner: RunnerConfig = Field(default_factory=RunnerConfig)
    max_rejected_share: float | None = Field(
        0.5,
        ge=0,
        le=1,
        description="the run fails when more than this share of the records read (skipped ones aside) is "
        "rejected: a sign of a wrong format setting; null: no check",
    )


class JobError(ValueError):
    """A job file that cannot be used; the message names every key at fault."""


def _model_at(loc: tuple[int | str, ...]) -> type[BaseModel] | None:
    """The model class that owns the key at ``loc`` (for listing the keys it allows)."""
    model: type[BaseModel] = Job
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(str(part))
        if field is None:
            return None
        annotation = field.annotation
        args = getattr(annotation, "__args__", ())
        candidates = [annotation, *args]
        nxt = next((c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel)), None)
        if nxt is None:
            return None
        model = nxt
    return model


def format_errors(error: ValidationError) -> str:
    """One line per problem: ``key.path: what is wrong (what is allowed)``."""
    lines = []
    for err in error.errors():
        loc = tuple(err["loc"])
        path = (
            ".".join(str(p) if not isinstance(p, int) else f"[{p}]" for p in loc).replace(".[", "[")
            or "(top)"
        )
        if err["type"] == "extra_forbidden":
            owner = _model_at(loc)
            allowed = ", ".join(owner.model_fields) if owner else "?"
            lines.append(f"{path}: unknown key (allowed here: {allowed})")
        elif err["type"] == "missing":
            lines.append(f"{path}: required key is missing")
        else:
            msg = err["msg"].removeprefix("Value error, ")
            lines.append(f"{path}: {msg} (got {err.get('input')!r})")
    return "\n".join(lines)


def parse_job(data: Any) -> Job:
    if not isinstance(data, dict):
        raise JobError("the job file must be a YAML mapping of sections (inputs, output, dedup, ...)")
    try:
        return Job.model_validate(data)
    except ValidationError as e:
        raise JobError(format_errors(e)) from None


def _set_path(data: dict[str, Any], dotted: str, value: Any) -> None:
    keys = dotted.split(".")
    node = data
    for key in keys[:-1]:
        child = node.get(key)
        if child is None:
            child = node[key] = {}
        if not isinstance(child, dict):
            raise JobError(f"--set {dotted}: {key} is not a section")
        node = child
    node[keys[-1]] = value


# Placeholders of the paths of a scheduled job, filled from the run date (``--date``, default today in UTC).
PLACEHOLDERS = ("date", "yesterday", "year", "month", "day", "compact_date")
TEMPLATED_PATHS = ("inputs[].path", "output.path", "index.path")
_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([^{}]*)\}")


def parse_run_date(value: str | None) -> dt.date:
    """The run date: ``YYYY-MM-DD``, or today in UTC when None."""
    if value is None:
        return dt.datetime.now(dt.timezone.utc).date()
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            return dt.date.fromisoformat(value)
    except ValueError:
        pass
    raise JobError(f"--date {value!r}: expected a calendar date as YYYY-MM-DD")


def placeholder_values(run_date: dt.date) -> dict[str, str]:
    """``{date}`` 2014-06-07, ``{yesterday}`` 2014-06-06, ``{year}`` 2014, ``{month}`` 06, ``{day}`` 07,
    ``{compact_date}`` 20140607."""
    return {
        "date": run_date.isoformat(),
        "yesterday": (run_date - dt.timedelta(days=1)).isoformat(),
        "year": f"{run_date.year:04d}",
        "month": f"{run_date.month:02d}",
        "day": f"{run_date.day:02d}",
        "compact_date": run_date.strftime("%Y%m%d"),
    }


def fill_placeholders(text: str, values: dict[str, str], *, key: str = "path") -> str:
    """``text`` with its ``{name}`` placeholders filled; ``{{`` and ``}}`` are literal braces. An unknown
    placeholder is a JobError naming ``key``."""

    def one(match: re.Match[str]) -> str:
        token = match.group(0)
        if token in ("{{", "}}"):
            return token[0]
        name = match.group(1)
        if name not in values:
            raise JobError(
                f"{key}: unknown placeholder {{{name}}} (allowed: "
                + ", ".join(f"{{{n}}}" for n in values)
                + "; write {{ and }} for literal braces)"
            )
        return values[name]

    return _PLACEHOLDER.sub(one, text)


def template_paths(data: dict[str, Any], run_date: dt.date) -> None:
    """Fill the placeholders of the job's paths (``TEMPLATED_PATHS``) in place."""
    values = placeholder_values(run_date)
    for i, spec in enumerate(data.get("inputs") or []):
        if isinstance(spec, dict) and isinstance(spec.get("path"), str):
            spec["path"] = fill_placeholders(spec["path"], values, key=f"inputs[{i}].path")
    for section in ("output", "index"):
        node = data.get(section)
        if isinstance(node, dict) and isinstance(node.get("path"), str):
            node["path"] = fill_placeholders(node["path"], values, key=f"{section}.path")


def load_job(path: str | Path, overrides: list[str] | None = None, *, run_date: dt.date | None = None) -> Job:
    """Read a YAML job file (``safe_load``), apply ``key.path=value`` overrides (values parsed as YAML), and
    fill the paths' ``{date}`` placeholders from ``run_date`` (default: today in UTC)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as e:
        raise JobError(f"cannot read job file {path}: {e.strerror}") from None
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as e:
        raise JobError(f"{path} is not valid YAML: {e}") from None
    if not isinstance(data, dict):
        raise JobError("the job file must be a YAML mapping of sections (inputs, output, dedup, ...)")
    for item in overrides or []:
        key, sep, raw = item.partition("=")
        if not sep or not key.strip():
            raise JobError(f"--set {item!r}: expected key.path=value")
        _set_path(data, key.strip(), yaml.safe_load(raw))
    template_paths(data, run_date or parse_run_date(None))
    return parse_job(data)
