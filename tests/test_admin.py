import datetime
import html

import pytest
from django.contrib.auth.models import User
from django.urls import reverse, reverse_lazy
from django.utils.html import strip_tags

from dialogues.enums import Status
from dialogues.models import Country, Dialogue, Session, Theme
from findings.enums import Kind
from findings.models import Finding

from .conftest import make_dialogue, make_findings, make_session
from .pageforms import form_data

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
    models = ("dialogue", "session", "theme", "country", "finding", "action", "actionupdate")
    assert codenames == {
        f"{action}_{model}" for action in ("view", "add", "change", "delete") for model in models
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
    # filter, theme filter, count (up to 10,000; no total count besides), page of
    # findings, and the session's sliding expiry (savepoint, update, release)
    with django_assert_num_queries(15):
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


def page_form(client, url, form_id):
    """What the page's form would send unchanged (the admin's change form is ``<model>_form``)."""
    response = client.get(url)
    assert response.status_code == 200, url
    return form_data(response.content, form_id)


def rows_of(data, prefix):
    return int(data[f"{prefix}-TOTAL_FORMS"])


def fill_row(data, prefix, index, **values):
    for name, value in values.items():
        key = f"{prefix}-{index}-{name}"
        assert key in data, f"the page has no field {key}"
        data[key] = str(value)


def add_row(data, prefix, **values):
    """As "Add another ..." does: a copy of the page's empty row, then filled."""
    index = rows_of(data, prefix)
    template = f"{prefix}-__prefix__-"
    for key in [key for key in data if key.startswith(template)]:
        data[f"{prefix}-{index}-{key[len(template) :]}"] = data[key]
    data[f"{prefix}-TOTAL_FORMS"] = str(index + 1)
    fill_row(data, prefix, index, **values)
    return index


def row_index(data, prefix, pk):
    for key, value in data.items():
        if key.startswith(f"{prefix}-") and key.endswith("-id") and value == str(pk):
            return int(key.split("-")[1])
    raise AssertionError(f"no row for {pk}")


def session_url(session):
    return reverse("admin:dialogues_session_change", args=[session.pk])


def dialogue_url(dialogue):
    return reverse("admin:dialogues_dialogue_change", args=[dialogue.pk])


def saved_list(session, country, kind):
    return list(
        Finding.objects.in_list(session_id=session.pk, country_id=country.pk, kind=kind)
        .order_by("position")
        .values_list("position", "text")
    )


def test_inline_findings_are_saved_and_numbered_after_the_list(board_client, country):
    session = make_session()
    make_findings(session, country, Kind.SUCCESS, count=2)
    tj = Country.objects.get(code="TJ")
    data = page_form(board_client, session_url(session), "session_form")
    first = rows_of(data, "findings") - 3  # the three blank rows follow the saved ones
    fill_row(
        data, "findings", first, country=country.pk, kind="success", text_en="Online petitions"
    )
    fill_row(data, "findings", first + 1, country=country.pk, kind="success", text_en="Broadcasts")
    fill_row(data, "findings", first + 2, country=tj.pk, kind="problem", text_en="Duplication")
    add_row(data, "findings", kind="problem", position=5, text_en="A regional barrier")
    response = board_client.post(session_url(session), data)
    assert response.status_code == 302, response.context and response.context["errors"]
    saved = list(
        Finding.objects.filter(session=session)
        .order_by("pk")
        .values_list("country__code", "kind", "position", "text")
    )
    assert saved[2:] == [
        ("KZ", "success", 3, "Online petitions"),
        ("KZ", "success", 4, "Broadcasts"),
        ("TJ", "problem", 1, "Duplication"),
        (None, "problem", 5, "A regional barrier"),
    ]


def test_an_unchanged_session_page_saves_and_changes_nothing(board_client, country):
    session = make_session()
    make_findings(session, country, Kind.PROBLEM, count=3)
    data = page_form(board_client, session_url(session), "session_form")
    response = board_client.post(session_url(session), data)
    assert response.status_code == 302, response.context and response.context["errors"]
    assert saved_list(session, country, Kind.PROBLEM) == [
        (1, "Finding 1"),
        (2, "Finding 2"),
        (3, "Finding 3"),
    ]


def test_inline_rows_with_the_same_number_are_refused(board_client, country):
    session = make_session()
    data = page_form(board_client, session_url(session), "session_form")
    fill_row(data, "findings", 0, country=country.pk, kind="success", position=1, text_en="One")
    fill_row(data, "findings", 1, country=country.pk, kind="success", position=1, text_en="Also")
    response = board_client.post(session_url(session), data)
    assert response.status_code == 200
    assert response.text.count("Two rows of this list have number 1.") == 2
    assert not Finding.objects.exists()


def test_two_numbers_swapped_in_one_save_are_saved(board_client, country):
    session = make_session()
    make_findings(session, country, Kind.SUCCESS, count=9)
    eighth, ninth = Finding.objects.filter(position__in=[8, 9]).order_by("position")
    data = page_form(board_client, session_url(session), "session_form")
    fill_row(data, "findings", row_index(data, "findings", eighth.pk), position=9)
    fill_row(data, "findings", row_index(data, "findings", ninth.pk), position=8)
    response = board_client.post(session_url(session), data, follow=True)
    assert "was changed successfully" in response.text
    assert "Numbered again" not in response.text
    assert saved_list(session, country, Kind.SUCCESS)[6:] == [
        (7, "Finding 7"),
        (8, "Finding 9"),
        (9, "Finding 8"),
    ]


def test_numbers_typed_on_several_rows_are_kept_and_the_others_fill_the_rest(board_client, country):
    session = make_session()
    make_findings(session, country, Kind.SUCCESS, count=4)
    second, third = Finding.objects.filter(position__in=[2, 3]).order_by("position")
    data = page_form(board_client, session_url(session), "session_form")
    # Two items moved down one place each: the fourth, met by the third, moves up.
    fill_row(data, "findings", row_index(data, "findings", second.pk), position=3)
    fill_row(data, "findings", row_index(data, "findings", third.pk), position=4)
    response = board_client.post(session_url(session), data, follow=True)
    assert "was changed successfully" in response.text
    assert saved_list(session, country, Kind.SUCCESS) == [
        (1, "Finding 1"),
        (2, "Finding 4"),
        (3, "Finding 2"),
        (4, "Finding 3"),
    ]


def test_a_list_holding_the_largest_number_can_still_be_renumbered(board_client, country):
    session = make_session()
    first, second = make_findings(session, country, Kind.SUCCESS, count=2)
    # The largest number a PostgreSQL smallint holds, in another list of the session.
    Finding.objects.create(
        session=session, country=country, kind=Kind.PROBLEM, position=32767, text="Last"
    )
    data = page_form(board_client, session_url(session), "session_form")
    fill_row(data, "findings", row_index(data, "findings", first.pk), position=2)
    fill_row(data, "findings", row_index(data, "findings", second.pk), position=1)
    response = board_client.post(session_url(session), data, follow=True)
    assert "was changed successfully" in response.text
    assert saved_list(session, country, Kind.SUCCESS) == [(1, "Finding 2"), (2, "Finding 1")]
    assert saved_list(session, country, Kind.PROBLEM) == [(32767, "Last")]


@pytest.mark.parametrize(
    ("moved", "to", "order"),
    [
        (5, 2, [1, 5, 2, 3, 4, 6]),  # up: it goes before the item it meets
        (2, 5, [1, 3, 4, 5, 2, 6]),  # down: after it
        (6, 1, [6, 1, 2, 3, 4, 5]),
    ],
)
def test_a_number_typed_over_another_moves_the_item_and_renumbers_its_list(
    board_client, country, moved, to, order
):
    session = make_session()
    make_findings(session, country, Kind.PROBLEM, count=6)
    other_list = make_findings(session, country, Kind.SUCCESS, count=2)
    finding = Finding.objects.get(session=session, kind=Kind.PROBLEM, position=moved)
    data = page_form(board_client, session_url(session), "session_form")
    fill_row(data, "findings", row_index(data, "findings", finding.pk), position=to)
    response = board_client.post(session_url(session), data, follow=True)
    assert "Numbered again in the new order: Kazakhstan, problems." in response.text
    assert saved_list(session, country, Kind.PROBLEM) == [
        (number, f"Finding {was}") for number, was in enumerate(order, start=1)
    ]
    assert saved_list(session, country, Kind.SUCCESS) == [(1, "Finding 1"), (2, "Finding 2")]
    assert other_list[0].pk in Finding.objects.values_list("pk", flat=True)


def test_a_new_row_typed_with_a_taken_number_goes_there_and_the_rest_move_down(
    board_client, country
):
    session = make_session()
    make_findings(session, country, Kind.PROBLEM, count=3)
    data = page_form(board_client, session_url(session), "session_form")
    fill_row(data, "findings", 3, country=country.pk, kind="problem", position=2, text_en="New")
    response = board_client.post(session_url(session), data)
    assert response.status_code == 302, response.context and response.context["errors"]
    assert saved_list(session, country, Kind.PROBLEM) == [
        (1, "Finding 1"),
        (2, "New"),
        (3, "Finding 2"),
        (4, "Finding 3"),
    ]


def test_a_renumbered_item_keeps_its_history(board_client, country):
    from reversion.models import Version

    session = make_session()
    make_findings(session, country, Kind.PROBLEM, count=3)
    third = Finding.objects.get(session=session, position=3)
    data = page_form(board_client, session_url(session), "session_form")
    fill_row(data, "findings", row_index(data, "findings", third.pk), position=1)
    board_client.post(session_url(session), data)
    first = Finding.objects.get(session=session, text="Finding 1")
    assert first.position == 2
    assert Version.objects.get_for_object(first).first().field_dict["position"] == 2


def test_number_zero_is_refused(board_client, country):
    session = make_session()
    data = page_form(board_client, session_url(session), "session_form")
    fill_row(data, "findings", 0, country=country.pk, kind="success", position=0, text_en="Zero")
    response = board_client.post(session_url(session), data)
    assert response.status_code == 200
    assert "Ensure this value is greater than or equal to 1." in response.text
    assert not Finding.objects.exists()


def test_finding_added_without_number_goes_to_the_end(board_client, country):
    session = make_session()
    make_findings(session, country, Kind.SUCCESS, count=9)
    data = page_form(board_client, reverse("admin:findings_finding_add"), "finding_form")
    data.update(session=str(session.pk), country=str(country.pk), kind="success", text_en="Tenth")
    response = board_client.post(reverse("admin:findings_finding_add"), data)
    assert response.status_code == 302
    assert Finding.objects.get(text="Tenth").position == 10


def dialogue_form_for_civic_space(board_client, country):
    data = page_form(board_client, reverse("admin:dialogues_dialogue_add"), "dialogue_form")
    data.update(
        {
            "title_en": "Civic space 2025",
            "slug": "civic-space-2025",
            "series_en": "Regional Dialogues: Defending Civic Space",
            "start_0": "2025-03-14",
            "start_1": "15:00",
            "end_0": "2025-03-14",
            "end_1": "17:30",
            "countries": [str(country.pk)],
        }
    )
    return data


def test_dialogue_with_sessions_added_in_one_go(board_client, country):
    data = dialogue_form_for_civic_space(board_client, country)
    fill_row(data, "sessions", 0, title_en="Digital advocacy", slug="digital-advocacy")
    add_row(data, "sessions", title_en="Enabling environment", slug="enabling-environment")
    response = board_client.post(reverse("admin:dialogues_dialogue_add"), data)
    assert response.status_code == 302, response.context and response.context["errors"]
    dialogue = Dialogue.objects.get(slug="civic-space-2025")
    assert list(dialogue.sessions.values_list("position", "slug")) == [
        (1, "digital-advocacy"),
        (2, "enabling-environment"),
    ]
    assert dialogue.start.isoformat() == "2025-03-14T09:00:00+00:00"  # 15:00 in Bishkek


def test_added_session_rows_start_blank_and_are_numbered_after_the_last(board_client):
    dialogue = make_dialogue()
    make_session(dialogue, position=1, slug="opening")
    make_session(dialogue, position=2, slug="closing")
    data = page_form(board_client, dialogue_url(dialogue), "dialogue_form")
    assert (data["sessions-2-position"], data["sessions-__prefix__-position"]) == ("", "")
    fill_row(data, "sessions", 2, title_en="Youth", slug="youth")
    add_row(data, "sessions", title_en="Media", slug="media")
    response = board_client.post(dialogue_url(dialogue), data)
    assert response.status_code == 302, response.context and response.context["errors"]
    assert list(dialogue.sessions.values_list("position", "slug")) == [
        (1, "opening"),
        (2, "closing"),
        (3, "youth"),
        (4, "media"),
    ]


def test_an_unchanged_dialogue_with_sessions_saves(board_client):
    dialogue = make_dialogue(title="Civic space in 2025")
    make_session(dialogue, position=1)
    make_session(dialogue, position=2)
    data = page_form(board_client, dialogue_url(dialogue), "dialogue_form")
    response = board_client.post(dialogue_url(dialogue), data, follow=True)
    assert "This field is required" not in response.text
    assert [strip_tags(str(m)) for m in response.context["messages"]] == [
        "The dialogue “Civic space in 2025” was changed successfully."
    ]
    assert dialogue.sessions.count() == 2


def test_the_status_is_changed_on_the_dialogues_page(board_client):
    dialogue = make_dialogue(status=Status.DRAFT)
    make_session(dialogue)
    data = page_form(board_client, dialogue_url(dialogue), "dialogue_form")
    data["status"] = Status.PUBLISHED
    response = board_client.post(dialogue_url(dialogue), data)
    assert response.status_code == 302, response.context and response.context["errors"]
    dialogue.refresh_from_db()
    assert dialogue.status == Status.PUBLISHED


def test_sessions_swap_places_in_one_save(board_client):
    dialogue = make_dialogue()
    opening = make_session(dialogue, position=1, slug="opening")
    closing = make_session(dialogue, position=2, slug="closing")
    data = page_form(board_client, dialogue_url(dialogue), "dialogue_form")
    fill_row(data, "sessions", row_index(data, "sessions", opening.pk), position=2)
    fill_row(data, "sessions", row_index(data, "sessions", closing.pk), position=1)
    response = board_client.post(dialogue_url(dialogue), data)
    assert response.status_code == 302, response.context and response.context["errors"]
    assert list(dialogue.sessions.values_list("slug", flat=True)) == ["closing", "opening"]


def earlier_version_page(client):
    """A dialogue saved twice in the admin (the second time with a mistaken title), and
    the address of its earlier version in the history."""
    from reversion.models import Version

    dialogue = make_dialogue(title="Civic space in 2025")
    make_session(dialogue, position=1)
    data = page_form(client, dialogue_url(dialogue), "dialogue_form")
    client.post(dialogue_url(dialogue), data)  # the first version in the history
    data["title_en"] = "A mistake"
    client.post(dialogue_url(dialogue), data)
    earlier = Version.objects.get_for_object(dialogue).order_by("pk").first()
    return dialogue, reverse("admin:dialogues_dialogue_revision", args=[dialogue.pk, earlier.pk])


def test_a_dialogues_earlier_version_is_restored_from_its_history(board_client):
    dialogue, url = earlier_version_page(board_client)
    response = board_client.post(url, page_form(board_client, url, "dialogue_form"))
    assert response.status_code == 302, response.context and response.context["errors"]
    dialogue.refresh_from_db()
    assert dialogue.title == "Civic space in 2025"


def test_a_restore_refused_by_the_database_restores_nothing(board_client):
    from django.db.models.signals import pre_save

    dialogue, url = earlier_version_page(board_client)
    data = page_form(board_client, url, "dialogue_form")
    fill_row(data, "sessions", 1, title_en="Mine", slug="mine")

    def take(sender, instance, **kwargs):
        # Another Board member adds session 2 just before this save writes it.
        if instance.pk is None and instance.slug == "mine":
            Session.objects.create(dialogue=dialogue, position=2, title="Theirs", slug="theirs")

    pre_save.connect(take, sender=Session)
    try:
        response = board_client.post(url, data, follow=True)
    finally:
        pre_save.disconnect(take, sender=Session)
    assert messages_of(response) == [
        "Someone else saved an item with the same number in the same list at the same "
        "moment, so nothing was saved. Check the numbers and save again."
    ]
    dialogue.refresh_from_db()
    assert dialogue.title == "A mistake"
    assert list(dialogue.sessions.values_list("position", flat=True)) == [1]


def test_deleting_a_session_with_findings_explains_why_not(board_client, country):
    session = make_session()
    make_findings(session, country)
    url = reverse("admin:dialogues_session_delete", args=[session.pk])
    response = board_client.get(url)
    assert "would require deleting the following protected related objects" in response.text
    response = board_client.post(url, {"post": "yes"})
    assert Session.objects.filter(pk=session.pk).exists()


def test_country_code_is_stored_in_capitals(board_client):
    data = page_form(board_client, reverse("admin:dialogues_country_add"), "country_form")
    data.update(name_en="Afghanistan", code="af")
    response = board_client.post(reverse("admin:dialogues_country_add"), data)
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
    data = page_form(board_client, session_url(session), "session_form")
    fill_row(data, "findings", 0, country=country.pk, kind="success", text_en="Mine")
    response = board_client.post(session_url(session), data, follow=True)
    assert "Someone else saved an item with the same number" in response.text
    assert not Finding.objects.filter(text="Mine").exists()
    data = page_form(board_client, reverse("admin:findings_finding_add"), "finding_form")
    data.update(session=str(session.pk), country=str(country.pk), kind="problem", text_en="Mine")
    response = board_client.post(reverse("admin:findings_finding_add"), data, follow=True)
    assert "Someone else saved an item with the same number" in response.text
    assert not Finding.objects.filter(text="Mine").exists()


def test_a_session_number_taken_meanwhile_is_explained_and_nothing_is_saved(board_client):
    from django.db.models.signals import pre_save

    dialogue = make_dialogue()
    make_session(dialogue, position=1, slug="opening")
    data = page_form(board_client, dialogue_url(dialogue), "dialogue_form")
    fill_row(data, "sessions", 1, title_en="Mine", slug="mine")

    def take(sender, instance, **kwargs):
        # Another Board member adds session 2 just before this save writes it.
        if instance.pk is None and instance.slug == "mine":
            Session.objects.create(dialogue=dialogue, position=2, title="Theirs", slug="theirs")

    pre_save.connect(take, sender=Session)
    try:
        response = board_client.post(dialogue_url(dialogue), data, follow=True)
    finally:
        pre_save.disconnect(take, sender=Session)
    assert response.status_code == 200
    assert messages_of(response) == [
        "Someone else saved an item with the same number in the same list at the same "
        "moment, so nothing was saved. Check the numbers and save again."
    ]
    assert list(dialogue.sessions.values_list("slug", flat=True)) == ["opening"]


@pytest.mark.parametrize("year", ["0", "1", "10000", "99999", "2147483648", "²", "٢٠٢٤", "20x4"])
def test_a_year_the_filter_cannot_hold_gives_the_admins_error_page(board_client, year):
    make_dialogue()
    response = board_client.get(changelist(Dialogue), {"year": year})
    assert (response.status_code, response["Location"]) == (302, changelist(Dialogue) + "?e=1")


def test_the_year_filter_lists_that_years_dialogues(board_client):
    for year in (2024, 2025):
        start = datetime.datetime(year, 3, 14, 9, 0, tzinfo=datetime.UTC)
        make_dialogue(title=f"In {year}", start=start, end=start)
    response = board_client.get(changelist(Dialogue), {"year": "2025"})
    assert [dialogue.title for dialogue in response.context["cl"].result_list] == ["In 2025"]


def messages_of(response):
    return [html.unescape(strip_tags(str(message))) for message in response.context["messages"]]


OUTSIDE_WARNING = (
    "Findings are saved for Kyrgyzstan, which is not among the participating countries of "
    "“Civic space”. To add it, tick “Add the findings' countries to the dialogue's "
    "participating countries” on the page and save again."
)


def test_a_finding_of_a_country_outside_the_dialogue_is_saved_with_a_warning(board_client, country):
    dialogue = make_dialogue(title="Civic space")
    dialogue.countries.set([country])
    session = make_session(dialogue)
    kg = Country.objects.get(code="KG")
    data = page_form(board_client, session_url(session), "session_form")
    fill_row(data, "findings", 0, country=kg.pk, kind="problem", text_en="Weak coalitions")
    fill_row(data, "findings", 1, country=country.pk, kind="problem", text_en="Lack of unity")
    response = board_client.post(session_url(session), data, follow=True)
    assert messages_of(response)[:-1] == [OUTSIDE_WARNING]
    assert Finding.objects.filter(session=session).count() == 2
    assert list(dialogue.countries.values_list("code", flat=True)) == ["KZ"]


def test_ticking_the_box_adds_the_findings_countries_to_the_dialogue(board_client, country):
    dialogue = make_dialogue(title="Civic space")
    dialogue.countries.set([country])
    session = make_session(dialogue)
    kg = Country.objects.get(code="KG")
    Finding.objects.create(session=session, country=kg, kind="problem", position=1, text="A")
    data = page_form(board_client, session_url(session), "session_form")
    assert "add_countries_to_dialogue" not in data  # unticked
    data["add_countries_to_dialogue"] = "on"
    response = board_client.post(session_url(session), data, follow=True)
    assert messages_of(response)[:-1] == [
        "Added to the participating countries of “Civic space”: Kyrgyzstan."
    ]
    assert sorted(dialogue.countries.values_list("code", flat=True)) == ["KG", "KZ"]


def test_the_box_adds_no_country_for_someone_who_may_not_change_dialogues(
    board_client, board_member, country
):
    from django.contrib.auth.models import Permission

    board_member.groups.clear()
    board_member.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label__in=["dialogues", "findings"],
            codename__in=[
                "view_dialogue",
                "view_session",
                "change_session",
                "view_finding",
                "add_finding",
                "change_finding",
                "view_country",
            ],
        )
    )
    dialogue = make_dialogue(title="Civic space")
    dialogue.countries.set([country])
    session = make_session(dialogue)
    kg = Country.objects.get(code="KG")
    Finding.objects.create(session=session, country=kg, kind="problem", position=1, text="A")
    data = page_form(board_client, session_url(session), "session_form")
    data["add_countries_to_dialogue"] = "on"
    board_client.post(session_url(session), data, follow=True)
    assert list(dialogue.countries.values_list("code", flat=True)) == ["KZ"]


