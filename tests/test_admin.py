import datetime

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from dialogues.enums import Status
from dialogues.models import Country, Dialogue, Session, Theme
from findings.enums import Kind
from findings.models import Finding

from .conftest import make_dialogue, make_findings, make_session

pytestmark = pytest.mark.django_db


def changelist(model):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def test_board_member_can_open_every_admin_page(board_client, country):
    session = make_session(make_dialogue(title="Civic space in 2025"))
    finding = make_findings(session, country)[0]
    theme = Theme.objects.create(name="Digital advocacy", slug="digital-advocacy")
    pages = {
        changelist(Dialogue): "Civic space in 2025",
        changelist(Session): session.title,
        changelist(Finding): "Finding 1",
        changelist(Country): "Kazakhstan",
        changelist(Theme): "Digital advocacy",
        reverse("admin:dialogues_dialogue_change", args=[session.dialogue.pk]): session.title,
        reverse("admin:dialogues_session_change", args=[session.pk]): "Finding 1",
        reverse("admin:findings_finding_change", args=[finding.pk]): "Finding 1",
        reverse("admin:dialogues_theme_change", args=[theme.pk]): "digital-advocacy",
        reverse("admin:dialogues_country_change", args=[country.pk]): "Казахстан",
        reverse("admin:dialogues_dialogue_add"): "Add dialogue",
        reverse("admin:dialogues_session_add"): "Add session",
        reverse("admin:findings_finding_add"): "Leave empty to number the item",
    }
    for url, expected in pages.items():
        response = board_client.get(url)
        assert response.status_code == 200, url
        assert expected in response.text, url


def test_board_member_cannot_manage_users(board_client):
    assert board_client.get(changelist(User)).status_code == 403


def test_board_group_has_exactly_the_content_permissions_and_views_the_admin_log(board_member):
    codenames = {perm.split(".")[1] for perm in board_member.get_all_permissions()}
    assert codenames == {
        f"{action}_{model}"
        for action in ("view", "add", "change", "delete")
        for model in ("dialogue", "session", "theme", "country", "finding")
    } | {"view_logentry"}


def test_dialogue_changelist_counts_sessions_and_findings(board_client, country):
    dialogue = make_dialogue()
    for _ in range(2):
        make_findings(make_session(dialogue), country, count=3)
    response = board_client.get(changelist(Dialogue))
    row = response.context["cl"].result_list[0]
    assert (row.session_count, row.finding_count) == (2, 6)


@pytest.mark.parametrize("rows", [1, 30])
def test_dialogue_changelist_query_count_is_fixed(
    board_client, django_assert_num_queries, rows, country
):
    for _ in range(rows):
        make_findings(make_session(), country, count=2)
    # session, user, the second factor's device, user permissions, group
    # permissions, the history savepoint and its release, year filter, country
    # filter, count, total count, page of dialogues (with counts), and the
    # session's sliding expiry (savepoint, update, release)
    with django_assert_num_queries(15):
        response = board_client.get(changelist(Dialogue))
    assert len(response.context["cl"].result_list) == rows


@pytest.mark.parametrize("rows", [1, 100])
def test_finding_changelist_query_count_is_fixed(
    board_client, django_assert_num_queries, rows, country
):
    session = make_session()
    make_findings(session, country, count=rows)
    # session, user, the second factor's device, user permissions, group
    # permissions, savepoint and release (history), dialogue filter, country
    # filter, theme filter, count, total count, page of findings, and the
    # session's sliding expiry (savepoint, update, release)
    with django_assert_num_queries(16):
        response = board_client.get(changelist(Finding))
    assert len(response.context["cl"].result_list) == rows
    assert f"{rows} finding" in response.text


@pytest.mark.parametrize("rows", [1, 30])
def test_session_changelist_query_count_is_fixed(board_client, django_assert_num_queries, rows):
    dialogue = make_dialogue()
    for _ in range(rows):
        make_session(dialogue)
    # session, user, the second factor's device, user permissions, group
    # permissions, savepoint and release (history), dialogue filter, count,
    # total count, page of sessions (with dialogue and finding count), and the
    # session's sliding expiry (savepoint, update, release)
    with django_assert_num_queries(14):
        response = board_client.get(changelist(Session))
    assert len(response.context["cl"].result_list) == rows


@pytest.mark.parametrize("rows", [1, 40])
def test_session_change_page_query_count_is_fixed(
    board_client, django_assert_num_queries, rows, country
):
    session = make_session()
    make_findings(session, country, count=rows)
    url = reverse("admin:dialogues_session_change", args=[session.pk])
    # session, user, the second factor's device, user permissions, group
    # permissions, savepoint and release (history), the session, its themes,
    # the selected dialogue, the findings, the countries (once for all rows),
    # two content-type look-ups for the admin's links, and the session's
    # sliding expiry (savepoint, update, release)
    with django_assert_num_queries(17):
        response = board_client.get(url)
    assert response.text.count('name="findings-') > rows


