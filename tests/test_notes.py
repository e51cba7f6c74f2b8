from io import StringIO

import pytest
from django.contrib.auth.models import Permission, User
from django.core.management import CommandError, call_command
from django.urls import reverse
from reversion.models import Version

from dialogues.models import Country
from findings.demo import SESSIONS
from findings.enums import Kind
from findings.models import Finding
from findings.notes import NotesError, Problem, parse_notes, save_findings

from .conftest import make_dialogue, make_findings, make_session, sign_in_with_second_factor

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


def test_prose_and_headings_naming_no_kind_are_left_out():
    result = parse(
        "Main issues raised on the session on digital advocacy\n"
        "Participants said: the situation is difficult to assess.\n"
        "Uzbekistan: 1) Open data portals"
    )
    assert result.problems == []
    assert items(result) == [(3, "UZ", Kind.SUCCESS, 1, "Open data portals")]


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
            "Main issues raised on the session.\n",
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


# Saving


def test_saving_the_seed_notes_creates_the_19_findings_of_the_demo():
    session = make_session()
    created = save_findings(session=session, text=SEED_NOTES, default_kind=Kind.SUCCESS)
    assert len(created) == 19
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


# The command


def test_command_adds_the_findings_from_a_file_with_a_byte_order_mark(tmp_path):
    session = make_session(make_dialogue(slug="civic-space"), slug="participation")
    notes = tmp_path / "notes.txt"
    notes.write_text("Казахстан: 1) Один; 2) Два\nTJ: 1) Три", encoding="utf-8-sig")
    out = StringIO()
    call_command("import_notes", "civic-space", "participation", str(notes), stdout=out)
    assert out.getvalue() == (
        "Kazakhstan\tSuccess\t1\tОдин\n"
        "Kazakhstan\tSuccess\t2\tДва\n"
        "Tajikistan\tSuccess\t1\tТри\n"
        f"Added 3 findings to “{session.title}”.\n"
    )
    assert saved(session) == [
        ("KZ", Kind.SUCCESS, 1, "Один"),
        ("KZ", Kind.SUCCESS, 2, "Два"),
        ("TJ", Kind.SUCCESS, 1, "Три"),
    ]


def test_command_kind_option_sets_the_default_kind(tmp_path):
    session = make_session(make_dialogue(slug="civic-space"), slug="participation")
    notes = tmp_path / "notes.txt"
    notes.write_text("KZ: 1) Fear\nGood practice:\nKZ: 1) Courage", encoding="utf-8")
    call_command(
        "import_notes", "civic-space", "participation", str(notes), "--kind", "problem",
        stdout=StringIO(),
    )  # fmt: skip
    assert saved(session) == [("KZ", Kind.PROBLEM, 1, "Fear"), ("KZ", Kind.SUCCESS, 1, "Courage")]


