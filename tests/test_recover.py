"""Recovering a deleted finding in the admin, through the pages' own forms."""

import pytest
import reversion
from django.contrib.admin.models import ADDITION, LogEntry
from django.urls import reverse
from reversion.models import Version

from findings.enums import Kind
from findings.models import Finding

from .adminpages import confirm_deletion
from .conftest import make_session
from .pageforms import form_data

pytestmark = pytest.mark.django_db

RECOVER_LIST = "admin:findings_finding_recoverlist"


def add_finding(client, session, country, text, kind=Kind.SUCCESS):
    """Add a finding on the admin's add page, leaving the number empty (the end of its list)."""
    page = client.get(reverse("admin:findings_finding_add"))
    data = form_data(page.content, "finding_form")
    data.update(session=str(session.pk), country=str(country.pk), kind=kind, text_en=text)
    response = client.post(reverse("admin:findings_finding_add"), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    return Finding.objects.get(text=text)


def delete_finding(client, finding):
    url = reverse("admin:findings_finding_delete", args=[finding.pk])
    response = confirm_deletion(client, url)
    assert messages_of(response) == [f"The finding “{finding.text}” was deleted successfully."]


def recover(client, version):
    """Open the recover form, read its note, save it unchanged; the page shown after."""
    url = reverse("admin:findings_finding_recover", args=[version.pk])
    page = client.get(url)
    assert page.status_code == 200
    response = client.post(url, form_data(page.content, "finding_form"), follow=True)
    return page, response


def messages_of(response):
    return [str(message) for message in response.context["messages"]]


@pytest.fixture
def session(country):
    session = make_session(title="Citizen participation")
    # A participating country: the recovery's message is then the only one.
    session.dialogue.countries.add(country)
    return session


def test_a_finding_whose_number_was_taken_comes_back_at_the_end_of_its_list(
    board_client, session, country
):
    lost = add_finding(board_client, session, country, "Online petitions")
    delete_finding(board_client, lost)
    add_finding(board_client, session, country, "Public councils")  # takes number 1
    add_finding(board_client, session, country, "Youth forums")
    version = Version.objects.get_deleted(Finding).get()

    page, response = recover(board_client, version)

    assert page.context["recovery"].finding.position == 3
    assert (
        "Number 1 of Kazakhstan successes has been taken since this finding was deleted: "
        "saving recovers it as number 3, at the end of its list." in page.text
    )
    assert messages_of(response) == [
        "The finding was recovered as number 3 of Kazakhstan successes in "
        "“Citizen participation”, since number 1 is taken now."
    ]
    assert response.redirect_chain[-1][0] == (
        reverse("admin:findings_finding_changelist") + f"?session__id__exact={session.pk}"
    )
    listed = [(f.position, f.text) for f in response.context["cl"].result_list]
    assert listed == [(1, "Public councils"), (2, "Youth forums"), (3, "Online petitions")]
    recovered = Finding.objects.get(text="Online petitions")
    assert (recovered.pk, recovered.created) == (lost.pk, lost.created)
    entry = LogEntry.objects.filter(object_id=str(lost.pk)).latest("pk")
    assert (entry.action_flag, entry.get_change_message()) == (ADDITION, messages_of(response)[0])
    assert (
        Version.objects.get_for_object(recovered).first().revision.comment == entry.change_message
    )
    assert list(Version.objects.get_deleted(Finding)) == []


def test_a_finding_whose_number_is_free_comes_back_at_its_number(board_client, session, country):
    add_finding(board_client, session, country, "Public councils")
    lost = add_finding(board_client, session, country, "Online petitions", kind=Kind.PROBLEM)
    delete_finding(board_client, lost)

    page, response = recover(board_client, Version.objects.get_deleted(Finding).get())

    assert "has been taken since" not in page.text
    assert "Check the finding below, then save to recover it." in page.text
    assert messages_of(response) == [
        "The finding was recovered as number 1 of Kazakhstan problems in “Citizen participation”."
    ]
    assert "changed successfully" not in response.text
    assert Finding.objects.get(text="Online petitions").position == 1


def test_opening_the_recover_form_changes_nothing(board_client, session, country):
    lost = add_finding(board_client, session, country, "Online petitions")
    delete_finding(board_client, lost)
    version = Version.objects.get_deleted(Finding).get()
    page = board_client.get(reverse("admin:findings_finding_recover", args=[version.pk]))
    assert page.context["adminform"].form.initial["text_en"] == "Online petitions"
    assert not Finding.objects.exists()
    assert list(Version.objects.get_deleted(Finding)) == [version]


def test_recovering_one_finding_leaves_the_others_of_its_revision_alone(
    board_client, session, country
):
    with reversion.create_revision():  # as a paste of notes saves them: one revision
        first, second = (
            Finding.objects.create(
                session=session, country=country, kind=Kind.PROBLEM, position=n, text=text
            )
            for n, text in [(1, "Lack of unity"), (2, "Competition for money")]
        )
    second_url = reverse("admin:findings_finding_change", args=[second.pk])
    data = form_data(board_client.get(second_url).content, "finding_form")
    data["text_en"] = "Competition for grants"
    board_client.post(second_url, data)
    delete_finding(board_client, first)

    _, response = recover(board_client, Version.objects.get_deleted(Finding).get())

    assert messages_of(response)[0].startswith("The finding was recovered as number 1 ")
    texts = list(session.findings.order_by("position").values_list("text", flat=True))
    assert texts == ["Lack of unity", "Competition for grants"]


def test_a_finding_whose_session_was_deleted_says_to_recover_the_session_first(
    board_client, session, country
):
    lost = add_finding(board_client, session, country, "Online petitions")
    delete_finding(board_client, lost)
    session.delete()
    version = Version.objects.get_deleted(Finding).get()
    response = board_client.get(
        reverse("admin:findings_finding_recover", args=[version.pk]), follow=True
    )
    assert response.redirect_chain == [(reverse(RECOVER_LIST), 302)]
    assert messages_of(response) == [
        "The finding's session has been deleted since. Recover the session first "
        "(Sessions, Recover deleted sessions), then the finding."
    ]
    assert not Finding.objects.exists()


def test_the_recover_list_says_where_each_finding_was_and_who_deleted_it(
    board_client, session, country
):
    lost = add_finding(board_client, session, country, "Online petitions", kind=Kind.PROBLEM)
    delete_finding(board_client, lost)
    deletion = LogEntry.objects.get(object_id=str(lost.pk), action_flag=3)

    response = board_client.get(reverse(RECOVER_LIST))

    [row] = response.context["rows"]
    assert {key: str(value) for key, value in row.items() if key != "version"} == {
        "deleted_at": str(deletion.action_time),
        "deleted_by": "aigerim",
        "dialogue": session.dialogue.title,
        "session": "Citizen participation",
        "country": "Kazakhstan",
        "kind": "Problem",
        "number": "1",
        "text": "Online petitions",
    }
    table = response.text.split('id="deleted-findings"')[1].split("</table>")[0]
    for cell in ["aigerim", session.dialogue.title, "Citizen participation", "Kazakhstan"]:
        assert f"<td>{cell}</td>" in table
    assert "<td>Problem</td>" in table and "<td>1</td>" in table
    recover_url = reverse("admin:findings_finding_recover", args=[row["version"].pk])
    assert f'<a href="{recover_url}">Online petitions</a>' in table


@pytest.mark.parametrize("deleted", [1, 6])
def test_the_recover_list_costs_the_same_queries_for_one_or_many(
    board_client, session, country, deleted, django_assert_num_queries
):
    for n in range(deleted):
        finding = add_finding(board_client, session, country, f"Finding {n}")
        delete_finding(board_client, finding)
    board_client.get(reverse(RECOVER_LIST))  # the session and permissions are read once
    # session, user, authenticator device; versions, their sessions (with dialogues),
    # countries, deletions (with users), the sessions' later versions (with revisions and
    # users); the user's and groups' permissions; the session saved (savepoint, update,
    # release)
    with django_assert_num_queries(13):
        response = board_client.get(reverse(RECOVER_LIST))
    assert len(response.context["rows"]) == deleted


def test_a_finding_deleted_in_its_sessions_table_is_listed_with_who_and_when(
    board_client, session, country
):
    lost = add_finding(board_client, session, country, "Online petitions")
    add_finding(board_client, session, country, "Public councils")
    url = reverse("admin:dialogues_session_change", args=[session.pk])
    data = form_data(board_client.get(url).content, "session_form")
    [row] = [
        k.removesuffix("-id") for k, v in data.items() if k.endswith("-id") and v == str(lost.pk)
    ]
    data[f"{row}-DELETE"] = "on"
    assert board_client.post(url, data).status_code == 302
    assert list(session.findings.values_list("text", flat=True)) == ["Public councils"]

    [row] = board_client.get(reverse(RECOVER_LIST)).context["rows"]

    saved = Version.objects.get_for_object(session).first().revision
    assert (row["text"], row["deleted_by"].username) == ("Online petitions", "aigerim")
    assert row["deleted_at"] == saved.date_created


def test_the_recover_list_is_refused_without_the_permission_to_add_findings(
    board_client, board_member
):
    from django.contrib.auth.models import Permission
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = reverse("admin:findings_finding_recoverlist")
    with CaptureQueriesContext(connection) as allowed:
        assert board_client.get(url).status_code == 200
    board_member.groups.clear()
    board_member.user_permissions.set(
        Permission.objects.filter(codename__in=["view_finding", "change_finding"])
    )
    with CaptureQueriesContext(connection) as refused:
        assert board_client.get(url).status_code == 403

    def history_read(queries):
        return any("reversion_version" in query["sql"] for query in queries)

    # Refused before any deleted finding is read.
    assert (history_read(allowed.captured_queries), history_read(refused.captured_queries)) == (
        True,
        False,
    )
