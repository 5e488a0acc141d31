"""Tests for transforms.textdump: the plain-text dump parser (chrome rules, metadata, body span)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from transforms.textdump import TextDump, parse_text_dump, template_key

SEED_PATH = Path(__file__).parents[2].parent / "shared" / "seeds" / "000_d61b9ddc0bd3fe74.txt"

# A byte-faithful copy of the seed (checked against the file when ../shared is present), so the seed
# assertions run without ../shared. Note the no-break space before "Archived Content".
SEED_TEXT = (
    "Text: | Print|\n"
    "\n"
    "Special unit to help China fight cyber terrorism\n"
    "\n"
    "2014-06-07 09:21 chinadaily.com.cn Web Editor: Mo Hong'e\n"
    "\n"
    "A special unit combating the spread of terrorism online set up by the Regional "
    "Anti-Terrorist Structure (RATS) of the Shanghai Cooperation Organization (SCO) will help "
    "China, which has experienced a series of terrorist attacks in recent years, to maintain "
    "its social stability, director of the structure's executive committee said on Friday.\n"
    "\n"
    '"Many terrorists who carried out deadly attacks in China have watched or listened to '
    "videos or audios with contents of extreme beliefs online, but those materials are "
    "produced and uploaded outside China. So RATS has decided to set up a special unit to "
    "deal with the threat,\" Zhang Xinfeng, the current director of SCO's Regional "
    "Anti-Terrorist Structure's executive committee said at the headquarters of the structure "
    "in Tashkent, capital of Uzbekistan.\n"
    "\n"
    "Zhang said the unit could provide assistance to China, especially Xinjiang Uygur "
    "autonomous region, which is on the frontline of the country's war on terrorism, to "
    "eliminate the online sources of terrorist and extreme information. He added that China's "
    "recent national campaign of striking hard on terrorism is necessary and will be "
    "effective.\n"
    "\n"
    "The member states of the SCO, which includes Kazakhstan, China, Kyrgyzstan, Russia, "
    "Tajikistan and Uzbekistan, have constantly made arrests of terrorists, separatists and "
    "extremists as well as tracked down terrorists wanted internationally. The structure has "
    "also always been assisted by China in fighting terrorism since it was founded on June "
    "17, 2004, with the aim to enhance cooperation in the region's security, he added.\n"
    "\n"
    '"The terrorist attacks in Xinjiang Uygur autonomous region are closely related to the '
    "activities of terrorists, separatists and extremists forces in Central Asia so the joint "
    "anti-terrorist efforts from the member countries are crucial to China's stability, and "
    'it is a long-term mission," Zhang said.\n'
    "\n"
    "The member countries have adopted an anti-terrorism mechanism in intelligence and "
    "information sharing. Also, they have strengthened he cooperation of border controls "
    "since 2013 to solve the issues of terrorists crossing the borders illegally, he added.\n"
    "\n"
    "RATS has two bodies: the Council and the executive committee. According to the agreement "
    "of the member countries, regular meetings of the Council have to be held at least once "
    "every six months.\n"
    "\n"
    "So far 24 meetings have been held since the organization was established 10 years ago "
    "and 356 documents regulating the cooperation of the member states in the fight against "
    "terrorism, separatism and extremism have been reviewed.\n"
    "\n"
    "Besides the member countries, the structure has further enhanced the anti-terrorism "
    "cooperation with SCO's five observer countries: Afghanistan, India, Iran, Mongolia and "
    "Pakistan.\n"
    "\n"
    '"Although countries may have some conflicts with each other, but they must realize that '
    'terrorism is their common enemy and they must fight it together," Zhang said.\n'
    "\n"
    "Comments (0)\n"
    "Most popular in 24h\n"
    "\xa0 Archived Content\n"
    "Media partners:\n"
    "\n"
    "Copyright ©1999-2018 Chinanews.com. All rights reserved.\n"
    "Reproduction in whole or in part without permission is prohibited."
)

SEED_PARAGRAPH_STARTS = (
    "A special unit combating",
    '"Many terrorists who carried out',
    "Zhang said the unit could",
    "The member states of the SCO",
    '"The terrorist attacks in Xinjiang',
    "The member countries have adopted",
    "RATS has two bodies",
    "So far 24 meetings",
    "Besides the member countries",
    '"Although countries may have',
)

PROSE_A = (
    "Factory orders in the region rose for a third straight month in May, as exporters reported a "
    "rebound in demand from Europe and Asia, the statistics office said on Friday."
)
PROSE_B = (
    "Manufacturers of machinery and cars led the gains, while food processors reported flat sales "
    "for the month and warned that higher energy prices would weigh on margins."
)


def _lines(text: str) -> list[str]:
    return [" ".join(raw.split()) for raw in text.splitlines() if raw.strip()]


def _body_lines(result: TextDump) -> list[str]:
    return result.body.split("\n") if result.body else []


def _rules(result: TextDump) -> list[str]:
    return [rule for rule, _ in result.dropped]


# ---------------------------------------------------------------------------------------------------------------
# The seed


def _seed_sources() -> list[object]:
    skip = pytest.mark.skipif(not SEED_PATH.is_file(), reason=f"seed file {SEED_PATH} absent (no ../shared)")
    return [pytest.param("inline", id="inline"), pytest.param("file", id="file", marks=skip)]


def _seed(source: object) -> str:
    return SEED_TEXT if source == "inline" else SEED_PATH.read_text(encoding="utf-8")


@pytest.mark.skipif(not SEED_PATH.is_file(), reason=f"seed file {SEED_PATH} absent (no ../shared)")
def test_inline_seed_is_a_faithful_copy() -> None:
    assert SEED_PATH.read_text(encoding="utf-8") == SEED_TEXT


@pytest.mark.parametrize("source", _seed_sources())
def test_seed_fields(source: object) -> None:
    result = parse_text_dump(_seed(source))
    assert result.title == "Special unit to help China fight cyber terrorism"
    assert result.published == "2014-06-07T09:21"
    assert result.credit == "chinadaily.com.cn"
    assert result.author == "Mo Hong'e"
    assert result.site == "chinanews.com"


@pytest.mark.parametrize("source", _seed_sources())
def test_seed_body(source: object) -> None:
    result = parse_text_dump(_seed(source))
    body = result.body
    assert body.startswith("A special unit combating the spread of terrorism online")
    assert body.endswith('they must fight it together," Zhang said.')
    lines = body.split("\n")
    # The seed has 10 article paragraphs: the first, the last and 8 in between.
    assert len(lines) == len(SEED_PARAGRAPH_STARTS) == 10
    assert len(lines[1:-1]) == 8
    for line, start in zip(lines, SEED_PARAGRAPH_STARTS, strict=True):
        assert line.startswith(start)
        assert line == line.strip() and "  " not in line
    for chrome in (
        "Print",
        "Comments (0)",
        "Most popular in 24h",
        "Archived Content",
        "Media partners:",
        "Copyright",
        "Reproduction in whole",
    ):
        assert chrome not in body


@pytest.mark.parametrize("source", _seed_sources())
def test_seed_dropped(source: object) -> None:
    result = parse_text_dump(_seed(source))
    assert result.dropped == (
        ("print_bar", "Text: | Print|"),
        ("title_line", "Special unit to help China fight cyber terrorism"),
        ("meta_line", "2014-06-07 09:21 chinadaily.com.cn Web Editor: Mo Hong'e"),
        ("comments_counter", "Comments (0)"),
        ("most_popular", "Most popular in 24h"),
        ("archived_content", "Archived Content"),
        ("media_partners", "Media partners:"),
        ("copyright", "Copyright ©1999-2018 Chinanews.com. All rights reserved."),
        ("reproduction_notice", "Reproduction in whole or in part without permission is prohibited."),
    )


def test_seed_with_windows_line_endings_and_tabs() -> None:
    text = SEED_TEXT.replace("\n", "\r\n").replace("Comments (0)", "\tComments   (0) ")
    result = parse_text_dump(text)
    assert result == parse_text_dump(SEED_TEXT)._replace(
        dropped=tuple(
            (rule, "Comments (0)" if line == "Comments (0)" else line)
            for rule, line in parse_text_dump(SEED_TEXT).dropped
        )
    )


# ---------------------------------------------------------------------------------------------------------------
# Chrome rules, one realistic line each, both above and below the article


CHROME_LINES = [
    ("Text: | Print|", "print_bar"),
    ("Print | Email | Save", "print_bar"),
    ("E-mail this article", "print_bar"),
    ("Share this article: Facebook | Twitter | Email", "share_bar"),
    ("Share on Facebook", "share_bar"),
    ("Comments (0)", "comments_counter"),
    ("12 comments", "comments_counter"),
    ("View all 3 comments", "comments_counter"),
    ("Most popular in 24h", "most_popular"),
    ("Most Read", "most_popular"),
    ("Most viewed this week", "most_popular"),
    ("Related stories:", "related_block"),
    ("Related Articles", "related_block"),
    ("Related news", "related_block"),
    ("You may also like", "related_block"),
    ("Read more", "read_more"),
    ("Read more: Central bank holds rates steady", "read_more"),
    ("Related: Central bank holds rates steady", "related_link"),
    ("Tags: economy, trade, China", "tags"),
    ("Home > News > Business", "breadcrumb"),
    ("You are here: Home » World » Asia", "breadcrumb"),
    ("Font size: A+ A-", "font_size"),
    ("A A A", "font_size"),
    ("\u00a0 Archived Content", "archived_content"),
    ("Media partners:", "media_partners"),
    ("Follow us on Twitter @metrotribune", "follow_us"),
    ("Sign up for our newsletter", "newsletter"),
    ("Subscribe to our daily newsletter for the latest headlines", "newsletter"),
    ("Advertisement", "advertisement"),
    ("Story continues below advertisement", "advertisement"),
    ("Copyright ©1999-2018 Chinanews.com. All rights reserved.", "copyright"),
    ("© 2014 Metro Tribune. All rights reserved.", "copyright"),
    ("(c) 2014 Asia Wire", "copyright"),
    ("All rights reserved.", "rights_reserved"),
    ("Metro Tribune Ltd. All rights reserved.", "rights_reserved"),
    ("Reproduction in whole or in part without permission is prohibited.", "reproduction_notice"),
    ("This material may not be published, broadcast, rewritten or redistributed.", "reproduction_notice"),
    ("World | Asia | Europe | Americas", "nav_bar"),
    ("Back to top", "nav_link"),
    ("We use cookies to improve your experience on our site.", "cookie_notice"),
]


@pytest.mark.parametrize(
    ("line", "rule"), CHROME_LINES, ids=[rule + ":" + line for line, rule in CHROME_LINES]
)
def test_chrome_line_is_dropped_with_its_rule(line: str, rule: str) -> None:
    result = parse_text_dump(f"{line}\n\n{PROSE_A}\n\n{PROSE_B}\n\n{line}\n")
    assert result.body == f"{PROSE_A}\n{PROSE_B}"
    clean = " ".join(line.split())
    assert result.dropped == ((rule, clean), (rule, clean))


def test_chrome_inside_the_body_is_dropped_and_the_body_continues() -> None:
    text = f"{PROSE_A}\n\nAdvertisement\n\nStory continues below advertisement\n\n{PROSE_B}"
    result = parse_text_dump(text)
    assert result.body == f"{PROSE_A}\n{PROSE_B}"
    assert _rules(result) == ["advertisement", "advertisement"]


# ---------------------------------------------------------------------------------------------------------------
# Article text that only mentions chrome words stays


MENTIONS = [
    "The court said the copyright claim was filed in 2012.",
    "Copyright holders in 2012 sued the company over lost sales, the filing shows.",
    "Print newspapers have lost 20 per cent of readers, the report said.",
    "Related to this, the ministry will review the rules next year.",
    "Comments made by the minister in 2012 angered the unions, the paper reported.",
    "Most popular among young voters was the promise of cheaper rail fares.",
    "Share prices rose 5 per cent on Friday, the exchange said.",
    "Follow us, the protesters shouted as police blocked the road.",
    "Advertising revenue fell sharply in the first quarter, the company said.",
    "Read more carefully, the judge told the lawyers.",
    "All rights reserved by the treaty were restored in 1990, the court found.",
    "Reproduction rates of the fish fell without any clear cause, scientists said.",
    "Tags were fitted to 20 of the birds, researchers said.",
    "Home prices > wages, the report says",
    "For more information, visitors can call the museum on weekdays.",
    "For more than a decade the company has grown, the report said.",
]


@pytest.mark.parametrize("line", MENTIONS)
def test_body_sentence_mentioning_chrome_words_is_kept(line: str) -> None:
    result = parse_text_dump(f"{PROSE_A}\n\n{line}\n\n{PROSE_B}\n")
    assert result.body == f"{PROSE_A}\n{line}\n{PROSE_B}"
    assert result.dropped == ()


@pytest.mark.parametrize(
    "first",
    [
        "BEIJING, June 7 (Xinhua) -- A 5.1-magnitude earthquake jolted southwest China's Yunnan province "
        "early Saturday, the China Earthquake Networks Center said.",
        "WASHINGTON (AP) — Rescue crews searched through the night for survivors of the collapse, officials "
        "said on Saturday.",
    ],
)
def test_wire_dateline_stays_in_the_body(first: str) -> None:
    result = parse_text_dump(f"Quake shakes southwest China\n\n{first}\n\n{PROSE_B}")
    assert result.title == "Quake shakes southwest China"
    assert result.body == f"{first}\n{PROSE_B}"


def test_dateline_alone_on_its_line_and_wire_credit_stay_in_the_body() -> None:
    text = (
        f"Quake shakes southwest China\n\nWASHINGTON (AP) —\n\n{PROSE_A}\n\n{PROSE_B}\n\n"
        "(Reporting by Jane Doe; Editing by John Roe)\n\nComments (2)\n"
    )
    result = parse_text_dump(text)
    assert _body_lines(result) == [
        "WASHINGTON (AP) —",
        PROSE_A,
        PROSE_B,
        "(Reporting by Jane Doe; Editing by John Roe)",
    ]
    assert _rules(result) == ["title_line", "comments_counter"]


def test_short_lines_between_prose_are_kept() -> None:
    lines = [PROSE_A, "Exporters lead the way", '"We will win," she said.', "Why now?", PROSE_B]
    result = parse_text_dump("\n\n".join(lines))
    assert _body_lines(result) == lines
    assert result.title is None


def test_short_sentence_just_before_and_after_the_prose_is_kept() -> None:
    text = f"Orders climb again\n\nIt was the third rise.\n\n{PROSE_A}\n\n{PROSE_B}\n\nShe agreed.\n\nTop stories\n"
    result = parse_text_dump(text)
    assert _body_lines(result) == ["It was the third rise.", PROSE_A, PROSE_B, "She agreed."]
    assert result.title == "Orders climb again"


# ---------------------------------------------------------------------------------------------------------------
# Two other site styles


METRO_TRIBUNE = f"""Home > News > Business

