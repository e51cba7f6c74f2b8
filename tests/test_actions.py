"""Follow-up actions: what a dialogue agreed to do about its problems, and how far it got."""

import datetime
import re

import pytest
from django.contrib.auth.models import Permission, User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from reversion.models import Version

from actions.enums import ActionStatus
from actions.models import Action, ActionUpdate
from actions.services import add_update, sync_status
from dialogues.enums import Status
from dialogues.models import Country
from findings.enums import Kind
from findings.models import Finding

from .conftest import make_dialogue, make_findings, make_session, sign_in_with_second_factor
from .pageforms import form_data

pytestmark = pytest.mark.django_db

ADD_URL = reverse("admin:actions_action_add")
CHANGELIST = reverse("admin:actions_action_changelist")


def dialogue_day(dialogue, days=0) -> datetime.date:
    """The dialogue's date in the site's zone, ``days`` later."""
    return timezone.localdate(dialogue.start) + datetime.timedelta(days=days)


def make_action(dialogue=None, *, problems=(), countries=(), **values) -> Action:
    dialogue = dialogue or make_dialogue()
    fields = {"dialogue": dialogue, "title": "Map the rules", "carried_by": "I4C Board"}
    fields.update(values)
    action = Action.objects.create(**fields)
    action.problems.set(problems)
    action.countries.set(countries)
    return action


def problems_of(session, country, count=1):
    return make_findings(session, country, Kind.PROBLEM, count=count)


def update(action, days, note="Progress", status=""):
    return add_update(
        action=action, date=dialogue_day(action.dialogue, days), note=note, status=status
    )


# --- the models -------------------------------------------------------------


def test_the_status_follows_the_latest_update_that_sets_one():
    action = make_action()
    assert action.status == ActionStatus.PLANNED
    update(action, 10, "Started", ActionStatus.IN_PROGRESS)
    update(action, 20, "Half the countries done")
    action.refresh_from_db()
    assert action.status == ActionStatus.IN_PROGRESS
    # A note dated earlier than the latest does not take the status back.
    update(action, 5, "Terms agreed", ActionStatus.PLANNED)
    action.refresh_from_db()
    assert action.status == ActionStatus.IN_PROGRESS
    done = update(action, 30, "Published", ActionStatus.DONE)
    action.refresh_from_db()
    assert action.status == ActionStatus.DONE
    done.delete()
    sync_status(action)
    action.refresh_from_db()
    assert action.status == ActionStatus.IN_PROGRESS


