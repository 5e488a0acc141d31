"""Decoding bytes and normalizing text: the charset order, mojibake repair, and properties that hold for any input
(hypothesis): the decoders, the readers and the text normalizers never raise and always give valid UTF-8 text."""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import tempfile
from pathlib import Path
from typing import Any

import pytest
import zstandard
from apache_beam.io import fileio
from apache_beam.io.filesystem import FileMetadata
from apache_beam.pvalue import TaggedOutput
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from transforms import records as R
from transforms.encoding import bom_encoding, decode_bytes, detect_codec, header_charset, python_codec
from transforms.normalize import display_text, hashing_form, repair_mojibake
from transforms.read import (
    DecompressionBomb,
    NotCompressed,
    TruncatedArchive,
    _ReadFileFn,
    broken,
    looks_binary,
    open_decompressed,
    parse_file_record,
    parse_json_record,
    parse_warc_response,
)
from transforms.records import RawRecord, Rejected

PAGE = "<html><head><title>Zürich</title></head><body><p>Café “crème” – 5 €, naïve façade</p></body></html>"


# ---------------------------------------------------------------------------------------------------------------
# The charset order: BOM, HTTP header, <meta>, UTF-8, detection, windows-1252
# ---------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-8-sig"])
def test_unicode_pages_decode_and_are_not_binary(codec: str) -> None:
    data = PAGE.encode(codec)
    assert decode_bytes(data) == PAGE
    assert not looks_binary(data)


def test_utf16_without_a_mark_is_recognised_by_its_nul_pattern() -> None:
    assert bom_encoding(PAGE.encode("utf-16-le")) == ("utf-16-le", 0)
    assert bom_encoding(PAGE.encode("utf-16-be")) == ("utf-16-be", 0)
    assert bom_encoding(PAGE.encode("utf-8")) is None
    assert looks_binary(b"\x89PNG\r\n\x1a\n" + PAGE.encode("utf-16-le"))  # an image stays binary


def test_the_http_header_wins_over_the_meta_declaration() -> None:
    page = '<meta charset="iso-8859-5"><p>Αθήνα</p>'
    assert decode_bytes(page.encode("iso-8859-7"), http_charset="ISO-8859-7") == page
    assert decode_bytes(page.encode("iso-8859-7"), http_charset="no-such-charset") != page  # falls to <meta>


def test_a_western_header_on_utf8_bytes_is_a_server_default() -> None:
    assert decode_bytes(PAGE.encode(), http_charset="iso-8859-1") == PAGE
    assert decode_bytes(PAGE.encode("cp1252"), http_charset="iso-8859-1") == PAGE


def test_a_utf8_declaration_on_legacy_bytes_is_ignored() -> None:
    page = '<meta charset="utf-8"><p>Café crème brûlée, naïve façade</p>'
    assert decode_bytes(page.encode("cp1252")) == page


def test_invalid_bytes_in_utf8_become_replacement_characters() -> None:
    data = PAGE.encode().replace(b"naive", b"x").replace(b"Caf", b"Ca\xff", 1)
    assert decode_bytes(data) == PAGE.replace("Caf", "Ca\ufffd", 1)


@pytest.mark.parametrize(
    ("text", "codec"),
    [
        ("Привет мир, это новости дня о погоде и политике в Москве", "cp1251"),
        ("東京の株価は上昇した。日経平均は三日ぶりに反発した", "cp932"),
        ("Ελληνικά νέα για την Αθήνα και τον καιρό σήμερα", "cp1253"),
    ],
)
def test_undeclared_legacy_text_is_detected(text: str, codec: str) -> None:
    assert decode_bytes(text.encode(codec)) == text


@pytest.mark.parametrize(
    ("label", "codec"),
    [
        ("ISO-8859-1", "cp1252"),
        ("latin1", "cp1252"),
        ("us-ascii", "cp1252"),
        ("gb2312", "gb18030"),
        ("Shift_JIS", "cp932"),
        ("utf8", "utf-8"),
        ("'windows-1251'", "cp1251"),
        ("utf-7", None),
        ("base64", None),
        ("unicode_escape", None),
        ("x-no-such-charset", None),
        ("", None),
        (None, None),
    ],
)
def test_python_codec_reads_labels_as_browsers_do(label: str | None, codec: str | None) -> None:
    assert python_codec(label) == codec


def test_header_charset() -> None:
    assert header_charset('text/html; charset="Windows-1252"') == "Windows-1252"
    assert header_charset("text/html") is None and header_charset(None) is None