Metro Tribune

Factory orders climb for third month as exporters rebound

By Jane Doe | June 7, 2014

Share this article: Facebook | Twitter | Email

{PROSE_A}

New orders climbed 2.1 per cent from April, beating the 1.4 per cent rise that economists had expected.

Exporters lead the way

"We will win," she said.

{PROSE_B}

Read more: Central bank holds rates steady

Related stories:
Retail sales slip as shoppers stay home
Port strike ends after two weeks
Housing starts hit six-year high

Follow us on Twitter @metrotribune
Sign up for our newsletter
© 2014 Metro Tribune. All rights reserved.
"""


def test_metro_tribune_style() -> None:
    result = parse_text_dump(METRO_TRIBUNE)
    assert result.title == "Factory orders climb for third month as exporters rebound"
    assert result.published == "2014-06-07"
    assert result.author == "Jane Doe"
    assert result.credit is None
    assert result.site == "metro tribune"
    assert _body_lines(result) == [
        PROSE_A,
        "New orders climbed 2.1 per cent from April, beating the 1.4 per cent rise that economists had expected.",
        "Exporters lead the way",
        '"We will win," she said.',
        PROSE_B,
    ]
    assert result.dropped == (
        ("breadcrumb", "Home > News > Business"),
        ("header_line", "Metro Tribune"),
        ("title_line", "Factory orders climb for third month as exporters rebound"),
        ("meta_line", "By Jane Doe | June 7, 2014"),
        ("share_bar", "Share this article: Facebook | Twitter | Email"),
        ("read_more", "Read more: Central bank holds rates steady"),
        ("related_block", "Related stories:"),
        ("footer_block", "Retail sales slip as shoppers stay home"),
        ("footer_block", "Port strike ends after two weeks"),
        ("footer_block", "Housing starts hit six-year high"),
        ("follow_us", "Follow us on Twitter @metrotribune"),
        ("newsletter", "Sign up for our newsletter"),
        ("copyright", "© 2014 Metro Tribune. All rights reserved."),
    )


ASIA_WIRE = """Advertisement
World | Asia | Europe | Americas
You are here: Home » World » Asia
Font size: A+ A-
Published: Saturday, 7 June 2014, 10:05 a.m.
Author: Li Wei
Source: Xinhua
Quake shakes southwest China, no casualties reported
BEIJING, June 7 (Xinhua) -- A 5.1-magnitude earthquake jolted southwest China's Yunnan province early \
Saturday morning, the China Earthquake Networks Center said.
The quake struck at a depth of 10 km, and no casualties have been reported so far, local authorities said.
Most Read
Stock markets close higher
Government unveils new rail plan
Investors cheered the plan, which was announced on Friday and will cost more than 20 billion dollars.
Tags: earthquake, Yunnan, China
Copyright 2014 Asia Wire Online
"""


def test_asia_wire_style_with_teaser_prose_after_the_footer_marker() -> None:
    result = parse_text_dump(ASIA_WIRE)
    assert result.title == "Quake shakes southwest China, no casualties reported"
    assert result.published == "2014-06-07T10:05"
    assert result.author == "Li Wei"
    assert result.credit == "xinhua"
    assert result.site == "asia wire online"
    assert _body_lines(result) == [
        "BEIJING, June 7 (Xinhua) -- A 5.1-magnitude earthquake jolted southwest China's Yunnan province early "
        "Saturday morning, the China Earthquake Networks Center said.",
        "The quake struck at a depth of 10 km, and no casualties have been reported so far, local authorities said.",
    ]
    assert _rules(result) == [
        "advertisement",
        "nav_bar",
        "breadcrumb",
        "font_size",
        "meta_line",
        "meta_line",
        "meta_line",
        "title_line",
        "most_popular",
        "footer_block",
        "footer_block",
        "footer_block",
        "tags",
        "copyright",
    ]


def test_footer_marker_in_the_header_does_not_end_the_article() -> None:
    text = f"Orders climb again\nBy Jane Doe | June 7, 2014\nComments (3)\n\n{PROSE_A}\n\n{PROSE_B}\n"
    result = parse_text_dump(text)
    assert result.body == f"{PROSE_A}\n{PROSE_B}"
    assert result.title == "Orders climb again"
    assert _rules(result) == ["title_line", "meta_line", "comments_counter"]


def test_sentences_with_by_or_a_date_after_the_body_are_not_meta_lines() -> None:
    tail = ["The issue is guaranteed by Fuji Bank.", "Both increases are effective April 1, 1987."]
    result = parse_text_dump("\n\n".join([PROSE_A, *tail]))
    assert _body_lines(result) == [PROSE_A, *tail]
    assert (result.author, result.published) == (None, None)


def test_ticker_symbols_in_angle_brackets_are_not_breadcrumbs() -> None:
    line = "<Mazda Motor Manufacturing (USA) Corp>, (MMUC), a wholly owned unit"
    result = parse_text_dump(f"{PROSE_A}\n\n{line}\n\n{PROSE_B}")
    assert _body_lines(result) == [PROSE_A, line, PROSE_B]


# ---------------------------------------------------------------------------------------------------------------
# Hard-wrapped text (Reuters-style ~70 columns): every wrapped line and table row stays, one line per line


WRAPPED = """Metro Tribune

