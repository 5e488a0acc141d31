"""Where a text dump's article is: the choices ``parse_text_dump`` makes on pages saved by a text-only scraper
(one line per block element, no blank lines), measured on the Zyte benchmark's pages rendered that way."""

from __future__ import annotations

from transforms.textdump import parse_text_dump

A = (
    "Dock workers at the port of Valmera voted on Monday to end a nine-day strike that had left more than forty "
    "container ships waiting at anchor outside the harbour."
)
B = (
    "The agreement gives crane operators a pay rise of 6.5 percent this year and a further 4 percent next year, "
    "according to a statement from the dockers' union."
)
C = (
    "Port authority chief executive Helena Marsh said the first ships would berth on Tuesday morning and that the "
    "backlog should be cleared within two weeks."
)
D = (
    "Retailers had warned that the stoppage was delaying deliveries of furniture, electronics and spring "
    "clothing, and several shipping lines had diverted vessels."
)


def _body(text: str) -> list[str]:
    return parse_text_dump(text).body.split("\n")


def test_an_inline_box_of_links_does_not_end_the_article() -> None:
    text = "\n".join(
        [
            "Strike ends at Valmera port",
            A,
            B,
            "Related articles",
            "Ferry timetable changes for the summer",
            "Lifeboat crew rescues stranded kayakers",
            C,
            D,
            "Most read",
            "Council backs library plan",
        ]
    )
    assert _body(text) == [A, B, C, D]


def test_a_lone_teaser_after_a_footer_marker_is_not_the_article_going_on() -> None:
    teaser = "Investors cheered the plan, which was announced on Friday and will cost more than 20 billion dollars."
    text = "\n".join([A, B, "Most read", "Stock markets close higher", teaser, "Copyright 2014 Harbour News"])
    assert _body(text) == [A, B]


def test_a_long_run_of_menu_lines_separates_the_article_from_what_follows() -> None:
    sections = ("Business", "Sport", "Culture", "Travel", "Weather", "Property", "Jobs", "Motors")
    menu = [f"Section {name}" for name in sections]
    menu += ["Opinion", "Letters", "Puzzles", "Obituaries", "Archive"]
    comment = "I have lived near the port for thirty years and this is the worst strike that I can remember."
    text = "\n".join([A, B, C, *menu, comment, "Reply", comment.replace("thirty", "twenty")])
    assert _body(text) == [A, B, C]


def test_menu_lines_touching_the_article_are_not_a_hard_wrapped_paragraph() -> None:
    menu = [
        "Home",
        "World News Today",
        "Business and Markets Live",
        "Culture Travel Weather Now",
        "Sport Scores",
    ]
    text = "\n".join([*menu, "Strike ends at Valmera port", A, B, "Share on Facebook", *menu])
    assert _body(text) == [A, B]


def test_an_article_in_another_language_is_not_lost_to_a_stray_english_looking_line() -> None:
    pt = [
        "O professor apresenta, neste vídeo, uma loja incrível nos Estados Unidos, repleta de materiais didáticos.",
        "Aqui você tem à disposição materiais voltados à aquisição da fluência em leitura, e há vários deles.",
        "Isso é muito importante, porque a fluência em leitura levará as crianças à compreensão de textos.",
        "No Brasil isso não é muito comum, e quando você fala sobre fluência de leitura, o pessoal estranha.",
    ]
    stray = "Santa Teresinha do Menino Jesus, rogai por nós!"
    text = "\n".join(["Menu", "Início", *pt, "Artigos relacionados", *(["Categoria"] * 14), stray])
    assert _body(text) == pt


def test_a_wire_dateline_opens_a_story_that_is_only_a_table() -> None:
    rows = [
        "FRESNO, Calif., March 3 (Reuters) - Shr loss 1.48 dlrs vs loss 36 cts",
        "Net loss 4,036,000 vs loss 983,000",
        "Sales 16.6 mln vs 17 mln",
    ]
    note = "Note: Prior year net includes an extraordinary loss of 298,000 dlrs in the quarter."
    text = "\n\n".join(
        ["Metro Business Daily", "Vendo Co 4th Qtr Loss", *rows, note, "REUTER", "Share this story"]
    )
    result = parse_text_dump(text)
    assert result.body.split("\n") == [*rows, note, "REUTER"]
    assert result.title == "Vendo Co 4th Qtr Loss"


def test_a_sign_off_after_the_last_sentence_stays() -> None:
    last = "Cable shares were quoted nine pence firmer at 374p. REUTER"
    assert _body("\n\n".join([A, B, last, "Most popular"])) == [A, B, last]


def test_a_date_line_between_paragraphs_is_dropped() -> None:
    result = parse_text_dump("\n".join([A, "By Jane Doe, June 8, 2014", B]))
    assert result.body.split("\n") == [A, B]
    assert [rule for rule, _ in result.dropped] == ["meta_line"]
    result = parse_text_dump("\n".join([A, "Updated: June 8, 2014 10:32", B]))
    assert result.body.split("\n") == [A, B]
    assert [rule for rule, _ in result.dropped] == ["timestamp"]