def test_detect_codec_prefers_windows_1252_for_short_western_text() -> None:
    assert detect_codec(b"<p>\x93Smart quotes\x94 and a ticket for \x805</p>") == "cp1252"


# ---------------------------------------------------------------------------------------------------------------
# Mojibake repair (ftfy, limited to wrong decodings)
# ---------------------------------------------------------------------------------------------------------------

CORRECT = [
    "Zürich — 東京 — “quotes” — €5 — naïve",
    "Le café de la gare, ouvert depuis 1911, a rouvert ses portes.",
    "Москва, 5 марта (Рейтер) — Центральный банк сохранил ставку.",
    "Αθήνα: ο καιρός σήμερα",
    "北京6月7日电 国务院总理李克强",
    "“Fish & chips” costs £9.50 at the ﬁrst stall; ＡＢＣ is full-width.",
    "He said: 'It's 5°C' — 1/2 of them — ½ price — 3×4",
    "ÀÉÎÕÜ àéîõü ßæøå ÆØÅ",
]


@pytest.mark.parametrize("text", CORRECT)
def test_repair_leaves_correct_text_alone(text: str) -> None:
    assert repair_mojibake(text) == text


def _as_windows_1252(data: bytes) -> str:
    """Bytes read as windows-1252 the way Windows tools do: its five undefined bytes become C1 controls."""
    return "".join(bytes([b]).decode("cp1252", errors="ignore") or chr(b) for b in data)


@pytest.mark.parametrize("text", CORRECT)
def test_repair_undoes_utf8_read_as_windows_1252(text: str) -> None:
    garbled = _as_windows_1252(text.encode("utf-8"))
    assert garbled != text
    assert repair_mojibake(garbled) == text


@pytest.mark.parametrize("text", CORRECT)
def test_repair_undoes_utf8_read_as_latin_1(text: str) -> None:
    assert repair_mojibake(text.encode("utf-8").decode("latin-1")) == text


def test_display_text_repairs_mojibake() -> None:
    assert display_text("CafÃ© crÃ¨me â€” â€œquotedâ€\x9d") == "Café crème — “quoted”"


# ---------------------------------------------------------------------------------------------------------------
# Decompression: by magic bytes, checked against the name; truncation and bombs
# ---------------------------------------------------------------------------------------------------------------

LINES = b"".join(b'{"url": "https://e.com/%d", "text": "story %d"}\n' % (i, i) for i in range(2000))
COMPRESS = {
    "gz": lambda d: gzip.compress(d, mtime=0),
    "bz2": bz2.compress,
    "xz": lzma.compress,
    "zst": lambda d: zstandard.ZstdCompressor().compress(d),
}


@pytest.mark.parametrize("ext", sorted(COMPRESS))
def test_open_decompressed_by_magic_whatever_the_name(ext: str) -> None:
    data = COMPRESS[ext](LINES)
    assert open_decompressed(io.BytesIO(data), name=f"feed.jsonl.{ext}").read() == LINES
    assert (
        open_decompressed(io.BytesIO(data), name="feed.jsonl").read() == LINES
    )  # named plain, read by magic


@pytest.mark.parametrize("ext", sorted(COMPRESS))
def test_a_file_named_compressed_that_is_not_is_refused(ext: str) -> None:
    with pytest.raises(NotCompressed, match=r"not .* data"):
        open_decompressed(io.BytesIO(LINES), name=f"feed.jsonl.{ext}")


@pytest.mark.parametrize("ext", sorted(COMPRESS))
def test_a_truncated_stream_keeps_its_whole_lines_then_reports_the_break(ext: str) -> None:
    data = COMPRESS[ext](LINES)
    fh = open_decompressed(io.BytesIO(data[: len(data) // 2]), name=f"feed.jsonl.{ext}")
    got = []
    with pytest.raises(TruncatedArchive):
        while line := fh.readline():
            got.append(line)
        raise broken(fh) or AssertionError("the end of a cut-off stream must not look like a clean end")
    whole = [line for line in got if line.endswith(b"\n")]
    assert LINES.startswith(b"".join(whole))  # a prefix of whole lines (none for block formats cut early)
    if ext in ("gz", "xz"):  # stream formats give back everything before the cut
        assert len(whole) > 100


@pytest.mark.parametrize("ext", sorted(COMPRESS))
def test_a_bomb_stops_at_the_bound(ext: str) -> None:
    data = COMPRESS[ext](b"\x00" * 5_000_000)
    fh = open_decompressed(io.BytesIO(data), name=f"x.html.{ext}", max_decompressed_bytes=1_000_000)
    total = 0
    while chunk := fh.read(65536):
        total += len(chunk)
    assert total <= 1_000_000 and isinstance(broken(fh), DecompressionBomb)


# ---------------------------------------------------------------------------------------------------------------
# Properties: arbitrary bytes and strings never raise; the output is always valid UTF-8 text
# ---------------------------------------------------------------------------------------------------------------

ANY_TEXT = st.text(alphabet=st.characters(codec=None, exclude_categories=()), max_size=300)
SOME_LABELS = st.one_of(
    st.none(), st.sampled_from(["utf-8", "iso-8859-1", "utf-16", "utf-7", "base64", "koi8-r"])
)


def _utf8(value: Any) -> None:
    if isinstance(value, str):
        value.encode("utf-8")  # raises on a lone surrogate
    elif isinstance(value, tuple):
        for v in value:
            _utf8(v)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2000), SOME_LABELS)
def test_decode_bytes_never_raises_and_gives_utf8(data: bytes, label: str | None) -> None:
    decode_bytes(data, http_charset=label).encode("utf-8")


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=600).map(lambda b: b"<meta charset=utf-16>" + b))
def test_decode_bytes_with_declarations_never_raises(data: bytes) -> None:
    decode_bytes(data).encode("utf-8")