Harbor Freight profit rises on strong holiday sales

By Jane Doe | March 3, 1987

Harbor Freight Inc said its fourth-quarter
profit rose 12 pct on strong holiday sales and lower
interest costs, and it raised its quarterly dividend.
    Shr 42 cts vs 37 cts
    Net 4,120,000 vs 3,650,000
    Revs 88.4 mln vs 79.1 mln
    The company said sales in its western
stores grew fastest, helped by advertising.

Most popular
Retail sales slip as shoppers stay home
© 1987 Metro Tribune
"""


def test_hard_wrapped_story_keeps_wrapped_lines_and_table_rows() -> None:
    result = parse_text_dump(WRAPPED)
    assert result.title == "Harbor Freight profit rises on strong holiday sales"
    assert (result.author, result.published, result.site) == ("Jane Doe", "1987-03-03", "metro tribune")
    assert _body_lines(result) == _lines(WRAPPED)[3:11]
    assert _rules(result) == [
        "header_line",
        "title_line",
        "meta_line",
        "most_popular",
        "footer_block",
        "copyright",
    ]


# An outlet's copy of a wire earnings table: no prose at all, the outlet's name in the dateline, a promotion line
# inside the table, and a box of headline links below (found in the syndication benchmark: the links were taken
# for the article and the table dropped).
TABLE_COPY = """Home > Business > News
Markets: Year Loss
Published: March 26, 1987 7:32 AM
Share | Print | Email
SEATTLE (The Continental Post) - Shr loss 1.44 dlrs vs loss 1.50 dlrs
READ MORE: Markets: Gunnar Gold in Venture Agreement
Net loss 10.1 mln vs loss 8,866,000
Related stories:
Markets: Gunnar Gold in Venture Agreement
World Oil Demand Likely to Increase, Subroto says
Bankamerica says It Will Make Debt Offer
Copyright 1987 The Continental Post. All rights reserved.
"""


def test_table_story_under_an_outlet_dateline_beats_a_box_of_links() -> None:
    result = parse_text_dump(TABLE_COPY)
    assert _body_lines(result) == [
        "SEATTLE (The Continental Post) - Shr loss 1.44 dlrs vs loss 1.50 dlrs",
        "Net loss 10.1 mln vs loss 8,866,000",
    ]
    assert result.title == "Markets: Year Loss"
    assert ("read_more", "READ MORE: Markets: Gunnar Gold in Venture Agreement") in result.dropped
    assert ("footer_block", "Bankamerica says It Will Make Debt Offer") in result.dropped


EVENING_CHRONICLE_COPY = """Evening Chronicle > World
Font size: A A A
Markets: Year Net
Updated April 1, 1987 2:36 AM
Share on Facebook | Share on Twitter | Email this story
MONTREAL (Evening Chronicle) - Shr 94 cts vs 75 cts
READ MORE: Business: Chirac says France Resolved to Support Currency Pact
Net 27.0 mln vs 18.4 mln
Revs 631.6 mln vs 409.5 mln
Related stories:
Business: Chirac says France Resolved to Support Currency Pact
UPDATE: EC Commission Modifies Oils Tax Plan
Markets: Tokyo Gold Futures Open Slightly Firmer
Copyright 1987 eveningchronicle.example.com. This material may not be published.
"""


def test_a_learned_template_line_keeps_the_rule_that_knows_it() -> None:
    # "Related stories:" is in every page of the site, so the batch learns it as a template line; it must still
    # be the header that makes the headlines below it a box of links, not a stripped line that leaves them bare.
    learned = frozenset(
        template_key(line)
        for line in (
            "Font size: A A A",
            "Related stories:",
            "Share on Facebook | Share on Twitter | Email this story",
        )
    )
    table = ["MONTREAL (Evening Chronicle) - Shr 94 cts vs 75 cts", "Net 27.0 mln vs 18.4 mln"]
    table.append("Revs 631.6 mln vs 409.5 mln")
    plain = parse_text_dump(EVENING_CHRONICLE_COPY)
    templated = parse_text_dump(EVENING_CHRONICLE_COPY, template_lines=learned)
    assert _body_lines(plain) == table
    assert _body_lines(templated) == table
    assert ("related_block", "Related stories:") in templated.dropped
    assert ("site_template", "Font size: A A A") not in templated.dropped  # its own rule names it
    assert ("font_size", "Font size: A A A") in templated.dropped


def test_a_table_excerpt_without_a_dateline_beats_a_box_of_headlines_below_it() -> None:
    # No prose anywhere and no dateline: the numbered "Most read" headlines outweigh the table rows by characters,
    # but a box of headlines under its header is never the story.
    dump = "\n".join(
        [
            "Northern Tribune > Business",
            "Markets: Robbins and Myers Inc second quarter Feb 28 Net",
            "Updated March 18, 1987 2:10 PM",
            "Shr profit 11 cts vs loss 1.45 dollars",
            "Net profit 267,000 vs loss 3,458,000",
            "Sales 23.6 mln vs 23.0 mln",
            "Most read",
            "1. Business: Ascs Seeks Offers to Process Ccc Rough Rice",
            "2. Markets: Australian Dollar Closes Above Lower Opening Level",
            "3. Texaco Uses Bankruptcy Court to Buy Time",
            "\u00a9 1987 Northern Tribune. All rights reserved.",
        ]
    )
    result = parse_text_dump(dump)
    assert _body_lines(result) == [
        "Shr profit 11 cts vs loss 1.45 dollars",
        "Net profit 267,000 vs loss 3,458,000",
        "Sales 23.6 mln vs 23.0 mln",
    ]
    assert ("most_popular", "Most read") in result.dropped


def test_a_table_under_chrome_and_a_note_beats_a_box_of_headlines_below_it() -> None:
    # The comment counter and a promo line stand between the table and the box; the table's NOTE is its last line;
    # a row states its figures in words ("four cts") under an advert line.
    comments = "\n".join(
        [
            "third quarter Net",
            "By The Investor's Bulletin staff | investorsbulletin.example.com | October 19, 1987 2:51 PM",
            "Print | Comments (0)",
            "Shr profit three cts vs profit nine cts",
            "Net profit 102,136 vs profit 307,516",
            "READ MORE: Markets: Ecuador to Export No Oil for 4 Months, Official",
            "Revs 8,459,182 vs 8,469,476",
            "Comments (0)",
            "Be the first to comment",
            "Most popular",
            "Markets: Ecuador to Export No Oil for 4 Months, Official",
            "Texaco Uses Bankruptcy Court to Buy Time",
            "Weekly Electric Output Up 11.1 percent from 1986",
            "Copyright \u00a9 1987 investorsbulletin.example.com. This material may not be published.",
        ]
    )
    assert _body_lines(parse_text_dump(comments)) == [
        "Shr profit three cts vs profit nine cts",
        "Net profit 102,136 vs profit 307,516",
        "Revs 8,459,182 vs 8,469,476",
    ]
    note = "\n".join(
        [
            "Northern Tribune > Markets",
            "UPDATE: Thor Energy Resources Year Jan 31 Loss",
            "Updated June 30, 1987 8:41 PM",
            "Share on Facebook | Share on Twitter | Email this story",
            "Shr loss four cts vs loss seven cts",
            "Story continues below",
            "Net loss 267,000 vs 445,000",
            "Revs 6,407,000 vs 7,428,000",
            "NOTE: Full name is Thor Energy Resources Inc",
            "Most read",
            "1. Markets: Brazilian Soybean and Product Market",
            "2. UPDATE: Baldrige Assures China on Trade and Technology",
            "3. Ricoh Sees Group Net Little Changed in 1987/88",
            "\u00a9 1987 Northern Tribune. All rights reserved.",
        ]
    )
    assert _body_lines(parse_text_dump(note)) == [
        "Shr loss four cts vs loss seven cts",
        "Net loss 267,000 vs 445,000",
        "Revs 6,407,000 vs 7,428,000",
        "NOTE: Full name is Thor Energy Resources Inc",
    ]
    # a note alone above the box is no table
    alone = "\n".join(line for line in note.split("\n") if not line.startswith(("Shr ", "Net ", "Revs ")))
    assert "NOTE: Full name is Thor Energy Resources Inc" not in _body_lines(parse_text_dump(alone))


def test_the_rows_below_a_dateline_table_line_are_the_story() -> None:
    # Not hard-wrapped: the dateline's line is the only "prose", and the table's rows below it are the story
    # down to the box of headlines (whose long lines outweigh them).
    dump = "\n".join(
        [
            "Home > World > News",
            "UPDATE: Valley National Corp first quarter Net",
            "Published: April 14, 1987 3:21 AM",
            "Share | Print | Email",
            "PHOENIX (The Standard-Times) - Shr 1.18 dollars vs 1.15 dollars",
            "Net 19.7 mln vs 19.3 mln",
            "Assets 10.05 billion vs 9.62 billion",
            "Deposits 8.56 billion vs 8.04 billion",
            "Most read",
            "1. UPDATE: Canada February Trade Surplus 1.25 billion dollars After January 623 million dollars Surplus",
            "2. Markets: Coastal Bancorp Sets Quarterly",
            "3. Business: Chrysler Boosts Price on Fifth Avenue Car",
            "\u00a9 1987 The Standard-Times. All rights reserved.",
        ]
    )
    assert _body_lines(parse_text_dump(dump)) == [
        "PHOENIX (The Standard-Times) - Shr 1.18 dollars vs 1.15 dollars",
        "Net 19.7 mln vs 19.3 mln",
        "Assets 10.05 billion vs 9.62 billion",
        "Deposits 8.56 billion vs 8.04 billion",
    ]
    # a story of prose keeps its end: a figure line after it is no row of it
    prose = dump.replace(
        "PHOENIX (The Standard-Times) - Shr 1.18 dollars vs 1.15 dollars",
        "PHOENIX (The Standard-Times) - Valley National Corp said its first quarter profit rose as its "
        "deposits grew, and it expects a better year.",
    )
    assert _body_lines(parse_text_dump(prose))[-1].endswith("expects a better year.")


def test_the_table_above_a_note_is_the_story_in_a_copy_without_a_dateline() -> None:
    # An outlet's copy of an earnings story: no dateline, one paragraph a line, and the only prose its NOTE.
    rows = [
        "Oper shr 17 cts vs 19 cts",
        "Oper net 636,000 vs 358,000",
        "Revs 10.6 mln vs 7,024,000",
        "Year",
        "Oper shr 73 cts vs 65 cts",
    ]
    note = (
        "NOTE: Net excludes investment gains 20,000 dlrs vs 86,000 dlrs in quarter and 586,000 dlrs vs 195,000 "
        "dlrs in year."
    )
    dump = "\n".join(
        [
            "Northern Tribune > Business",
            "Markets: Year Net",
            "Updated March 18, 1987 2:10 PM",
            "Share on Facebook | Share on Twitter | Email this story",
            *rows,
            note,
            "\u00a9 1987 Northern Tribune. All rights reserved.",
        ]
    )
    result = parse_text_dump(dump)
    assert _body_lines(result) == [*rows, note]
    assert result.title == "Markets: Year Net"
    assert result.published is not None and result.published.startswith("1987-03-18")


def test_a_table_without_prose_or_dateline_beats_the_box_of_headlines_below_it() -> None:
    # Nothing of the story is prose and no dateline says where it starts: the rows right above the box's header
    # (an advert between two of them) are the story, not the numbered headlines below it.
    rows = ["Shr 1.24 dlrs vs 66 dlrs", "Net 38.2 mln vs 20.1 mln", "Revs 419.1 mln vs 333.8 mln"]
    rows += ["Nine mths", "Shr 3.50 dlrs vs 1.74 dlrs"]
    dump = "\n".join(
        [
            "Northern Tribune > Business",
            "Markets: Skyline Corp third quarter Feb 28",
            "Updated March 18, 1987 2:10 PM",
            "Share on Facebook | Share on Twitter | Email this story",
            *rows[:2],
            "Advertisement",
            *rows[2:],
            "Most read",
            "1. Business: Bank of Japan to Sell 500 billion in Bills",
            "2. Canada Panel Rejects Hydro Quebec Bid for 3 billion dollar New England Power Sale",
            "\u00a9 1987 Northern Tribune. All rights reserved.",
        ]
    )
    result = parse_text_dump(dump)
    assert _body_lines(result) == rows
    assert result.title == "Markets: Skyline Corp third quarter Feb 28"
    assert ("advertisement", "Advertisement") in result.dropped


def test_headline_and_byline_run_into_a_wrapped_table_story_stay_out_of_the_body() -> None:
    text = """Home | Politics | Business | Nation | Opinion | Subscribe
