import html
import re
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission, User
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import IntegrityError
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reversion.models import Revision, Version

from dialogues.models import Country, Session
from findings.demo import SESSIONS
from findings.enums import Kind
from findings.models import Finding
from findings.notes import NotesError, Problem, parse_notes, plan_notes, save_findings

from .conftest import make_dialogue, make_findings, make_session, sign_in_with_second_factor
from .pageforms import form_data

pytestmark = pytest.mark.django_db

# The seed report's first session, pasted as it stands (typos and all: "processes-;",
# "2)Activities").
SEED_NOTES = """\
Main issues raised on session on the Citizen Participation in Decision Making and Democracy, Transparency and Good Governance, Digital Advocacy in Central Asia and Mongolia. The experience of civil society organizations in citizen participation in decision making was presented:
Kazakhstan: 1) Compliance with standards of public participation in decision-making processes-; 2) Involvement of young people in decision-making processes; 3) Conducting discussions of regulatory legal acts at an early stage of document development; 4) Developing online broadcasts from court proceedings; 5) Signing online petitions; 6) Conducting research, holding campaigns; 7) Creating an online game to increase interest in certain issues; 8) Filing lawsuits in court; 9) Releasing caricatures of officials
Tajikistan: 1) High potential of public initiative organizations; 2)Activities of public organizations are based on the needs of target groups
Uzbekistan: 1) Active civic position of NGOs to expose facts of corruption; 2) Educating and informing the public about its rights, opportunities
Problems in the field of citizen participation in decision-making:
Kazakhstan: 1) Lack of unity and partnership; 2) Competitiveness in finding money and receiving it
Tajikistan: 1) Representatives of public organizations do not know their rights and powers, are not informed about the legislative aspects of their activities; 2) Duplication of the work of international organizations and NGOs
Uzbekistan: 1) The Law “On Social Partnership”, which unscrupulous bureaucrats interpret as an opportunity to exploit NGOs when they receive grants; 2) Government agencies are afraid to work with NGOs
"""  # noqa: E501


def demo_first_session() -> list[tuple[str, str, int, str]]:
    """(code, kind, number, text) of the demo's first session, as findings/demo.py gives it."""
    return [
        (code, kind, number, text)
        for kind, by_country in SESSIONS[0]["findings"].items()
        for code, texts in by_country.items()
        for number, text in enumerate(texts, start=1)
    ]


def parse(text, default_kind=Kind.SUCCESS):
    return parse_notes(text, countries=Country.objects.all(), default_kind=default_kind)


def items(result) -> list[tuple[int, str, str, int, str]]:
    return [(i.line, i.country.code, i.kind, i.number, i.text) for i in result.items]


def saved(session) -> list[tuple[str, str, int, str]]:
    return sorted(
        (f.country.code, f.kind, f.position, f.text)
        for f in Finding.objects.filter(session=session).select_related("country")
    )


# The parser


def test_seed_first_session_gives_exactly_its_19_findings():
    result = parse(SEED_NOTES)
    assert result.problems == []
    found = [(code, kind, number, text) for _, code, kind, number, text in items(result)]
    assert sorted(found) == sorted(demo_first_session())
    assert len(found) == 19
    counts = {}
    for code, kind, _, _ in found:
        counts[code, kind] = counts.get((code, kind), 0) + 1
    assert counts == {
        ("KZ", Kind.SUCCESS): 9,
        ("TJ", Kind.SUCCESS): 2,
        ("UZ", Kind.SUCCESS): 2,
        ("KZ", Kind.PROBLEM): 2,
        ("TJ", Kind.PROBLEM): 2,
        ("UZ", Kind.PROBLEM): 2,
    }


def test_seed_headings_set_the_kind_whatever_the_default():
    """ "The experience ... was presented:" means successes, "Problems in ...:" problems."""
    result = parse(SEED_NOTES, default_kind=Kind.PROBLEM)
    found = [(code, kind, number, text) for _, code, kind, number, text in items(result)]
    assert sorted(found) == sorted(demo_first_session())


def test_item_text_is_trimmed_and_line_numbers_are_kept():
    result = parse("Kazakhstan: 1) First -; 2)Second ;\n\nTajikistan:  1)  Third  ")
    assert items(result) == [
        (1, "KZ", Kind.SUCCESS, 1, "First"),
        (1, "KZ", Kind.SUCCESS, 2, "Second"),
        (3, "TJ", Kind.SUCCESS, 1, "Third"),
    ]


def test_countries_by_russian_name_and_iso_code_in_any_case():
    result = parse(
        "казахстан: 1) Один\n"
        "KG: 1) Два\n"
        "Проблемы:\n"
        "УЗБЕКИСТАН: 1) Три\n"
        "tj: 1) Четыре\n"
        "Успехи и опыт:\n"
        "Монголия: 1) Пять\n"
        "Барьеры:\n"
        "TURKMENISTAN: 1) Шесть"
    )
    assert result.problems == []
    assert items(result) == [
        (1, "KZ", Kind.SUCCESS, 1, "Один"),
        (2, "KG", Kind.SUCCESS, 1, "Два"),
        (4, "UZ", Kind.PROBLEM, 1, "Три"),
        (5, "TJ", Kind.PROBLEM, 1, "Четыре"),
        (7, "MN", Kind.SUCCESS, 1, "Пять"),
        (9, "TM", Kind.PROBLEM, 1, "Шесть"),
    ]


def test_items_one_per_line_after_the_country():
    result = parse(
        "Kazakhstan:\n"
        "1) Lack of unity and partnership;\n"
        "2) Competitiveness in finding money\n"
        "\n"
        "Barriers:\n"
        "KZ:\n"
        "1) Fear of reprisals\n"
    )
    assert result.problems == []
    assert items(result) == [
        (2, "KZ", Kind.SUCCESS, 1, "Lack of unity and partnership"),
        (3, "KZ", Kind.SUCCESS, 2, "Competitiveness in finding money"),
        (7, "KZ", Kind.PROBLEM, 1, "Fear of reprisals"),
    ]


def test_a_number_in_brackets_does_not_start_an_item():
    result = parse("Kazakhstan: 1) Drafts discussed early (stage 1) and late; 2) Petitions")
    assert items(result) == [
        (1, "KZ", Kind.SUCCESS, 1, "Drafts discussed early (stage 1) and late"),
        (1, "KZ", Kind.SUCCESS, 2, "Petitions"),
    ]


def test_lines_outside_any_finding_are_problems_with_their_number():
    result = parse(
        "Main issues raised on the session on digital advocacy\n"
        "Participants said: the situation is difficult to assess.\n"
        "Uzbekistan: 1) Open data portals"
    )
    assert items(result) == [(3, "UZ", Kind.SUCCESS, 1, "Open data portals")]
    assert result.problems == [
        Problem(
            1,
            "This line is not part of any finding: “Main issues raised on the session on "
            "digital advocacy”. Number it under a country (“Kazakhstan: 1) …”), or delete it.",
        ),
        Problem(
            2,
            "This line is not part of any finding: “Participants said: the situation is "
            "difficult to assess.”. Number it under a country (“Kazakhstan: 1) …”), or delete "
            "it.",
        ),
    ]