def test_a_finding_page_warns_and_adds_the_country_too(board_client, country):
    dialogue = make_dialogue(title="Civic space")
    dialogue.countries.set([country])
    session = make_session(dialogue)
    kg = Country.objects.get(code="KG")
    add = reverse("admin:findings_finding_add")
    data = page_form(board_client, add, "finding_form")
    data.update(session=str(session.pk), country=str(kg.pk), kind="problem", text_en="Weak")
    response = board_client.post(add, data, follow=True)
    assert messages_of(response)[:-1] == [OUTSIDE_WARNING]
    finding = Finding.objects.get(text="Weak")
    url = reverse("admin:findings_finding_change", args=[finding.pk])
    data = page_form(board_client, url, "finding_form")
    data["add_countries_to_dialogue"] = "on"
    response = board_client.post(url, data, follow=True)
    assert messages_of(response)[:-1] == [
        "Added to the participating countries of “Civic space”: Kyrgyzstan."
    ]
    assert sorted(dialogue.countries.values_list("code", flat=True)) == ["KG", "KZ"]


def test_findings_of_participating_countries_bring_no_warning(board_client, country):
    dialogue = make_dialogue(title="Civic space")
    dialogue.countries.set([country])
    session = make_session(dialogue)
    data = page_form(board_client, session_url(session), "session_form")
    fill_row(data, "findings", 0, country=country.pk, kind="problem", text_en="Lack of unity")
    fill_row(data, "findings", 1, kind="problem", text_en="A regional one")
    response = board_client.post(session_url(session), data, follow=True)
    assert len(messages_of(response)) == 1
    assert "was changed successfully" in messages_of(response)[0]


