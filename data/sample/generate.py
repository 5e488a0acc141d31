#!/usr/bin/env python3
"""Generate the bundled sample dump that the demo job runs on.

    python data/sample/generate.py            # rewrites data/sample/ (all but this file and README.md)
    python data/sample/generate.py --out DIR  # writes the same tree into DIR instead

Standard library only and fully deterministic: two runs give byte-identical files (the gzip header carries
no file name and mtime 0). Every story below was written for this sample and is fictional (people, firms,
places and figures), except the seed document: a real chinadaily.com.cn story as syndicated on chinanews.com,
kept byte-for-byte at dumps/chinanews/000_d61b9ddc0bd3fe74.txt.

What it writes (see README.md for the counts):
    crawl/crawl-2014-06-07.jsonl        JSON Lines, `html` or `text` records, plus bad records
    crawl/feed-2014-06-08.jsonl.gz      the same, gzip-compressed
    pages/<site>/<slug>.html            one article page a file, plus pages/broken/{empty,binary}.html
    dumps/<site>/<slug>.txt             plain-text dumps of article pages, chrome lines included
    gold.json                           the truth: each record's fate, reason, story and relation
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import html
import io
import json
import os
import re
import shutil
import sys
from dataclasses import dataclass, field

HERE = os.path.dirname(os.path.abspath(__file__))
SEED_NAME = "000_d61b9ddc0bd3fe74.txt"
# the project's seed, in the shared folder beside the repository (absent on machines without it)
SEED_SHARED = os.path.join(HERE, "..", "..", "..", "shared", "seeds", SEED_NAME)
# Everything this script owns under the output directory. It never touches anything else.
OWNED = ("crawl", "pages", "dumps", "gold.json")

# --------------------------------------------------------------------------------------------------------------
# The seed: a real syndicated copy (chinadaily.com.cn story shown on chinanews.com). Byte-for-byte, no final
# newline; line 29 starts with a no-break space (U+00A0).
# --------------------------------------------------------------------------------------------------------------
SEED_TEXT = """\
Text: | Print|

Special unit to help China fight cyber terrorism

2014-06-07 09:21 chinadaily.com.cn Web Editor: Mo Hong'e

A special unit combating the spread of terrorism online set up by the Regional Anti-Terrorist Structure (RATS) of the Shanghai Cooperation Organization (SCO) will help China, which has experienced a series of terrorist attacks in recent years, to maintain its social stability, director of the structure's executive committee said on Friday.

"Many terrorists who carried out deadly attacks in China have watched or listened to videos or audios with contents of extreme beliefs online, but those materials are produced and uploaded outside China. So RATS has decided to set up a special unit to deal with the threat," Zhang Xinfeng, the current director of SCO's Regional Anti-Terrorist Structure's executive committee said at the headquarters of the structure in Tashkent, capital of Uzbekistan.

Zhang said the unit could provide assistance to China, especially Xinjiang Uygur autonomous region, which is on the frontline of the country's war on terrorism, to eliminate the online sources of terrorist and extreme information. He added that China's recent national campaign of striking hard on terrorism is necessary and will be effective.

The member states of the SCO, which includes Kazakhstan, China, Kyrgyzstan, Russia, Tajikistan and Uzbekistan, have constantly made arrests of terrorists, separatists and extremists as well as tracked down terrorists wanted internationally. The structure has also always been assisted by China in fighting terrorism since it was founded on June 17, 2004, with the aim to enhance cooperation in the region's security, he added.

"The terrorist attacks in Xinjiang Uygur autonomous region are closely related to the activities of terrorists, separatists and extremists forces in Central Asia so the joint anti-terrorist efforts from the member countries are crucial to China's stability, and it is a long-term mission," Zhang said.

The member countries have adopted an anti-terrorism mechanism in intelligence and information sharing. Also, they have strengthened he cooperation of border controls since 2013 to solve the issues of terrorists crossing the borders illegally, he added.

RATS has two bodies: the Council and the executive committee. According to the agreement of the member countries, regular meetings of the Council have to be held at least once every six months.

So far 24 meetings have been held since the organization was established 10 years ago and 356 documents regulating the cooperation of the member states in the fight against terrorism, separatism and extremism have been reviewed.

Besides the member countries, the structure has further enhanced the anti-terrorism cooperation with SCO's five observer countries: Afghanistan, India, Iran, Mongolia and Pakistan.

"Although countries may have some conflicts with each other, but they must realize that terrorism is their common enemy and they must fight it together," Zhang said.

Comments (0)
Most popular in 24h
\u00a0 Archived Content
Media partners:

Copyright \u00a91999-2018 Chinanews.com. All rights reserved.
Reproduction in whole or in part without permission is prohibited."""


def seed_body() -> tuple[str, list[str]]:
    """Title and body paragraphs of the seed, read back from its dump layout."""
    blocks = SEED_TEXT.split("\n\n")
    assert blocks[0] == "Text: | Print|" and blocks[2].startswith("2014-06-07 09:21"), blocks[:3]
    end = next(i for i, b in enumerate(blocks) if b.startswith("Comments (0)"))
    return blocks[1], blocks[3:end]


# --------------------------------------------------------------------------------------------------------------
# Stories. Paragraphs use straight quotes; copies restyle them. `dateline` is the original's dateline, if any.
# --------------------------------------------------------------------------------------------------------------
@dataclass
class Story:
    key: str
    topic: str
    title: str
    paras: list[str]
    dateline: str = ""
    syndicated: bool = False
    templated_with: str | None = None
    copies: list[dict] = field(default_factory=list)


STORIES: dict[str, Story] = {}


def story(key: str, topic: str, title: str, paras: list[str], **kw) -> Story:
    s = Story(key, topic, title, paras, **kw)
    STORIES[key] = s
    return s


_seed_title, _seed_paras = seed_body()
# The chinadaily original reads "strengthened the cooperation"; the chinanews copy (the seed) lost a letter.
_cd_paras = [p.replace("strengthened he cooperation", "strengthened the cooperation") for p in _seed_paras]
assert _cd_paras != _seed_paras

story("sco-cyber-unit", "security", _seed_title, _cd_paras, syndicated=True)

story(
    "dragon-boat-rail",
    "travel",
    "Railways log record passenger day over Dragon Boat Festival holiday",
    [
        "China's railways carried 9.46 million passengers on Monday, the last day of the three-day Dragon Boat "
        "Festival holiday, setting a new single-day record as families squeezed in short trips before the summer "
        "travel season, the national railway operator said on Tuesday.",
        "Over the whole holiday, from Saturday to Monday, the network handled 25.3 million trips, up 11.8 percent "
        "from the same period last year. Operators added 312 temporary trains on busy routes, most of them "
        "high-speed services linking Beijing, Shanghai, Guangzhou and Wuhan.",
        "Short-distance travel dominated. More than 60 percent of tickets sold for the holiday were for journeys of "
        "less than 300 kilometers, according to the operator, reflecting the growing habit of taking a high-speed "
        "train to a nearby city for a weekend visit rather than making one long trip home.",
        '"Two years ago a holiday like this was a headache at the station. Now my wife and I book on the phone on '
        'Thursday night and we are in Suzhou for lunch on Saturday," said Liu Jianguo, a 46-year-old office worker '
        "who was returning to Shanghai with his family on Monday evening.",
        "Online booking also reached a new high. The ticketing website and its telephone service sold 58 percent "
        "of all holiday tickets, compared with 49 percent during the Qingming Festival holiday in April. The "
        "operator said it had added server capacity after complaints about slow page loading during the Spring "
        "Festival rush earlier this year.",
        "Stations in several cities opened extra security lanes and ticket windows on Monday afternoon, when return "
        "traffic peaked. At Guangzhou South Railway Station, staff guided passengers to self-service machines that "
        "print tickets bought online, cutting queues at the counters to about 15 minutes, station officials said.",
        "Road and air traffic also rose over the holiday. Highways across the country recorded 118 million trips "
        "by car and coach, while airlines carried about 1.2 million passengers a day, transport authorities said.",
        "The summer travel season, which typically starts in early July when schools close, is expected to put "
        "further pressure on the network. The operator said it plans to put another 1,900 kilometers of new lines "
        "into service before the end of the year.",
    ],
    dateline="BEIJING, June 3 (Xinhua) -- ",
    syndicated=True,
)

story(
    "port-crane-strike",
    "shipping",
    "Crane operators walk out at Port of Calder, stranding 40 ships",
    [
        "Crane operators at the Port of Calder walked off the job early on Friday in a dispute over shift lengths "
        "and automation, halting container traffic at the region's busiest terminal and leaving more than 40 "
        "vessels waiting at anchor in the outer harbor.",
        "About 380 members of the Harbor Equipment Operators Union stopped work at 6 a.m. after talks with the "
        "Calder Terminal Employers Association broke down late on Thursday. The union said its members would stay "
        "out until employers withdrew a proposal to extend standard shifts from eight to ten hours.",
        '"Our people sit 140 feet in the air moving boxes that weigh 30 tons. Asking them to do that for ten hours '
        'straight is not a scheduling question, it is a safety question," union president Dolores Mackey told '
        "reporters outside the main gate, where several dozen workers stood with placards.",
        "The employers association said longer shifts were needed to clear ships faster as larger vessels call at "
        "the port, and accused the union of refusing to discuss a pilot program for remote-controlled cranes at "
        'the new South Quay terminal. "We put a fair offer on the table, including a 3.5 percent raise in each of '
        'the next three years," association spokesman Neil Averill said in a statement.',
        "The port handled 2.7 million containers last year, and shipping agents said every day of stoppage could "
        "delay roughly 7,500 boxes. Retailers importing goods for the back-to-school season were among the most "
        "exposed, said Marta Ionescu, an analyst at freight consultancy Tidewater Insight.",
        '"Two or three days is manageable; carriers will reshuffle and some cargo will be diverted to Port Ellery. '
        'Beyond a week, you start to see empty shelves and expensive air freight," she said.',
        "At least three container lines said they had told customers to expect delays of up to five days, and one "
        "said it would skip Calder on its next Asia service and discharge cargo at Port Ellery, about 200 miles to "
        "the south.",
        "The state labor mediator, Gordon Pryce, said he had invited both sides to talks on Saturday morning. Grain "
        "and car terminals, which are staffed by a different union, were operating normally, the port authority "
        "said.",
    ],
    dateline="CALDER, June 6 (NWH) -- ",
    syndicated=True,
)

story(
    "heat-advisory",
    "weather",
    "Heat advisory issued as temperatures head for 100 degrees",
    [
        "The National Weather Service issued a heat advisory for Harlow and Brant counties on Saturday, warning "
        "that afternoon temperatures could reach 100 degrees on Sunday and Monday, with overnight lows that will "
        "stay near 78 in the city.",
        "The advisory runs from noon Sunday until 8 p.m. Monday. Forecasters said humidity would push the heat "
        "index, which measures how hot it feels, as high as 108 degrees in low-lying neighborhoods along the river.",
        '"It\'s the nights that worry us more than the afternoons," said meteorologist Priya Sandoval at the '
        'weather service\'s Grafton office. "When it doesn\'t cool off below the upper 70s, people without air '
        'conditioning never get a chance to recover, and that\'s when we see heat illness climb."',
        "The city will open seven cooling centers at libraries and recreation centers from 10 a.m. to 9 p.m. on "
        "both days. The Eastside Senior Center on Mercer Avenue will stay open until midnight. Bus riders can show "
        "a cooling center card to ride free to any of the sites.",
        "Harlow County health officials urged residents to check on elderly neighbors, keep pets indoors and avoid "
        "strenuous outdoor work between 11 a.m. and 6 p.m. Last July, the county recorded 64 emergency room visits "
        "for heat-related illness during a four-day hot spell.",
        "The utility serving most of the region, Brant Valley Power, said it expected demand to set a June record "
        "of about 6,900 megawatts on Monday afternoon and asked customers to set thermostats at 78 degrees and "
        "delay running dishwashers and dryers until evening. The company said it did not expect rolling outages.",
        "Organizers of the Riverfront Jazz Festival, scheduled for Sunday afternoon, said they would add misting "
        "tents and free water stations but had no plans to cancel. Youth baseball leagues in both counties moved "
        "Sunday games to the morning.",
        "Relief should arrive Tuesday, when a cold front is forecast to bring thunderstorms and highs in the "
        "mid-80s.",
    ],
    syndicated=True,
)

story(
    "council-rapid-bus",
    "city council",
    "Council approves $41 million for crosstown rapid bus line",
    [
        "The City Council voted 9-4 on Thursday night to spend $41 million on a rapid bus line along Kingsley "
        "Avenue, ending a year of debate over whether the crosstown route should give buses their own lanes at the "
        "expense of street parking.",
        "The plan calls for 6.2 miles of dedicated red-painted lanes between the Union Street rail station and the "
        "Northfield Medical Center, 14 stations with raised platforms and ticket machines, and traffic signals that "
        "turn green when a bus approaches. Service would run every seven minutes at peak times.",
        "Supporters said the line would cut the trip from end to end from 48 minutes to about 29 and serve "
        "neighborhoods where nearly a third of households do not own a car. \"This is the busiest bus corridor we "
        'have, and right now it is also the slowest," said council member Andrea Whitfield, who represents the '
        'Eastgate district. "People are standing in the rain waiting for buses stuck in the same traffic as '
        'everybody else."',
        "Opponents, led by council member Ray Donnelly, argued that removing about 380 parking spaces would hurt "
        "small businesses along the avenue. Several shop owners spoke during a public comment period that lasted "
        "more than three hours. \"My customers come by car. If they can't park, they go to the mall,\" said Hector "
        "Alvarado, who owns a hardware store near 30th Street.",
        "To win over wavering members, the council amended the plan to keep parking on the stretch between 24th "
        "and 34th streets outside rush hours, and to set aside $1.5 million for grants to businesses affected by "
        "construction.",
        "The city expects federal grants to cover about 60 percent of the cost, with the rest coming from a "
        "transportation bond approved by voters in 2012. Construction could start in the spring of 2015, and the "
        "first buses could run by late 2016, said transit director Lorraine Okafor.",
        'Mayor Tom Brandt, who had backed the project, said he would sign the measure. "We debated this long and '
        'hard, and we ended up with a better plan than we started with," he said.',
        "The council also approved, 12-1, a contract for new LED streetlights in four neighborhoods, and delayed a "
        "vote on changes to food truck permits until July.",
    ],
    syndicated=True,
)

story(
    "measles-clinics",
    "health",
    "Measles cases rise to 11 as county opens free vaccine clinics",
    [
        "Health officials in Ashford County confirmed four more cases of measles on Wednesday, bringing the total "
        "in the outbreak to 11, and said they would open free vaccination clinics at three schools this weekend.",
        "All of the new cases involve children between the ages of 2 and 9, and none of them had received the "
        "measles, mumps and rubella vaccine, according to the county health department. Two children were treated "
        "in hospital for pneumonia and have since been sent home.",
        '"Measles is one of the most contagious diseases we know of. If one person has it, up to nine out of ten '
        'people close to that person who are not immune will also become infected," said Dr. Helen Marsh, the '
        'county\'s medical officer. "The vaccine is safe, it is free this weekend, and it works."',
        "The outbreak began in late May after an unvaccinated teenager returned from a trip abroad, officials "
        "said. Investigators have since traced possible exposures to a pediatric clinic waiting room, a public "
        "swimming pool and two church services in the town of Millbrook.",
        "The clinics will run from 9 a.m. to 3 p.m. on Saturday and Sunday at Millbrook Elementary, Ashford Middle "
        "School and Westvale High School. No appointment is needed, and parents should bring their children's "
        "immunization records if they have them.",
        "Vaccination rates among kindergarten students in Ashford County fell to 88 percent last school year, below "
        "the roughly 95 percent that experts say is needed to stop measles from spreading in a community. At some "
        "private schools in the county the rate was under 70 percent.",
        "School officials said students who cannot show proof of immunity may be asked to stay home for up to 21 "
        "days if a case is confirmed at their school. Millbrook Elementary has already excluded 23 students.",
        "Symptoms usually begin with a high fever, cough, runny nose and red, watery eyes, followed three to five "
        "days later by a rash that starts on the face. Officials asked anyone with symptoms to call their doctor "
        "before visiting, so that staff can take steps to avoid exposing other patients.",
    ],
    syndicated=True,
)

# Two templated stories: the same sentence frame with different companies and figures. Different stories.
EARNINGS_FRAME = [
    "{name} ({ticker}) on {day} reported {qdir} {quarter} profit and revenue and {guide} its full-year earnings "
    "forecast, and its shares {smove} in extended trading.",
    "Net income for the quarter ended {qend} was ${ni} million, or {eps} cents per share, compared with ${ni0} "
    "million, or {eps0} cents per share, a year earlier.",
    "Excluding one-time items, the company earned {adj} cents per share. Analysts on average had expected {est} "
    "cents, according to a survey by MarketPulse Data.",
    "Revenue {rdir} {rpct} percent to ${rev} million from ${rev0} million a year ago. Analysts had expected revenue "
    "of ${rest} million.",
    "Sales in the {seg1} segment, the company's largest, {s1dir} {s1pct} percent to ${s1} million, while the {seg2} "
    "segment {s2dir} {s2pct} percent to ${s2} million. {segnote}",
    "Gross margin {gdir} to {gm} percent from {gm0} percent a year earlier, {gwhy}.",
    '"{quote}," chief executive {ceo} said in a statement.',
    "{short} now expects full-year earnings of ${lo} to ${hi} per share, compared with its previous forecast of "
    "${plo} to ${phi}. Analysts on average expect ${fyest} per share.",
    "The company also said its board had approved a quarterly dividend of {div} cents per share, payable on "
    "{paydate} to shareholders of record on {recdate}.",
    "Shares of {short} {sdir} {spct} percent to ${px} in extended trading after closing at ${close} on the "
    "{exch}. The stock had {ydir} {ypct} percent this year through {day}'s close.",
]

BRIGHTWAVE = dict(
    name="Brightwave Foods Inc", ticker="BWF", short="Brightwave", day="Thursday", qdir="higher",
    quarter="fiscal second-quarter", guide="raised", smove="rose", qend="May 3",
    ni="48.6", eps="71", ni0="42.6", eps0="63", adj="74", est="69",
    rdir="rose", rpct="6.2", rev="912.4", rev0="859.1", rest="897.1",
    seg1="frozen foods", s1dir="rose", s1pct="9.1", s1="503.2", seg2="snacks", s2dir="fell", s2pct="1.5", s2="281.7",
    segnote="The packaged-food maker expanded its single-serve frozen meals into 1,200 more grocery stores during "
    "the quarter.",
    gdir="widened", gm="34.8", gm0="33.1", gwhy="helped by lower packaging and freight costs",
    quote="Shoppers are still watching every dollar, but they will pay for convenience when the quality is there",
    ceo="Laura Pennington",
    lo="2.78", hi="2.86", plo="2.70", phi="2.80", fyest="2.79",
    div="21", paydate="July 15", recdate="June 30",
    sdir="rose", spct="4.3", px="58.12", close="55.72", exch="New York Stock Exchange", ydir="gained", ypct="8",
    reporter="Dana Whitcomb in Chicago", editor="Ken Oduya",
)

KESTREL = dict(
    name="Kestrel Logistics Corp", ticker="KSTL", short="Kestrel", day="Thursday", qdir="lower",
    quarter="first-quarter", guide="cut", smove="fell", qend="April 30",
    ni="17.3", eps="29", ni0="22.2", eps0="37", adj="31", est="35",
    rdir="rose", rpct="3.4", rev="1,086.0", rev0="1,050.3", rest="1,104.5",
    seg1="truckload", s1dir="fell", s1pct="2.2", s1="712.8", seg2="warehousing", s2dir="rose", s2pct="12.4",
    s2="241.9",
    segnote="The trucking company said storms closed highways across the Midwest for days at a time in January and "
    "February.",
    gdir="narrowed", gm="18.2", gm0="20.6", gwhy="hurt by higher diesel prices and driver pay",
    quote="The weather cost us about 6 cents a share, and we are not going to get those miles back",
    ceo="Victor Salgado",
    lo="1.52", hi="1.60", plo="1.65", phi="1.75", fyest="1.68",
    div="9", paydate="July 1", recdate="June 16",
    sdir="fell", spct="6.8", px="24.37", close="26.15", exch="Nasdaq", ydir="risen", ypct="3",
    reporter="Priyanka Shah in New York", editor="Ken Oduya",
)


def earnings_paras(c: dict) -> list[str]:
    return [p.format(**c) for p in EARNINGS_FRAME]


story(
    "earnings-brightwave",
    "business",
    "Brightwave Foods quarterly profit rises, raises full-year forecast",
    earnings_paras(BRIGHTWAVE),
    templated_with="earnings-kestrel",
)
story(
    "earnings-kestrel",
    "business",
    "Kestrel Logistics quarterly profit falls, cuts full-year forecast",
    earnings_paras(KESTREL),
    templated_with="earnings-brightwave",
)

story(
    "eviction-notice-ruling",
    "courts",
    "Appeals court says landlords must give 60 days' notice before no-fault evictions",
    [
        "A state appeals court ruled on Friday that landlords in Harlow must give tenants at least 60 days' "
        "written notice before ending a month-to-month lease without cause, siding with a retired bus driver who "
        "was told to leave the apartment he had rented for 19 years with a month's warning.",
        "The three-judge panel of the Second District Court of Appeal unanimously overturned a lower court decision "
        "that had found a 2011 city ordinance requiring the longer notice period was pre-empted by state law, which "
        "sets a minimum of 30 days.",
        '"Nothing in the state statute prevents a city from giving tenants more protection than the floor the '
        'legislature set," Judge Miriam Castellano wrote for the panel. "The statute says how little notice is '
        'enough. It does not say how much notice is too much."',
        "The tenant, Walter Gaines, 68, received a 30-day notice in March 2013 after the building on Linden Street "
        "was sold to a new owner, Linden Court Holdings LLC, which planned to renovate the units and raise rents. "
        "When Gaines did not move out, the company filed for eviction and won in county court.",
        '"I paid my rent on the first of every month for 19 years. All I asked for was the time the city said I was '
        'entitled to," Gaines said in a telephone interview. He has remained in the apartment while the case was on '
        "appeal.",
        "A lawyer for Linden Court Holdings, Steven Kolb, said the company was disappointed and was considering "
        "asking the state Supreme Court to review the decision. He said the ruling would make it harder for owners "
        'to upgrade older buildings. "Cities cannot write their own version of landlord-tenant law one ordinance at '
        'a time," he said.',
        "Tenant advocates said the decision could affect thousands of renters. About 41 percent of Harlow "
        "households rent their homes, and the city's housing department estimates that roughly 26,000 units are "
        "rented month to month. At least four other cities in the state have passed similar notice rules since "
        "2010.",
        "The Harlow Apartment Owners Association, which filed a brief supporting the landlord, said in a statement "
        "that it would ask the legislature to clarify the law in its next session.",
        "The case was sent back to county court, which must now dismiss the eviction.",
    ],
)

# The same event, written up independently by two papers: two different stories.
story(
    "ferry-crash-herald",
    "accident",
    "17 hurt as commuter ferry slams into dock in fog",
    [
        "Seventeen people were injured Friday morning when a commuter ferry carrying 212 passengers struck the dock "
        "at Wexham Landing in heavy fog, throwing riders from their seats and tearing a hole above the waterline of "
        "the vessel's bow.",
        "The ferry, the Island Queen, was arriving from Port Ellery on its 7:40 a.m. run when it hit the pilings at "
        "what passengers described as nearly full speed. Most of the injured suffered cuts, bruises and sprains; "
        "three were taken to Wexham General Hospital with broken bones, a hospital spokeswoman said. None of the "
        "injuries was considered life-threatening.",
        '"There was no warning at all. One second I was reading the paper, the next I was on the floor with coffee '
        'all over me," said Janice Albright, 52, a bookkeeper who rides the ferry to work every weekday.',
        "The Coast Guard said visibility in the channel had dropped to less than a quarter of a mile at the time of "
        "the crash. Investigators will look at whether the ferry's radar and navigation equipment were working and "
        "whether the crew followed procedures for operating in restricted visibility, said Lt. Cmdr. Aaron Feld.",
        "The operator, Sound Crossing Ferries, suspended service on the route for the rest of the day and ran "
        "shuttle buses between the two towns. The company said the captain, who has 22 years of experience, and "
        "the two crew members on the bridge would be tested for drugs and alcohol, as required by federal rules.",
        "Damage to the dock forced the closure of the pedestrian walkway to the terminal. Town engineers were "
        "inspecting the pilings Friday afternoon to decide whether the landing can reopen next week.",
        "It was the second accident involving the company's vessels in 14 months. In April 2013, another of its "
        "ferries ran aground on a sandbar outside Port Ellery harbor; no one was hurt in that incident.",
    ],
)

story(
    "ferry-crash-tribune",
    "accident",
    "Fog blamed as Island Queen ferry crashes at Wexham Landing",
    [
        "Passengers on the Island Queen were collecting their bags for the short walk to the Wexham Landing "
        "terminal on Friday when the ferry, moving through fog thick enough to hide the shoreline, rammed into the "
        "wooden dock instead of easing alongside it.",
        "The impact injured 17 of the 212 people aboard, according to fire officials, who set up a triage area in "
        "the terminal parking lot. Paramedics took six people to hospitals, three of them with fractures. The rest "
        "were treated at the scene.",
        '"People were screaming, and a kid near me was bleeding from his forehead," said Marcus Delaney, 34, who '
        'was standing near the front of the passenger deck. "The crew was great, though. They had first aid kits '
        'out within a minute."',
        "Sound Crossing Ferries, which runs the 45-minute crossing from Port Ellery, canceled the remainder of "
        "Friday's sailings. A company spokesman, Paul Henning, said the firm was cooperating with investigators and "
        "would offer refunds to passengers with monthly passes for the days the route is closed.",
        "The Coast Guard and the National Transportation Safety Board both sent investigators. Lt. Cmdr. Aaron Feld "
        "of the Coast Guard said the agency would review the ship's voyage data recorder, which logs speed, heading "
        'and radar images, and interview the crew. "It is far too early to say what caused this," he said.',
        "Commuters said fog is common on the crossing in early summer, and several said they had noticed the "
        'ferries keeping to their schedules in poor visibility. "They never slow down, fog or no fog," Delaney '
        "said.",
        "The Island Queen, built in 1998, has a gash in its bow and will be taken to a shipyard for repairs. The "
        "company said it would use a smaller vessel to restore partial service on Monday.",
    ],
)

story(
    "fitness-app-breach",
    "technology",
    "Fitness app Stridely says hackers stole data on 2.3 million users",
    [
        "Stridely, the maker of a popular running and cycling app, said on Thursday that hackers had gained access "
        "to a database containing the names, email addresses and scrambled passwords of about 2.3 million users, "
        "and urged customers to change their passwords.",
        "The Portland-based company said it discovered the intrusion on June 2, when engineers noticed unusual "
        "traffic from one of its servers, and that the attackers appear to have had access for about nine days. "
        "Payment card numbers are stored by a separate processor and were not affected, Stridely said.",
        "The passwords were protected with a hashing method that security researchers consider outdated. \"If they "
        "used a weak, fast hash without salting, a large share of those passwords can be cracked in days on "
        'ordinary hardware," said Nadia Reyes, a researcher at security firm Bastion Labs. "People who reuse that '
        'password on their email or bank account should change it there too."',
        "Stridely said it had since switched to a stronger method and would force a password reset the next time "
        "affected users log in. It has also hired an outside forensics firm and notified law enforcement.",
        "The app records routes, pace and heart rate from phones and wrist-worn sensors, and lets users share "
        "workouts with friends. Some users worried online that location histories, which could reveal where they "
        "live, might also have been exposed. The company said route data was kept in a different system and that "
        "it had found no evidence that system had been accessed.",
        '"We let our users down, and I\'m sorry," chief executive Owen Lachlan wrote in a blog post. "We are going '
        'to be open about what happened and what we are doing about it."',
        "Stridely, which was founded in 2010 and raised $34 million from venture investors last year, says it has "
        "11 million registered users in 90 countries. The breach is the latest in a string of attacks on consumer "
        "web services this year, several of which also involved stolen password databases.",
        "Attorneys general in two states said they were looking into whether the company had notified customers "
        "quickly enough.",
    ],
)

# Written with typographic characters on purpose: this one becomes the non-ASCII (but valid UTF-8) page.
story(
    "atlantic-cup-final",
    "sports",
    "Ribeiro’s stoppage-time header hands Sporting Vale the Atlantic Cup",
    [
        "Mateus Ribeiro rose above two defenders in the third minute of stoppage time to head Sporting Vale to a "
        "2–1 win over Real Oriente in the Atlantic Cup final on Saturday, ending the club’s 31-year wait for a "
        "major trophy in front of 48,200 fans at the Estádio da Foz.",
        "Oriente had looked the stronger side for most of the evening and took the lead in the 38th minute when "
        "Łukasz Wróbel curled a free kick over the wall and in off the far post. Their goalkeeper, Åsmund Økland, "
        "made three fine saves after the break to keep Vale out.",
        "Vale’s coach, Zé Antunes, changed the game with a double substitution on the hour, sending on the "
        "19-year-old winger Ferhat Çelik and the veteran striker José Gonçalves. Within ten minutes Çelik had "
        "beaten his marker on the left and crossed for Gonçalves to sweep in the equaliser from eight metres.",
        "“I told them at half-time that nobody remembers how you played in the first half of a final,” Antunes "
        "said. “They remember who lifts the cup. These boys showed a lot of character.”",
        "The winner came from a corner. Çelik’s delivery was flicked on at the near post, and Ribeiro, a "
        "27-year-old defender who had scored only twice all season, was left unmarked to nod in from close range. "
        "He was booked for removing his shirt in celebration.",
        "Oriente’s captain, Nicolás Ibáñez, said his side had “switched off for one second” and paid for it. "
        "“We controlled the match, but football is cruel. We have to look at ourselves,” he said.",
        "The victory is worth €2.4 million in prize money to Vale and a place in next season’s European qualifying "
        "rounds. The club, which was close to bankruptcy in 2009, was promoted back to the top division only two "
        "seasons ago — under the same coach.",
        "Temperatures at kick-off were 27 °C, and the match was paused twice for drinks breaks under a rule "
        "introduced for this season’s competition.",
    ],
)

story(
    "valley-wheat-drought",
    "agriculture",
    "Drought cuts Corrigan Valley wheat forecast to lowest in nine years",
    [
        "Wheat growers across the Corrigan Valley expect their smallest harvest in nine years after a third dry "
        "winter in a row and a hard freeze in late April, the regional farm bureau said on Friday.",
        "The bureau cut its estimate of the winter wheat crop to 61 million bushels, down 23 percent from last year "
        "and well below the ten-year average of about 84 million. Yields are forecast at 31 bushels an acre, "
        "compared with 38 last year.",
        "Rainfall since September has totaled 9.4 inches at the bureau's weather station in Tillman, less than half "
        "the normal amount. In some counties along the western edge of the valley, farmers have abandoned as much "
        "as a quarter of their planted acres, choosing to collect crop insurance or turn cattle out on the thin "
        "stands rather than pay for harvesting.",
        '"You look out at a field in June and it ought to be waist high and golden. This year a lot of it barely '
        'comes up past your boot," said Carl Ostrander, who farms 2,800 acres near Tillman with his two sons. '
        '"We\'ll cut what we can, but some of it isn\'t worth the diesel."',
        "The smaller harvest has not pushed prices up much, because bigger crops are expected elsewhere. Wheat "
        "futures for July delivery settled at $6.12 a bushel on Friday, about 9 percent lower than a year ago, "
        "leaving many growers with both less grain and less money per bushel.",
        "Local businesses are feeling it too. Grain elevators in the valley have cut seasonal hiring, and equipment "
        'dealers say orders for new combines have fallen sharply. "When the farmers have a bad year, we have a bad '
        'year. It\'s that simple," said Angela Brooks, who manages an implement dealership in Carver.',
        "Bureau economists said the region's cattle herd is also shrinking as ranchers sell animals they can no "
        "longer afford to feed. The number of cattle on valley ranches has fallen by roughly 18 percent since 2011.",
        "Forecasters give a slightly better than even chance of a wetter-than-normal autumn, which would help the "
        'next crop get established. "We\'ve had dry spells before and we\'ve come back," Ostrander said. "But three '
        'years in a row tests anybody."',
    ],
)

story(
    "shenzhen-electric-buses",
    "transport",
    "Shenzhen to put 3,000 more electric buses on its roads this year",
    [
        "Shenzhen will add 3,000 battery-powered buses to its public transport fleet by the end of this year, "
        "bringing the share of electric vehicles among the city's buses to nearly a third, the municipal transport "
        "commission said on Wednesday.",
        "The city currently runs about 2,100 electric buses out of a fleet of roughly 14,700, according to the "
        "commission. The new vehicles will replace diesel buses on 87 routes, most of them in the Futian, Luohu and "
        "Nanshan districts, where complaints about exhaust fumes are most frequent.",
        "Each electric bus costs about 1.8 million yuan ($288,000), more than twice the price of a diesel model, "
        "but operators say lower fuel and maintenance costs make up much of the difference over an eight-year "
        "service life. Central and local subsidies cover about half of the purchase price.",
        '"The biggest challenge is not the buses but charging," said a commission official who asked not to be '
        'named. "A bus that runs 250 kilometers a day needs a place to charge at night, and land in the city '
        'center is very expensive."',
        "To solve the problem, the city plans to build 52 charging depots this year, mostly at existing bus "
        "terminals, and to let operators charge at off-peak electricity prices between 11 pm and 7 am.",
        "Drivers who have switched to the new buses say passengers notice the difference. \"It's quiet, there is no "
        'smell and no shaking at the traffic lights," said Huang Weiming, who has driven the No 64 route for 11 '
        'years. "Some older passengers ask me if the engine is broken."',
        "Shenzhen is one of several cities taking part in a national program to promote new-energy vehicles in "
        "public transport, taxis and government fleets. The program aims to cut air pollution and reduce the "
        "country's dependence on imported oil.",
        "The commission said it will also add 1,000 electric taxis by the end of 2015.",
    ],
)

story(
    "port-union-alert",
    "shipping",
    "URGENT: Calder port union",
    ["Calder port union agrees to mediation."],
)


# --------------------------------------------------------------------------------------------------------------
# How syndicated copies differ: house style, datelines, dropped sentences, promo lines, trimmed endings.
# --------------------------------------------------------------------------------------------------------------
def smart_quotes(text: str) -> str:
    out = []
    for i, ch in enumerate(text):
        prev = text[i - 1] if i else " "
        if ch == '"':
            out.append("“" if prev in " \n(—[" else "”")
        elif ch == "'":
            out.append("‘" if prev in " \n(—[" else "’")
        else:
            out.append(ch)
    return "".join(out)


def per_cent(text: str) -> str:
    return text.replace("percent", "per cent")


def drop_sentence(text: str, sentence: str) -> str:
    assert sentence in text, sentence
    return re.sub(r"  +", " ", text.replace(sentence, "")).strip()


@dataclass
class Copy:
    title: str
    paras: list[str]


def copy_of(
    st: Story,
    *,
    title: str | None = None,
    dateline: str | None = None,
    drop: tuple[int, str] | None = None,
    trim: int = 0,
    promo: tuple[int, str] | None = None,
    quotes: str = "straight",
    percent: str = "percent",
    credit: str | None = None,
) -> Copy:
    """A copy of a story as another site ran it. dateline None keeps the original's, "" removes it."""
    paras = list(st.paras)
    if drop is not None:
        paras[drop[0]] = drop_sentence(paras[drop[0]], drop[1])
    if trim:
        paras = paras[:-trim]
    line = st.dateline if dateline is None else dateline
    paras[0] = line + paras[0]
    if quotes == "smart":
        paras = [smart_quotes(p) for p in paras]
    if percent == "per cent":
        paras = [per_cent(p) for p in paras]
    if promo is not None:
        paras.insert(promo[0], promo[1])
    if credit:
        paras.append(credit)
    return Copy(title or st.title, paras)