@pytest.mark.parametrize(
    ("text", "problems"),
    [
        pytest.param(
            "Kazakhstan: 1) a\nKazakstan: 1) b; 2) c",
            [
                Problem(
                    2,
                    "Unknown country “Kazakstan”: use its English or Russian name or its "
                    "ISO code, for example KZ.",
                )
            ],
            id="unknown country",
        ),
        pytest.param(
            "Kazakhstan: 1) a\n\nXX:\n1) b\n2) c",
            [
                Problem(
                    3,
                    "Unknown country “XX”: use its English or Russian name or its "
                    "ISO code, for example KZ.",
                )
            ],
            id="unknown country with items one per line",
        ),
        pytest.param(
            "Kazakhstan: 1) a\nTajikistan: lack of unity",
            [Problem(2, "Tajikistan: no numbered items. Number them like “1) …; 2) …”.")],
            id="country line without items",
        ),
        pytest.param(
            "Kazakhstan: 1) a\nTajikistan:\nProblems:\nTajikistan: 1) b",
            [Problem(2, "Tajikistan: no numbered items. Number them like “1) …; 2) …”.")],
            id="country heading without items",
        ),
        pytest.param(
            "Problems:\nKazakhstan: 1) a; 3) b",
            [Problem(2, "Kazakhstan, problems: number 3 skips; the next number is 2.")],
            id="numbering skips",
        ),
        pytest.param(
            "Kazakhstan: 1) a; 1) b",
            [Problem(1, "Kazakhstan, successes: number 1 repeats; the next number is 2.")],
            id="numbering repeats",
        ),
        pytest.param(
            "Kazakhstan: 1) a; 2) b\nTajikistan: 1) c\nKazakhstan: 1) d",
            [Problem(3, "Kazakhstan, successes: number 1 repeats; the next number is 3.")],
            id="numbering repeats across lines",
        ),
        pytest.param(
            "Kazakhstan:\n1) a\n3) b",
            [Problem(3, "Kazakhstan, successes: number 3 skips; the next number is 2.")],
            id="numbering skips one per line",
        ),
        pytest.param(
            "Kazakhstan: 1) a; 2) ; 3) c",
            [Problem(1, "Kazakhstan, successes: item 2 is empty.")],
            id="empty item",
        ),
        pytest.param(
            "Kazakhstan: 1) a\nProblems:\n1) b",
            [
                Problem(
                    3,
                    "A numbered item without a country: start its list with a line such as "
                    "“Kazakhstan:”.",
                )
            ],
            id="item without a country",
        ),
        pytest.param(
            "Kazakhstan: some organisations: 1) a",
            [Problem(1, "Kazakhstan: text before the first numbered item: “some organisations:”.")],
            id="text before the first item",
        ),
        pytest.param(
            "Kazakhstan: 1) a\n\nA remark after the list",
            [
                Problem(
                    3,
                    "This line is not part of any finding: “A remark after the list”. Number "
                    "it under a country (“Kazakhstan: 1) …”), or delete it.",
                )
            ],
            id="unnumbered line after a blank line",
        ),
        pytest.param(
            "Kazakhstan:\nLack of unity\n",
            [
                Problem(1, "Kazakhstan: no numbered items. Number them like “1) …; 2) …”."),
                Problem(
                    2,
                    "This line is not part of any finding: “Lack of unity”. Number it under a "
                    "country (“Kazakhstan: 1) …”), or delete it.",
                ),
            ],
            id="unnumbered line under a country",
        ),
        pytest.param(
            "Session two:\nKazakhstan: 1) a",
            [
                Problem(
                    1,
                    "This heading names neither successes nor problems: “Session two:”. Say "
                    "which (for example “Problems:”), or delete the line.",
                )
            ],
            id="heading naming no kind",
        ),
        pytest.param(
            "Narnia - 1) a; 2) b",
            [
                Problem(
                    1,
                    "Unknown country “Narnia”: use its English or Russian name or its "
                    "ISO code, for example KZ.",
                )
            ],
            id="unknown country with a dash",
        ),
        pytest.param(
            " \n\t\n",
            [
                Problem(
                    None,
                    "No findings found: write a country and its numbered items, like "
                    "“Kazakhstan: 1) …; 2) …”.",
                )
            ],
            id="nothing found",
        ),
    ],
)
def test_problems_are_reported_with_their_line(text, problems):
    assert parse(text).problems == problems


def test_every_problem_is_reported_not_only_the_first():
    result = parse("Kazakhstan: 1) a; 1) b\nNarnia: 1) c\nTajikistan: 2) d")
    assert [(p.line, p.message) for p in result.problems] == [
        (1, "Kazakhstan, successes: number 1 repeats; the next number is 2."),
        (
            2,
            "Unknown country “Narnia”: use its English or Russian name or its ISO code, "
            "for example KZ.",
        ),
        (3, "Tajikistan, successes: number 2 skips; the next number is 1."),
    ]


# Notes as they arrive from a PDF or a Word file

WRAPPED = (
    "Tajikistan: 1) Representatives of public organizations do not know their rights and powers,\n"
    "are not informed about the legislative aspects of their activities; 2) Duplication of the work of\n"  # noqa: E501
    "international organizations and NGOs\n"
)  # fmt: skip


def test_a_wrapped_line_joins_the_item_it_continues():
    result = parse(WRAPPED)
    assert result.problems == []
    assert [(i.lines, i.number, i.text) for i in result.items] == [
        (
            "1–2",
            1,
            "Representatives of public organizations do not know their rights and powers, are "
            "not informed about the legislative aspects of their activities",
        ),
        ("2–3", 2, "Duplication of the work of international organizations and NGOs"),
    ]


def test_an_item_whose_text_starts_on_the_next_line_takes_it():
    result = parse("Kazakhstan: 1) Signing petitions; 2)\nFiling lawsuits in court")
    assert items(result) == [
        (1, "KZ", Kind.SUCCESS, 1, "Signing petitions"),
        (1, "KZ", Kind.SUCCESS, 2, "Filing lawsuits in court"),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("KZ: 1) Participation in decision-\nmaking", "decision-making", id="hyphen"),
        pytest.param("KZ: 1) Participation in deci\u00admaking", "decimaking", id="soft hyphen"),
        pytest.param(
            "KZ: 1) Participation in partici\u00ad\npation", "participation", id="soft at the end"
        ),
        pytest.param("KZ: 1) Participation in co-\nOperation", "co- Operation", id="capital"),
        pytest.param("KZ: 1) Participation in 2023 -\n2024", "2023 - 2024", id="dash"),
    ],
)
def test_a_word_broken_at_the_end_of_a_line_is_joined_sensibly(text, expected):
    result = parse(text)
    assert result.problems == []
    assert [i.text for i in result.items] == [f"Participation in {expected}"]


def test_word_numbering_with_a_full_stop_one_per_line_or_after_a_semicolon():
    result = parse(
        "Kazakhstan:\n1.\tLack of unity and partnership.\n2. Competitiveness\n"
        "Tajikistan: 1. Fear; 2. Duplication"
    )
    assert result.problems == []
    assert items(result) == [
        (2, "KZ", Kind.SUCCESS, 1, "Lack of unity and partnership."),
        (3, "KZ", Kind.SUCCESS, 2, "Competitiveness"),
        (4, "TJ", Kind.SUCCESS, 1, "Fear"),
        (4, "TJ", Kind.SUCCESS, 2, "Duplication"),
    ]


def test_a_year_or_a_decimal_with_a_full_stop_starts_no_item():
    result = parse(
        "Kazakhstan: 1. The law of 2024. It changed 3.5 per cent of rules, see item 2. Then\n"
        "more; 2. Petitions"
    )
    assert result.problems == []
    assert [(i.lines, i.number, i.text) for i in result.items] == [
        ("1–2", 1, "The law of 2024. It changed 3.5 per cent of rules, see item 2. Then more"),
        ("2", 2, "Petitions"),
    ]


