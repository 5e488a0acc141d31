"""display_text, hashing_form, normalize_published, registered_domain: pure functions."""

from __future__ import annotations

import pytest

from transforms.normalize import display_text, hashing_form, normalize_published, registered_domain

# ---------------------------------------------------------------------------------------------------------------
# display_text: faithful, one paragraph a line
# ---------------------------------------------------------------------------------------------------------------


def test_display_text_keeps_case_punctuation_and_digits() -> None:
    text = "Shares of Acme Corp. rose 4.5% to $12.80 on Tuesday — the best day since 2019."
    assert display_text(text) == text


def test_display_text_one_paragraph_a_line_without_blank_lines() -> None:
    raw = "  First paragraph.  \r\n\r\n\n   Second paragraph.\rThird\u2028Fourth\u2029Fifth\x85Sixth\n\n"
    assert display_text(raw) == "First paragraph.\nSecond paragraph.\nThird\nFourth\nFifth\nSixth"


def test_display_text_collapses_odd_spaces_inside_a_line() -> None:
    raw = "The\u00a0mayor\u2009said\t\tthe\u3000plan\u202fwould   go\u2003ahead."
    assert display_text(raw) == "The mayor said the plan would go ahead."


def test_display_text_removes_invisible_characters() -> None:
    raw = "\ufeffSyndi\u00adcated co\u200boperation\u200d with a word\u2060joiner and \u202abidi\u202c marks\u200e."
    assert display_text(raw) == "Syndicated cooperation with a wordjoiner and bidi marks."


def test_display_text_turns_controls_and_tabs_into_spaces() -> None:
    assert display_text("Bell\x07here\x1bthere\x7fend\tok") == "Bell here there end ok"


def test_display_text_is_nfc_not_nfkc() -> None:
    # combining acute composes (NFC); the ligature and full-width digits stay as written (no NFKC for readers)
    assert display_text("Cafe\u0301 \ufb01nance \uff11\uff12") == "Caf\u00e9 \ufb01nance \uff11\uff12"


def test_display_text_of_whitespace_only_is_empty() -> None:
    assert display_text(" \n\u200b\n\t\u00a0 ") == ""


# ---------------------------------------------------------------------------------------------------------------
# hashing_form: NFKC, casefold, punctuation folded, digits kept
# ---------------------------------------------------------------------------------------------------------------


def test_hashing_form_keeps_digits_apart() -> None:
    # templated earnings reports must not collapse into one key
    a = hashing_form("Acme Corp Q3 Shr 12 cts vs 10 cts; revenue $1.2 bln")
    b = hashing_form("Acme Corp Q3 Shr 10 cts vs 10 cts; revenue $1.2 bln")
    assert a == "acme corp q3 shr 12 cts vs 10 cts revs 1 2 bln"
    assert a != b


def test_hashing_form_folds_punctuation_and_symbols_to_single_spaces() -> None:
    raw = "U.S.-China talks: “progress”, officials say — (again)!  #trade @desk_news"
    assert hashing_form(raw) == "us china talks progress officials say again trade desk news"


def test_hashing_form_is_nfkc_and_casefolded() -> None:
    # ligature, full-width letters/digits, German sharp s, Greek final sigma
    assert (
        hashing_form("\ufb01nance ＡＢＣ \uff11\uff12 STRASSE Straße ΟΔΟΣ")
        == "finance abc 12 strasse strasse οδοσ"
    )


def test_hashing_form_collapses_lines_to_one() -> None:
    assert hashing_form("First line.\nSecond line.\n\nThird.") == "first line second line third"


def test_hashing_form_of_display_text_ignores_invisible_characters() -> None:
    # the pipeline's order (build_document): display_text first, then hashing_form
    raw = "Syndi\u00adcated co\u200boperation, word\u2060joiner"
    assert hashing_form(display_text(raw)) == hashing_form("Syndicated cooperation, wordjoiner")


def test_hashing_form_alone_drops_invisible_characters() -> None:
    assert hashing_form("Syndi\u00adcated co\u200boperation") == "syndicated cooperation"