@settings(max_examples=300, deadline=None)
@given(ANY_TEXT)
def test_text_normalizers_never_raise_and_give_utf8(text: str) -> None:
    shown = display_text(text)
    shown.encode("utf-8")
    assert "\n\n" not in shown and shown == shown.strip()
    hashing_form(text).encode("utf-8")
    hashing_form(shown).encode("utf-8")
    repair_mojibake(text).encode("utf-8")


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        ANY_TEXT,
        st.builds(
            lambda u, t, extra: '{"url": ' + u + ', "text": ' + t + extra + "}",
            st.sampled_from(['"https://e.com/a"', "17", "null", '"\\ud800"']),
            st.sampled_from(['"x \\ud83d y"', '"\\udfff"', '""', "[1]", '"plain"']),
            st.sampled_from(["", ', "published": "2024-02-30"', ', "id": true', ', "meta": {"\\ud800": 1}']),
        ),
    )
)
def test_parse_json_record_never_raises_and_gives_utf8(line: str) -> None:
    result = parse_json_record(line, "f.jsonl:1")
    assert isinstance(result, (RawRecord, Rejected))
    _utf8(tuple(result))


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000), st.sampled_from(["html", "text"]))
def test_parse_file_record_never_raises_and_gives_utf8(data: bytes, kind: str) -> None:
    result = parse_file_record(data, "/p/x", "x", kind)
    assert isinstance(result, (RawRecord, Rejected))
    _utf8(tuple(result))


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000), st.one_of(st.none(), st.text(max_size=40)))
def test_parse_warc_response_never_raises_and_gives_utf8(data: bytes, content_type: str | None) -> None:
    result = parse_warc_response(data, "/c.warc@0", url="https://e.com/a", content_type=content_type)
    assert isinstance(result, (RawRecord, Rejected))
    _utf8(tuple(result))


def _mangled(data: bytes) -> st.SearchStrategy[bytes]:
    return st.sampled_from([data, data[: len(data) // 2], data[:-3], data + b"junk"])


ARCHIVE_BYTES = st.one_of(
    st.binary(max_size=1500),
    st.builds(
        lambda ext, d: COMPRESS[ext](d), st.sampled_from(sorted(COMPRESS)), st.binary(max_size=1500)
    ).flatmap(_mangled),
    st.sampled_from([LINES[:3000], gzip.compress(LINES, mtime=0)[:900]]),
)
NAMES = [
    "x.jsonl",
    "x.jsonl.gz",
    "x.html",
    "x.html.bz2",
    "x.txt.zst",
    "x.warc",
    "x.warc.gz",
    "x.arc",
    "x.txt.xz",
]


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ARCHIVE_BYTES, st.sampled_from(NAMES))
def test_the_reader_never_raises_on_any_file_and_gives_utf8(data: bytes, name: str) -> None:
    """Whatever the bytes of a file, reading it yields records and rejected records, never an exception."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        fn = _ReadFileFn(folder + "/", "auto", None, 100_000, 1_000_000)
        fn.setup()
        out = list(fn.process(fileio.ReadableFile(FileMetadata(str(path), len(data)))))
    for item in out:
        value = item.value if isinstance(item, TaggedOutput) else item
        assert isinstance(value, (RawRecord, Rejected))
        _utf8(tuple(value))
        if isinstance(value, Rejected):
            assert value.reason in R.REASONS and value.origin.startswith(str(path))
