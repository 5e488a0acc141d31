"""The syndication benchmark generator: its parts on hand-made stories, then the whole on real Reuters stories.

The Reuters-based tests use the first stories of ``../shared/data/reuters21578`` (a prefix of the collection
keeps them fast) and skip with a message where that folder is absent.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from collections import Counter
from itertools import combinations
from pathlib import Path

import numpy as np
import pytest

from bench.make_syndication import (
    ALL_COPY_TYPES,
    OUTLETS,
    Settings,
    Story,
    build,
    candidate_pairs,
    classify_pair,
    conflicts,
    excerpt,
    figure_values,
    figures_agree,
    find_similar_pairs,
    jaccard_containment,
    load_reuters,
    main,
    natural_groups,
    ocr_noise,
    reissued_report,
    rewrite_dateline,
    shingle_sets,
    split_paragraphs,
    story_from_row,
    trim_end,
)
from transforms.read import parse_json_record
from transforms.records import RawRecord

REUTERS = Path(__file__).resolve().parents[3] / "shared" / "data" / "reuters21578" / "reuters21578.jsonl.gz"
PREFIX = 5000  # stories of the collection the Reuters-based tests use

T0 = dt.datetime(1987, 3, 2, 9, 0, tzinfo=dt.timezone.utc)

PROSE = (
    "Dock workers at the port of Valmera voted on Monday to end a nine-day strike that had left more than forty "
    "container ships waiting at anchor outside the harbour. The agreement gives crane operators a pay rise of 6.5 "
    "pct this year and a further four pct next year, according to the dockers' union. Port authority chief "
    "Helena Marsh said the first ships would berth on Tuesday morning. Retailers had warned that the stoppage "
    "was delaying deliveries of furniture and clothing. Union leaders said members had accepted the offer by a "
    "margin of 81 pct to 19 pct in a ballot held over the weekend."
)


def story(newid: int, body: str, *, hours: float = 0.0, title: str = "VALMERA DOCKERS END STRIKE") -> Story:
    row = {
        "newid": newid,
        "title": title,
        "dateline": "VALMERA, March 2 -",
        "date": (T0 + dt.timedelta(hours=hours)).strftime("%d-%b-%Y %H:%M:%S.00").upper(),
        "body": body,
    }
    return story_from_row(row)


def earnings(newid: int, shr: str, net: str, *, title: str, hours: float = 0.0) -> Story:
    body = (
        f"Shr {shr} cts vs 10 cts\n    Net {net} mln vs 1.1 mln\n    Revs 40.2 mln vs 38.7 mln\n"
        "    Nine mths\n    Shr 88 cts vs 76 cts\n    Net 36.7 mln vs 28.7 mln\n    Revs 260.4 mln vs 193.0 mln\n"
        "    Avg shrs 41.9 mln vs 37.8 mln\n Reuter"
    )
    return story(newid, body, hours=hours, title=title)


# ---------------------------------------------------------------------------------------------------------------
# Parts
# ---------------------------------------------------------------------------------------------------------------


def test_split_paragraphs_unwraps_and_drops_the_signoff() -> None:
    body = "Shares rose in\nearly trade.\n    Dealers said the\nmove was small.\n Reuter\n\x03"
    assert split_paragraphs(body) == ("Shares rose in early trade.", "Dealers said the move was small.")


def test_dateline_that_runs_on_into_the_text() -> None:
    row = {
        "newid": 16054,
        "title": "PAKISTAN GETS 70 MLN DLR WORLD BANK LOAN",
        "dateline": "WASHINGTON, April 9 - The World Bank said it approved a 70-",
        "date": "9-APR-1987 14:07:11.43",
        "body": "mln-dlr, 20-year loan to assist Pakistan.\n    Noting a shortage of power.\n Reuter\n\x03",
    }
    s = story_from_row(row)
    assert s.dateline == "WASHINGTON, April 9 -"
    assert s.paragraphs == (
        "The World Bank said it approved a 70- mln-dlr, 20-year loan to assist Pakistan.",
        "Noting a shortage of power.",
    )
    assert rewrite_dateline(s, OUTLETS[0]) == "WASHINGTON (The Daily Outlet) - "


def test_reuters_date_with_a_broken_hour() -> None:
    s = story_from_row(
        {"newid": 1, "title": "T", "dateline": "", "date": "31-MAR-1987 605:12:19.12", "body": ""}
    )
    assert s.date == dt.datetime(1987, 3, 31, 5, 12, 19, tzinfo=dt.timezone.utc)


def test_candidate_pairs_find_every_similar_pair() -> None:
    rng = random.Random(5)
    vocab = [f"w{k}" for k in range(60)]
    texts = [" ".join(rng.choice(vocab) for _ in range(rng.randint(5, 40))) for _ in range(60)]
    texts += [t + " extra words here" for t in texts[:10]]  # near copies
    sets = shingle_sets(texts)
    found = {tuple(p) for p in candidate_pairs(sets, min_sim=0.3, max_df=300).tolist()}
    for i, j in combinations(range(len(texts)), 2):
        jac, con = jaccard_containment(sets[i], sets[j])
        if max(jac, con) >= 0.3 and np.intersect1d(sets[i], sets[j]).size >= 2:
            assert (i, j) in found, (i, j, jac, con)


def test_shingle_sets_do_not_cross_texts() -> None:
    a, b, ab = shingle_sets(["one two three", "four five six", "one two three four five six"])
    assert a.size == b.size == 1 and ab.size == 4
    assert np.intersect1d(a, ab).size == 1 and np.intersect1d(b, ab).size == 1


def test_conflicts_count_figures_and_names_changed_on_both_sides() -> None:
    assert conflicts(["Net 1.2 mln vs 1.1 mln"], ["Net 1.3 mln vs 1.1 mln"]) == (1, 0)
    # an update that adds a paragraph keeps every figure of the shorter version
    assert conflicts(["Net 1.2 mln vs 1.1 mln"], ["Net 1.2 mln vs 1.1 mln", "Revs 40 mln vs 38 mln"]) == (
        0,
        0,
    )
    assert conflicts(
        ["Shares of Franklin Massachusetts Fund rose."], ["Shares of Franklin California Fund rose."]
    ) == (0, 1)
    assert conflicts(["He lives in Enid, Oklahoma now."], ["He lives in Enid, Okla now."]) == (0, 0)


@pytest.mark.parametrize(
    ("kw", "verdict"),
    [
        (dict(jaccard=1.0, containment=1.0, hours=0.5, title_sim=1.0), "same"),  # a re-send
        (dict(jaccard=1.0, containment=1.0, hours=50, title_sim=1.0), "same"),  # long story re-run
        (dict(jaccard=1.0, containment=1.0, hours=300, title_sim=1.0), "distinct"),  # two weeks later
        (
            dict(jaccard=1.0, containment=1.0, hours=50, title_sim=1.0, smaller_size=12),
            "distinct",
        ),  # recurring
        (
            dict(jaccard=1.0, containment=1.0, hours=1, title_sim=0.1, smaller_size=12),
            "distinct",
        ),  # 2 companies
        (
            dict(jaccard=0.9, containment=0.95, hours=1, title_sim=1.0, number_conflicts=1),
            "same",
        ),  # correction
        (dict(jaccard=0.9, containment=0.95, hours=24, title_sim=1.0, number_conflicts=1), "distinct"),  # Fed
        (dict(jaccard=0.6, containment=0.7, hours=1, title_sim=1.0), "related"),  # a rewrite
        (dict(jaccard=0.6, containment=0.7, hours=1, title_sim=1.0, number_conflicts=2), "distinct"),
        # the same company's report under the same headline, re-run weeks later with a paragraph added
        (
            dict(jaccard=0.5, containment=0.93, hours=505, title_sim=1.0, smaller_size=40, same_company=True),
            "same",
        ),
        # a corrected earnings table: several figures changed, same ticker and headline, minutes later
        (
            dict(
                jaccard=0.66,
                containment=0.79,
                hours=0.25,
                title_sim=1.0,
                number_conflicts=4,
                same_company=True,
            ),
            "same",
        ),
    ],
)
def test_classify_pair(kw: dict[str, float | bool], verdict: str) -> None:
    args = dict(number_conflicts=0, name_conflicts=0, smaller_size=100) | kw
    assert classify_pair(**args)[0] == verdict  # type: ignore[arg-type]


# AMCAST INDUSTRIAL <ACST>, Reuters-21578 5600 and 5657: one quarter's table sent twice, 84 minutes apart, the
# second reworded ("Revs" for "Sales", "Six mths" for "1st half"), one unit wrong and a NOTE added.
AMCAST_FIRST = (
    "Shr profit 10 cts vs loss 2.20 dlrs\n    Net profit 687,000 vs loss 14.5 mln\n    Sales 68.3 mln vs 54.8 mln\n"
    "    Avg shrs 7,018,000 vs 6,577,000\n    1st half\n    Shr profit 38 cts vs loss 1.95 dlrs\n"
    "    Net profit 2,596,000 vs loss 12.8 mln\n    Sales 129.9 mln vs 113.3 mln\n"
    "    Avg shrs 6,964,000 vs 6,568,000\n Reuter"
)
AMCAST_AGAIN = (
    "Qtr ends March One\n    Shr profit 10 cts vs loss 2.20 cts\n    Net profit 687,000 vs loss 14.5 mln\n"
    "    Revs 68.3 mln vs 54.8 mln\n    Avg shrs 7,018,000 vs 6,577,000\n    Six mths\n"
    "    Shr profit 38 cts vs loss 1.95\n    Net profit 2,596,000 vs loss 12.8 mln\n"
    "    Revs 129.9 mln vs 113.3 mln\n    Avg shrs 6,964,000 vs 6,568,000\n"
    "    NOTE: figures for qtr and year prior include pre-tax restructuring charge of 22.5 mln.\n Reuter"
)


def test_figures_are_values_with_their_scale_and_precision() -> None:
    assert figure_values(["Revs 17.1 mln vs 2,596,000 and 2,596,123; 1st half 6-3/16 pct, 2.5 billion"]) == {
        (17_100_000.0, 100_000.0),
        (2_596_000.0, 1000.0),
        (2_596_123.0, 1.0),
        (6.0, 1.0),
        (3.0, 1.0),
        (16.0, 1.0),
        (2_500_000_000.0, 100_000_000.0),
    }
    # the finer figure rounded to the coarser's precision: 17 cts and 17.3, 22 and 21.5, 17.1 mln and
    # 17,121,000, 1,982,000 and 1,981,681 agree; 7,018,000 and 7,044,000 do not, nor 22.5 and 21
    a = figure_values(["17 cts 22 cts 17.1 mln 1,982,000 7,018,000 22.5"])
    b = figure_values(["17.3 cts 21.5 cts 17,121,000 1,981,681 7,044,000 21 99"])
    assert figures_agree(a, b) == pytest.approx(4 / 6)
    assert figures_agree({(1.0, 1.0), (2.0, 1.0)}, {(1.0, 1.0), (2.0, 1.0)}) is None  # too few to tell


def test_a_results_table_refiled_the_same_day_is_one_report() -> None:
    first = story(5600, AMCAST_FIRST, title="AMCAST INDUSTRIAL CORP <ACST> 2ND QTR MARCH ONE")
    again = story(5657, AMCAST_AGAIN, hours=1.39, title="AMCAST INDUSTRIAL CORP <ACST> 2ND QTR NET")
    assert reissued_report(first, again, 1.39)
    pairs = find_similar_pairs([first, again])
    assert [(p.verdict, p.reason) for p in pairs] == [("same", "reissue")]
    assert natural_groups([first, again], pairs) == {5600: 5600, 5657: 5600}
    # not the next day, not another company's table, not the same figures under a news headline
    assert not reissued_report(first, again, 13.0)
    other = story(5658, AMCAST_AGAIN, hours=1.0, title="AMCAST INDUSTRIES CORP <AMI> 2ND QTR NET")
    assert not reissued_report(first, other, 1.0)
    news = story(
        5659,
        "Amcast Industrial Corp said sales rose to 68.3 mln dlrs in the quarter from 54.8 mln and to 129.9 mln "
        "in the half from 113.3 mln, with net profit of 687,000 dlrs and 2,596,000 dlrs after losses of 14.5 "
        "mln and 12.8 mln a year earlier, on 7,018,000 shares.",
        hours=1.0,
        title="AMCAST <ACST> SEES STRONGER DEMAND",
    )
    assert not news.templated and not reissued_report(first, news, 1.0)
    # the same company's next-quarter table shares the prior-year figures only
    next_qtr = story(
        5700,
        AMCAST_FIRST.replace("10 cts", "14 cts")
        .replace("687,000", "951,000")
        .replace("68.3", "71.2")
        .replace("7,018,000", "7,044,000")
        .replace("38 cts", "52 cts")
        .replace("2,596,000", "3,547,000")
        .replace("129.9", "201.1")
        .replace("6,964,000", "6,990,000"),
        hours=2.0,
        title="AMCAST INDUSTRIAL CORP <ACST> 3RD QTR NET",
    )
    assert not reissued_report(first, next_qtr, 2.0)


def test_natural_duplicates_merge_a_resend_and_not_a_templated_look_alike() -> None:
    other = (
        "The city council approved a plan on Thursday to turn the disused tram depot on Mill Lane into a public "
        "library, a community kitchen and forty affordable flats, after a three-hour debate in which opponents "
        "questioned whether the building's Victorian roof could be saved at a reasonable cost to taxpayers."
    )
    stories = [
        story(1, PROSE),
        story(2, PROSE, hours=1.5),  # an identical re-send
        story(3, PROSE.replace("Tuesday morning", "Wednesday morning") + " More talks are due.", hours=3),
        story(4, other, hours=2, title="COUNCIL BACKS LIBRARY PLAN"),
        earnings(5, "12", "1.2", title="ACME CORP <ACM> 3RD QTR NET"),
        earnings(6, "14", "1.4", title="BETA INC <BET> 3RD QTR NET", hours=0.5),
        earnings(7, "12", "1.2", title="ACME CORP <ACM> 3RD QTR NET", hours=0.2),  # re-send of 5
    ]
    pairs = find_similar_pairs(stories)
    verdicts = {(p.a, p.b): p.verdict for p in pairs}
    assert verdicts[(1, 2)] == "same"
    assert verdicts[(5, 7)] == "same"
    assert verdicts[(5, 6)] == "distinct" and verdicts[(6, 7)] == "distinct"
    head = natural_groups(stories, pairs)
    assert head[1] == head[2] == 1
    assert head[5] == head[7] == 5
    assert head[4] == 4 and head[6] == 6
    assert len({head[1], head[4], head[5], head[6]}) == 4


def test_copy_transformations() -> None:
    paras = split_paragraphs(PROSE.replace(". ", ".\n    "))
    rng = random.Random(1)
    cut = excerpt(paras, 0.5)
    words = sum(len(p.split()) for p in cut)
    assert 0.3 * 93 <= words <= 0.7 * 93 and cut[0] == paras[0]
    trimmed, k = trim_end(paras, rng)
    assert 1 <= k <= 3 and list(paras[: len(paras) - k]) == trimmed
    noisy = ocr_noise(paras, 0.2, random.Random(2))
    assert noisy != list(paras) and len(noisy) == len(paras)
    wire = story(9, PROSE)
    dated = {outlet.dateline: rewrite_dateline(wire, outlet) for outlet in OUTLETS}
    assert dated["outlet"].startswith("VALMERA (") and dated["outlet"].endswith(") - ")
    assert dated["wire"] == "VALMERA, March 2 (Reuters) - "
    assert dated["none"] == ""


# ---------------------------------------------------------------------------------------------------------------
# The whole generator on real Reuters stories
# ---------------------------------------------------------------------------------------------------------------

needs_reuters = pytest.mark.skipif(
    not REUTERS.is_file(), reason=f"Reuters-21578 not found at {REUTERS} (needs ../shared next to the repo)"
)


@pytest.fixture(scope="module")
def collection() -> tuple[list[Story], list]:
    if not REUTERS.is_file():
        pytest.skip(f"Reuters-21578 not found at {REUTERS} (needs ../shared next to the repo)")
    stories = load_reuters(str(REUTERS), PREFIX)
    return stories, find_similar_pairs(stories)


SMALL = Settings(seed=7, stories=50, tier="all", syndicated_share=1.0, max_copies=4)


@needs_reuters
def test_generator_is_deterministic_for_a_seed(collection: tuple[list[Story], list]) -> None:
    stories, pairs = collection
    docs_a, gold_a = build(stories, pairs, SMALL)
    docs_b, gold_b = build(stories, pairs, SMALL)
    assert [d.record() for d in docs_a] == [d.record() for d in docs_b]
    assert json.dumps(gold_a) == json.dumps(gold_b)
    docs_c, _ = build(stories, pairs, Settings(**{**SMALL.__dict__, "seed": 8}))
    assert [d.url for d in docs_c] != [d.url for d in docs_a]


@needs_reuters
def test_gold_covers_every_document_once_and_every_copy_type_appears(
    collection: tuple[list[Story], list],
) -> None:
    stories, pairs = collection
    docs, gold = build(stories, pairs, SMALL)
    urls = [d.url for d in docs]
    assert len(urls) == len(set(urls)) == len(gold["documents"])
    assert set(urls) == set(gold["documents"])
    types = Counter(entry["copy_type"] for entry in gold["documents"].values())
    assert set(types) == set(ALL_COPY_TYPES), types
    assert gold["stats"]["copy_types"] == dict(sorted(types.items()))
    clusters = Counter(e["cluster"] for e in gold["documents"].values() if e["copy_type"] == "original")
    assert all(n == 1 for n in clusters.values())  # one wire original per gold cluster
    for entry in gold["documents"].values():
        assert (entry["tier"] in ("easy", "medium", "hard")) == (
            entry["copy_type"] not in ("original", "natural_dup")
        )


@needs_reuters
def test_hard_negatives_are_in_different_clusters(collection: tuple[list[Story], list]) -> None:
    stories, pairs = collection
    _, gold = build(stories, pairs, SMALL)
    documents = gold["documents"]
    assert gold["hard_negative_pairs"], "the sample should hold alike templated stories"
    kinds = Counter(p[2]["kind"] for p in gold["hard_negative_pairs"])
    assert kinds["templated"] > 0
    for a, b, info in gold["hard_negative_pairs"]:
        assert documents[a]["cluster"] != documents[b]["cluster"], (a, b, info)
        assert info["jaccard"] >= 0.3 or info["containment"] >= 0.3


@needs_reuters
def test_natural_duplicates_share_a_gold_cluster(collection: tuple[list[Story], list]) -> None:
    stories, pairs = collection
    _, gold = build(stories, pairs, SMALL)
    by_story = {
        e["story"]: e for e in gold["documents"].values() if e["copy_type"] in ("original", "natural_dup")
    }
    same = [p for p in pairs if p.verdict == "same" and p.a in by_story and p.b in by_story]
    assert same, "the sample should hold natural-duplicate groups"
    for p in same:
        assert by_story[p.a]["cluster"] == by_story[p.b]["cluster"]


@needs_reuters
def test_cli_writes_pipeline_input_and_gold(tmp_path: Path) -> None:
    out = tmp_path / "bench"
    code = main(
        [
            "--reuters",
            str(REUTERS),
            "--out",
            str(out),
            "--seed",
            "3",
            "--stories",
            "30",
            "--limit-collection",
            "1500",
        ]
    )
    assert code == 0
    lines = (out / "dump.jsonl").read_text(encoding="utf-8").splitlines()
    gold = json.loads((out / "gold.json").read_text(encoding="utf-8"))
    assert gold["format"] == "newsdedup-syndication-gold/1"
    assert gold["settings"]["reuters"]["stories_used"] == 1500
    assert len(lines) == len(gold["documents"])
    for k, line in enumerate(lines):
        record = parse_json_record(line, f"dump.jsonl:{k + 1}")
        assert isinstance(record, RawRecord), record
        assert record.url in gold["documents"] and record.published and record.source and record.title
        assert json.loads(record.meta) == {"lang": "en", "outlet": gold["documents"][record.url]["outlet"]}
