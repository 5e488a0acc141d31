"""Post-processing of extracted page text: chrome rules (one rule set with text dumps), the page rules of
``strip_page_chrome``, paragraph recovery and the whole HTML path ``extract_article``."""

from __future__ import annotations

import pytest

from transforms.extract import (
    HTML_RULES,
    PAGE_RULES,
    HtmlOptions,
    check_rule_names,
    count_elements,
    extract_article,
    recover_paragraphs,
    strip_page_chrome,
    trafilatura_config,
)
from transforms.textdump import LINE_RULES, chrome_rule

P1 = (
    "The city council approved a plan on Thursday evening to turn the disused tram depot on Mill Lane into a "
    "public library, a community kitchen and forty affordable flats."
)
P2 = (
    "Councillors voted 27 to 12 in favour after a three-hour debate in which opponents questioned whether the "
    "building's Victorian roof could be saved at a reasonable cost."
)
P3 = (
    "The project is expected to cost 18 million pounds, with a third of the money coming from a national "
    "heritage fund and the rest from borrowing and the sale of two smaller council offices."
)
TITLE = "Council backs library plan for old tram depot"


def _text(*lines: str) -> str:
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------------------------
# Line rules added for what trafilatura leaves in (and shared with text dumps)


NEW_CHROME = [
    ("Thanks for signing up!", "newsletter"),
    ("Keep an eye on your inbox for the latest sports news.", "newsletter"),
    ("Pick Six Newsletter", "newsletter"),
    ("There was an error processing your subscription.", "newsletter"),
    ("Get the latest updates right in your inbox. Subscribe to NJ.com’s newsletters.", "newsletter"),
    ("Subscribe to the Morning Review newsletter", "newsletter"),
    ("Email Tariq Malik at tmalik@space.com or follow him @tariqjmalik.", "contact_line"),
    ("Write to Al Root at allen.root@dowjones.com", "contact_line"),
    ("UPDATED: Tue., Nov. 19, 2019", "timestamp"),
    ("Updated at 1:23 p.m.", "timestamp"),
    ("- Published 18 November 2019", "timestamp"),
    ("2019-11-19T08:57:40+01:00", "timestamp"),
    ("If you buy something through this post, IGN may get a share of the sale.", "affiliate_notice"),
    ("CLICK HERE TO GET THE FOX NEWS APP", "read_more"),
    ("GET FOX BUSINESS ON THE GO BY CLICKING HERE", "app_promo"),
    ("Download the Metro Tribune app for breaking news alerts.", "app_promo"),
    ("Like this story? Share it with a friend!", "share_bar"),
    ("If you enjoyed this article, we have a proposition for you: Join NRPLUS.", "subscription_promo"),
    ("For more coverage of markets and companies, visit asiatradejournal.example.com.", "site_promo"),
    ("Visit www.metrotribune.example.com for the latest news.", "site_promo"),
    ("DON'T MISS", "more_links"),
    ("More:", "more_links"),
    ("Explore further", "more_links"),
    ("[Related: Salesforce keynote draws protesters]", "related_link"),
    ("Also on rt.com Journalists threatened with sedition arrests", "related_link"),
    ("Related post: Pickled Brussels Sprouts Recipe", "related_link"),
    ("Follow Newsbeat on Instagram, Facebook, Twitter and YouTube.", "follow_us"),
    ("Tell us what YOU think...", "comments_counter"),
    ("- Order Reprints", "print_bar"),
    ("Photo: Reuters", "photo_credit"),
    ("(AP Photo/Evan Vucci)", "photo_credit"),
    ("AFP via Getty Images", "photo_credit"),
    ("Image Source: Neil Godwin / Future Publishing/Shutterstock", "photo_credit"),
    (
        "The core stage of the rocket after the engines were fitted. (credit: NASA/Jude Guidry)",
        "photo_credit",
    ),
    ("Jewels after Jewels, installation views, photos © Inexhibit, 2018", "photo_credit"),
    ("[사진=MBC, SBS]", "photo_credit"),
    ("Copyright ©2019 Dow Jones & Company, Inc. All Rights Reserved", "copyright"),
    (
        "This copy is for your personal, non-commercial use only. To order presentation-ready copies for "
        "distribution to your colleagues, clients or customers visit http://www.djreprints.com.",
        "reproduction_notice",
    ),
]