def original(st: Story) -> Copy:
    return copy_of(st)


# --------------------------------------------------------------------------------------------------------------
# Site chrome shared by the templates.
# --------------------------------------------------------------------------------------------------------------
def esc(s: str) -> str:
    return html.escape(s, quote=False)


def attr(s: str) -> str:
    return html.escape(s, quote=True)


def slugify(s: str) -> str:
    s = re.sub(r"[^a-z0-9]+", "-", s.lower().replace("’", "").replace("'", ""))
    return s.strip("-")[:60].rstrip("-")


def short_hash(s: str) -> str:
    return hashlib.sha256(s.encode("utf-8")).hexdigest()[:16]


US_HEADLINES = [
    "School board delays vote on later start times",
    "Police seek driver in Route 9 hit-and-run",
    "Harlow County fair adds Sunday concert",
    "Riverfront Jazz Festival lineup announced",
    "Westvale sweeps doubleheader to reach regional final",
    "New owner plans apartments for old mill site",
    "Library hours cut at two branches",
    "Kingsley Avenue bus lanes win council approval",
    "Power company seeks 4.5% rate increase",
    "Storm cleanup costs top $2 million",
]

CHINA_HEADLINES = [
    "Beijing to expand subway network to 1,000 km by 2020",
    "Summer grain harvest under way in Henan",
    "Tibet railway extension opens to Xigaze",
    "Panda cubs make public debut in Chengdu",
    "Guangdong braces for heavy rain as typhoon nears",
    "Premier calls for targeted support for small firms",
    "College entrance exam draws 9.39 million students",
    "Shanghai free trade zone publishes negative list",
]

