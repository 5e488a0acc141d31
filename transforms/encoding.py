"""Bytes to text for pages and text dumps: the charset the bytes state, else one detected; never fails.

The order is a browser's, with detection at the end:

1. a byte-order mark (UTF-8, UTF-16, UTF-32): it is what the bytes are, whatever a header says (WHATWG);
   UTF-16 without a mark is recognised by the NUL bytes of its ASCII characters (``<\\x00h\\x00...``);
2. the charset of the HTTP ``Content-Type`` header (WARC responses);
3. a ``<meta charset>`` or ``http-equiv`` declaration in the first 4 KB;
4. UTF-8, when the bytes are (mostly) UTF-8;
5. detection by charset_normalizer, preferring windows-1252 when it is among the best candidates: on a short
   Western page with a few curly quotes every Latin code page fits about as well, and windows-1252 is the one
   the web actually used (charset_normalizer alone picks cp775 for ``\\x93Smart quotes\\x94``);
6. windows-1252, the web's default for undeclared pages.

A declared charset is taken as browsers take it: ``iso-8859-1`` and ``ascii`` mean windows-1252, ``gb2312`` means
gb18030, and so on; a declaration of a Western single-byte charset on bytes that are valid UTF-8 with non-ASCII
characters is a server default, not the page's charset, and UTF-8 wins. A declared UTF-8 on bytes that are
mostly something else is ignored. Labels Python cannot decode text with (``base64``, ``unicode_escape``,
``utf-7``) count as no declaration. Invalid bytes become U+FFFD, and the result never holds a lone surrogate, so
it always encodes as UTF-8.
"""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes
from charset_normalizer.md import mess_ratio

_HEAD = 4096
_BOMS = (
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)
_DECLARED = re.compile(rb"""charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_HEADER_CHARSET = re.compile(r"""charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_SURROGATES = re.compile("[\ud800-\udfff]")
# What browsers decode a declared label as (WHATWG Encoding Standard), by Python's canonical codec name.
_AS_BROWSERS_DO = {
    "ascii": "cp1252",
    "iso8859-1": "cp1252",
    "latin-1": "cp1252",
    "iso8859-9": "cp1254",
    "iso8859-11": "cp874",
    "tis-620": "cp874",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "shift_jis": "cp932",
    "euc_kr": "cp949",
    "big5": "big5hkscs",
}
# Labels that name no text encoding a page can be in (or one browsers refuse, like UTF-7).
_REFUSED = frozenset({"utf-7", "unicode-escape", "raw-unicode-escape", "punycode", "idna", "undefined"})
# A page declared in one of these but valid UTF-8 with non-ASCII characters is UTF-8 (a server default header).
_WESTERN_SINGLE_BYTE = frozenset({"cp1252", "iso8859-15", "cp1250", "iso8859-2"})
_PREFER_WITHIN = 0.05
# UTF-16 without a mark: in its first 256 bytes, most bytes of one parity are NUL (ASCII characters: markup,
# spaces, digits) and none of the other.
_NUL_SAMPLE = 256
_NUL_SHARE = 0.6  # chaos (charset_normalizer's mess ratio) within which windows-1252 is preferred


def bom_encoding(data: bytes) -> tuple[str, int] | None:
    """The encoding a byte-order mark (or UTF-16's NUL pattern) states, and the mark's length; None if none."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            return name, len(bom)
    size = min(len(data), _NUL_SAMPLE)
    head = data[: size - size % 2]
    if len(head) >= 8:
        even, odd = head[0::2].count(0) / (len(head) / 2), head[1::2].count(0) / (len(head) / 2)
        if odd >= _NUL_SHARE and even == 0:  # ASCII characters, little-endian: "<\x00h\x00"
            return "utf-16-le", 0
        if even >= _NUL_SHARE and odd == 0:
            return "utf-16-be", 0
    return None


def python_codec(label: str | None) -> str | None:
    """The Python codec to decode a declared charset with, as a browser would read the label; None if none."""
    if not label:
        return None
    try:
        info = codecs.lookup(label.strip().strip("\"'"))
    except (LookupError, ValueError):
        return None
    if not getattr(info, "_is_text_encoding", True) or info.name in _REFUSED:
        return None
    return _AS_BROWSERS_DO.get(info.name, info.name)


def header_charset(content_type: str | None) -> str | None:
    """The ``charset`` parameter of an HTTP ``Content-Type`` header value, as written."""
    m = _HEADER_CHARSET.search(content_type or "")
    return m.group(1) if m else None


def declared_charset(data: bytes) -> str | None:
    """The charset a page declares in its first 4 KB (``<meta charset>`` or ``http-equiv``), as written."""
    m = _DECLARED.search(data[:_HEAD])
    return m.group(1).decode("ascii") if m else None


def _utf8_share(data: bytes) -> tuple[bool, bool]:
    """(valid UTF-8, mostly UTF-8): mostly means the valid multi-byte characters outnumber the invalid bytes."""
    try:
        data.decode("utf-8")
        return True, True
    except UnicodeDecodeError:
        pass
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    wide = sum(1 for ch in text if ch > "\x7f") - bad
    return False, wide > 2 * bad


def _clean(text: str) -> str:
    return _SURROGATES.sub("\ufffd", text) if _SURROGATES.search(text) else text


def detect_codec(data: bytes) -> str:
    """The codec charset_normalizer finds best for ``data``; windows-1252 when it decodes the bytes and reads
    about as cleanly (its mess ratio within 0.05 of the best candidate's)."""
    try:
        matches = list(from_bytes(data))
    except Exception:  # detection is a heuristic; any failure of it means "no idea"
        matches = []
    # UTF-16/32 are recognised by their mark or NUL pattern (``bom_encoding``); charset_normalizer proposes them
    # for short runs of high bytes, where they make CJK out of a Western page.
    matches = [m for m in matches if not m.encoding.startswith(("utf_16", "utf_32"))]
    if not matches:
        return "cp1252"
    best = min(matches, key=lambda m: m.chaos)
    try:
        western = data.decode("cp1252")
    except UnicodeDecodeError:
        western = None
    if western is not None and mess_ratio(western, maximum_threshold=1.0) <= best.chaos + _PREFER_WITHIN:
        return "cp1252"
    return python_codec(best.encoding) or "cp1252"


def decode_bytes(data: bytes, http_charset: str | None = None) -> str:
    """Text of a page or text dump (see the module docstring for the order); invalid bytes become U+FFFD."""
    bom = bom_encoding(data)
    if bom is not None:
        name, skip = bom
        return _clean(data[skip:].decode(name, errors="replace"))
    valid, mostly = _utf8_share(data)
    for label in (http_charset, declared_charset(data)):
        codec = python_codec(label)
        if codec is None:
            continue
        if codec in ("utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be"):
            continue  # the bytes are ASCII-compatible (no mark, no NUL pattern): the label is wrong (WHATWG)
        if codec == "utf-8" and not mostly:
            continue
        if codec in _WESTERN_SINGLE_BYTE and valid and not data.isascii():
            codec = "utf-8"
        try:
            return _clean(data.decode(codec, errors="replace"))
        except (LookupError, ValueError):
            continue
    if mostly:
        return _clean(data.decode("utf-8", errors="replace"))
    return _clean(data.decode(detect_codec(data), errors="replace"))