@pytest.mark.parametrize(("line", "rule"), NEW_CHROME, ids=[f"{r}:{line[:30]}" for line, r in NEW_CHROME])
def test_chrome_rule_recognises_the_line(line: str, rule: str) -> None:
    assert chrome_rule(line) == rule


# Article sentences that only mention chrome words: no rule may take them.
NOT_CHROME = [
    "The court said the copyright claim over the photographs was filed in 2012.",
    "Copyright lawyers said the ruling would change how newspapers license their archives.",
    "Readers left more than 2,000 comments on the council's website before the vote.",
    "Comments made by the minister angered the unions, who called a strike for Monday.",
    "The printing plant in Leeds will close next year, putting 120 jobs at risk.",
    "Print advertising fell 12 percent in the quarter while digital subscriptions rose.",
    "Published in 1998, the book sold 2 million copies in the UK.",
    "Follow the money, the investigators said.",
    "Share prices rose 5 percent on Friday after the results.",
    "The photo was taken by a Reuters photographer in 2012.",
    "More than 40 ships waited outside the harbour.",
    "Subscribers to the newsletter rose by a third last year, the company said.",
    "Updated figures showed inflation at 3.1 percent in March, the statistics office said.",
    "She said she would email the committee at the end of the week with her answer.",
]


@pytest.mark.parametrize("line", NOT_CHROME)
def test_chrome_rule_leaves_article_sentences_alone(line: str) -> None:
    assert chrome_rule(line) is None


def test_a_rule_can_be_switched_off() -> None:
    assert chrome_rule("Photo: Reuters") == "photo_credit"
    assert chrome_rule("Photo: Reuters", frozenset({"photo_credit"})) is None


# ---------------------------------------------------------------------------------------------------------------
# strip_page_chrome


def test_headline_and_kicker_above_it_go_the_article_stays() -> None:
    result = strip_page_chrome(_text("Politics", TITLE, P1, P2), title=TITLE)
    assert result.text == _text(P1, P2)
    assert result.removed == (("kicker", "Politics"), ("title", TITLE))


def test_headline_with_the_site_name_after_it_is_the_title() -> None:
    result = strip_page_chrome(_text(f"{TITLE} | Mill Lane Gazette", P1), title=TITLE)
    assert result.text == P1


def test_a_line_that_merely_starts_like_the_title_stays() -> None:
    # the first paragraph is not the headline even though the headline's first words open it
    title = "Council backs"
    result = strip_page_chrome(_text(P1, P2), title=title)
    assert result.removed == ()


def test_link_list_under_a_related_header_goes_up_to_the_next_paragraph() -> None:
    text = _text(
        P1,
        "DON'T MISS",
        "Lakers vs Nets: NBA make final decision on game [VIDEO]",
        "Hong Kong 'threatened with Chinese military intervention' [REACTION]",
        P2,
        "You may also like...",
        "Who will make the Rock Hall in 2020?",
        "Dave Matthews Band takes over Rock Hall Fan Vote",
    )
    result = strip_page_chrome(text)
    assert result.text == _text(P1, P2)
    assert [rule for rule, _ in result.removed] == [
        "more_links",
        "link_list",
        "link_list",
        "related_block",
        "link_list",
        "link_list",
    ]


def test_byline_and_dates_above_and_below_the_prose_go_but_not_between() -> None:
    text = _text("By Jane Doe | June 7, 2014", P1, "June 7, 2014", P2, "Updated June 8, 2014")
    result = strip_page_chrome(text)
    assert result.text == _text(P1, "June 7, 2014", P2)
    assert [rule for rule, _ in result.removed] == ["meta_line", "timestamp"]


def test_author_note_at_the_end_goes_a_paragraph_with_an_address_stays() -> None:
    note = (
        "Mike Wall's book about the search for alien life is out now. Follow him on Twitter @michaeldwall. "
        "Follow us on Twitter @Spacedotcom and on Facebook."
    )
    assert strip_page_chrome(_text(P1, P2, note)).removed == (("author_bio", note),)
    contact = (
        "As always, you are welcome to email us at info@example.org if you have questions. We will try to "
        "respond promptly to questions or comments."
    )
    assert strip_page_chrome(_text(P1, contact)).removed == ()