COOKIE_TEXT = (
    "We use cookies to personalise content and ads, to provide social media features and to analyse our "
    "traffic. By continuing to use this site you consent to our use of cookies."
)


def lis(items: list[str], base: str) -> str:
    return "\n".join(f'<li><a href="{base}/{slugify(h)}">{esc(h)}</a></li>' for h in items)


@dataclass
class Page:
    site: str
    url: str
    title: str
    paras: list[str]
    section: str
    author: str
    iso: str  # published, ISO 8601
    human: str  # published as the site prints it
    related: list[str]
    most_read: list[str]
    comments: list[tuple[str, str, str]] = field(default_factory=list)
    description: str = ""
    tags: list[str] = field(default_factory=list)


def _comments_html(cs: list[tuple[str, str, str]], cls: str) -> str:
    if not cs:
        return ""
    items = "\n".join(
        f'<div class="{cls}"><div class="{cls}-head"><span class="user">{esc(u)}</span> '
        f'<span class="when">{esc(w)}</span></div><p>{esc(t)}</p>'
        f'<div class="{cls}-tools"><a href="#">Reply</a> <a href="#">Report</a> <span>Like</span></div></div>'
        for u, w, t in cs
    )
    return (
        f'<div id="comments" class="comments-section"><h3>Comments ({len(cs)})</h3>\n'
        '<p class="comment-policy">Comments are moderated. Please keep the discussion civil and on topic.</p>\n'
        f"{items}\n"
        '<form class="comment-form"><textarea placeholder="Join the discussion"></textarea>'
        "<button>Post comment</button></form></div>"
    )


# The Daily Herald: an older CMS, div soup, entities for quotes, sidebar and comments.
def tpl_dailyherald(p: Page) -> str:
    body = "\n".join(f"<p>{html.escape(x)}</p>" for x in p.paras)
    nav = ["Home", "Local", "Region", "Business", "Sports", "Opinion", "Obituaries", "Weather", "Classifieds"]
    navs = "".join(f'<li><a href="/{n.lower()}">{n}</a></li>' for n in nav)
    tags = ", ".join(f'<a href="/tag/{slugify(t)}">{esc(t)}</a>' for t in p.tags)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<title>{esc(p.title)} | The Daily Herald</title>
<meta name="description" content="{attr(p.description or p.paras[0][:150])}">
<meta name="author" content="{attr(p.author)}">
<link rel="canonical" href="{attr(p.url)}">
<link rel="stylesheet" href="/static/css/herald.min.css?v=20140521">
<script type="text/javascript">var _dhq = _dhq || []; _dhq.push(['section', '{p.section.lower()}']);</script>
</head>
<body class="article-page">
<div id="cookie-notice">{COOKIE_TEXT} <a href="/privacy">Learn more</a> <a href="#" class="close">OK</a></div>
<div id="wrapper">
<div id="masthead"><a href="/"><img src="/static/img/dh-logo.png" alt="The Daily Herald"></a>
<div class="weather-widget">Harlow 84&deg;F Partly cloudy</div>
<div class="top-links"><a href="/subscribe">Subscribe</a> | <a href="/login">Log in</a> | <a href="/e-edition">E-Edition</a> | <a href="/contact">Contact us</a></div>
</div>
<div id="nav"><ul>{navs}</ul></div>
<div id="breadcrumb"><a href="/">Home</a> &gt; <a href="/news">News</a> &gt; <a href="/news/{slugify(p.section)}">{esc(p.section)}</a></div>
<div id="main">
<div class="col-left">
<div class="headline"><h1>{esc(p.title)}</h1></div>
<div class="story-meta"><span class="byline">By {esc(p.author)}</span> | <span class="date">Posted {esc(p.human)}</span></div>
<div class="share-tools"><a href="#" class="fb">Share</a> | <a href="#" class="tw">Tweet</a> | <a href="javascript:window.print()">Print</a> | <a href="mailto:?subject={attr(p.title)}">Email</a></div>
<div class="story-body" id="storyBody">
{body}
</div>
<div class="tags">Topics: {tags}</div>
<div class="related"><h3>Related stories</h3><ul>
{lis(p.related, "/news")}
</ul></div>
{_comments_html(p.comments, "comment")}
</div>
<div class="col-right">
<div class="most-read"><h3>Most read</h3><ol>
{lis(p.most_read, "/news")}
</ol></div>
<div class="newsletter-box"><h4>Get the Herald in your inbox</h4><p>Sign up for our free morning newsletter.</p>
<form action="/newsletter"><input type="email" name="email" placeholder="Your email"><button type="submit">Sign up</button></form></div>
<div class="ad" id="ad-300x250"><!-- ad slot --></div>
</div>
</div>
<div id="footer"><ul><li><a href="/about">About us</a></li><li><a href="/advertise">Advertise</a></li><li><a href="/jobs">Jobs</a></li><li><a href="/privacy">Privacy policy</a></li><li><a href="/terms">Terms of use</a></li></ul>
<p>Copyright &copy; 2014 The Daily Herald, a Harlow Media Group company. All rights reserved.</p></div>
</div>
</body>
</html>
"""


# Metro Tribune: HTML5, Open Graph tags, <article>, sidebar, cookie dialog at the end of the body.
def tpl_metrotribune(p: Page) -> str:
    body = "\n".join(f"<p>{esc(x)}</p>" for x in p.paras)
    nav = ["News", "Politics", "Business", "Sports", "Health", "Tech", "Opinion", "Arts", "Real Estate"]
    navs = "".join(f'<li><a href="/{n.lower().replace(" ", "-")}/">{n}</a></li>' for n in nav)
    comments = _comments_html(p.comments, "trib-comment")
    return f"""<!doctype html>
<html lang="en-US">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(p.title)} - Metro Tribune</title>
<meta property="og:type" content="article">
<meta property="og:title" content="{attr(p.title)}">
<meta property="og:url" content="{attr(p.url)}">
<meta property="og:site_name" content="Metro Tribune">
<meta property="og:description" content="{attr(p.description or p.paras[0][:160])}">
<meta property="article:published_time" content="{p.iso}">
<meta property="article:section" content="{attr(p.section)}">
<link rel="canonical" href="{attr(p.url)}">
</head>
<body class="single-story">
<a class="skip-link" href="#content">Skip to content</a>
<header class="site-header">
<div class="brand"><a href="/">Metro Tribune</a></div>
<nav class="primary-nav" aria-label="Sections"><ul>{navs}</ul></nav>
<div class="header-actions"><a href="/subscribe">Subscribe for $1</a> <a href="/account">Sign in</a> <a href="/search">Search</a></div>
</header>
<main id="content">
<header class="story-header">
<p class="kicker">{esc(p.section)}</p>
<h1 class="headline">{esc(p.title)}</h1>
<div class="byline">By <a rel="author" href="/staff/{slugify(p.author)}">{esc(p.author)}</a></div>
<time datetime="{p.iso}">{esc(p.human)}</time>
</header>
<div class="share-bar"><ul><li><a href="#">Share</a></li><li><a href="#">Tweet</a></li><li><a href="#">Print</a></li><li><a href="#">Email</a></li></ul></div>
<article class="story">
<div class="story-body">
{body}
</div>
</article>
<section class="related"><h2>Related stories</h2><ul>
{lis(p.related, "/news")}
</ul></section>
{comments}
</main>
<aside class="sidebar">
<section class="most-read"><h2>Most read</h2><ol>
{lis(p.most_read, "/news")}
</ol></section>
<section class="newsletter"><h2>The Morning Trib</h2><p>Our best stories, every weekday at 6 a.m. Sign up for our newsletter.</p>
<form><input type="email" aria-label="Email address"><button>Subscribe</button></form></section>
</aside>
<div class="cookie-banner" role="dialog"><p>{COOKIE_TEXT}</p><button>Accept</button> <a href="/privacy">Privacy policy</a></div>
<footer class="site-footer">
<nav><a href="/about">About</a> <a href="/contact">Contact</a> <a href="/careers">Careers</a> <a href="/ethics">Ethics policy</a> <a href="/terms">Terms of service</a></nav>
<p>&copy; 2014 Metro Tribune Publishing Co. All rights reserved.</p>
</footer>
</body>
</html>
"""


# NewswireHub: a wire service's plain XHTML page.
def tpl_newswire(p: Page, credit: str = "") -> str:
    body = "\n".join(f"<p>{esc(x)}</p>" for x in p.paras)
    menu = ["Top News", "World", "Business", "Markets", "Technology", "Sports", "Press Releases"]
    menus = " | ".join(f'<a href="/{slugify(m)}/">{m}</a>' for m in menu)
    credit_html = f'<p class="credit">{esc(credit)}</p>\n' if credit else ""
    return f"""<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=UTF-8" />