@pytest.mark.parametrize(
    "line",
    [
        "Mongolia - 1) Free media; 2) Open data",
        "Mongolia – 1) Free media; 2) Open data",
        "Mongolia — 1) Free media; 2) Open data",
        "Mongolia—1) Free media; 2) Open data",
        "Mongolia -\n1) Free media\n2) Open data",
        "- Mongolia: 1) Free media; 2) Open data",
        "• Mongolia: 1) Free media; 2) Open data",
        "Mongolia\n1) Free media\n2) Open data",
    ],
)
def test_the_country_may_be_followed_by_a_dash_or_stand_alone(line):
    result = parse(line)
    assert result.problems == []
    assert [(i.country.code, i.number, i.text) for i in result.items] == [
        ("MN", 1, "Free media"),
        ("MN", 2, "Open data"),
    ]


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("Kyrgyz Republic", "KG"),
        ("Киргизия", "KG"),
        ("Кыргызстан", "KG"),
        ("Кыргызская Республика", "KG"),
        ("Republic of Uzbekistan", "UZ"),
        ("Республика Узбекистан", "UZ"),
        ("Монголия", "MN"),
        ("Republic of Kazakhstan", "KZ"),
        ("the Republic of Kazakhstan", "KZ"),
        ("Республика Казахстан", "KZ"),
        ("Republic of Tajikistan", "TJ"),
        ("Республика Таджикистан", "TJ"),
        ("Туркмения", "TM"),
        ("KGZ", "KG"),
    ],
)
def test_common_country_name_variants(name, code):
    result = parse(f"{name}: 1) Item")
    assert result.problems == []
    assert [i.country.code for i in result.items] == [code]


def test_a_heading_wrapped_over_several_lines_sets_the_kind():
    result = parse(
        "Main issues raised on the session on\n"
        "shrinking civic space. Problems in the field\n"
        "of citizen participation:\n"
        "Kazakhstan: 1) Fear"
    )
    assert result.problems == []
    assert items(result) == [(4, "KZ", Kind.PROBLEM, 1, "Fear")]


def test_a_heading_of_kind_words_alone_after_an_item_is_a_heading():
    result = parse("Kazakhstan: 1) Petitions\nProblems and barriers\nKazakhstan: 1) Fear")
    assert result.problems == []
    assert items(result) == [
        (1, "KZ", Kind.SUCCESS, 1, "Petitions"),
        (3, "KZ", Kind.PROBLEM, 1, "Fear"),
    ]


def test_a_short_line_with_a_kind_word_after_an_item_continues_it():
    result = parse("Problems:\nKazakhstan: 1) NGOs meet\ndifficulties in registration")
    assert result.problems == []
    assert items(result) == [(2, "KZ", Kind.PROBLEM, 1, "NGOs meet difficulties in registration")]


def test_a_country_name_ending_a_wrapped_item_stays_in_the_item():
    result = parse("Kazakhstan: 1) Civic space in Central Asia and\nMongolia\nTajikistan: 1) Fear")
    assert result.problems == []
    assert items(result) == [
        (1, "KZ", Kind.SUCCESS, 1, "Civic space in Central Asia and Mongolia"),
        (3, "TJ", Kind.SUCCESS, 1, "Fear"),
    ]


def test_invisible_characters_and_non_breaking_spaces_are_spaces_or_nothing():
    result = parse("Kazakhstan:\u00a01)\u00a0Lack\u200b of\u202funity;\u00a02) Fear\ufeff")
    assert result.problems == []
    assert [i.text for i in result.items] == ["Lack of unity", "Fear"]


# Real notes, as saved in files (tests/data)

DATA = Path(__file__).parent / "data"


def read_notes(name: str) -> str:
    """As a browser sends a pasted text, or the command reads a file: line ends kept."""
    return (DATA / name).read_bytes().decode("utf-8-sig")


def test_seed_notes_wrapped_as_from_a_pdf_give_the_same_19_findings():
    result = parse(read_notes("notes_seed_wrapped_as_from_pdf.txt"))
    assert result.problems == []
    found = [(code, kind, number, text) for _, code, kind, number, text in items(result)]
    assert found == [
        (code, kind, number, text) for _, code, kind, number, text in items(parse(SEED_NOTES))
    ]
    assert sorted(found) == sorted(demo_first_session())
    assert [i.lines for i in result.items][:4] == ["5–6", "6", "6–7", "7–8"]


def test_word_notes_with_numbering_cyrillic_names_and_dashes_crlf():
    text = read_notes("notes_word_numbered_cyrillic_crlf.txt")
    assert "\r\n" in text and "\u00a0" in text and "\t" in text
    result = parse(text)
    assert result.problems == []
    assert [(i.lines, i.country.code, i.kind, i.number, i.text) for i in result.items] == [
        ("3", "KZ", Kind.SUCCESS, 1, "Соблюдение стандартов участия общественности"),
        ("4", "KZ", Kind.SUCCESS, 2, "Вовлечение молодёжи в процессы принятия решений"),
        ("5", "KG", Kind.SUCCESS, 1, "Petitions signed online"),
        ("5", "KG", Kind.SUCCESS, 2, "Court hearings broadcast online"),
        ("8", "UZ", Kind.SUCCESS, 1, "Active civic position of NGOs"),
        ("9–10", "UZ", Kind.SUCCESS, 2, "Educating the public about its rights, opportunities"),
        ("12", "MN", Kind.PROBLEM, 1, "Lack of unity and partnership"),
        ("12", "MN", Kind.PROBLEM, 2, "Competitiveness in finding money"),
        ("13–14", "KG", Kind.PROBLEM, 1, "Decision-making is closed to NGOs"),
        (
            "15–16",
            "TJ",
            Kind.PROBLEM,
            1,
            "Duplication of the work of international organizations and NGOs",
        ),
        (
            "18",
            "MN",
            Kind.PROBLEM,
            3,
            "Fear of reprisals after the law of 2024. Only 3.5 per cent of NGOs speak out",
        ),
    ]


def test_notes_with_stray_lines_list_every_one_with_its_number():
    result = parse(read_notes("notes_stray_lines_and_unknown_country.txt"))
    assert items(result) == [
        (2, "KZ", Kind.SUCCESS, 1, "Lack of unity"),
        (2, "KZ", Kind.SUCCESS, 2, "Competitiveness"),
        (9, "UZ", Kind.SUCCESS, 1, "Active NGOs"),
        (9, "UZ", Kind.SUCCESS, 3, "Education"),
    ]
    not_part = "This line is not part of any finding: “%s”. Number it under a country " + (
        "(“Kazakhstan: 1) …”), or delete it."
    )
    assert result.problems == [
        Problem(1, not_part % "Notes of the session, typed by the rapporteur"),
        Problem(4, not_part % "The rapporteur adds: see the annex."),
        Problem(
            5,
            "This heading names neither successes nor problems: “Session 2 on the enabling "
            "environment:”. Say which (for example “Problems:”), or delete the line.",
        ),
        Problem(
            6,
            "Unknown country “Kazakstan”: use its English or Russian name or its ISO code, for "
            "example KZ.",
        ),
        Problem(7, "Tajikistan: no numbered items. Number them like “1) …; 2) …”."),
        Problem(8, not_part % "No numbers here"),
        Problem(9, "Uzbekistan, successes: number 3 skips; the next number is 2."),
    ]


@pytest.mark.parametrize(
    "name",
    [
        "notes_seed_wrapped_as_from_pdf.txt",
        "notes_word_numbered_cyrillic_crlf.txt",
        "notes_stray_lines_and_unknown_country.txt",
    ],
)
def test_every_non_empty_line_of_the_samples_is_a_heading_in_a_finding_or_a_problem(name):
    """Nothing is left out without a word."""
    text = read_notes(name)
    result = parse(text)
    covered = {p.line for p in result.problems}
    for first, last in result.headings:
        covered.update(range(first, last + 1))
    for item in result.items:
        covered.update(range(item.line, item.last_line + 1))
    lines = {number for number, line in enumerate(text.splitlines(), start=1) if line.strip()}
    assert covered == lines