def test_story_about_comments_and_printing_is_left_whole() -> None:
    story = _text(
        "Comments sections on news sites have become a battleground, researchers said on Monday.",
        "The study read 2 million comments posted under stories about the election and found that a "
        "small number of accounts wrote most of them.",
        "Print editions, which carry no comments at all, were trusted more by the readers surveyed.",
        "Copyright rules also limit how much of a story a reader may quote in a comment, the authors noted.",
    )
    result = strip_page_chrome(story, title="Comment sections are a battleground, study finds")
    assert result.text == story and result.removed == ()


def test_table_rows_are_not_navigation_bars() -> None:
    rows = _text("| Pos | Player | Plays | % |", "| LB | Joe Schobert | 61 | 100% |")
    assert strip_page_chrome(_text(P1, rows, P2)).removed == ()


def test_skipped_rules_do_not_fire() -> None:
    text = _text(TITLE, P1, "Photo: Reuters")
    assert strip_page_chrome(text, title=TITLE, skip=frozenset({"title", "photo_credit"})).removed == ()


def test_rule_names_are_checked() -> None:
    assert check_rule_names(["title", "copyright"]) == frozenset({"title", "copyright"})
    with pytest.raises(ValueError, match="unknown rule"):
        check_rule_names(["titel"])
    assert set(PAGE_RULES) | set(LINE_RULES) == set(HTML_RULES)


# ---------------------------------------------------------------------------------------------------------------
# recover_paragraphs


def _chunked_page(aside: str = "") -> str:
    chunk = '<div class="grid--item body__inner-container">{}</div>'
    return (
        "<html><body><article><h1>" + TITLE + "</h1>"
        '<div class="article__chunks">'
        + chunk.format(f"<p>{P1}</p><p>{P2}</p>")
        + '<div class="ad-slot"><p>Advertisement</p></div>'
        + chunk.format(f"<p>{P3}</p>")
        + "</div>"
        + aside
        + "</article></body></html>"
    )


def test_paragraphs_of_a_later_sibling_block_are_put_back_in_page_order() -> None:
    text, recovered = recover_paragraphs(_chunked_page(), _text(P1, P2))
    assert text == _text(P1, P2, P3)
    assert recovered == (P3,)


def test_nothing_to_recover_when_the_text_has_every_paragraph() -> None:
    assert recover_paragraphs(_chunked_page(), _text(P1, P2, P3)) == (_text(P1, P2, P3), ())


def test_a_block_with_one_kept_paragraph_is_not_evidence() -> None:
    # only P1 kept: its group has one kept paragraph, so P2/P3 may have been left out on purpose
    assert recover_paragraphs(_chunked_page(), P1)[1] == ()


def test_asides_are_never_recovered() -> None:
    aside = f'<aside><div class="grid--item body__inner-container"><p>{P3} Teaser.</p></div></aside>'
    page = _chunked_page(aside).replace(f"<p>{P3}</p>", "")
    assert recover_paragraphs(page, _text(P1, P2))[1] == ()


def test_recovery_on_broken_html_gives_the_text_back() -> None:
    assert recover_paragraphs("", _text(P1, P2)) == (_text(P1, P2), ())


# ---------------------------------------------------------------------------------------------------------------
# extract_article


PAGE = f"""<!DOCTYPE html><html><head><title>{TITLE} | Mill Lane Gazette</title>
<meta property="og:title" content="{TITLE}"></head><body>
<nav><a href="/">Home</a> <a href="/news">News</a></nav>
<article><h1>{TITLE}</h1>
<p>{P1}</p><p>{P2}</p><p>{P3}</p>
<p>Sign up for our newsletter to get the Gazette's morning briefing in your inbox.</p>
<p>Copyright 2024 Mill Lane Gazette. All rights reserved.</p>
</article></body></html>"""


def test_extract_article_runs_trafilatura_then_the_rules() -> None:
    config = trafilatura_config()
    article = extract_article(PAGE, config=config)
    assert article.found is not None
    assert article.found.text == _text(P1, P2, P3)
    assert article.found.title == TITLE
    assert {rule for rule, _ in article.removed} >= {"title", "newsletter"}
    plain = extract_article(
        PAGE, options=HtmlOptions(strip_chrome=False, recover_paragraphs=False), config=config
    )
    assert plain.found is not None and TITLE in plain.found.text and plain.removed == ()


def test_extract_article_without_an_article() -> None:
    assert extract_article("<html><body></body></html>").found is None


def test_count_elements_counts_opening_tags() -> None:
    assert count_elements("<html><body><p>a</p><br><p>b</p></body></html>") == 5