<title>{esc(p.title)} :: NewswireHub</title>
<meta name="keywords" content="{attr(", ".join(p.tags))}" />
<meta property="article:published_time" content="{p.iso}" />
<link rel="canonical" href="{attr(p.url)}" />
</head>
<body>
<div id="hdr"><div class="logo"><a href="/">NewswireHub</a></div><div class="tagline">News from around the world, around the clock</div>
<div class="login"><a href="/clients">Client login</a> | <a href="/rss">RSS</a></div></div>
<div id="menu">{menus}</div>
<div id="container">
<div id="content">
<h1 class="title">{esc(p.title)}</h1>
<div class="meta">{esc(p.human)} | {esc(p.section)} desk</div>
<div class="tools">Share | Tweet | Print | Email</div>
<div class="article-text">
{body}
</div>
{credit_html}<div class="related"><h4>Related stories</h4><ul>
{lis(p.related, "/news")}
</ul></div>
</div>
<div id="side"><h4>Most read</h4><ol>
{lis(p.most_read, "/news")}
</ol>
<div class="promo">Get NewswireHub alerts on your phone. <a href="/apps">Download the app</a></div></div>
</div>
<div id="ftr">&copy; 2014 NewswireHub Ltd. All rights reserved. Republication or redistribution of NewswireHub content, including by framing or similar means, is prohibited without prior written consent.
<br /><a href="/terms">Terms</a> | <a href="/privacy">Privacy</a> | <a href="/corrections">Corrections</a></div>
</body>
</html>
"""


# Northgate Chronicle: British regional site, cookie banner first, inline adverts between paragraphs.
def tpl_northgate(p: Page) -> str:
    parts = []
    for i, x in enumerate(p.paras):
        parts.append(f"<p>{esc(x)}</p>")
        if i == 2:
            parts.append('<div class="inline-ad"><span>Advertisement</span><div id="dfp-mpu-1"></div></div>')
    body = "\n".join(parts)
    return f"""<!DOCTYPE html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<title>{esc(p.title)} | Northgate Chronicle</title>
<meta name="description" content="{attr(p.description or p.paras[0][:150])}">
<meta property="og:title" content="{attr(p.title)}">
<meta name="twitter:card" content="summary_large_image">
<link rel="canonical" href="{attr(p.url)}">
</head>
<body>
<div id="cookie-law"><p>{COOKIE_TEXT} <a href="/cookie-policy">Find out more</a></p><button>Continue</button></div>
<div class="site-head"><a class="logo" href="/">Northgate Chronicle</a>
<ul class="site-nav"><li><a href="/news">News</a></li><li><a href="/news/world">World</a></li><li><a href="/news/health">Health</a></li><li><a href="/sport">Sport</a></li><li><a href="/whats-on">What's On</a></li><li><a href="/property">Property</a></li><li><a href="/announcements">Announcements</a></li></ul>
<div class="head-search"><input type="text" placeholder="Search the Chronicle"></div></div>
<div class="crumbs"><a href="/">Home</a> &rsaquo; <a href="/news">News</a> &rsaquo; {esc(p.section)}</div>
<div class="article-wrap">
<h1>{esc(p.title)}</h1>
<div class="art-info"><span class="author">{esc(p.author)}</span> <span class="pubdate">{esc(p.human)}</span></div>
<div class="social">Share | Tweet | Print | Email</div>
<div class="art-body">
{body}
</div>
<div class="more-from"><h3>More from {esc(p.section)}</h3><ul>
{lis(p.related, "/news")}
</ul></div>
</div>
<div class="rail"><h3>Most read</h3><ol>
{lis(p.most_read, "/news")}
</ol><div class="nl-signup"><h3>Sign up for our newsletter</h3><p>The Chronicle's top stories, every morning.</p></div></div>
<div class="site-foot"><p>&copy; Northgate Chronicle Ltd 2014. Registered in England and Wales No. 04711230.</p>
<p><a href="/contact">Contact us</a> &middot; <a href="/complaints">Complaints</a> &middot; <a href="/privacy">Privacy notice</a> &middot; <a href="/cookie-policy">Cookie policy</a></p></div>
</body>
</html>
"""


# A chinadaily.com.cn-like page: old table-era layout, bilingual top bar, share and font tools, related list.
def tpl_chinadaily(p: Page) -> str:
    body = "\n".join(f"<p>{esc(x)}</p>" for x in p.paras)
    nav = ["Home", "China", "World", "Business", "Lifestyle", "Culture", "Travel", "Sports", "Opinion",
           "Regional", "Forum", "Photo", "Video"]
    navs = "".join(f'<li><a href="http://www.chinadaily.com.cn/{n.lower()}/">{n}</a></li>' for n in nav)
    return f"""<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8" />
<title>{esc(p.title)} - China - Chinadaily.com.cn</title>
<meta name="keywords" content="{attr(", ".join(p.tags))}" />
<meta name="description" content="{attr(p.description or p.paras[0][:150])}" />
<meta name="publishdate" content="{p.iso}" />
<link rel="canonical" href="{attr(p.url)}" />
</head>
<body>
<div class="topBar"><a href="#">Mobile</a> | <a href="#">Global Edition</a> | <a href="#">Asia</a> | <a href="#">中文</a> | <a href="#">双语</a> | <a href="#">Français</a></div>
<div class="header"><div class="logo"><a href="http://www.chinadaily.com.cn/"><img src="../../images/logo.gif" alt="chinadaily.com.cn" /></a></div>
<div class="search"><form action="http://searchen.chinadaily.com.cn/search"><input type="text" name="query" /><input type="submit" value="Search" /></form></div></div>
<div class="nav"><ul>{navs}</ul></div>
<div class="subnav">Politics | Society | Innovation | HK/Macao | Cross-Strait | Cover Story | Environment | Special Coverage</div>
<div class="location"><a href="http://www.chinadaily.com.cn/">Home</a> &gt; <a href="http://www.chinadaily.com.cn/china/">China</a> &gt; <a href="http://www.chinadaily.com.cn/china/society/">Society</a></div>
<table width="100%" border="0" cellspacing="0" cellpadding="0"><tr><td class="left" valign="top">
<h1 id="title">{esc(p.title)}</h1>
<div class="info">Updated: {esc(p.human)} <span class="source">(chinadaily.com.cn)</span></div>
<div class="share">Share on: <a href="#">Facebook</a> <a href="#">Twitter</a> <a href="#">Weibo</a> <a href="#">LinkedIn</a> | Print | Mail | Large Medium Small</div>
<div id="Content">
{body}
</div>
<div id="div_currpage"></div>
<div class="related"><h3>Related Stories</h3><ul>
{lis(p.related, "http://www.chinadaily.com.cn/china/2014-06")}
</ul></div>
<div class="toolbar">Print | Mail | Large | Medium | Small | 0 comments</div>
</td><td class="right" valign="top" width="300">
<div class="mostview"><h3>Most Viewed</h3><ol>
{lis(p.most_read, "http://www.chinadaily.com.cn/china/2014-06")}
</ol></div>
<div class="hotword"><h3>Today's Top News</h3><p><a href="#">Editor's picks</a> <a href="#">Photos</a> <a href="#">Video</a></p></div>
</td></tr></table>
<div class="footer"><p><a href="#">About China Daily</a> | <a href="#">Advertise on Site</a> | <a href="#">Contact Us</a> | <a href="#">Job Offer</a> | <a href="#">Expat Employment</a></p>
<p>Copyright 1995 - 2014. All rights reserved. Content on this site, text, photos and multimedia included, belongs to China Daily Information Co (CDIC) and may not be republished without written permission.</p>
</div>
</body>
</html>
"""


# The Continental: a European sports site, typographic quotes, accents and symbols, <meta charset="utf-8">.
def tpl_continental(p: Page) -> str:
    body = "\n".join(f"<p>{esc(x)}</p>" for x in p.paras)
    nav = ["Futebol", "Ténis", "Ciclismo", "Motores", "Mais desportos", "Vídeos", "Resultados"]
    navs = " · ".join(f'<a href="/{slugify(n)}/">{n}</a>' for n in nav)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{esc(p.title)} — The Continental</title>
<meta property="og:title" content="{attr(p.title)}">
<meta property="og:locale" content="en_GB">
<meta property="og:locale:alternate" content="pt_PT">
<meta property="article:published_time" content="{p.iso}">
<link rel="canonical" href="{attr(p.url)}">
</head>
<body>
<div class="barra-topo">Edição: <b>English</b> · <a href="/pt/">Português</a> · <a href="/es/">Español</a> — {esc(p.human)}</div>
<header><div class="logo"><a href="/">The Continental · Sport</a></div><nav>{navs}</nav></header>
<div class="live-ticker">AO VIVO · Roland-Garros: quarter-finals · Tour de Suisse: stage 1 — 14 °C, rain</div>
<div class="wrap">
<div class="entry">
<h1 class="entry-title">{esc(p.title)}</h1>
<p class="entry-meta">By {esc(p.author)} · {esc(p.human)} · <a href="#comentarios">Comments</a></p>
<div class="partilhar">Share | Tweet | Print | Email</div>
<div class="entry-content">
{body}
</div>
<div class="relacionados"><h3>Related stories</h3><ul>
{lis(p.related, "/futebol")}
</ul></div>
{_comments_html(p.comments, "comentario")}
</div>
<aside><h3>Most read</h3><ol>
{lis(p.most_read, "/futebol")}
</ol></aside>
</div>
<div class="aviso-cookies">Este site utiliza cookies. This site uses cookies — by continuing you accept them. <a href="/privacidade">Saber mais</a></div>
<footer>© 2014 The Continental Média, S.A. · Lisboa · Todos os direitos reservados · <a href="/privacidade">Política de privacidade</a> · <a href="/contactos">Contactos</a></footer>
</body>
</html>
"""