FRAGMENTS = [
    "Kazakhstan:",
    "Mongolia – ",
    "Республика Узбекистан — ",
    "Narnia: ",
    "Problems in the field of participation:",
    "Успехи",
    "Session two:",
    "1) ",
    "2) ",
    "3.\t",
    "; 2) ",
    "; 3. ",
    "Lack of unity",
    "decision-",
    "making",
    "partici\u00ad",
    "in 2024. The law",
    "3.5 per cent",
    "(stage 1) and",
    "\u00a0",
    " ",
    "- ",
    "• ",
    ",",
]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    lines=st.lists(st.lists(st.sampled_from(FRAGMENTS), max_size=6).map("".join), max_size=12),
    line_end=st.sampled_from(["\n", "\r\n"]),
)
def test_any_mix_of_notes_is_read_without_error_and_every_line_accounted_for(lines, line_end):
    text = line_end.join(lines)
    result = parse_notes(text, countries=hub_countries(), default_kind=Kind.SUCCESS)
    count = len(text.splitlines())
    assert result.items or result.problems
    for item in result.items:
        assert item.text == item.text.strip() != ""
        assert "\u00ad" not in item.text and "\r" not in item.text
        assert 1 <= item.line <= item.last_line <= count
    assert all(p.line is None or 1 <= p.line <= count for p in result.problems)
    if any(p.message.startswith("Unknown country") for p in result.problems):
        return  # the lines of an unknown country's list are reported with it
    covered = {p.line for p in result.problems}
    for first, last in result.headings:
        covered.update(range(first, last + 1))
    for item in result.items:
        covered.update(range(item.line, item.last_line + 1))
    # A bullet alone on its line says nothing.
    non_empty = {
        n for n, line in enumerate(text.splitlines(), start=1) if line.strip("•- \t\u00a0")
    }
    assert non_empty <= covered


_hub_countries = []


def hub_countries() -> list[Country]:
    """The migration's countries, read once: hypothesis runs many examples in one test."""
    if not _hub_countries:
        _hub_countries.extend(Country.objects.all())
    return _hub_countries


# Duplicates and countries, before saving


def test_plan_flags_items_already_in_their_lists_whatever_case_spacing_or_final_stop(country):
    session = make_session()
    Finding.objects.create(
        session=session, country=country, kind=Kind.PROBLEM, position=1, text="Lack of unity"
    )
    Finding.objects.create(
        session=session, country=country, kind=Kind.SUCCESS, position=1, text="Fear"
    )
    result = parse(
        "Problems:\nKazakhstan: 1) LACK  of unity.; 2) Fear; 3) New one; 4) new ONE\n"
        "Tajikistan: 1) Lack of unity"
    )
    plan = plan_notes(session=session, result=result)
    assert [
        (p.item.country.code, p.finding.position, p.duplicate_of_number, p.duplicate_of_line)
        for p in plan.items
    ] == [
        ("KZ", None, 1, None),  # already number 1 of the list
        ("KZ", 2, None, None),  # "Fear" is a success, not a problem
        ("KZ", 3, None, None),
        ("KZ", None, None, 2),  # the same as an earlier item of the notes
        ("TJ", 1, None, None),  # another country's list
    ]
    assert [f.text for f in plan.findings] == ["Fear", "New one", "Lack of unity"]
    plan = plan_notes(session=session, result=result, add_duplicates=True)
    assert [p.finding.position for p in plan.items] == [2, 3, 4, 5, 1]


def test_plan_lists_the_countries_outside_the_dialogue():
    dialogue = make_dialogue()
    dialogue.countries.set(Country.objects.filter(code__in=["KZ", "TJ", "UZ"]))
    plan = plan_notes(
        session=make_session(dialogue), result=parse("Mongolia: 1) a\nKZ: 1) b\nKG: 1) c")
    )
    assert [c.code for c in plan.dialogue_countries] == ["KZ", "TJ", "UZ"]
    assert [c.code for c in plan.outside_countries] == ["KG", "MN"]


def test_plan_costs_two_queries_whatever_the_number_of_items(django_assert_num_queries):
    session = Session.objects.select_related("dialogue").get(pk=make_session().pk)
    for notes in ("KZ: 1) a", SEED_NOTES):
        result = parse(notes)
        # The session's findings; the dialogue's countries.
        with django_assert_num_queries(2):
            plan_notes(session=session, result=result)


# Saving


def test_saving_the_seed_notes_creates_the_19_findings_of_the_demo():
    session = make_session()
    saved_notes = save_findings(session=session, text=SEED_NOTES, default_kind=Kind.SUCCESS)
    assert len(saved_notes.created) == 19
    assert saved_notes.skipped == []
    assert saved(session) == sorted(demo_first_session())
    revisions = {v.revision for v in Version.objects.get_for_model(Finding)}
    assert [(r.user, r.comment) for r in revisions] == [(None, "Added from notes")]


def test_new_items_are_numbered_after_those_already_in_the_same_list(country):
    session = make_session()
    make_findings(session, country, Kind.SUCCESS, count=2)
    make_findings(make_session(), country, Kind.PROBLEM, count=4)  # another session
    save_findings(
        session=session,
        text="Kazakhstan: 1) New one; 2) New two\nProblems:\nKazakhstan: 1) New problem",
        default_kind=Kind.SUCCESS,
    )
    assert saved(session) == [
        ("KZ", Kind.PROBLEM, 1, "New problem"),
        ("KZ", Kind.SUCCESS, 1, "Finding 1"),
        ("KZ", Kind.SUCCESS, 2, "Finding 2"),
        ("KZ", Kind.SUCCESS, 3, "New one"),
        ("KZ", Kind.SUCCESS, 4, "New two"),
    ]


def test_a_problem_anywhere_saves_nothing():
    session = make_session()
    text = SEED_NOTES + "Mongolia: 1) Good; 2) \n"
    with pytest.raises(NotesError) as raised:
        save_findings(session=session, text=text, default_kind=Kind.SUCCESS)
    assert raised.value.problems == [Problem(9, "Mongolia, problems: item 2 is empty.")]
    assert Finding.objects.count() == 0


def test_saving_the_same_notes_twice_skips_every_item_the_second_time():
    session = make_session()
    save_findings(session=session, text=SEED_NOTES, default_kind=Kind.SUCCESS)
    again = save_findings(
        session=session, text=read_notes("notes_seed_wrapped_as_from_pdf.txt"),
        default_kind=Kind.SUCCESS,
    )  # fmt: skip
    assert again.created == []
    assert len(again.skipped) == 19
    assert saved(session) == sorted(demo_first_session())


def test_add_duplicates_adds_them_after_the_list():
    session = make_session()
    save_findings(session=session, text="KZ: 1) Fear; 2) Petitions", default_kind=Kind.SUCCESS)
    again = save_findings(
        session=session, text="KZ: 1) fear.; 2) Courts", default_kind=Kind.SUCCESS,
        add_duplicates=True,
    )  # fmt: skip
    assert [(f.position, f.text) for f in again.created] == [(3, "fear."), (4, "Courts")]
    assert again.skipped == []


def test_add_countries_adds_them_to_the_dialogue_in_the_same_revision(board_member):
    dialogue = make_dialogue()
    dialogue.countries.set(Country.objects.filter(code__in=["KZ", "TJ"]))
    session = make_session(dialogue)
    saved_notes = save_findings(
        session=session, text="KZ: 1) a\nMongolia: 1) b\nKG: 1) c", default_kind=Kind.SUCCESS,
        user=board_member, add_countries=True,
    )  # fmt: skip
    assert [c.code for c in saved_notes.countries_added] == ["KG", "MN"]
    assert sorted(dialogue.countries.values_list("code", flat=True)) == ["KG", "KZ", "MN", "TJ"]
    dialogue_version = Version.objects.get_for_object(dialogue).get()
    finding_versions = Version.objects.get_for_model(Finding)
    assert {v.revision_id for v in finding_versions} == {dialogue_version.revision_id}
    assert sorted(dialogue_version.field_dict["countries"]) == sorted(
        dialogue.countries.values_list("pk", flat=True)
    )