def test_the_import_preview_counts_in_words_that_agree_with_the_numbers(board_client, country):
    import re

    from django.core.files.uploadedfile import SimpleUploadedFile

    session = make_session()
    make_findings(session, country, count=2)
    exported = board_client.get(reverse("admin:findings_finding_export"))
    text = b"".join(exported.streaming_content).decode("utf-8-sig")
    text = text.replace("Finding 1", "Finding one", 1)
    upload = SimpleUploadedFile("findings.csv", text.encode("utf-8-sig"))
    response = board_client.post(reverse("admin:findings_finding_import"), {"file": upload})
    summary = re.search(r'<h2 id="import-summary">(.*?)</h2>', response.text, re.S).group(1)
    assert summary == (
        "This file would create 0 findings, change 1 finding; 1 finding stays as it is."
    )


def test_the_findings_tables_country_menus_carry_no_related_object_icons(board_client, country):
    session = make_session()
    make_findings(session, country)
    page = board_client.get(session_url(session)).text
    assert [
        icon
        for icon in ("add", "change", "delete", "view")
        if f"{icon}_id_findings-0-country" in page
    ] == []
    assert '<select name="findings-0-country"' in page
    # The finding's own page keeps them.
    finding_page = board_client.get(reverse("admin:findings_finding_add")).text
    assert 'id="add_id_country"' in finding_page