def session_post_data(session, rows, initial=()):
    """The session change form as a browser posts it, with ``rows`` new findings."""
    data = {
        "dialogue": session.dialogue_id,
        "position": session.position,
        "title": session.title,
        "slug": session.slug,
        "description": "",
        "findings-TOTAL_FORMS": len(initial) + len(rows),
        "findings-INITIAL_FORMS": len(initial),
        "findings-MIN_NUM_FORMS": 0,
        "findings-MAX_NUM_FORMS": 1000,
    }
    for i, row in enumerate([*initial, *rows]):
        for name, value in row.items():
            data[f"findings-{i}-{name}"] = value
        data[f"findings-{i}-session"] = session.pk
    return data


def test_inline_findings_are_saved_and_numbered_after_the_list(board_client, country):
    session = make_session()
    make_findings(session, country, Kind.SUCCESS, count=2)
    tj = Country.objects.get(code="TJ")
    rows = [
        {"country": country.pk, "kind": Kind.SUCCESS, "position": "", "text": "Online petitions"},
        {"country": country.pk, "kind": Kind.SUCCESS, "position": "", "text": "Court broadcasts"},
        {"country": tj.pk, "kind": Kind.PROBLEM, "position": "", "text": "Duplication of work"},
        {"country": "", "kind": Kind.PROBLEM, "position": "5", "text": "A regional barrier"},
    ]
    url = reverse("admin:dialogues_session_change", args=[session.pk])
    response = board_client.post(url, session_post_data(session, rows))
    assert response.status_code == 302, response.context and response.context["errors"]
    saved = list(
        Finding.objects.filter(session=session)
        .order_by("pk")
        .values_list("country__code", "kind", "position", "text")
    )
    assert saved[2:] == [
        ("KZ", "success", 3, "Online petitions"),
        ("KZ", "success", 4, "Court broadcasts"),
        ("TJ", "problem", 1, "Duplication of work"),
        (None, "problem", 5, "A regional barrier"),
    ]


def test_inline_rows_with_the_same_number_are_refused(board_client, country):
    session = make_session()
    rows = [
        {"country": country.pk, "kind": Kind.SUCCESS, "position": "1", "text": "One"},
        {"country": country.pk, "kind": Kind.SUCCESS, "position": "1", "text": "Also one"},
    ]
    url = reverse("admin:dialogues_session_change", args=[session.pk])
    response = board_client.post(url, session_post_data(session, rows))
    assert response.status_code == 200
    assert "Two rows of this list have number 1." in response.text
    assert not Finding.objects.exists()


def test_inline_row_clashing_with_a_saved_finding_is_refused(board_client, country):
    session = make_session()
    make_findings(session, country, Kind.PROBLEM)
    rows = [{"country": country.pk, "kind": Kind.PROBLEM, "position": "1", "text": "Clash"}]
    url = reverse("admin:dialogues_session_change", args=[session.pk])
    response = board_client.post(url, session_post_data(session, rows))
    assert response.status_code == 200
    assert "Kazakhstan already has problem number 1 in this session." in response.text
    assert Finding.objects.count() == 1


def test_finding_added_without_number_goes_to_the_end(board_client, country):
    session = make_session()
    make_findings(session, country, Kind.SUCCESS, count=9)
    response = board_client.post(
        reverse("admin:findings_finding_add"),
        {
            "session": session.pk,
            "country": country.pk,
            "kind": Kind.SUCCESS,
            "position": "",
            "text": "Tenth",
        },
    )
    assert response.status_code == 302
    assert Finding.objects.get(text="Tenth").position == 10


def test_dialogue_with_sessions_added_in_one_go(board_client, country):
    data = {
        "title": "Civic space 2025",
        "slug": "civic-space-2025",
        "series": "Regional Dialogues: Defending Civic Space",
        "organiser": "I4C Central Asia & Mongolia Hub",
        "start_0": "2025-03-14",
        "start_1": "15:00",
        "end_0": "2025-03-14",
        "end_1": "17:30",
        "format": "online",
        "summary": "",
        "countries": [country.pk],
        "status": Status.DRAFT,
        "sessions-TOTAL_FORMS": 2,
        "sessions-INITIAL_FORMS": 0,
        "sessions-MIN_NUM_FORMS": 0,
        "sessions-MAX_NUM_FORMS": 1000,
        "sessions-0-position": 1,
        "sessions-0-title": "Digital advocacy",
        "sessions-0-slug": "digital-advocacy",
        "sessions-1-position": 2,
        "sessions-1-title": "Enabling environment",
        "sessions-1-slug": "enabling-environment",
    }
    response = board_client.post(reverse("admin:dialogues_dialogue_add"), data)
    assert response.status_code == 302
    dialogue = Dialogue.objects.get(slug="civic-space-2025")
    assert list(dialogue.sessions.values_list("position", "slug")) == [
        (1, "digital-advocacy"),
        (2, "enabling-environment"),
    ]
    assert dialogue.start.isoformat() == "2025-03-14T09:00:00+00:00"  # 15:00 in Bishkek


def test_dialogue_change_page_suggests_the_next_session_position(board_client):
    dialogue = make_dialogue()
    make_session(dialogue, position=1)
    make_session(dialogue, position=2)
    response = board_client.get(reverse("admin:dialogues_dialogue_change", args=[dialogue.pk]))
    assert 'name="sessions-2-position" value="3"' in response.text