def test_without_add_countries_the_dialogue_keeps_its_countries():
    dialogue = make_dialogue()
    dialogue.countries.set(Country.objects.filter(code="KZ"))
    saved_notes = save_findings(
        session=make_session(dialogue), text="Mongolia: 1) b", default_kind=Kind.SUCCESS
    )
    assert saved_notes.countries_added == []
    assert list(dialogue.countries.values_list("code", flat=True)) == ["KZ"]


# All or nothing, when a write fails after others succeeded


@pytest.fixture
def third_finding_refused(monkeypatch):
    """The database refuses the third finding written, as it does a row that breaks a
    constraint; the two before it were written."""
    real_save = Finding.save
    written = []

    def save(self, *args, **kwargs):
        if len(written) == 2:
            raise IntegrityError("UNIQUE constraint failed")
        real_save(self, *args, **kwargs)
        written.append(self.pk)

    monkeypatch.setattr(Finding, "save", save)
    return written


def test_a_finding_refused_by_the_database_partway_leaves_nothing_saved(third_finding_refused):
    dialogue = make_dialogue()
    session = make_session(dialogue)
    with pytest.raises(NotesError) as raised:
        save_findings(session=session, text=SEED_NOTES, default_kind=Kind.SUCCESS,
                      add_countries=True)  # fmt: skip
    assert len(third_finding_refused) == 2  # two were written before the third failed
    assert raised.value.problems == [
        Problem(
            None,
            "A finding could not be saved (someone else may have changed the same list at "
            "the same moment), so nothing was saved. Preview the notes again.",
        )
    ]
    assert Finding.objects.count() == 0
    assert Version.objects.count() == 0
    assert Revision.objects.count() == 0
    assert list(dialogue.countries.all()) == []


def test_a_finding_failing_validation_partway_leaves_nothing_saved(monkeypatch):
    real_full_clean = Finding.full_clean
    checked = []

    def full_clean(self, *args, **kwargs):
        checked.append(self.text)
        if len(checked) == 3:
            raise ValidationError({"text": "Refused for the test."})
        real_full_clean(self, *args, **kwargs)

    monkeypatch.setattr(Finding, "full_clean", full_clean)
    session = make_session()
    with pytest.raises(NotesError) as raised:
        save_findings(session=session, text=SEED_NOTES, default_kind=Kind.SUCCESS)
    assert raised.value.problems == [Problem(2, "Refused for the test.")]
    assert Finding.objects.count() == 0
    assert Revision.objects.count() == 0


# The command


def test_command_adds_the_findings_from_a_file_with_a_byte_order_mark(tmp_path):
    session = make_session(make_dialogue(slug="civic-space"), slug="participation")
    session.dialogue.countries.set(Country.objects.filter(code__in=["KZ", "TJ"]))
    notes = tmp_path / "notes.txt"
    notes.write_text("Казахстан: 1) Один; 2) Два\nTJ: 1) Три", encoding="utf-8-sig")
    out, err = StringIO(), StringIO()
    call_command("import_notes", "civic-space", "participation", str(notes), stdout=out, stderr=err)
    assert out.getvalue() == (
        "Kazakhstan\tSuccess\t1\tОдин\n"
        "Kazakhstan\tSuccess\t2\tДва\n"
        "Tajikistan\tSuccess\t1\tТри\n"
        f"Added 3 findings to “{session.title}”.\n"
    )
    assert err.getvalue() == ""
    assert saved(session) == [
        ("KZ", Kind.SUCCESS, 1, "Один"),
        ("KZ", Kind.SUCCESS, 2, "Два"),
        ("TJ", Kind.SUCCESS, 1, "Три"),
    ]


def test_command_reads_word_notes_with_crlf_line_ends():
    session = make_session(make_dialogue(slug="civic-space"), slug="participation")
    out = StringIO()
    call_command(
        "import_notes", "civic-space", "participation",
        str(DATA / "notes_word_numbered_cyrillic_crlf.txt"), "--add-countries", stdout=out,
    )  # fmt: skip
    assert out.getvalue().splitlines()[-1] == (
        f"Added 11 findings to “{session.title}”. Added Kazakhstan, Kyrgyzstan, Mongolia, "
        "Tajikistan, Uzbekistan to the dialogue's participating countries."
    )
    assert Finding.objects.filter(session=session).count() == 11


def test_command_skips_the_duplicates_and_says_so(tmp_path):
    session = make_session(make_dialogue(slug="civic-space"), slug="participation")
    session.dialogue.countries.set(Country.objects.filter(code__in=["KZ"]))
    notes = tmp_path / "notes.txt"
    notes.write_text("KZ: 1) Fear; 2) Courts", encoding="utf-8")
    call_command("import_notes", "civic-space", "participation", str(notes), stdout=StringIO())
    notes.write_text("KZ: 1) fear; 2) Petitions", encoding="utf-8")
    out, err = StringIO(), StringIO()
    call_command("import_notes", "civic-space", "participation", str(notes), stdout=out, stderr=err)
    assert out.getvalue() == (
        "Kazakhstan\tSuccess\t3\tPetitions\n"
        f"Added 1 finding to “{session.title}”. Skipped 1 item already in its list.\n"
    )
    assert err.getvalue() == "line 1: already in its list, skipped: fear\n"
    assert saved(session) == [
        ("KZ", Kind.SUCCESS, 1, "Fear"),
        ("KZ", Kind.SUCCESS, 2, "Courts"),
        ("KZ", Kind.SUCCESS, 3, "Petitions"),
    ]


def test_command_warns_about_countries_outside_the_dialogue(tmp_path):
    session = make_session(make_dialogue(slug="civic-space"), slug="participation")
    session.dialogue.countries.set(Country.objects.filter(code__in=["KZ"]))
    notes = tmp_path / "notes.txt"
    notes.write_text("KZ: 1) a\nMongolia - 1) b", encoding="utf-8")
    err = StringIO()
    call_command(
        "import_notes", "civic-space", "participation", str(notes), stdout=StringIO(), stderr=err
    )
    assert err.getvalue() == (
        "Not among the dialogue's participating countries: Mongolia (--add-countries adds them).\n"
    )
    assert list(session.dialogue.countries.values_list("code", flat=True)) == ["KZ"]


def test_command_kind_option_sets_the_default_kind(tmp_path):
    session = make_session(make_dialogue(slug="civic-space"), slug="participation")
    notes = tmp_path / "notes.txt"
    notes.write_text("KZ: 1) Fear\nGood practice:\nKZ: 1) Courage", encoding="utf-8")
    call_command(
        "import_notes", "civic-space", "participation", str(notes), "--kind", "problem",
        stdout=StringIO(), stderr=StringIO(),
    )  # fmt: skip
    assert saved(session) == [("KZ", Kind.PROBLEM, 1, "Fear"), ("KZ", Kind.SUCCESS, 1, "Courage")]


def test_command_dry_run_previews_and_saves_nothing(tmp_path, country):
    session = make_session(make_dialogue(slug="civic-space"), slug="participation")
    make_findings(session, country, Kind.PROBLEM, count=1)
    notes = tmp_path / "notes.txt"
    notes.write_text("Problems:\nKazakhstan: 1) Lack of unity\nKZ: 2) finding 1.", encoding="utf-8")
    out = StringIO()
    call_command(
        "import_notes", "civic-space", "participation", str(notes), "--dry-run", stdout=out,
        stderr=StringIO(),
    )  # fmt: skip
    assert out.getvalue() == (
        "Kazakhstan\tProblem\t2\tLack of unity\n"
        f"Dry run: 1 finding would be added to “{session.title}”. Skipped 1 item already in "
        "its list.\n"
    )
    assert Finding.objects.count() == 1