def refuse_action_updates(connection):
    """A trigger that makes the database refuse any change to an action's row."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "CREATE FUNCTION refuse() RETURNS trigger AS $$ BEGIN "
                "RAISE EXCEPTION 'refused'; END $$ LANGUAGE plpgsql"
            )
            cursor.execute(
                "CREATE TRIGGER refuse BEFORE UPDATE ON actions_action "
                "FOR EACH ROW EXECUTE FUNCTION refuse()"
            )
        else:
            cursor.execute(
                "CREATE TRIGGER refuse BEFORE UPDATE ON actions_action "
                "BEGIN SELECT RAISE(ABORT, 'refused'); END"
            )


def test_an_update_whose_status_cannot_be_stored_is_not_kept_either():
    from django.db import DatabaseError, connection

    action = make_action()
    refuse_action_updates(connection)
    with pytest.raises(DatabaseError, match="refused"):
        update(action, 1, "Finished", ActionStatus.DONE)
    assert not ActionUpdate.objects.exists()
    assert Action.objects.get().status == ActionStatus.PLANNED


def test_an_update_cannot_be_dated_before_the_dialogue_and_changes_nothing():
    action = make_action()
    with pytest.raises(ValidationError) as error:
        update(action, -1, "Too early", ActionStatus.DONE)
    assert "cannot be dated before the dialogue" in str(error.value)
    assert not ActionUpdate.objects.exists()
    action.refresh_from_db()
    assert action.status == ActionStatus.PLANNED


def test_a_success_cannot_be_answered_whichever_side_adds_it(country):
    session = make_session()
    (success,) = make_findings(session, country, Kind.SUCCESS)
    (problem,) = problems_of(session, country)
    action = make_action(session.dialogue)
    # The error undoes the caller's transaction, as any failed write does.
    with pytest.raises(ValidationError, match="Only problems"), transaction.atomic():
        action.problems.add(problem, success)
    with pytest.raises(ValidationError, match="Only problems"), transaction.atomic():
        success.actions.add(action)
    assert list(action.problems.all()) == []
    problem.actions.add(action)
    assert list(action.problems.all()) == [problem]


def test_the_database_refuses_a_status_that_does_not_exist():
    action = make_action()
    with pytest.raises(IntegrityError), transaction.atomic():
        Action.objects.filter(pk=action.pk).update(status="finished")
    with pytest.raises(IntegrityError), transaction.atomic():
        ActionUpdate.objects.create(
            action=action, date=dialogue_day(action.dialogue), note="x", status="finished"
        )


def test_the_session_must_belong_to_the_actions_dialogue():
    action = make_action(session=make_session())
    with pytest.raises(ValidationError) as error:
        action.full_clean()
    assert error.value.message_dict["session"] == [
        "Choose a session of the action's dialogue, or none."
    ]


def test_an_action_cannot_move_to_a_dialogue_held_after_its_updates():
    action = make_action()
    update(action, 1, "Started")
    later = action.dialogue.start + datetime.timedelta(days=30)
    action.dialogue = make_dialogue(start=later, end=later)
    with pytest.raises(ValidationError) as error:
        action.full_clean()
    assert "has updates dated before that dialogue" in error.value.message_dict["dialogue"][0]


def test_overdue_means_still_open_after_the_due_date():
    today = timezone.localdate()
    late = make_action(title="Late", due_date=today - datetime.timedelta(days=1))
    make_action(title="Due today", due_date=today)
    finished = make_action(title="Finished late", due_date=today - datetime.timedelta(days=9))
    update(finished, 1, "Done", ActionStatus.DONE)
    make_action(title="No date")
    assert list(Action.objects.overdue()) == [late]
    assert late.is_overdue() and not Action.objects.get(title="Due today").is_overdue()


# --- the admin --------------------------------------------------------------


def demo_problems(count=2):
    return list(Finding.objects.filter(kind=Kind.PROBLEM).order_by("pk")[:count])


@pytest.fixture
def demo():
    from django.core.management import call_command

    call_command("load_demo")
    return Finding.objects.first().session.dialogue


def add_form(client, **values):
    data = form_data(client.get(ADD_URL).content, "action_form")
    data.update(values)
    return data


def test_board_member_records_an_action_answering_two_problems_with_an_update(board_client, demo):
    first, second = demo_problems()
    data = add_form(
        board_client,
        dialogue=str(demo.pk),
        title_en="Map the rules on public participation",
        carried_by_en="I4C Board",
        due_date="2025-03-01",
        problems=[str(first.pk), str(second.pk)],
        **{
            "updates-0-date": "2024-10-15",
            "updates-0-note_en": "Terms of reference agreed.",
            "updates-0-status": ActionStatus.IN_PROGRESS,
        },
    )
    response = board_client.post(ADD_URL, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    action = Action.objects.get()
    assert (action.title, action.carried_by, action.status) == (
        "Map the rules on public participation",
        "I4C Board",
        ActionStatus.IN_PROGRESS,
    )
    assert set(action.problems.all()) == {first, second}
    assert [u.note for u in action.updates.all()] == ["Terms of reference agreed."]
    assert Version.objects.get_for_object(action).count() == 1


def test_the_admin_refuses_a_success_and_saves_nothing(board_client, demo):
    success = Finding.objects.filter(kind=Kind.SUCCESS).first()
    data = add_form(
        board_client,
        dialogue=str(demo.pk),
        title_en="Celebrate",
        carried_by_en="I4C Board",
        problems=[str(success.pk)],
    )
    response = board_client.post(ADD_URL, data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "Select a valid choice" in errors["problems"][0]
    assert not Action.objects.exists()


def test_the_admin_refuses_an_update_dated_before_the_dialogue(board_client, demo):
    data = add_form(
        board_client,
        dialogue=str(demo.pk),
        title_en="Map the rules",
        carried_by_en="I4C Board",
        **{"updates-0-date": "2024-09-01", "updates-0-note_en": "Before the dialogue"},
    )
    response = board_client.post(ADD_URL, data)
    assert response.status_code == 200
    assert "cannot be dated before the dialogue" in response.text
    assert not Action.objects.exists()


PICKER = {"app_label": "actions", "model_name": "action", "field_name": "problems"}


def test_the_problem_picker_offers_problems_only_each_with_its_place(board_client, demo):
    add_page = board_client.get(ADD_URL).text
    url = re.search(r'<select name="problems"[^>]*data-ajax--url="([^"]+)"', add_page)[1]
    response = board_client.get(url, {**PICKER, "term": ""})
    offered = {int(row["id"]): row["text"] for row in response.json()["results"]}
    assert set(offered) == set(
        Finding.objects.filter(kind=Kind.PROBLEM).values_list("pk", flat=True)
    )
    assert len(offered) == 6
    first = Finding.objects.get(text="Lack of unity and partnership")
    assert offered[first.pk] == (
        "Lack of unity and partnership (Kazakhstan, problem 1; Citizen Participation in "
        "Decision Makin…, Sept. 20, 2024)"
    )
    search = board_client.get(url, {**PICKER, "term": "Lack of unity"}).json()["results"]
    assert search == [{"id": str(first.pk), "text": offered[first.pk]}]


def count_queries(client, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_problems_an_action_answers_are_named_with_their_place_at_a_fixed_cost(
    board_client, demo
):
    one = make_action(demo, problems=demo_problems(1))
    six = make_action(demo, problems=demo_problems(6))
    page = board_client.get(reverse("admin:actions_action_change", args=[six.pk])).text
    assert "Lack of unity and partnership (Kazakhstan, problem 1; " in page
    assert "Competitiveness in finding money and receiving it (Kazakhstan, problem 2; " in page
    urls = [reverse("admin:actions_action_change", args=[a.pk]) for a in (one, six)]
    assert count_queries(board_client, urls[0]) == count_queries(board_client, urls[1])


def test_a_status_changing_update_added_on_the_change_page_moves_the_status(board_client):
    action = make_action()
    url = reverse("admin:actions_action_change", args=[action.pk])
    data = form_data(board_client.get(url).content, "action_form")
    data.update(
        {
            "updates-0-date": dialogue_day(action.dialogue, 3).isoformat(),
            "updates-0-note_en": "Finished",
            "updates-0-status": ActionStatus.DONE,
        }
    )
    assert board_client.post(url, data).status_code == 302
    action.refresh_from_db()
    assert action.status == ActionStatus.DONE
    # Deleting that update on the page takes the status back with it.
    data = form_data(board_client.get(url).content, "action_form")
    data["updates-0-DELETE"] = "on"
    assert board_client.post(url, data).status_code == 302
    action.refresh_from_db()
    assert action.status == ActionStatus.PLANNED


def test_the_actions_list_filters_by_status_country_overdue_and_dialogue(board_client, country):
    today = timezone.localdate()
    late = make_action(title="Late one", due_date=today - datetime.timedelta(days=2))
    other = make_action(title="Other one", countries=[country])
    update(other, 1, "Started", ActionStatus.IN_PROGRESS)

    def listed(**params):
        response = board_client.get(CHANGELIST, params)
        return [a.title for a in response.context["cl"].result_list]

    assert listed(status__exact="in_progress") == ["Other one"]
    assert listed(overdue="yes") == ["Late one"]
    assert listed(countries__id__exact=country.pk) == ["Other one"]
    assert listed(dialogue__id__exact=late.dialogue_id) == ["Late one"]
    assert sorted(listed(overdue="someday")) == ["Late one", "Other one"]


def test_the_dialogue_admin_page_lists_its_actions(board_client):
    action = make_action(title="Train members on their rights")
    response = board_client.get(
        reverse("admin:dialogues_dialogue_change", args=[action.dialogue_id])
    )
    assert "Train members on their rights" in response.text
    assert reverse("admin:actions_action_change", args=[action.pk]) in response.text


def test_an_earlier_version_of_an_action_can_be_restored_with_its_updates(board_client):
    action = make_action()
    url = reverse("admin:actions_action_change", args=[action.pk])
    board_client.post(url, form_data(board_client.get(url).content, "action_form"))
    data = form_data(board_client.get(url).content, "action_form")
    data.update(
        {
            "title_en": "A mistake",
            "updates-0-date": dialogue_day(action.dialogue, 1).isoformat(),
            "updates-0-note_en": "Done by mistake",
            "updates-0-status": ActionStatus.DONE,
        }
    )
    board_client.post(url, data)
    first = Version.objects.get_for_object(action).last()
    revision_url = reverse("admin:actions_action_revision", args=[action.pk, first.pk])
    page = board_client.get(revision_url)
    response = board_client.post(revision_url, form_data(page.content, "action_form"))
    assert response.status_code == 302
    action.refresh_from_db()
    assert (action.title, action.status) == ("Map the rules", ActionStatus.PLANNED)
    assert not action.updates.exists()


def test_staff_without_the_actions_permissions_cannot_open_them(client):
    user = User.objects.create_user("editor", password="a long passphrase 42", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename="view_dialogue"))
    sign_in_with_second_factor(client, user)
    assert client.get(CHANGELIST).status_code == 403


# --- the public pages -------------------------------------------------------


def test_the_demo_says_plainly_that_no_action_is_recorded(client, demo):
    response = client.get(demo.get_absolute_url())
    assert "No follow-up actions have been recorded for this dialogue yet." in response.text
    response = client.get("/actions/")
    assert "No follow-up actions have been recorded yet." in response.text


def action_titles(response):
    return re.findall(r'<h3><a href="/actions/\d+/">(.*?)</a></h3>', response.text)


def test_the_dialogue_page_shows_its_actions_with_status_and_latest_update(client, country):
    session = make_session()
    action = make_action(session.dialogue, title="Map the rules", carried_by="I4C Board")
    update(action, 2, "Terms agreed", ActionStatus.IN_PROGRESS)
    update(action, 9, "Drafts received")
    response = client.get(session.dialogue.get_absolute_url())
    section = response.text[response.text.index('id="follow-up-heading"') :]
    assert action_titles(response) == ["Map the rules"]
    assert '<span class="status status-in_progress">In progress</span>' in section
    assert "Drafts received" in section and "Terms agreed" not in section
    assert "I4C Board" in section


def test_every_page_answers_for_each_problem_what_is_being_done(client, country):
    session = make_session()
    first, second = problems_of(session, country, count=2)
    action = make_action(session.dialogue, title="Map the rules", problems=[first])
    session_page = client.get(session.get_absolute_url()).text
    item = re.search(rf'<li value="1" id="finding-{first.pk}">(.*?)</li>', session_page)[1]
    assert "Being addressed:" in item
    assert f'<a href="/actions/{action.pk}/">Map the rules</a>' in item
    assert "Planned" in item
    other = re.search(rf'<li value="2" id="finding-{second.pk}">(.*?)</li>', session_page)[1]
    assert "Being addressed" not in other
    country_page = client.get(country.get_absolute_url()).text
    assert country_page.count("Being addressed:") == 1
    assert f'<a href="/actions/{action.pk}/">Map the rules</a>' in country_page


def test_the_action_page_shows_its_timeline_and_the_problems_linked_to_their_sessions(
    client, country
):
    session = make_session()
    (problem,) = problems_of(session, country)
    draft_session = make_session(make_dialogue(status=Status.DRAFT))
    (hidden,) = problems_of(draft_session, country)
    hidden.text = "A problem of a draft"
    hidden.save()
    action = make_action(session.dialogue, problems=[problem, hidden], countries=[country])
    update(action, 2, "Terms agreed", ActionStatus.IN_PROGRESS)
    update(action, 9, "Drafts received")
    response = client.get(action.get_absolute_url())
    assert response.status_code == 200
    assert f'href="{session.get_absolute_url()}#finding-{problem.pk}"' in response.text
    assert problem.text in response.text
    assert "A problem of a draft" not in response.text
    assert response.text.index("Drafts received") < response.text.index("Terms agreed")
    assert "Kazakhstan" in response.text


def test_drafts_never_leak_by_any_page_filter_or_id(uncached, client, country):
    published = make_session()
    (problem,) = problems_of(published, country)
    draft = make_dialogue(status=Status.DRAFT, slug="secret-dialogue")
    secret = make_action(draft, title="Secret plan", problems=[problem], countries=[country])
    update(secret, 1, "Secret progress", ActionStatus.IN_PROGRESS)
    assert client.get(secret.get_absolute_url()).status_code == 404
    for params in ({}, {"status": "in_progress"}, {"country": "kz"}, {"dialogue": draft.slug}):
        response = client.get("/actions/", params)
        assert "Secret plan" not in response.text, params
        csv = client.get("/actions/export.csv", params)
        assert "Secret" not in csv.content.decode(), params
    assert client.get("/actions/", {"dialogue": draft.slug}).status_code == 400
    counts = client.get("/actions/").context["counts"]
    assert {row["status"].value: row["count"] for row in counts}["in_progress"] == 0
    assert "Secret" not in client.get("/actions/feed/").content.decode()
    assert "Secret plan" not in client.get(published.get_absolute_url()).text
    assert "Secret plan" not in client.get(country.get_absolute_url()).text


def test_the_board_previews_an_action_of_a_draft_dialogue(board_client):
    secret = make_action(make_dialogue(status=Status.DRAFT), title="Secret plan")
    response = board_client.get(secret.get_absolute_url())
    assert response.status_code == 200
    assert "Only the Board can see this preview." in response.text


def test_the_list_filters_orders_by_newest_update_and_counts_per_status(uncached, client, country):
    today = timezone.localdate()
    dialogue = make_dialogue()
    quiet = make_action(dialogue, title="Quiet", countries=[country])
    older = make_action(dialogue, title="Older news", due_date=today - datetime.timedelta(days=1))
    update(older, 2, "Started", ActionStatus.IN_PROGRESS)
    newer = make_action(make_dialogue(), title="Newer news", countries=[country])
    update(newer, 400, "Finished", ActionStatus.DONE)
    assert quiet.status == ActionStatus.PLANNED

    response = client.get("/actions/")
    assert action_titles(response) == ["Newer news", "Older news", "Quiet"]
    counts = {row["status"].value: row["count"] for row in response.context["counts"]}
    assert counts == {"planned": 1, "in_progress": 1, "done": 1, "dropped": 0}

    assert action_titles(client.get("/actions/", {"status": "done"})) == ["Newer news"]
    assert action_titles(client.get("/actions/", {"country": "KZ"})) == ["Newer news", "Quiet"]
    assert action_titles(client.get("/actions/", {"overdue": "yes"})) == ["Older news"]
    by_dialogue = client.get("/actions/", {"dialogue": dialogue.slug})
    assert action_titles(by_dialogue) == ["Older news", "Quiet"]
    # The counts follow the other filters, so each status link shows what it says.
    counts = {row["status"].value: row["count"] for row in by_dialogue.context["counts"]}
    assert counts == {"planned": 1, "in_progress": 1, "done": 0, "dropped": 0}


@pytest.mark.parametrize(
    "params",
    [
        {"status": "finished"},
        {"country": "zz"},
        {"dialogue": "no-such-dialogue"},
        {"overdue": "maybe"},
        {"dialogue": "9" * 30},
        {"country": "\x00"},
    ],
)
def test_a_bad_filter_value_gets_a_clear_400_never_a_500(client, params):
    make_action(title="Map the rules")
    response = client.get("/actions/", params)
    assert response.status_code == 400
    assert "Some filters are not valid" in response.text
    assert "Map the rules" not in response.text
    assert client.get("/actions/export.csv", params).status_code == 400


@pytest.mark.parametrize("path", ["/actions/abc/", "/actions/0/", f"/actions/{'9' * 30}/"])
def test_garbage_in_the_address_is_404(client, path):
    assert client.get(path).status_code == 404


def test_pages_are_in_the_readers_language_with_the_other_marked(client):
    action = make_action(title="Map the rules", title_ru="Обзор правил", carried_by="I4C Board")
    update(action, 1, "Terms agreed")
    response = client.get(action.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="ru")
    assert "<h1>Обзор правил</h1>" in response.text
    assert '<span lang="en">I4C Board</span> <small class="language-mark">' in response.text
    assert '<div lang="en"><p>Terms agreed</p></div>' in response.text


def test_a_new_action_reaches_the_cached_pages(client, settings, country):
    settings.PAGE_CACHE_SECONDS = 600
    session = make_session()
    (problem,) = problems_of(session, country)
    client.get(session.dialogue.get_absolute_url())
    assert client.get(session.dialogue.get_absolute_url())["X-Page-Cache"] == "hit"
    action = make_action(session.dialogue, title="Map the rules", problems=[problem])
    assert "Map the rules" in client.get(session.dialogue.get_absolute_url()).text
    assert "Map the rules" in client.get(session.get_absolute_url()).text
    update(action, 1, "Finished", ActionStatus.DONE)
    assert "Finished" in client.get(session.dialogue.get_absolute_url()).text


# --- the feed and the CSV ---------------------------------------------------


def test_the_feed_lists_updates_newest_first_with_their_status(client):
    action = make_action(title="Map the rules")
    update(action, 2, "Terms agreed", ActionStatus.IN_PROGRESS)
    update(action, 9, "Drafts received")
    response = client.get("/actions/feed/")
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = response.content.decode()
    titles = re.findall(r"<entry><title>(.*?)</title>", feed)
    assert titles == ["Map the rules", "Map the rules: In progress"]
    assert f"/actions/{action.pk}/#update-" in feed


def csv_lines(response):
    return response.content.decode("utf-8").split("\r\n")


def test_the_csv_has_a_bom_crlf_and_defused_formulas(client, country):
    session = make_session()
    (problem,) = problems_of(session, country)
    action = make_action(
        session.dialogue,
        title='=HYPERLINK("http://example.org","click")',
        carried_by="@board",
        problems=[problem],
        countries=[country],
    )
    update(action, 1, "-5 members left", ActionStatus.IN_PROGRESS)
    response = client.get("/actions/export.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="actions-all-')
    assert response.content.startswith(b"\xef\xbb\xbfid,dialogue,dialogue_date,session,title,")
    header, row, end = csv_lines(response)
    assert end == ""
    assert '\'=HYPERLINK(""http://example.org"",""click"")' in row
    assert ",'@board," in row
    assert ",'-5 members left," in row
    assert f",KZ,,in_progress,,{dialogue_day(session.dialogue, 1).isoformat()}," in row
    assert row.endswith(f",{problem.pk},http://testserver/actions/{action.pk}/")


def test_the_csv_respects_the_filters_and_the_language(client):
    make_action(title="Planned one", title_ru="Запланировано")
    started = make_action(title="Started one")
    update(started, 1, "Started", ActionStatus.IN_PROGRESS)
    response = client.get("/actions/export.csv", {"status": "in_progress"})
    assert response["Content-Disposition"].startswith('attachment; filename="actions-in_progress-')
    assert [line.split(",")[4] for line in csv_lines(response)[1:-1]] == ["Started one"]
    russian = client.get("/actions/export.csv", {"status": "planned", "lang": "ru"})
    assert [line.split(",")[4] for line in csv_lines(russian)[1:-1]] == ["Запланировано"]
    assert client.get("/actions/export.csv", {"lang": "kk"}).status_code == 400


# --- what each page costs ---------------------------------------------------


def fill(size, country):
    session = make_session()
    problems = problems_of(session, country, count=2)
    countries = list(Country.objects.all()[:2])
    actions = []
    for n in range(size):
        action = make_action(
            session.dialogue, title=f"Action {n}", problems=problems, countries=countries
        )
        update(action, 1, "Started", ActionStatus.IN_PROGRESS)
        update(action, 2, "Going on")
        actions.append(action)
    return session, actions


@pytest.mark.parametrize("size", [1, 25])
def test_the_actions_pages_cost_a_fixed_number_of_queries(
    uncached, client, django_assert_num_queries, country, size
):
    session, actions = fill(size, country)
    # the counts per status, the dialogue and country menus, the actions with their
    # dialogues, their countries, their updates
    with django_assert_num_queries(6):
        response = client.get("/actions/")
    assert len(action_titles(response)) == size
    # the action with its dialogue and session, its countries, its updates, its problems
    with django_assert_num_queries(4):
        client.get(actions[-1].get_absolute_url())
    # the updates with their actions
    with django_assert_num_queries(1):
        assert client.get("/actions/feed/").content.decode().count("<entry>") == 2 * size
    # the actions with their dialogues and sessions, countries, updates, problems
    with django_assert_num_queries(4):
        assert len(csv_lines(client.get("/actions/export.csv"))) == size + 2


@pytest.mark.parametrize("size", [1, 25])
def test_the_pages_of_findings_cost_the_same_whatever_the_number_of_actions(
    uncached, client, django_assert_num_queries, country, size
):
    session, _actions = fill(size, country)
    # the dialogue, its countries, its sessions with counts, the country overview, its
    # actions, their countries, their updates
    with django_assert_num_queries(7):
        response = client.get(session.dialogue.get_absolute_url())
    assert len(action_titles(response)) == size
    # the session with its dialogue, its list sizes with countries, the ids of the page's
    # findings, the findings, the actions answering its problems, the sibling sessions
    with django_assert_num_queries(6):
        response = client.get(session.get_absolute_url())
    assert response.text.count("Being addressed:") == 2
    # the country, the actions answering its problems, its list sizes, the ids of the
    # page's findings, the findings
    with django_assert_num_queries(5):
        response = client.get(country.get_absolute_url())
    assert response.text.count("Being addressed:") == 2


def test_neither_dialogues_nor_findings_imports_actions():
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    imported = set()
    for app in ("dialogues", "findings"):
        for path in (root / app).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.ImportFrom) and node.module:
                    imported.add(node.module.split(".")[0])
                elif isinstance(node, ast.Import):
                    imported.update(alias.name.split(".")[0] for alias in node.names)
    assert "dialogues" in imported  # the walk did read the imports
    assert "actions" not in imported