def test_command_dry_run_previews_and_saves_nothing(tmp_path, country):
    session = make_session(make_dialogue(slug="civic-space"), slug="participation")
    make_findings(session, country, Kind.PROBLEM, count=1)
    notes = tmp_path / "notes.txt"
    notes.write_text("Problems:\nKazakhstan: 1) Lack of unity", encoding="utf-8")
    out = StringIO()
    call_command(
        "import_notes", "civic-space", "participation", str(notes), "--dry-run", stdout=out
    )
    assert out.getvalue() == (
        "Kazakhstan\tProblem\t2\tLack of unity\n"
        f"Dry run: 1 finding would be added to “{session.title}”.\n"
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


# The admin page


def notes_url(session):
    return reverse("admin:dialogues_session_notes", args=[session.pk])


def test_session_change_page_links_to_the_notes_page(board_client):
    session = make_session()
    response = board_client.get(reverse("admin:dialogues_session_change", args=[session.pk]))
    link = f'<a href="{notes_url(session)}">Add findings from notes</a>'
    assert link in response.text


def test_notes_page_shows_the_form(board_client):
    session = make_session(title="Digital advocacy")
    response = board_client.get(notes_url(session))
    assert response.status_code == 200
    assert response.context["title"] == "Add findings from notes"
    assert list(response.context["form"].fields) == ["notes", "default_kind"]
    assert response.context["form"]["default_kind"].value() == Kind.SUCCESS
    change_url = reverse("admin:dialogues_session_change", args=[session.pk])
    breadcrumb = (
        f'&rsaquo; <a href="{change_url}">Digital advocacy</a>\n&rsaquo; Add findings from notes'
    )
    assert breadcrumb in response.text
    assert response.context["preview"] == []


def test_preview_shows_the_findings_and_problems_and_saves_nothing(board_client, country):
    session = make_session()
    make_findings(session, country, Kind.SUCCESS, count=1)
    response = board_client.post(
        notes_url(session),
        {
            "notes": "Kazakhstan: 1) Petitions\nNarnia: 1) x\nProblems:\nTJ: 1) Fear",
            "default_kind": Kind.SUCCESS,
            "_preview": "Preview",
        },
    )
    assert response.status_code == 200
    rows = [
        (item.line, f.country.name, f.get_kind_display(), f.position, f.text)
        for f, item in response.context["preview"]
    ]
    assert rows == [
        (1, "Kazakhstan", "Success", 2, "Petitions"),
        (4, "Tajikistan", "Problem", 1, "Fear"),
    ]
    assert "<td>Petitions</td>" in response.text
    assert "<h2>Findings read so far: correct the problems to save them</h2>" in response.text
    assert (
        "<li>Line 2: Unknown country “Narnia”: use its English or Russian name or its ISO "
        "code, for example KZ.</li>"
    ) in response.text
    assert Finding.objects.count() == 1


def test_save_creates_all_findings_and_returns_to_the_session(board_client):
    session = make_session()
    response = board_client.post(
        notes_url(session),
        {"notes": SEED_NOTES, "default_kind": Kind.SUCCESS, "_save": "Save"},
        follow=True,
    )
    change_url = reverse("admin:dialogues_session_change", args=[session.pk])
    assert response.redirect_chain == [(change_url, 302)]
    assert [str(m) for m in response.context["messages"]] == ["Added 19 findings from the notes."]
    assert saved(session) == sorted(demo_first_session())
    versions = Version.objects.get_for_model(Finding).select_related("revision__user")
    assert {(v.revision.user.username, v.revision.comment) for v in versions} == {
        ("aigerim", "Added from notes")
    }
    assert sorted(int(v.object_id) for v in versions) == sorted(
        Finding.objects.values_list("pk", flat=True)
    )


def test_preview_without_problems_offers_to_save(board_client):
    session = make_session()
    response = board_client.post(
        notes_url(session),
        {"notes": SEED_NOTES, "default_kind": Kind.SUCCESS, "_preview": "Preview"},
    )
    assert response.context["result"].problems == []
    assert len(response.context["preview"]) == 19
    assert "<h2>19 findings would be added</h2>" in response.text
    assert 'name="_save"' in response.text
    assert Finding.objects.count() == 0


def test_save_with_a_problem_saves_nothing_and_shows_it(board_client):
    session = make_session()
    response = board_client.post(
        notes_url(session),
        {"notes": SEED_NOTES + "Mongolia:\n", "default_kind": Kind.SUCCESS, "_save": "Save"},
    )
    assert response.status_code == 200
    assert [(p.line, p.message) for p in response.context["result"].problems] == [
        (9, "Mongolia: no numbered items. Number them like “1) …; 2) …”.")
    ]
    assert "The notes have a problem: nothing was saved." in response.text
    assert Finding.objects.count() == 0


def test_notes_page_is_403_without_the_add_finding_permission(client):
    user = User.objects.create_user("viewer", is_staff=True)
    user.user_permissions.add(
        Permission.objects.get(codename="view_session", content_type__app_label="dialogues"),
        Permission.objects.get(codename="change_session", content_type__app_label="dialogues"),
    )
    sign_in_with_second_factor(client, user)
    session = make_session()
    assert client.get(notes_url(session)).status_code == 403
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