def test_the_dialogues_dates_name_their_time_zone(board_client, settings):
    settings.TIME_ZONE = "Asia/Almaty"
    page = board_client.get(reverse("admin:dialogues_dialogue_add")).text
    assert page.count("Almaty time (UTC+05:00), as the public pages show it.") == 2


def test_a_time_zone_outside_the_region_is_named_by_its_city(board_client, settings):
    settings.TIME_ZONE = "America/New_York"
    page = board_client.get(reverse("admin:dialogues_dialogue_add")).text
    assert "New York time (UTC-0" in page


@pytest.mark.parametrize(
    "url",
    [
        reverse_lazy("admin:dialogues_dialogue_add"),
        reverse_lazy("admin:dialogues_dialogue_changelist"),
        reverse_lazy("admin:dialogues_session_add"),
        reverse_lazy("admin:findings_finding_changelist"),
        reverse_lazy("admin:findings_finding_add"),
    ],
)
def test_the_content_pages_of_the_admin_load_its_stylesheet(board_client, url):
    assert 'href="/static/css/admin.' in board_client.get(url).text


@pytest.mark.parametrize("rows", [1, 30])
def test_dialogue_change_page_query_count_is_fixed(board_client, django_assert_num_queries, rows):
    dialogue = make_dialogue()
    for _ in range(rows):
        make_session(dialogue)
    # session, user, the second factor's device, user permissions, group
    # permissions, savepoint and release (history), the dialogue (with its counts),
    # its countries, the sessions, the count of findings without a translation, its
    # follow-up actions, two content-type look-ups for the admin's links, and the
    # session's sliding expiry (savepoint, update, release)
    with django_assert_num_queries(17):
        response = board_client.get(dialogue_url(dialogue))
    assert response.text.count('name="sessions-') > rows