@pytest.mark.parametrize("dry_run", [[], ["--dry-run"]])
def test_command_with_a_problem_prints_it_and_saves_nothing(tmp_path, dry_run):
    make_session(make_dialogue(slug="civic-space"), slug="participation")
    notes = tmp_path / "notes.txt"
    notes.write_text("Kazakhstan: 1) a\nNarnia: 1) b\nTajikistan: 1) c; 1) d", encoding="utf-8")
    err = StringIO()
    with pytest.raises(CommandError, match=r"^The notes have problems; nothing was saved\.$"):
        call_command(
            "import_notes", "civic-space", "participation", str(notes), *dry_run,
            stdout=StringIO(), stderr=err,
        )  # fmt: skip
    assert err.getvalue() == (
        "line 2: Unknown country “Narnia”: use its English or Russian name or its ISO code, "
        "for example KZ.\n"
        "line 3: Tajikistan, successes: number 1 repeats; the next number is 2.\n"
    )
    assert Finding.objects.count() == 0


@pytest.mark.parametrize(
    ("dialogue", "session", "message"),
    [
        ("no-such-dialogue", "participation", "No dialogue with the slug “no-such-dialogue”."),
        (
            "civic-space",
            "no-such-session",
            "The dialogue “civic-space” has no session with the slug “no-such-session”.",
        ),
    ],
)
def test_command_refuses_an_unknown_dialogue_or_session(tmp_path, dialogue, session, message):
    make_session(make_dialogue(slug="civic-space"), slug="participation")
    notes = tmp_path / "notes.txt"
    notes.write_text("KZ: 1) a", encoding="utf-8")
    with pytest.raises(CommandError) as raised:
        call_command("import_notes", dialogue, session, str(notes))
    assert str(raised.value) == message


# The admin page: each request posts what the page before it contains


def notes_url(session):
    return reverse("admin:dialogues_session_notes", args=[session.pk])


def buttons(response) -> list[str]:
    """The names of the notes form's submit buttons, as the page shows them."""
    form = response.text[response.text.index('id="notes_form"') :]
    return re.findall(r'<input type="submit"[^>]* name="(_\w+)"', form)


def press(client, session, page, button, **changes):
    """Fill the page's notes form as a person would, then press ``button``."""
    data = form_data(page.content, "notes_form")
    data.update(changes)
    return client.post(notes_url(session), {**data, button: button}, follow=True)


def preview(client, session, notes, **changes):
    page = client.get(notes_url(session))
    return press(client, session, page, "_preview", notes=notes, **changes)


def preview_rows(response) -> list[tuple[str, str, str, str, str, str]]:
    table = response.text[response.text.index('<table id="notes-preview">') :]
    table = table[: table.index("</table>")]
    rows = re.findall(r"<tr[^>]*>\s*(.*?)\s*</tr>", table, re.S)[1:]
    return [
        tuple(html.unescape(cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row))
        for row in rows
    ]