Pegasus Gold Inc third quarter Dec 31 Net
By Staff and wire reports | March 6, 1987 1:27 PM
VANCOUVER, British Columbia (Capital Gazette Online) - Shr profit 20 cts vs loss two cts
Net profit 2,665,000 vs loss 202,000
Revs 12,141,000 vs 5,993,000
Comments (0)
Most popular
Audio/video Affiliates to Purchase Shares
Allegheny Int'l to Close Three Plants
"""
    result = parse_text_dump(text)
    assert _body_lines(result) == _lines(text)[3:6]
    assert (result.title, result.published) == (
        "Pegasus Gold Inc third quarter Dec 31 Net",
        "1987-03-06T13:27",
    )


REUTERS = Path(__file__).parents[2].parent / "shared" / "data" / "reuters21578" / "reuters21578.jsonl.gz"


@pytest.mark.skipif(not REUTERS.is_file(), reason=f"{REUTERS} absent (no ../shared)")
def test_real_reuters_bodies_lose_almost_nothing() -> None:
    # Pure article text with no chrome at all: nearly every line must survive (earnings tables included).
    kept = total = 0
    with gzip.open(REUTERS, "rt", encoding="utf-8") as handle:
        for raw in handle:
            body = json.loads(raw).get("body") or ""
            if len(body) < 200:
                continue
            lines = _lines(body)
            kept += len(_body_lines(parse_text_dump(body)))
            total += len(lines)
            if total > 10_000:
                break
    assert kept >= 0.99 * total, f"kept {kept} of {total} lines"


# ---------------------------------------------------------------------------------------------------------------
# No structure


def test_plain_paragraphs_come_back_whole() -> None:
    paragraphs = [PROSE_A, "New orders climbed 2.1 per cent from April.", PROSE_B]
    result = parse_text_dump("\n\n".join(paragraphs) + "\n")
    assert result == TextDump(None, None, None, None, None, "\n".join(paragraphs), ())


def test_a_table_story_without_prose_starts_at_its_dateline() -> None:
    text = (
        "First National Corp fourth quarter\n"
        "By Asia Trade Journal staff | asiatradejournal.example.com | March 27, 1987 4:54 PM\n"
        "Print | Comments (0)\n"
        "DELAWARE, Ohio (Asia Trade Journal) - Shr loss 29 cts vs loss 15 cts\n"
        "Revs 38,000 vs nil\n"
        "Subscribe to Asia Trade Journal for the latest news delivered to your inbox every morning.\n"
        "Shr loss 24 cts vs loss 10 cts\n"
        "Tags: Trade, Asia, Commodities\n"
        "© 1987 Asia Trade Journal. All rights reserved.\n"
    )
    result = parse_text_dump(text)
    assert _body_lines(result) == [
        "DELAWARE, Ohio (Asia Trade Journal) - Shr loss 29 cts vs loss 15 cts",
        "Revs 38,000 vs nil",
        "Shr loss 24 cts vs loss 10 cts",
    ]
    assert (result.title, result.published) == ("First National Corp fourth quarter", "1987-03-27T16:54")


def test_lines_without_any_prose_are_kept_apart_from_chrome() -> None:
    result = parse_text_dump("Hello world\n\nPrint | Email\n\nsecond line")
    assert result.body == "Hello world\nsecond line"
    assert result.dropped == (("print_bar", "Print | Email"),)
    assert result.title is None


def test_non_english_prose_is_found_without_stop_words() -> None:
    german = (
        "Die Auftragseingänge der Industrie stiegen im Mai zum dritten Mal in Folge, wie das Statistikamt "
        "am Freitag mitteilte."
    )
    result = parse_text_dump(f"Aufträge steigen erneut\n\n{german}\n\nKommentare\n\n© 2014 Tagesblatt")
    assert result.title == "Aufträge steigen erneut"
    assert result.body == german
    assert result.site == "tagesblatt"


# ---------------------------------------------------------------------------------------------------------------
# Header metadata


@pytest.mark.parametrize(
    ("line", "published"),
    [
        ("2014-06-07 09:21 chinadaily.com.cn", "2014-06-07T09:21"),
        ("2014-06-07", "2014-06-07"),
        ("June 7, 2014", "2014-06-07"),
        ("Jun. 7, 2014 09:21", "2014-06-07T09:21"),
        ("7 June 2014", "2014-06-07"),
        ("Saturday, 7 June 2014, 10:05 a.m.", "2014-06-07T10:05"),
        ("Updated: 9:21 p.m. EDT, June 7, 2014", "2014-06-07T21:21"),
        ("Published: 2014-06-07T09:21:05", "2014-06-07T09:21:05"),
        ("06/07/2014", None),  # June 7 or 6 July: ambiguous
        ("13/06/2014", "2014-06-13"),
        ("2014-02-30", None),  # no such day
    ],
)
def test_meta_line_dates(line: str, published: str | None) -> None:
    result = parse_text_dump(f"Orders climb again\n{line}\n{PROSE_A}")
    assert result.published == published
    assert result.title == "Orders climb again"
    assert result.dropped == (("title_line", "Orders climb again"), ("meta_line", line))
    assert result.body == PROSE_A


@pytest.mark.parametrize(
    ("line", "author", "credit"),
    [
        ("By Jane Doe | June 7, 2014", "Jane Doe", None),
        ("By Jane Doe, Metro Tribune", "Jane Doe", "metro tribune"),
        ("By Jane Doe, Staff Writer", "Jane Doe", None),
        ("By Jane Doe for Metro Tribune", "Jane Doe", "metro tribune"),
        ("Reporter: Jane Doe in Beijing", "Jane Doe", None),
        ("Posted by Jane Doe on June 7, 2014 at 9:21 am", "Jane Doe", None),
        ("Author: Li Wei", "Li Wei", None),
        ("Web Editor: Mo Hong'e", "Mo Hong'e", None),
        ("Source: Xinhua | Editor: Zhang Wei", "Zhang Wei", "xinhua"),
        ("Source: www.globaltimes.cn", None, "globaltimes.cn"),
        ("June 7, 2014 (Reuters)", None, "reuters"),
    ],
)
def test_meta_line_author_and_credit(line: str, author: str | None, credit: str | None) -> None:
    result = parse_text_dump(f"Orders climb again\n{line}\n{PROSE_A}")
    assert (result.author, result.credit) == (author, credit)
    assert _rules(result) == ["title_line", "meta_line"]


def test_title_is_the_short_line_before_the_last_meta_line() -> None:
    text = f"Metro Tribune\nJune 7, 2014\nOrders climb again\nBy Jane Doe\nA deck line without a period\n{PROSE_A}"
    result = parse_text_dump(text)
    assert result.title == "Orders climb again"
    assert result.author == "Jane Doe"
    assert result.published == "2014-06-07"
    assert _rules(result) == ["header_line", "meta_line", "title_line", "meta_line", "header_line"]


def test_no_title_when_the_line_before_the_body_ends_with_a_period() -> None:
    result = parse_text_dump(f"Print\nNot a headline.\n{PROSE_A}")
    assert result.title is None
    assert result.body == f"Not a headline.\n{PROSE_A}"


@pytest.mark.parametrize(
    ("footer", "site"),
    [
        ("Copyright 2014 The Associated Press. All rights reserved.", "the associated press"),
        ("© 1999-2014 www.Metro-Tribune.com", "metro-tribune.com"),
        ("Metro Tribune Ltd. All rights reserved.", "metro tribune ltd"),
    ],
)
def test_site_from_the_copyright_footer(footer: str, site: str) -> None:
    assert parse_text_dump(f"{PROSE_A}\n\n{footer}").site == site


# ---------------------------------------------------------------------------------------------------------------
# Robustness and speed


@pytest.mark.parametrize(
    "text",
    [
        "",
        " ",
        "\n\n\n",
        "one",
        "Print",
        "x" * 1_000_000,
        "word " * 200_000,
        "\x00\x01\x02\x1b[31m\x7f",
        "\r\n\r\n\u2028\u2029\x85\x0b\x0c\x1c\x1d\x1e",
        "Comments (0)\n" * 500,
        "(" * 5_000 + "Copyright",
        "2014-06-07 " * 5_000,
        "\ufeff\u200bHeadline\u00a0here\n" + PROSE_A,
        "中国 新闻。" * 2_000,
    ],
    ids=lambda text: repr(text[:20]),
)
def test_never_raises(text: str) -> None:
    result = parse_text_dump(text)
    assert isinstance(result, TextDump)
    assert isinstance(result.body, str)
    for rule, line in result.dropped:
        assert rule and line


def _twenty_kb_dump() -> str:
    paragraphs = SEED_TEXT.split("\n\n")
    head, body, foot = paragraphs[:3], paragraphs[3:13], paragraphs[13:]
    text = "\n\n".join(head + body)
    i = 0
    while len(text) < 20_000:
        text += f"\n\n{body[i % len(body)]} (part {i})"
        i += 1
    return text + "\n\n" + "\n\n".join(foot)


def test_twenty_kb_dump_keeps_every_body_paragraph() -> None:
    # Speed is a benchmark's business, not a unit test's: this checks a long dump parses whole.
    text = _twenty_kb_dump()
    assert len(text) >= 20_000
    result = parse_text_dump(text)
    assert result.site == "chinanews.com"
    assert result.body.count("(part ") == text.count("(part ")


SAMPLE_LINES = (
    [line for line, _ in CHROME_LINES] + MENTIONS + [PROSE_A, PROSE_B, "", "By Jane Doe | June 7, 2014"]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(SAMPLE_LINES), st.text(max_size=120)), max_size=40).map("\n".join))
def test_property_never_raises_and_partitions_the_lines(text: str) -> None:
    result = parse_text_dump(text)
    lines = _lines(text)
    body = _body_lines(result)
    # body lines are a subsequence of the input's stripped, whitespace-collapsed lines
    remaining = iter(lines)
    assert all(line in remaining for line in body)
    # and every non-blank line is either in the body or dropped, exactly once
    assert len(body) + len(result.dropped) == len(lines)
    assert sorted([*body, *(line for _, line in result.dropped)]) == sorted(lines)