def test_a_finding_moved_to_another_list_takes_its_number_there(board_client, country):
    session = make_session()
    make_findings(session, country, Kind.PROBLEM, count=3)
    make_findings(session, country, Kind.SUCCESS, count=3)
    Finding.objects.filter(kind=Kind.SUCCESS, position=2).update(text="Moved")
    second_success = Finding.objects.get(text="Moved")
    data = page_form(board_client, session_url(session), "session_form")
    fill_row(data, "findings", row_index(data, "findings", second_success.pk), kind="problem")
    response = board_client.post(session_url(session), data, follow=True)
    assert "Numbered again in the new order: Kazakhstan, problems." in messages_of(response)
    assert saved_list(session, country, Kind.PROBLEM) == [
        (1, "Finding 1"),
        (2, "Moved"),
        (3, "Finding 2"),
        (4, "Finding 3"),
    ]
    assert saved_list(session, country, Kind.SUCCESS) == [(1, "Finding 1"), (3, "Finding 3")]


def test_a_session_added_on_its_own_page_without_number_follows_the_last(board_client):
    dialogue = make_dialogue()
    make_session(dialogue, position=1)
    make_session(dialogue, position=2)
    add = reverse("admin:dialogues_session_add")
    data = page_form(board_client, add, "session_form")
    assert data["position"] == ""
    data.update(dialogue=str(dialogue.pk), title_en="Youth", slug="youth")
    response = board_client.post(add, data)
    assert response.status_code == 302, response.context and response.context["errors"]
    assert dialogue.sessions.get(slug="youth").position == 3