# A page of chrome only: a script-rendered topic page saved before its story list loaded. Masthead, menu drawer,
# "Most read" rail, site map, cookie notice, copyright; no article. The extractor should find nothing.
def tpl_chrome_only() -> str:
    nav = ["Home", "Local", "Region", "Business", "Sports", "Opinion", "Obituaries", "Weather", "Classifieds"]
    navs = "".join(f'<li><a href="/{n.lower()}">{n}</a></li>' for n in nav)
    sitemap = {
        "News": ["Local", "Region", "Courts", "Politics", "Schools", "Obituaries"],
        "Sports": ["High schools", "College", "Pro", "Outdoors"],
        "Business": ["Markets", "Real estate", "Jobs"],
        "Life": ["Food", "Arts", "Events calendar", "Puzzles"],
        "Services": ["Subscribe", "E-Edition", "Place an ad", "Contact us"],
    }
    cols = "\n".join(
        f'<div class="col"><h4>{k}</h4><ul>' + "".join(f'<li><a href="/{slugify(x)}">{x}</a></li>' for x in v)
        + "</ul></div>"
        for k, v in sitemap.items()
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Weather | Topics | The Daily Herald</title>
<link rel="stylesheet" href="/static/css/herald-2014.min.css?v=20140603">
<script>window.DH = {{page: "topic", topic: "weather", api: "/api/v2/topics/weather/stories?limit=20"}};</script>
</head>
<body class="tag-page js-app">
<header class="masthead"><a href="/" class="logo"><img src="/static/img/dh-logo.png" alt="The Daily Herald"></a>
<button class="menu-toggle" aria-label="Open menu"></button><button class="search-toggle" aria-label="Search"></button></header>
<aside class="nav-drawer" aria-label="Sections"><nav><ul>{navs}</ul></nav>
<ul class="drawer-links"><li><a href="/subscribe">Subscribe</a></li><li><a href="/login">Log in</a></li><li><a href="/e-edition">E-Edition</a></li></ul></aside>
<main id="topic-app" data-topic="weather" data-page="1"></main>
<aside class="rail"><section class="most-read"><h3>Most read</h3><ol>
{lis(US_HEADLINES[:5], "/news")}
</ol></section>
<section class="newsletter-box"><h4>Get the Herald in your inbox</h4>
<form action="/newsletter"><input type="email" name="email" placeholder="Your email"><button type="submit">Sign up</button></form></section></aside>
<footer id="footer">
<div class="sitemap">
{cols}
</div>
<p>Copyright &copy; 2014 The Daily Herald, a Harlow Media Group company. All rights reserved.</p>
<div id="cookie-notice">{COOKIE_TEXT} <a href="/privacy">Learn more</a> <a href="#" class="close">OK</a></div>
</footer>
<script src="/static/js/topic-app.min.js?v=20140603" async></script>
</body>
</html>
"""


# --------------------------------------------------------------------------------------------------------------
# Plain-text dumps: the way a "text only" scrape of a page comes out, chrome lines and all.
# --------------------------------------------------------------------------------------------------------------
def dump_chinanews(title: str, header: str, paras: list[str], popular: list[str]) -> str:
    lines = ["Text: | Print|", "", title, "", header, ""]
    for x in paras:
        lines += [x, ""]
    lines += ["Comments (0)", "Most popular in 24h"]
    lines += ["\u00a0 " + h for h in popular]
    lines += ["Media partners:", "", "Copyright \u00a91999-2018 Chinanews.com. All rights reserved."]
    lines += ["Reproduction in whole or in part without permission is prohibited."]
    return "\n".join(lines)


def dump_ecns(section: str, title: str, header: str, paras: list[str], related: list[str], popular: list[str]) -> str:
    lines = [f"Home > {section}", "Font size: A A A", "Text: | Print| Close", "", title, "", header, ""]
    for x in paras:
        lines += [x, ""]
    lines += ["Related:"] + ["  " + h for h in related] + [""]
    lines += ["Most popular in 24h"] + [f"{i}. {h}" for i, h in enumerate(popular, 1)] + [""]
    lines += ["About ECNS | Contact us | Advertise | Terms of use"]
    lines += ["Copyright \u00a9 2014 ECNS. All rights reserved. Reproduction without permission is prohibited.", ""]
    return "\n".join(lines)


def dump_newsdigest(crumb: str, title: str, header: str, paras: list[str], related: list[str], popular: list[str]) -> str:
    lines = [f"Home > {crumb}", "Font size: A A A   |   Share | Tweet | Email", "", title, header, "", ""]
    for x in paras:
        lines += [x, ""]
    lines += ["", "Related:"] + ["- " + h for h in related]
    lines += ["", "Most popular in 24h"] + ["- " + h for h in popular]
    lines += ["", "Comments (0)  |  Log in to comment", ""]
    lines += ["Copyright \u00a9 2014 NewsDigest Media. All rights reserved.", ""]
    return "\r\n".join(lines)


# --------------------------------------------------------------------------------------------------------------
# Assembly: every record of every input file, and its gold entry.
# --------------------------------------------------------------------------------------------------------------
GOLD: list[dict] = []
FILES: dict[str, bytes] = {}  # relative path -> content


def gold(origin: str, *, url=None, id=None, fate="document", reason=None, story=None, relation=None, flags=(),
         **extra) -> dict:
    if fate == "document":
        assert story in STORIES and relation in ("original", "exact", "near", "unique"), (origin, story, relation)
        assert reason is None or reason == "too_short", origin
    else:
        assert story is None and relation is None and reason in REJECT_REASONS, (origin, reason)
    entry = {"origin": origin, "url": url, "id": id, "fate": fate, "reason": reason, "story": story,
             "relation": relation, "flags": list(flags)}
    entry.update(extra)
    GOLD.append(entry)
    return entry


REJECT_REASONS = ("invalid_json", "not_an_object", "missing_field", "missing_content", "wrong_type", "bad_date",
                  "no_text", "binary_content")

DH = "https://www.dailyherald-example.com"
MT = "https://www.metro-tribune.example.org"
NWH = "https://www.newswire-hub.example.net"
NG = "https://www.northgate-chronicle.example.co.uk"
AG = "https://www.ashford-gazette.example.com"
CT = "https://www.continental-sport.example.eu"

# Shorthand for the stories.
SCO, RAIL, PORT, HEAT, BUS, MEASLES = (STORIES[k] for k in ("sco-cyber-unit", "dragon-boat-rail",
                                                            "port-crane-strike", "heat-advisory",
                                                            "council-rapid-bus", "measles-clinics"))
NEWSLETTER = "Sign up for our newsletter: the day's top stories in your inbox every morning."


class JsonlFile:
    """Lines of one JSON Lines file, each with its gold entry (none for blank lines)."""

    def __init__(self, rel: str, crawl_id: str, ensure_ascii: bool):
        self.rel, self.crawl_id, self.ensure_ascii = rel, crawl_id, ensure_ascii
        self.lines: list[str] = []

    def _origin(self) -> str:
        return f"{self.rel}:{len(self.lines) + 1}"

    def record(self, obj: dict, **g) -> None:
        if "crawl_id" not in obj:
            obj = {**obj, "crawl_id": self.crawl_id, "lang": "en"}
        url = obj.get("url") if isinstance(obj.get("url"), str) else None
        gold(self._origin(), url=url, id=obj.get("id"), **g)
        self.lines.append(json.dumps(obj, ensure_ascii=self.ensure_ascii))

    def raw(self, line: str, **g) -> None:
        gold(self._origin(), url=None, id=None, **g)
        self.lines.append(line)

    def blank(self) -> None:
        self.lines.append("")

    def content(self) -> bytes:
        return ("\n".join(self.lines) + "\n").encode("utf-8")


def text_of(c: Copy, trailer: str = "") -> str:
    return "\n\n".join(c.paras + ([trailer] if trailer else []))


def build_crawl() -> None:
    f = JsonlFile("crawl/crawl-2014-06-07.jsonl", "CC-2014-06-07", ensure_ascii=False)

    # 1. dragon-boat-rail on the wire: new headline, promo line inserted, last paragraph trimmed.
    c = copy_of(RAIL, title="Holiday rush: record 9.46 million rail trips in a single day", trim=1,
                promo=(3, NEWSLETTER))
    url = f"{NWH}/world/2014/06/03/china-rail-holiday-record-idNWH20140603117"
    page = Page("newswire-hub", url, c.title, c.paras, "World", "NewswireHub", "2014-06-03T11:05:00Z",
                "Tue Jun 3, 2014 7:05am EDT", CHINA_HEADLINES[:4], US_HEADLINES[:5],
                tags=["China", "rail", "holiday", "travel"])
    f.record({"url": url, "id": "nwh-20140603-0117", "source": "newswire-hub.example.net",
              "published": "2014-06-03T11:05:00Z", "title": c.title,
              "html": tpl_newswire(page, "(Source: Xinhua; Editing by Ken Oduya)")},
             story=RAIL.key, relation="near")

    # 2. port-crane-strike, the wire original.
    c = original(PORT)
    url = f"{NWH}/business/2014/06/06/calder-port-strike-idNWH20140606092"
    page = Page("newswire-hub", url, c.title, c.paras, "Business", "NewswireHub", "2014-06-06T14:20:00Z",
                "Fri Jun 6, 2014 10:20am EDT", ["Dockworkers at Port Ellery ratify five-year contract",
                                                "Container rates from Asia climb for third week"],
                US_HEADLINES[2:7], tags=["Calder", "port", "strike", "shipping", "labor"])
    f.record({"url": url, "id": "nwh-20140606-0092", "source": "newswire-hub.example.net",
              "published": "2014-06-06T14:20:00Z", "title": c.title,
              "html": tpl_newswire(page, "(Reporting by Tom Harker in Calder; Editing by Ken Oduya)")},
             story=PORT.key, relation="original")

    # 3. heat-advisory, the Herald's original (re-sent verbatim by the Tribune: pages/metro-tribune/...).
    c = original(HEAT)
    url = f"{DH}/news/local/2014/06/07/heat-advisory-issued-100-degrees"
    page = Page("dailyherald", url, c.title, c.paras, "Local", "Renee Callahan", "2014-06-07T09:30:00-04:00",
                "June 7, 2014 9:30 a.m.", ["Riverfront Jazz Festival lineup announced",
                                           "Storm cleanup costs top $2 million",
                                           "Power company seeks 4.5% rate increase"],
                US_HEADLINES[:5], tags=["Weather", "Heat", "Harlow County"])
    f.record({"url": url, "id": "dh-20140607-heat", "source": "dailyherald-example.com",
              "published": "2014-06-07T09:30:00-04:00", "title": c.title, "html": tpl_dailyherald(page)},
             story=HEAT.key, relation="original")

    # 4. council-rapid-bus, the Tribune's original; line 10 re-sends the identical record under another id.
    c = original(BUS)
    url = f"{MT}/politics/2014/06/06/council-approves-kingsley-rapid-bus-line"
    page = Page("metro-tribune", url, c.title, c.paras, "Politics", "Gabriel Ostrowski", "2014-06-06T00:15:00-04:00",
                "June 6, 2014", ["Transit agency picks route for Kingsley Avenue buses",
                                 "Business owners worry about lost parking",
                                 "Opinion: Give buses the lane they need"],
                US_HEADLINES[3:8], tags=["City Council", "Transit"])
    bus_record = {"url": url, "id": "mt-78812", "source": "metro-tribune.example.org", "published": "2014-06-06",
                  "title": c.title, "html": tpl_metrotribune(page)}
    f.record(bus_record, story=BUS.key, relation="original")

    # 5. A line cut off mid-write.
    f.raw('{"url": "https://www.metro-tribune.example.org/news/2014/06/06/school-board-delays-start-time-vote", '
          '"id": "mt-78815", "source": "metro-tribune.example.org", "published": "2014-06-06T21:15:00-04:00", '
          '"title": "School board delays vote on later start times", "text": "The Harlow school board on Thursday '
          'postponed a vote on pushing back high school start times, saying it needed more',
          fate="rejected", reason="invalid_json")

    # 6. earnings-brightwave: a templated wire brief, plain text.
    s = STORIES["earnings-brightwave"]
    f.record({"url": f"{NWH}/business/2014/06/05/brightwave-results-idNWH20140605201", "id": "nwh-20140605-0201",
              "source": "newswire-hub.example.net", "published": "2014-06-05T20:31:00Z", "title": s.title,
              "text": text_of(original(s), f"(Reporting by {BRIGHTWAVE['reporter']}; Editing by "
                                           f"{BRIGHTWAVE['editor']})")},
             story=s.key, relation="unique")

    # 7. eviction-notice-ruling (no `published`).
    s = STORIES["eviction-notice-ruling"]
    url = f"{DH}/news/courts/2014/06/06/appeals-court-60-day-notice-evictions"
    page = Page("dailyherald", url, s.title, s.paras, "Courts", "Michael Trent", "2014-06-06T16:45:00-04:00",
                "June 6, 2014 4:45 p.m.", ["Tenants rally for rent control at City Hall",
                                           "New owner plans apartments for old mill site"],
                US_HEADLINES[4:9], tags=["Courts", "Housing"])
    f.record({"url": url, "id": "dh-20140606-evict", "source": "dailyherald-example.com", "title": s.title,
              "html": tpl_dailyherald(page)}, story=s.key, relation="unique")

    # 8. A blank line: skipped, not a record.
    f.blank()

    # 9. ferry-crash-herald, with reader comments.
    s = STORIES["ferry-crash-herald"]
    url = f"{DH}/news/region/2014/06/06/ferry-hits-dock-wexham-landing"
    page = Page("dailyherald", url, s.title, s.paras, "Region", "Anita Brooks and Sam Whitley",
                "2014-06-06T13:10:00-04:00", "June 6, 2014 1:10 p.m.",
                ["Sound Crossing adds early sailing to Port Ellery route", "Coast Guard issues fog warning"],
                US_HEADLINES[:5], tags=["Ferry", "Wexham", "Accidents"],
                comments=[("harborwatcher", "June 6, 2014 2:14 p.m.",
                           "I ride that boat every day. They do not slow down in fog. Glad nobody was killed."),
                          ("Pat_Keane", "June 6, 2014 3:02 p.m.",
                           "Wait for the investigation before blaming the captain. Equipment fails."),
                          ("MillbrookMom", "June 6, 2014 4:47 p.m.", "Thinking of everyone who was hurt.")])
    f.record({"url": url, "id": "dh-20140606-ferry", "source": "dailyherald-example.com",
              "published": "2014-06-06T13:10:00-04:00", "title": s.title, "html": tpl_dailyherald(page)},
             story=s.key, relation="unique")

    # 10. The council record from line 4 re-sent identically under a different id.
    f.record({**bus_record, "id": "mt-78840"}, story=BUS.key, relation="exact")

    # 11. A JSON array, not an object.
    f.raw(json.dumps([f"{DH}/sports/2014/06/06/westvale-sweeps-doubleheader",
                      "Westvale sweeps doubleheader to reach regional final", "2014-06-06"]),
          fate="rejected", reason="not_an_object")

    # 12. No `url`.
    f.record({"id": "mt-78851", "source": "metro-tribune.example.org", "published": "2014-06-07T06:00:00-04:00",
              "title": "Water main break closes part of Grand Boulevard",
              "text": "A 16-inch water main broke under Grand Boulevard early Saturday, flooding two blocks and "
                      "closing the road between 5th and 9th streets. Crews expect repairs to take until Sunday "
                      "evening. Residents of about 40 homes were without water for most of the morning."},
             fate="rejected", reason="missing_field")

    # 13. measles-clinics at the Herald: new headline, dateline added, one sentence dropped, typographic quotes.
    # No id, no date.
    c = copy_of(MEASLES, title="Four more measles cases confirmed; free shots offered this weekend",
                dateline="MILLBROOK — ",
                drop=(3, "Investigators have since traced possible exposures to a pediatric clinic waiting room, a "
                         "public swimming pool and two church services in the town of Millbrook."),
                quotes="smart")
    url = f"{DH}/news/region/2014/06/05/measles-cases-free-clinics"
    page = Page("dailyherald", url, c.title, c.paras, "Region", "Herald staff and wire reports",
                "2014-06-05T06:00:00-04:00", "June 5, 2014 6:00 a.m.",
                ["What parents need to know about measles", "School vaccination rates by district"],
                US_HEADLINES[1:6], tags=["Health", "Measles", "Ashford County"])
    f.record({"url": url, "source": "dailyherald-example.com", "title": c.title, "html": tpl_dailyherald(page)},
             story=MEASLES.key, relation="near")

    # 14. A page of navigation and nothing else.
    f.record({"url": f"{DH}/tag/weather", "id": "dh-tag-weather", "source": "dailyherald-example.com",
              "published": "2014-06-07T12:00:00-04:00", "title": "Weather", "html": tpl_chrome_only()},
             fate="rejected", reason="no_text")

    # 15. A six-word wire alert: kept as a document, too short for near-duplicate detection.
    s = STORIES["port-union-alert"]
    f.record({"url": f"{NWH}/alerts/2014/06/07/alert-0931", "id": "nwh-alert-20140607-0931",
              "source": "newswire-hub.example.net", "published": "2014-06-07T09:31:00Z", "title": s.title,
              "text": s.paras[0]},
             story=s.key, relation="unique", reason="too_short", flags=["too_short"])

    # 16. A date no parser should accept.
    f.record({"url": f"{DH}/community/calendar/library-book-sale", "id": "dh-cal-5531",
              "source": "dailyherald-example.com", "published": "next Tuesday", "title": "Library book sale returns",
              "text": "The Harlow Public Library's annual summer book sale returns to the Main Street branch, with "
                      "more than 20,000 donated books, records and DVDs priced from 50 cents. Proceeds support the "
                      "library's summer reading program for children, which last year signed up 3,100 young "
                      "readers. Friends of the Library members can shop a preview sale the evening before. "
                      "Volunteers are still needed to sort and shelve books; sign-up sheets are at the "
                      "circulation desk."},
             fate="rejected", reason="bad_date")

    FILES[f.rel] = f.content()


def build_feed() -> None:
    f = JsonlFile("crawl/feed-2014-06-08.jsonl.gz", "feed-2014-06-08", ensure_ascii=True)

    # 1. measles-clinics, the Gazette's original (typographic quotes), plain text.
    c = copy_of(MEASLES, quotes="smart")
    f.record({"url": f"{AG}/news/health/measles-outbreak-grows-to-11-free-clinics-this-weekend",
              "id": "ag-2014-0604-measles", "source": "ashford-gazette.example.com",
              "published": "2014-06-04T18:30:00-04:00", "title": c.title, "text": text_of(c)},
             story=MEASLES.key, relation="original")

    # 2. port-crane-strike at the Herald: new headline and dateline, promo line, last paragraph trimmed.
    c = copy_of(PORT, title="Port strike leaves dozens of ships idling off Calder", dateline="CALDER — ",
                quotes="smart", trim=1, promo=(3, "Sign up for our newsletter to get the latest business news."))
    url = f"{DH}/business/2014/06/06/port-strike-ships-idling-calder"
    page = Page("dailyherald", url, c.title, c.paras, "Business", "From wire reports", "2014-06-06T17:45:00-04:00",
                "June 6, 2014 5:45 p.m.", ["Container rates from Asia climb for third week",
                                           "Retailers brace for back-to-school delays"],
                US_HEADLINES[5:10], tags=["Port of Calder", "Labor", "Shipping"])
    f.record({"url": url, "id": "dh-20140606-port", "source": "dailyherald-example.com",
              "published": "2014-06-06T17:45:00-04:00", "title": c.title, "html": tpl_dailyherald(page)},
             story=PORT.key, relation="near")

    # 3. earnings-kestrel: the same frame as earnings-brightwave, different firm and figures.
    s = STORIES["earnings-kestrel"]
    f.record({"url": f"{NWH}/business/2014/06/05/kestrel-results-idNWH20140605214", "id": "nwh-20140605-0214",
              "source": "newswire-hub.example.net", "published": "2014-06-05T21:02:00Z", "title": s.title,
              "text": text_of(original(s), f"(Reporting by {KESTREL['reporter']}; Editing by {KESTREL['editor']})")},
             story=s.key, relation="unique")

    # 4. A photo gallery: url, no html, no text.
    f.record({"url": f"{MT}/photos/2014/06/07/riverfront-jazz-festival-gallery", "id": "mt-78860",
              "source": "metro-tribune.example.org", "published": "2014-06-07T20:30:00-04:00",
              "title": "Photos: Riverfront Jazz Festival beats the heat"},
             fate="rejected", reason="missing_content")

    # 5. ferry-crash-tribune: the same event as ferry-crash-herald, written independently. With comments.
    s = STORIES["ferry-crash-tribune"]
    url = f"{MT}/news/2014/06/06/island-queen-ferry-crash-wexham-landing"
    page = Page("metro-tribune", url, s.title, s.paras, "News", "Laura Chen", "2014-06-06T15:40:00-04:00",
                "June 6, 2014, 3:40 p.m.", ["Ferry ridership hits record high",
                                            "Sound Crossing adds early sailing to Port Ellery route"],
                US_HEADLINES[2:7], tags=["Ferry"],
                comments=[("ellery_commuter", "June 6, 2014, 4:20 p.m.",
                           "Second accident in a little over a year for this company. Time for the state to step in."),
                          ("J. Ruiz", "June 6, 2014, 5:05 p.m.",
                           "The crew deserve credit for how they handled it afterward.")])
    f.record({"url": url, "id": "mt-78833", "source": "metro-tribune.example.org",
              "published": "2014-06-06T15:40:00-04:00", "title": s.title, "html": tpl_metrotribune(page)},
             story=s.key, relation="unique")

    f.blank()

    # 7. `html` holds a number (an HTTP status written into the wrong column).
    f.record({"url": f"{NG}/news/local/bypass-consultation-extended-9921", "id": "nc-9921", "html": 503,
              "fetch_status": 503}, fate="rejected", reason="wrong_type")

    # 8. measles-clinics in a British paper: straight quotes, "per cent", new headline.
    c = copy_of(MEASLES, title="US county opens free jab clinics as measles outbreak grows", percent="per cent")
    url = f"{NG}/news/world/us-county-free-jab-clinics-measles-outbreak-9934"
    page = Page("northgate", url, c.title, c.paras, "World", "Chronicle foreign desk", "2014-06-05T07:15:00+01:00",
                "Thursday 5 June 2014 07:15 BST", ["NHS urges parents to check MMR records before holidays",
                                                   "Whooping cough cases fall after maternal jab drive"],
                ["Bypass consultation extended to July", "Northgate in bloom: judges' visit confirmed",
                 "Rail fares: what the new timetable means for you", "Town hall clock back after repairs"])
    f.record({"url": url, "id": "nc-9934", "source": "northgate-chronicle.example.co.uk",
              "published": "2014-06-05T07:15:00+01:00", "title": c.title, "html": tpl_northgate(page)},
             story=MEASLES.key, relation="near")

    # 9. valley-wheat-drought on the wire (date only).
    s = STORIES["valley-wheat-drought"]
    url = f"{NWH}/business/2014/06/06/corrigan-valley-wheat-forecast-idNWH20140606141"
    page = Page("newswire-hub", url, s.title, s.paras, "Commodities", "NewswireHub", "2014-06-06",
                "Fri Jun 6, 2014", ["Wheat futures slip on bigger global crop outlook",
                                    "Cattle prices hit record as herds shrink"],
                US_HEADLINES[3:8], tags=["wheat", "drought", "agriculture"])
    f.record({"url": url, "id": "nwh-20140606-0141", "source": "newswire-hub.example.net", "published": "2014-06-06",
              "title": s.title, "html": tpl_newswire(page, "(Reporting by Lena Ward in Tillman; Editing by Ken Oduya)")},
             story=s.key, relation="unique")

    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0, compresslevel=9) as gz:
        gz.write(f.content())
    FILES[f.rel] = buf.getvalue()


def add_page(rel: str, content: str, page: Page | None, **g) -> None:
    FILES[rel] = content.encode("utf-8")
    gold(rel, **({"canonical_url": page.url} if page else {}), **g)


def build_pages() -> None:
    # sco-cyber-unit: the chinadaily.com.cn original.
    url = "http://www.chinadaily.com.cn/china/2014-06/07/content_17574125.htm"
    page = Page("chinadaily", url, SCO.title, SCO.paras, "Society", "chinadaily.com.cn", "2014-06-07T08:56:00+08:00",
                "2014-06-07 08:56", ["Xinjiang steps up security checks at bus stations",
                                     "China, Kazakhstan agree to share border intelligence",
                                     "SCO defense ministers to meet in Dushanbe"],
                CHINA_HEADLINES[:6], tags=["SCO", "RATS", "anti-terrorism", "Tashkent"])
    add_page("pages/chinadaily/content_17574125.html", tpl_chinadaily(page), page,
             story=SCO.key, relation="original")

    # heat-advisory re-sent verbatim by the Tribune: identical article text, different chrome.
    c = original(HEAT)
    url = f"{MT}/news/2014/06/07/heat-advisory-issued-as-temperatures-head-for-100-degrees"
    page = Page("metro-tribune", url, c.title, c.paras, "News", "Renee Callahan, The Daily Herald",
                "2014-06-07T11:02:00-04:00", "June 7, 2014, 11:02 a.m.",
                ["Where to cool off: pools, splash pads and cooling centers", "How to spot heat exhaustion"],
                US_HEADLINES[4:9])
    add_page("pages/metro-tribune/heat-advisory-issued.html", tpl_metrotribune(page), page,
             story=HEAT.key, relation="exact")

    # council-rapid-bus at the Herald: new headline, last two paragraphs trimmed.
    c = copy_of(BUS, title="Kingsley Avenue bus lanes win council approval", trim=2)
    url = f"{DH}/news/local/2014/06/06/kingsley-avenue-bus-lanes-council"
    page = Page("dailyherald", url, c.title, c.paras, "Local", "Metro Tribune", "2014-06-06T08:00:00-04:00",
                "June 6, 2014 8:00 a.m.", ["Transit agency picks route for Kingsley Avenue buses",
                                           "Library hours cut at two branches"], US_HEADLINES[:5],
                tags=["City Council", "Transit", "Kingsley Avenue"])
    add_page("pages/dailyherald/kingsley-avenue-bus-lanes-win-council-approval.html", tpl_dailyherald(page), page,
             story=BUS.key, relation="near")

    # port-crane-strike at the Tribune: new headline, dateline removed, a sentence dropped, promo line.
    c = copy_of(PORT, title="Calder port strike: 40 ships stuck as crane operators walk out", dateline="",
                drop=(7, "Grain and car terminals, which are staffed by a different union, were operating normally, "
                         "the port authority said."),
                promo=(4, "Sign up for The Morning Trib newsletter and get our best stories every weekday."))
    url = f"{MT}/business/2014/06/06/calder-port-strike-ships-stuck"
    page = Page("metro-tribune", url, c.title, c.paras, "Business", "NewswireHub", "2014-06-06T12:05:00-04:00",
                "June 6, 2014, 12:05 p.m.", ["Container rates from Asia climb for third week",
                                             "Retailers brace for back-to-school delays"], US_HEADLINES[5:10])
    add_page("pages/metro-tribune/calder-port-strike-40-ships-stuck.html", tpl_metrotribune(page), page,
             story=PORT.key, relation="near")

    # fitness-app-breach, with comments.
    s = STORIES["fitness-app-breach"]
    url = f"{MT}/tech/2014/06/05/stridely-hack-2-3-million-users"
    page = Page("metro-tribune", url, s.title, s.paras, "Tech", "Dev Malhotra", "2014-06-05T19:20:00-04:00",
                "June 5, 2014, 7:20 p.m.", ["How to tell if your password was stolen",
                                            "Password managers, explained"], US_HEADLINES[:5],
                comments=[("runner_4821", "June 5, 2014, 8:02 p.m.",
                           "Got the reset email this morning. At least they told us."),
                          ("sec_nerd", "June 5, 2014, 8:40 p.m.", "Unsalted fast hashes in 2014. Come on."),
                          ("Tamsin L", "June 5, 2014, 9:15 p.m.",
                           "Deleted my account. Where I run every morning is nobody's business.")])
    add_page("pages/metro-tribune/stridely-data-breach.html", tpl_metrotribune(page), page,
             story=s.key, relation="unique")

    # atlantic-cup-final: non-ASCII throughout, valid UTF-8, <meta charset="utf-8">.
    s = STORIES["atlantic-cup-final"]
    url = f"{CT}/futebol/2014/06/07/ribeiro-sporting-vale-atlantic-cup"
    page = Page("continental", url, s.title, s.paras, "Futebol", "Inês Carvalho", "2014-06-07T23:05:00+01:00",
                "7 Jun 2014, 23:05 WEST", ["Økland: “We will be back next year”",
                                           "Vale’s road to the final, in numbers", "Çelik, 19, the name on every lip"],
                ["Ibáñez linked with move abroad", "Tour de Suisse: Müller wins prologue",
                 "Roland-Garros: Šafářová into quarter-finals", "Taça de Portugal draw made"],
                comments=[("Gonçalo_Vale1983", "7 Jun 2014, 23:41",
                           "Finalmente! 31 anos à espera. Obrigado, mister Antunes!"),
                          ("Jörg aus Hamburg", "8 Jun 2014, 00:12", "Great final — Økland deserved better.")])
    add_page("pages/continental/ribeiro-header-wins-atlantic-cup.html", tpl_continental(page), page,
             story=s.key, relation="unique")

    # Broken files.
    FILES["pages/broken/empty.html"] = b""
    gold("pages/broken/empty.html", fate="rejected", reason="missing_content")
    FILES["pages/broken/binary.html"] = tiny_png()
    gold("pages/broken/binary.html", fate="rejected", reason="binary_content")


def tiny_png(w: int = 24, h: int = 16) -> bytes:
    """A small valid PNG (a grey gradient), as a scraper saves an image under an .html name."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + bytes((x * 10 + y * 3) % 256 for x in range(w)) for y in range(h))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def add_dump(rel: str, text: str, **g) -> None:
    FILES[rel] = text.encode("utf-8")
    gold(rel, **g)


def build_dumps() -> None:
    # The seed, byte-for-byte: chinanews.com's copy of the chinadaily.com.cn story.
    add_dump(f"dumps/chinanews/{SEED_NAME}", SEED_TEXT, story=SCO.key, relation="near")

    # dragon-boat-rail: chinanews carries the Xinhua original in full.
    c = original(RAIL)
    add_dump(f"dumps/chinanews/001_{short_hash('chinanews:' + c.title)}.txt",
             dump_chinanews(c.title, "2014-06-03 16:40 Xinhua Web Editor: Wang Fan", c.paras,
                            CHINA_HEADLINES[4:8] + ["Railways log record passenger day over Dragon Boat Festival "
                                                    "holiday"]),
             story=RAIL.key, relation="original")

    # shenzhen-electric-buses: unique.
    s = STORIES["shenzhen-electric-buses"]
    add_dump(f"dumps/chinanews/002_{short_hash('chinanews:' + s.title)}.txt",
             dump_chinanews(s.title, "2014-06-04 15:27 China Daily Web Editor: Zhou Lan", s.paras,
                            CHINA_HEADLINES[:3]),
             story=s.key, relation="unique")

    # sco-cyber-unit at ecns.cn: new headline, last paragraph dropped, "(China Daily)" credit line.
    c = copy_of(SCO, title="SCO anti-terror body sets up unit to tackle online extremist content", trim=1,
                credit="(China Daily)")
    add_dump("dumps/ecns/sco-anti-terror-body-sets-up-unit-2014-06-07.txt",
             dump_ecns("Society", c.title, "2014-06-07 10:02 China Daily Editor: Li Yan", c.paras,
                       ["China, Kazakhstan agree to share border intelligence",
                        "Xinjiang steps up security checks at bus stations"],
                       CHINA_HEADLINES[1:5]),
             story=SCO.key, relation="near")

    # dragon-boat-rail at ecns.cn: dateline removed, a sentence dropped, new headline.
    c = copy_of(RAIL, title="China's railways set single-day passenger record during holiday", dateline="",
                drop=(1, "Operators added 312 temporary trains on busy routes, most of them high-speed services "
                         "linking Beijing, Shanghai, Guangzhou and Wuhan."))
    add_dump("dumps/ecns/china-railways-single-day-record-2014-06-03.txt",
             dump_ecns("Society", c.title, "2014-06-03 17:12 Xinhua Editor: Zhou Lan", c.paras,
                       ["Summer grain harvest under way in Henan", "Beijing to expand subway network to 1,000 km"],
                       CHINA_HEADLINES[3:8]),
             story=RAIL.key, relation="near")

    # measles-clinics at NewsDigest (CRLF line ends): last two paragraphs trimmed, a promo line inserted.
    c = copy_of(MEASLES, quotes="smart", trim=2,
                promo=(3, "Sign up for our newsletter: NewsDigest Daily brings you the top stories every morning."))
    add_dump("dumps/newsdigest/measles-cases-rise-to-11-ashford-county.txt",
             dump_newsdigest("World > Americas", c.title, "2014-06-05 06:12 | Source: Ashford Gazette", c.paras,
                             ["Whooping cough cases fall after maternal vaccine drive",
                              "Fitness app Stridely says hackers stole data on 2.3 million users"],
                             ["Fog blamed as Island Queen ferry crashes at Wexham Landing",
                              "Heat advisory issued as temperatures head for 100 degrees",
                              "Kestrel Logistics quarterly profit falls, cuts full-year forecast"]),
             story=MEASLES.key, relation="near")


def stories_table() -> dict:
    out = {}
    for key, s in STORIES.items():
        n = sum(1 for g in GOLD if g["story"] == key)
        entry = {"title": s.title, "topic": s.topic, "syndicated": s.syndicated, "templated_with": s.templated_with,
                 "documents": n}
        if key.startswith("ferry-crash-"):
            entry["same_event_as"] = "ferry-crash-tribune" if key.endswith("herald") else "ferry-crash-herald"
        out[key] = entry
    return out


def counts(gold_doc: dict) -> str:
    """The counts block of README.md (the check script compares it with the README)."""
    recs = gold_doc["records"]
    docs = [r for r in recs if r["fate"] == "document"]
    rej = [r for r in recs if r["fate"] == "rejected"]
    by_reason: dict[str, int] = {}
    for r in rej:
        by_reason[r["reason"]] = by_reason.get(r["reason"], 0) + 1
    sizes: dict[str, int] = {}
    for r in docs:
        sizes[r["story"]] = sizes.get(r["story"], 0) + 1
    clusters = {k: v for k, v in sizes.items() if v >= 2}
    lines = [
        f"records:            {len(recs)}",
        f"documents:          {len(docs)}"
        f" ({sum(1 for r in docs if 'too_short' in r['flags'])} of them flagged too_short)",
        f"rejected:           {len(rej)}",
    ]
    lines += [f"  {k + ':':<17} {by_reason[k]}" for k in sorted(by_reason)]
    lines.append(f"stories:            {len(sizes)}")
    lines.append(f"clusters (>=2 docs): {len(clusters)}, sizes {sorted(clusters.values(), reverse=True)}"
                 f", {sum(clusters.values())} documents")
    lines += [f"  {k + ':':<24} {v}" for k, v in sorted(clusters.items(), key=lambda kv: (-kv[1], kv[0]))]
    lines.append(f"singletons:         {sum(1 for v in sizes.values() if v == 1)}")
    rel: dict[str, int] = {}
    for r in docs:
        rel[r["relation"]] = rel.get(r["relation"], 0) + 1
    lines.append("relations:          " + ", ".join(f"{k} {rel[k]}" for k in ("original", "exact", "near", "unique")))
    return "\n".join(lines)


def build() -> tuple[dict[str, bytes], dict]:
    GOLD.clear()
    FILES.clear()
    if os.path.exists(SEED_SHARED):
        with open(SEED_SHARED, "rb") as fh:
            assert fh.read() == SEED_TEXT.encode("utf-8"), "embedded seed differs from " + SEED_SHARED
    build_crawl()
    build_feed()
    build_pages()
    build_dumps()
    gold_doc = {"records": GOLD, "stories": stories_table()}
    for key, st in gold_doc["stories"].items():
        assert st["documents"] >= 1, key
        assert (st["documents"] > 1) == STORIES[key].syndicated, key
    FILES["gold.json"] = (json.dumps(gold_doc, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
    return dict(FILES), gold_doc


def write(out: str, files: dict[str, bytes]) -> None:
    for name in OWNED:
        path = os.path.join(out, name)
        if os.path.isdir(path):
            shutil.rmtree(path)
        elif os.path.exists(path):
            os.remove(path)
    for rel in sorted(files):
        path = os.path.join(out, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as fh:
            fh.write(files[rel])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default=HERE, help="directory to write into (default: this script's directory)")
    ap.add_argument("--counts", action="store_true", help="print the README counts block and write nothing")
    args = ap.parse_args(argv)
    files, gold_doc = build()
    if args.counts:
        print(counts(gold_doc))
        return 0
    write(args.out, files)
    print(f"wrote {len(files)} files ({sum(map(len, files.values()))} bytes) to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