def test_deleting_a_session_with_findings_explains_why_not(board_client, country):
    session = make_session()
    make_findings(session, country)
    url = reverse("admin:dialogues_session_delete", args=[session.pk])
    response = board_client.get(url)
    assert "would require deleting the following protected related objects" in response.text
    response = board_client.post(url, {"post": "yes"})
    assert Session.objects.filter(pk=session.pk).exists()


def test_country_code_is_stored_in_capitals(board_client):
    response = board_client.post(
        reverse("admin:dialogues_country_add"), {"name": "Afghanistan", "name_ru": "", "code": "af"}
    )
    assert response.status_code == 302
    assert Country.objects.get(name="Afghanistan").code == "AF"


def test_admin_speaks_russian(board_client):
    response = board_client.get(changelist(Finding), HTTP_ACCEPT_LANGUAGE="ru")
    assert response.status_code == 200
    assert "Выводы" in response.text
    assert "Выберите вывод для изменения" in response.text


def test_publish_and_return_to_draft_actions(board_client):
    draft = make_dialogue(status=Status.DRAFT, slug="draft-one")
    url = changelist(Dialogue)
    response = board_client.post(
        url, {"action": "publish", "_selected_action": [draft.pk]}, follow=True
    )
    assert "1 dialogue published." in response.text
    draft.refresh_from_db()
    assert draft.status == Status.PUBLISHED
    assert draft.published_at is not None
    assert board_client.get("/dialogues/draft-one/").status_code == 200

    response = board_client.post(
        url, {"action": "return_to_draft", "_selected_action": [draft.pk]}, follow=True
    )
    assert "1 dialogue returned to draft." in response.text
    draft.refresh_from_db()
    assert (draft.status, draft.published_at) == (Status.DRAFT, None)
    board_client.logout()
    assert board_client.get("/dialogues/draft-one/").status_code == 404


def test_change_page_shows_the_publication_state(board_client):
    draft = make_dialogue(status=Status.DRAFT, slug="draft-two")
    response = board_client.get(reverse("admin:dialogues_dialogue_change", args=[draft.pk]))
    assert "Draft: the public cannot see it." in response.text
    assert '<a href="/dialogues/draft-two/">Preview it</a>' in response.text
    draft.status = Status.PUBLISHED
    draft.save()
    response = board_client.get(reverse("admin:dialogues_dialogue_change", args=[draft.pk]))
    assert '<a href="/dialogues/draft-two/">Published: open the public page</a>' in response.text


@pytest.mark.parametrize("model", [Dialogue, Country])
def test_deleting_a_dialogue_or_country_with_findings_explains_why_not(
    board_client, country, model
):
    session = make_session()
    make_findings(session, country)
    target = session.dialogue if model is Dialogue else country
    url = reverse(f"admin:dialogues_{model._meta.model_name}_delete", args=[target.pk])
    response = board_client.get(url)
    assert "would require deleting the following protected related objects" in response.text
    assert "Finding 1" in response.text
    board_client.post(url, {"post": "yes"})
    assert model.objects.filter(pk=target.pk).exists()


def test_dialogue_list_shows_the_date_in_the_sites_time_zone(board_client):
    # 02:30 on 20 September in Bishkek is still 19 September in UTC.
    start = datetime.datetime(2024, 9, 19, 20, 30, tzinfo=datetime.UTC)
    make_dialogue(start=start, end=start + datetime.timedelta(hours=2))
    response = board_client.get(changelist(Dialogue))
    assert "Sept. 20, 2024" in response.text
    assert "Sept. 19, 2024" not in response.text


@pytest.fixture
def a_colleague_takes_the_number_first():
    """Another Board member saves number 1 of the same list just before this save."""
    from django.db.models.signals import pre_save

    def take(sender, instance, **kwargs):
        if instance.pk is None and instance.text != "Theirs":
            Finding.objects.create(
                session_id=instance.session_id,
                country_id=instance.country_id,
                kind=instance.kind,
                position=instance.position,
                text="Theirs",
            )

    pre_save.connect(take, sender=Finding)
    yield
    pre_save.disconnect(take, sender=Finding)


def test_a_number_taken_meanwhile_is_explained_and_nothing_is_saved(
    board_client, country, a_colleague_takes_the_number_first
):
    session = make_session()
    rows = [{"country": country.pk, "kind": Kind.SUCCESS, "position": "", "text": "Mine"}]
    url = reverse("admin:dialogues_session_change", args=[session.pk])
    response = board_client.post(url, session_post_data(session, rows), follow=True)
    assert "Someone else saved a finding with the same number" in response.text
    assert not Finding.objects.filter(text="Mine").exists()
    response = board_client.post(
        reverse("admin:findings_finding_add"),
        {"session": session.pk, "country": country.pk, "kind": Kind.PROBLEM, "text": "Mine"},
        follow=True,
    )
    assert "Someone else saved a finding with the same number" in response.text
    assert not Finding.objects.filter(text="Mine").exists()
