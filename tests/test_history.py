import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from django.utils import formats
from django.utils.timezone import localtime
from reversion.models import Version

from findings.enums import Kind
from findings.models import Finding

from .conftest import make_session, sign_in_with_second_factor

pytestmark = pytest.mark.django_db


def finding_form(finding, **changes):
    data = {
        "session": finding.session_id,
        "country": finding.country_id or "",
        "kind": finding.kind,
        "position": finding.position,
        "text": finding.text,
    }
    data.update(changes)
    return data


@pytest.fixture
def finding(board_client, country):
    """A finding entered through the admin, as a Board member does."""
    session = make_session()
    board_client.post(
        reverse("admin:findings_finding_add"),
        {
            "session": session.pk,
            "country": country.pk,
            "kind": Kind.SUCCESS,
            "position": 1,
            "text": "Online petitions",
        },
    )
    return Finding.objects.get()


def test_every_change_is_recorded_with_who_and_when(board_client, board_member, finding):
    url = reverse("admin:findings_finding_change", args=[finding.pk])
    board_client.post(url, finding_form(finding, text="Online petitions and campaigns"))
    versions = Version.objects.get_for_object(finding)
    assert [v.field_dict["text"] for v in versions] == [
        "Online petitions and campaigns",
        "Online petitions",
    ]
    assert {v.revision.user for v in versions} == {board_member}
    history = board_client.get(reverse("admin:findings_finding_history", args=[finding.pk]))
    assert "aigerim" in history.text
    assert history.text.count(f"/admin/findings/finding/{finding.pk}/history/") == 2


def test_an_earlier_version_can_be_restored(board_client, finding):
    url = reverse("admin:findings_finding_change", args=[finding.pk])
    board_client.post(url, finding_form(finding, text="A mistake"))
    first = Version.objects.get_for_object(finding).last()
    revision_url = reverse("admin:findings_finding_revision", args=[finding.pk, first.pk])
    page = board_client.get(revision_url)
    assert "Online petitions" in page.text
    response = board_client.post(revision_url, finding_form(finding, text="Online petitions"))
    assert response.status_code == 302
    finding.refresh_from_db()
    assert finding.text == "Online petitions"


def test_a_deleted_finding_can_be_brought_back(board_client, finding):
    board_client.post(reverse("admin:findings_finding_delete", args=[finding.pk]), {"post": "yes"})
    assert not Finding.objects.exists()
    recover_list = board_client.get(reverse("admin:findings_finding_recoverlist"))
    assert "Online petitions" in recover_list.text
    version = Version.objects.get_deleted(Finding).get()
    response = board_client.post(
        reverse("admin:findings_finding_recover", args=[version.pk]), finding_form(finding)
    )
    assert response.status_code == 302
    restored = Finding.objects.get()
    assert (restored.pk, restored.text, restored.position) == (finding.pk, "Online petitions", 1)


def test_a_deletion_is_listed_with_who_and_when_for_another_board_member(
    board_client, finding, django_user_model
):
    board_client.post(reverse("admin:findings_finding_delete", args=[finding.pk]), {"post": "yes"})
    colleague = django_user_model.objects.create_user("nurlan", is_staff=True)
    colleague.groups.add(Group.objects.get(name="Board"))
    other = Client()
    sign_in_with_second_factor(other, colleague)

    response = other.get(reverse("admin:admin_logentry_changelist") + "?action_flag=3")

    entries = response.context["cl"].result_list
    assert [(e.user.username, e.get_action_flag_display(), e.object_repr) for e in entries] == [
        ("aigerim", "Deletion", str(finding))
    ]
    when = formats.date_format(localtime(entries[0].action_time), "DATETIME_FORMAT")
    row = response.text.split('id="result_list"')[1].split("</tbody>")[0]
    for cell in ["aigerim", when, "Deletion", str(finding), "finding"]:
        assert cell in row


def test_the_admin_log_can_be_read_but_not_changed(board_client, finding):
    entry = LogEntry.objects.get()
    assert board_client.get(reverse("admin:admin_logentry_add")).status_code == 403
    change = board_client.get(reverse("admin:admin_logentry_change", args=[entry.pk]))
    assert change.context["title"] == "View log entry"
    assert b'name="_save"' not in change.content
    delete = board_client.post(
        reverse("admin:admin_logentry_delete", args=[entry.pk]), {"post": "yes"}
    )
    assert delete.status_code == 403
    assert LogEntry.objects.count() == 1