def test_the_administrators_sign_in_codes_section_is_named_in_russian(client, settings):
    from django.contrib.auth.models import User

    from tests.conftest import sign_in_with_second_factor

    settings.I4C_REQUIRE_2FA = True
    administrator = User.objects.create_superuser("nurlan", "nurlan@example.org", "x" * 20)
    sign_in_with_second_factor(client, administrator)
    client.cookies["django_language"] = "ru"
    page = client.get(reverse("admin:index")).text
    assert "Коды для входа" in page
    assert "Приложения-аутентификаторы" in page
    assert "Otp_Totp" not in page and "TOTP" not in page


def test_finding_changelist_counts_up_to_ten_thousand_and_filters_by_theme(board_client, country):
    session = make_session()
    findings = make_findings(session, country, count=10_001)
    theme = Theme.objects.create(name="Youth", slug="youth")
    findings[7].themes.add(theme)
    response = board_client.get(changelist(Finding))
    assert "more than 10,000 findings" in strip_tags(response.text)
    assert response.context["cl"].paginator.num_pages == 100
    # A search reads the texts: it counts up to 1,000.
    response = board_client.get(changelist(Finding), {"q": "Finding"})
    assert "more than 1,000 findings" in strip_tags(response.text)
    assert len(response.context["cl"].result_list) == 100
    response = board_client.get(changelist(Finding), {"theme": str(theme.pk)})
    assert [f.pk for f in response.context["cl"].result_list] == [findings[7].pk]
    assert "1 finding" in strip_tags(response.text)
    assert board_client.get(changelist(Finding), {"theme": "x"})["Location"].endswith("?e=1")