def test_hashing_form_equal_for_cosmetic_variants() -> None:
    a = "Police said: 'The suspect fled.'\nHe was 34."
    b = "POLICE SAID — “THE SUSPECT FLED”   He was 34!"
    assert hashing_form(a) == hashing_form(b) == "police said the suspect fled he was 34"


# ---------------------------------------------------------------------------------------------------------------
# normalize_published
# ---------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-03-05", "2024-03-05"),
        ("  2024-03-05 ", "2024-03-05"),
        ("2024-03-05T10:15:00+02:00", "2024-03-05T08:15:00Z"),
        ("2024-03-05T23:30:00-05:00", "2024-03-06T04:30:00Z"),  # crosses midnight into UTC's next day
        ("2024-03-05T10:15:00", "2024-03-05T10:15:00Z"),  # naive is taken as UTC
        ("2024-03-05T10:15:00Z", "2024-03-05T10:15:00Z"),
        ("2024-03-05t10:15:00z", "2024-03-05T10:15:00Z"),
        ("2024-03-05 10:15", "2024-03-05T10:15:00Z"),
        ("2024-03-05T10:15:00.750Z", "2024-03-05T10:15:00Z"),  # fractions dropped
    ],
)
def test_normalize_published(value: str, expected: str) -> None:
    assert normalize_published(value) == expected


def test_normalized_datetimes_sort_in_time_order() -> None:
    # as written, string order is not time order; normalized to UTC it is
    raw = ["2024-03-05T10:00:00+08:00", "2024-03-05T03:00:00Z", "2024-03-04T23:30:00-05:00"]
    normalized = [normalize_published(v) for v in raw]
    assert normalized == ["2024-03-05T02:00:00Z", "2024-03-05T03:00:00Z", "2024-03-05T04:30:00Z"]
    assert sorted(raw) != raw
    assert sorted(normalized) == normalized


@pytest.mark.parametrize(
    "value",
    [
        "",
        "   ",
        "yesterday",
        "2024-13-01",
        "2024-02-30",
        "05/03/2024",
        "2024-3-5",
        "March 5, 2024",
        "2024-03-05T25:00",
    ],
)
def test_normalize_published_rejects_non_iso(value: str) -> None:
    with pytest.raises(ValueError):
        normalize_published(value)


# ---------------------------------------------------------------------------------------------------------------
# registered_domain
# ---------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://www.bbc.co.uk/news/world-68412345", "bbc.co.uk"),
        ("https://news.bbc.co.uk/", "bbc.co.uk"),
        ("http://edition.cnn.com/2024/03/05/business/index.html", "cnn.com"),
        ("https://a.b.c.example.com.au/path?q=1", "example.com.au"),
        ("https://WWW.Reuters.COM/markets/", "reuters.com"),
        ("www.theguardian.com/uk-news/2024/mar/05/story", "theguardian.com"),  # no scheme
        ("https://www.example.org:8443/x", "example.org"),
    ],
)
def test_registered_domain(url: str, expected: str) -> None:
    assert registered_domain(url) == expected


@pytest.mark.parametrize(
    "url", [None, "", "not a url", "http://localhost:8080/", "https://192.168.0.1/x", "https://", "::::"]
)
def test_registered_domain_none_for_garbage(url: str | None) -> None:
    assert registered_domain(url) is None


@pytest.mark.parametrize(
    ("outlet", "wire"),
    [
        ("Share 12 cents versus 10 cents", "Shr 12 cts vs 10 cts"),
        ("up 5 per cent, 5 percent or 5%", "up 5 pct, 5 pct or 5 pct"),
        ("3.1 million dollars, 2 billion", "3.1 mln dlrs, 2 bln"),
        ("U.S. Steel Corporation and Britain", "US Steel Corp and U.K."),
        ("Revenues rose in the quarter", "Revs rose in the qtr"),
    ],
)
def test_house_style_spellings_fold_to_one(outlet: str, wire: str) -> None:
    assert hashing_form(outlet) == hashing_form(wire)


def test_house_style_folds_whole_words_only() -> None:
    assert (
        hashing_form("Percentages of shareholders in companyhood")
        == "percentages of shareholders in companyhood"
    )