def message_texts(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_session_change_page_links_to_the_notes_page(board_client):
    session = make_session()
    response = board_client.get(reverse("admin:dialogues_session_change", args=[session.pk]))
    link = f'<a href="{notes_url(session)}">Add findings from notes</a>'
    assert link in response.text


def test_notes_page_shows_the_form_without_save_until_a_preview(board_client):
    session = make_session(title="Digital advocacy")
    response = board_client.get(notes_url(session))
    assert response.status_code == 200
    assert response.context["title"] == "Add findings from notes"
    assert form_data(response.content, "notes_form") == {
        "csrfmiddlewaretoken": response.context["csrf_token"],
        "previewed": "",
        "notes": "",
        "default_kind": Kind.SUCCESS,
        "language": "en",
    }
    assert buttons(response) == ["_preview"]
    change_url = reverse("admin:dialogues_session_change", args=[session.pk])
    breadcrumb = (
        f'&rsaquo; <a href="{change_url}">Digital advocacy</a>\n&rsaquo; Add findings from notes'
    )
    assert breadcrumb in response.text
    assert response.context["preview"] == []


def test_preview_shows_the_findings_and_problems_and_saves_nothing(board_client, country):
    session = make_session()
    make_findings(session, country, Kind.SUCCESS, count=1)
    response = preview(
        board_client, session, "Kazakhstan: 1) Petitions\nNarnia: 1) x\nProblems:\nTJ: 1) Fear"
    )
    assert response.status_code == 200
    assert preview_rows(response) == [
        ("1", "Kazakhstan", "Success", "2", "Petitions", ""),
        ("4", "Tajikistan", "Problem", "1", "Fear", ""),
    ]
    assert "<h2>Findings read so far: correct the problems to save them</h2>" in response.text
    assert (
        "<li>Line 2: Unknown country “Narnia”: use its English or Russian name or its ISO "
        "code, for example KZ.</li>"
    ) in response.text
    assert buttons(response) == ["_preview"]
    assert Finding.objects.count() == 1


def test_preview_of_notes_wrapped_as_from_a_pdf_then_save_adds_the_19(board_client):
    session = make_session()
    notes = read_notes("notes_seed_wrapped_as_from_pdf.txt").replace("\n", "\r\n")
    response = preview(board_client, session, notes)
    assert response.context["result"].problems == []
    assert "<h2>19 findings would be added</h2>" in response.text
    rows = preview_rows(response)
    assert rows[17:] == [
        ("21–22", "Uzbekistan", "Problem", "1", (
            "The Law “On Social Partnership”, which unscrupulous bureaucrats interpret as an "
            "opportunity to exploit NGOs when they receive grants"
        ), ""),
        ("22–23", "Uzbekistan", "Problem", "2", "Government agencies are afraid to work with NGOs",
         ""),
    ]  # fmt: skip
    assert buttons(response) == ["_preview", "_save"]
    assert Finding.objects.count() == 0

    response = press(board_client, session, response, "_save")
    change_url = reverse("admin:dialogues_session_change", args=[session.pk])
    assert response.redirect_chain == [(change_url, 302)]
    assert message_texts(response) == ["Added 19 findings from the notes."]
    assert saved(session) == sorted(demo_first_session())
    versions = Version.objects.get_for_model(Finding).select_related("revision__user")
    assert {(v.revision.user.username, v.revision.comment) for v in versions} == {
        ("aigerim", "Added from notes")
    }
    assert sorted(int(v.object_id) for v in versions) == sorted(
        Finding.objects.values_list("pk", flat=True)
    )


def test_save_without_a_preview_is_refused_and_shows_the_preview(board_client):
    session = make_session()
    page = board_client.get(notes_url(session))
    # The page has no Save button yet; a request that presses one anyway.
    response = press(board_client, session, page, "_save", notes=SEED_NOTES)
    assert response.redirect_chain == []
    assert Finding.objects.count() == 0
    assert (
        '<p class="errornote" id="notes-not-previewed">Nothing was saved: these notes are not '
        "the ones previewed (they were changed, or not previewed yet). Check the preview below, "
        "then press Save.</p>"
    ) in response.text
    assert len(preview_rows(response)) == 19
    assert buttons(response) == ["_preview", "_save"]
    response = press(board_client, session, response, "_save")
    assert message_texts(response) == ["Added 19 findings from the notes."]
    assert Finding.objects.count() == 19


@pytest.mark.parametrize(
    "changes",
    [
        {"notes": SEED_NOTES + "Mongolia: 1) Added after the preview"},
        {"notes": SEED_NOTES.replace("Kazakhstan: 1) Lack", "Kazakhstan: 1) A lack")},
        {"default_kind": Kind.PROBLEM, "notes": SEED_NOTES.split("\n", 1)[1]},
        {"previewed": "0" * 64},
    ],
    ids=["line added", "word changed", "kind changed", "digest forged"],
)
def test_save_of_notes_other_than_the_previewed_ones_is_refused(board_client, changes):
    session = make_session()
    notes = changes["notes"] if "default_kind" in changes else SEED_NOTES
    response = preview(board_client, session, notes)
    assert buttons(response) == ["_preview", "_save"]
    response = press(board_client, session, response, "_save", **changes)
    assert response.redirect_chain == []
    assert response.context["not_previewed"] is True
    assert Finding.objects.count() == 0


def test_preview_of_notes_with_a_problem_has_no_save_and_a_forced_save_saves_nothing(
    board_client,
):
    session = make_session()
    response = preview(board_client, session, SEED_NOTES + "Mongolia:\n")
    assert buttons(response) == ["_preview"]
    assert (
        "Save appears once a preview of the notes shows findings and no problem." in response.text
    )
    response = press(board_client, session, response, "_save")
    assert [(p.line, p.message) for p in response.context["result"].problems] == [
        (9, "Mongolia: no numbered items. Number them like “1) …; 2) …”.")
    ]
    assert "The notes have a problem: nothing was saved." in response.text
    assert Finding.objects.count() == 0


def test_pasting_the_same_notes_twice_flags_and_skips_the_duplicates(board_client):
    session = make_session()
    response = preview(board_client, session, SEED_NOTES)
    press(board_client, session, response, "_save")
    assert Finding.objects.count() == 19

    response = preview(board_client, session, read_notes("notes_seed_wrapped_as_from_pdf.txt"))
    assert "<h2>0 findings would be added</h2>" in response.text
    assert (
        '<p class="warning" id="notes-duplicates">19 items are already in their lists: they '
        "are skipped unless you tick “Add them anyway”.</p>"
    ) in response.text
    rows = preview_rows(response)
    assert rows[0] == (
        "5–6", "Kazakhstan", "Success", "—",
        "Compliance with standards of public participation in decision-making processes",
        "As number 1",
    )  # fmt: skip
    assert {row[3] for row in rows} == {"—"}
    assert form_data(response.content, "notes_form").get("add_duplicates") is None
    response = press(board_client, session, response, "_save")
    assert message_texts(response) == [
        "Added 0 findings from the notes. Skipped 19 items already in their lists."
    ]
    assert saved(session) == sorted(demo_first_session())


def test_add_anyway_adds_the_duplicates_after_the_list(board_client):
    session = make_session()
    press(board_client, session, preview(board_client, session, "KZ: 1) Fear"), "_save")
    response = preview(board_client, session, "KZ: 1) FEAR.; 2) Courts")
    assert preview_rows(response) == [
        ("1", "Kazakhstan", "Success", "—", "FEAR.", "As number 1"),
        ("1", "Kazakhstan", "Success", "2", "Courts", ""),
    ]
    assert 'name="add_duplicates"' in response.text
    response = press(board_client, session, response, "_save", add_duplicates="on")
    assert message_texts(response) == ["Added 2 findings from the notes."]
    assert saved(session) == [
        ("KZ", Kind.SUCCESS, 1, "Fear"),
        ("KZ", Kind.SUCCESS, 2, "FEAR."),
        ("KZ", Kind.SUCCESS, 3, "Courts"),
    ]


def test_countries_outside_the_dialogue_are_named_and_may_be_added(board_client):
    dialogue = make_dialogue()
    dialogue.countries.set(Country.objects.filter(code__in=["KZ", "TJ", "UZ"]))
    session = make_session(dialogue)
    response = preview(board_client, session, "KZ: 1) a\nKyrgyz Republic: 1) b\nМонголия: 1) c")
    assert (
        "Kyrgyzstan, Mongolia are not among the dialogue's participating countries "
        "(Kazakhstan, Tajikistan, Uzbekistan)."
    ) in " ".join(response.text.split())
    assert (
        '<label class="vCheckboxLabel" for="id_add_countries">'
        "Add Kyrgyzstan, Mongolia to the dialogue's participating countries</label>"
    ) in response.text
    response = press(board_client, session, response, "_save", add_countries="on")
    assert message_texts(response) == [
        "Added 3 findings from the notes. Added Kyrgyzstan, Mongolia to the dialogue's "
        "participating countries."
    ]
    assert sorted(dialogue.countries.values_list("code", flat=True)) == [
        "KG",
        "KZ",
        "MN",
        "TJ",
        "UZ",
    ]


def test_the_box_adds_no_country_for_someone_who_may_not_change_dialogues(
    board_client, board_member
):
    from django.contrib.auth.models import Permission

    board_member.groups.clear()
    board_member.user_permissions.set(
        Permission.objects.filter(
            codename__in=["view_dialogue", "view_session", "change_session", "add_finding"]
        )
    )
    dialogue = make_dialogue()
    session = make_session(dialogue)
    response = preview(board_client, session, "Mongolia: 1) c")
    press(board_client, session, response, "_save", add_countries="on")
    assert list(session.findings.values_list("text", flat=True)) == ["c"]
    assert list(dialogue.countries.all()) == []


def test_countries_outside_the_dialogue_stay_out_unless_ticked(board_client):
    dialogue = make_dialogue()
    session = make_session(dialogue)
    response = preview(board_client, session, "Mongolia: 1) c")
    assert "The dialogue has no participating countries yet; the notes name Mongolia." in " ".join(
        response.text.split()
    )
    response = press(board_client, session, response, "_save")
    assert message_texts(response) == ["Added 1 finding from the notes."]
    assert list(dialogue.countries.all()) == []


@pytest.mark.parametrize("notes", ["KZ: 1) a", SEED_NOTES])
def test_preview_query_count_is_fixed(board_client, django_assert_num_queries, notes):
    session = make_session()
    make_findings(session, Country.objects.get(code="KZ"), Kind.SUCCESS, count=5)
    page = board_client.get(notes_url(session))
    data = {**form_data(page.content, "notes_form"), "notes": notes, "_preview": "Preview"}
    # The signed-in user: session, user, authenticator, permissions (2); the session (with
    # its findings counted by the admin's queryset); the countries; the session's
    # findings; the dialogue; its countries; the user's session saved (3, in a savepoint).
    with django_assert_num_queries(13):
        response = board_client.post(notes_url(session), data)
    assert response.status_code == 200


def test_notes_page_is_403_without_the_add_finding_permission(client):
    user = User.objects.create_user("viewer", is_staff=True)
    user.user_permissions.add(
        Permission.objects.get(codename="view_session", content_type__app_label="dialogues"),
        Permission.objects.get(codename="change_session", content_type__app_label="dialogues"),
    )
    sign_in_with_second_factor(client, user)
    session = make_session()
    assert client.get(notes_url(session)).status_code == 403
    # A request made by hand: the page that would hold the form is refused.
    response = client.post(
        notes_url(session), {"notes": "KZ: 1) a", "default_kind": Kind.SUCCESS, "_save": "Save"}
    )
    assert response.status_code == 403
    assert Finding.objects.count() == 0
    change = client.get(reverse("admin:dialogues_session_change", args=[session.pk]))
    assert "Add findings from notes" not in change.text


def test_notes_page_is_403_without_the_permission_to_change_the_session(client):
    user = User.objects.create_user("adder", is_staff=True)
    user.user_permissions.add(
        Permission.objects.get(codename="view_session", content_type__app_label="dialogues"),
        Permission.objects.get(codename="add_finding", content_type__app_label="findings"),
    )
    sign_in_with_second_factor(client, user)
    session = make_session()
    response = client.post(
        notes_url(session), {"notes": "KZ: 1) a", "default_kind": Kind.SUCCESS, "_save": "Save"}
    )
    assert response.status_code == 403
    assert Finding.objects.count() == 0


# The language of the notes


RUSSIAN_NOTES = (
    "Казахстан: 1) Страх преследований; 2) Онлайн-петиции\nПроблемы:\nTJ: 1) Нет единства"
)


def texts(session) -> list[tuple[str, str, int, str | None, str | None]]:
    return sorted(
        (f.country.code, f.kind, f.position, f.text_en, f.text_ru)
        for f in Finding.objects.filter(session=session).select_related("country")
    )


def test_notes_page_asks_the_language_of_the_notes_english_first(board_client, settings):
    settings.CONTENT_LANGUAGES = ["en", "ru"]
    response = board_client.get(notes_url(make_session()))
    menu = response.text[response.text.index('<select name="language"') :]
    menu = menu[: menu.index("</select>")]
    assert re.findall(r'<option value="(\w+)"( selected)?>(\w+)</option>', menu) == [
        ("en", " selected", "English"),
        ("ru", "", "Russian"),
    ]


def test_russian_notes_give_findings_with_the_russian_text_and_no_english(board_client, settings):
    settings.CONTENT_LANGUAGES = ["en", "ru"]
    session = make_session()
    response = preview(board_client, session, RUSSIAN_NOTES, language="ru")
    assert response.context["result"].problems == []
    assert (
        '<p class="warning" id="notes-language">These findings will have their Russian text '
        "only: they will have no English text until it is added, with “Add translations from "
        "notes” or by hand. Until then, the session's page asks for it before it saves.</p>"
    ) in response.text
    assert '<th scope="col">Text (Russian)</th>' in response.text
    assert preview_rows(response) == [
        ("1", "Kazakhstan", "Success", "1", "Страх преследований", ""),
        ("1", "Kazakhstan", "Success", "2", "Онлайн-петиции", ""),
        ("3", "Tajikistan", "Problem", "1", "Нет единства", ""),
    ]
    assert '<td lang="ru">Страх преследований</td>' in response.text

    response = press(board_client, session, response, "_save")
    assert message_texts(response) == [
        "Added 3 findings from the notes. They are in Russian only: add their English text "
        "with “Add translations from notes”, or on their pages."
    ]
    assert texts(session) == [
        ("KZ", Kind.SUCCESS, 1, None, "Страх преследований"),
        ("KZ", Kind.SUCCESS, 2, None, "Онлайн-петиции"),
        ("TJ", Kind.PROBLEM, 1, None, "Нет единства"),
    ]


def test_english_notes_give_findings_with_the_english_text_only(board_client):
    session = make_session()
    response = preview(board_client, session, "KZ: 1) Fear of reprisals")
    assert 'id="notes-language"' not in response.text
    press(board_client, session, response, "_save")
    assert texts(session) == [("KZ", Kind.SUCCESS, 1, "Fear of reprisals", None)]


def test_duplicates_are_found_among_the_texts_of_the_notes_language(board_client, country):
    session = make_session()
    Finding.objects.create(
        session=session, country=country, kind=Kind.SUCCESS, position=1,
        text_en="Petitions", text_ru="Петиции",
    )  # fmt: skip
    save_findings(session=session, text="KZ: 1) Страх", default_kind=Kind.SUCCESS, language="ru")

    response = preview(board_client, session, "KZ: 1) петиции.; 2) страх; 3) Суды", language="ru")
    assert preview_rows(response) == [
        ("1", "Kazakhstan", "Success", "—", "петиции.", "As number 1"),
        ("1", "Kazakhstan", "Success", "—", "страх", "As number 2"),
        ("1", "Kazakhstan", "Success", "3", "Суды", ""),
    ]
    # In English, the list has "Petitions" only: the finding without English text is
    # no duplicate of anything.
    response = preview(board_client, session, "KZ: 1) Страх; 2) petitions", language="en")
    assert preview_rows(response) == [
        ("1", "Kazakhstan", "Success", "3", "Страх", ""),
        ("1", "Kazakhstan", "Success", "—", "petitions", "As number 1"),
    ]


def test_save_after_the_language_changed_since_the_preview_is_refused(board_client):
    session = make_session()
    response = preview(board_client, session, "KZ: 1) Страх", language="en")
    response = press(board_client, session, response, "_save", language="ru")
    assert response.context["not_previewed"] is True
    assert Finding.objects.count() == 0


def test_a_language_that_is_not_a_content_language_is_refused(board_client, settings):
    settings.CONTENT_LANGUAGES = ["en", "ru"]
    session = make_session()
    response = preview(board_client, session, "KZ: 1) Fear", language="kk")
    assert response.context["form"].errors == {
        "language": ["Select a valid choice. kk is not one of the available choices."]
    }
    assert Finding.objects.count() == 0


def test_command_language_option_fills_that_language(tmp_path):
    session = make_session(make_dialogue(slug="civic-space"), slug="participation")
    notes = tmp_path / "notes.txt"
    notes.write_text(RUSSIAN_NOTES, encoding="utf-8")
    call_command(
        "import_notes", "civic-space", "participation", str(notes), "--language", "ru",
        stdout=StringIO(), stderr=StringIO(),
    )  # fmt: skip
    assert texts(session) == [
        ("KZ", Kind.SUCCESS, 1, None, "Страх преследований"),
        ("KZ", Kind.SUCCESS, 2, None, "Онлайн-петиции"),
        ("TJ", Kind.PROBLEM, 1, None, "Нет единства"),
    ]


def test_history_of_a_finding_from_russian_notes_keeps_its_english_text_empty(country, settings):
    from findings.admin_history import go_back, put_back

    settings.CONTENT_LANGUAGES = ["en", "ru"]
    session = make_session()
    save_findings(session=session, text="KZ: 1) Страх", default_kind=Kind.SUCCESS, language="ru")
    finding = Finding.objects.get()
    first = Version.objects.get_for_object(finding).get()
    finding.text_en = "Fear"
    finding.save()
    # Back to the version without English text: it has none again.
    go_back(finding, first)
    finding.refresh_from_db()
    assert (finding.text_en, finding.text_ru) == (None, "Страх")
    # Deleted and brought back: the same.
    finding.delete()
    restored = put_back(first).finding
    restored.refresh_from_db()
    assert (restored.text_en, restored.text_ru) == (None, "Страх")


def test_the_session_page_asks_for_the_english_text_of_findings_entered_in_russian(
    board_client, settings
):
    settings.CONTENT_LANGUAGES = ["en", "ru"]
    session = make_session()
    save_findings(session=session, text="KZ: 1) Страх", default_kind=Kind.SUCCESS, language="ru")
    url = reverse("admin:dialogues_session_change", args=[session.pk])
    data = form_data(board_client.get(url).content, "session_form")
    response = board_client.post(url, {**data, "title_en": "New title"})
    assert response.status_code == 200
    assert response.context["inline_admin_formsets"][0].formset.errors[0] == {
        "text_en": ["This field is required."]
    }
    data = form_data(response.content, "session_form")
    assert (data["findings-0-text_en"], data["findings-0-text_ru"]) == ("", "Страх")
    response = board_client.post(url, {**data, "findings-0-text_en": "Fear"})
    assert response.status_code == 302
    assert list(session.findings.values_list("text_en", "text_ru")) == [("Fear", "Страх")]


def test_notes_in_another_alphabet_than_the_chosen_language_are_pointed_out(board_client):
    session = make_session()
    response = preview(board_client, session, RUSSIAN_NOTES + "\nKZ: 1) Open data", language="en")
    assert (
        '<p class="warning" id="notes-other-language">3 items do not look written in English: '
        "check “Language” before saving.</p>"
    ) in response.text
    response = preview(board_client, session, RUSSIAN_NOTES, language="ru")
    assert 'id="notes-other-language"' not in response.text


def test_a_finding_from_russian_notes_is_shown_to_english_readers_marked_russian(client, settings):
    settings.CONTENT_LANGUAGES = ["en", "ru"]
    settings.PAGE_CACHE_SECONDS = 0
    session = make_session()
    save_findings(session=session, text="KZ: 1) Страх", default_kind=Kind.SUCCESS, language="ru")
    finding = Finding.objects.get()
    html_en = client.get(session.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").text
    assert re.search(rf'<li value="1" id="finding-{finding.pk}">(.*?)</li>', html_en)[1] == (
        '<span lang="ru">Страх</span> <small class="language-mark">(in Russian)</small>'
    )
    html_ru = client.get(session.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="ru").text
    assert re.search(rf'<li value="1" id="finding-{finding.pk}">(.*?)</li>', html_ru)[1] == "Страх"
