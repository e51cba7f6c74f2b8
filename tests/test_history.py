import pytest
import reversion
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Group, Permission, User
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import reverse
from django.utils import formats
from django.utils.timezone import localtime
from reversion.models import Version

from dialogues.models import Dialogue, Session
from findings.enums import Kind
from findings.models import Finding

from .adminpages import confirm_deletion
from .conftest import make_dialogue, make_session, sign_in_with_second_factor
from .pageforms import form_data

pytestmark = pytest.mark.django_db


def page_form(client, url, **changes):
    """The form of the admin page at ``url`` as a browser would send it, with ``changes``."""
    data = form_data(client.get(url).content, "finding_form")
    data.update(changes)
    return data


def finding_form(client, finding, **changes):
    """The finding's change form as shown, with ``changes`` typed in."""
    return page_form(client, reverse("admin:findings_finding_change", args=[finding.pk]), **changes)


@pytest.fixture
def finding(board_client, country):
    """A finding entered through the admin's add page, as a Board member does."""
    session = make_session()
    url = reverse("admin:findings_finding_add")
    data = page_form(
        board_client,
        url,
        session=str(session.pk),
        country=str(country.pk),
        kind=Kind.SUCCESS,
        position="1",
        text_en="Online petitions",
    )
    assert board_client.post(url, data).status_code == 302
    return Finding.objects.get()


def test_every_change_is_recorded_with_who_and_when(board_client, board_member, finding):
    url = reverse("admin:findings_finding_change", args=[finding.pk])
    board_client.post(
        url, finding_form(board_client, finding, text_en="Online petitions and campaigns")
    )
    versions = Version.objects.get_for_object(finding)
    assert [v.field_dict["text_en"] for v in versions] == [
        "Online petitions and campaigns",
        "Online petitions",
    ]
    assert {v.revision.user for v in versions} == {board_member}
    history = board_client.get(reverse("admin:findings_finding_history", args=[finding.pk]))
    assert "aigerim" in history.text
    assert history.text.count(f"/admin/findings/finding/{finding.pk}/history/") == 2


def test_an_earlier_version_can_be_restored(board_client, finding):
    url = reverse("admin:findings_finding_change", args=[finding.pk])
    board_client.post(url, finding_form(board_client, finding, text_en="A mistake"))
    first = Version.objects.get_for_object(finding).last()
    revision_url = reverse("admin:findings_finding_revision", args=[finding.pk, first.pk])
    page = board_client.get(revision_url)
    assert "Online petitions" in page.text
    response = board_client.post(revision_url, page_form(board_client, revision_url))
    assert response.status_code == 302
    finding.refresh_from_db()
    assert finding.text == "Online petitions"


def test_a_deleted_finding_can_be_brought_back(board_client, finding):
    confirm_deletion(board_client, reverse("admin:findings_finding_delete", args=[finding.pk]))
    assert not Finding.objects.exists()
    recover_list = board_client.get(reverse("admin:findings_finding_recoverlist"))
    assert "Online petitions" in recover_list.text
    version = Version.objects.get_deleted(Finding).get()
    recover_url = reverse("admin:findings_finding_recover", args=[version.pk])
    response = board_client.post(recover_url, page_form(board_client, recover_url))
    assert response.status_code == 302
    restored = Finding.objects.get()
    assert (restored.pk, restored.text, restored.position) == (finding.pk, "Online petitions", 1)


def test_a_deletion_is_listed_with_who_and_when_for_another_board_member(
    board_client, finding, django_user_model
):
    confirm_deletion(board_client, reverse("admin:findings_finding_delete", args=[finding.pk]))
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


def entries_listed(client, query=""):
    response = client.get(reverse("admin:admin_logentry_changelist") + query)
    assert response.status_code == 200
    return response, [(e.user.username, e.object_repr) for e in response.context["cl"].result_list]


@pytest.fixture
def superuser_client(django_user_model):
    root = django_user_model.objects.create_superuser("root", "root@example.org", "passphrase 42")
    client = Client()
    sign_in_with_second_factor(client, root)
    return client


@pytest.fixture
def account_entry(superuser_client, board_member):
    """What the admin records when someone enrols an app: an entry about an account."""
    return LogEntry.objects.create(
        user=User.objects.get(username="root"),
        content_type=ContentType.objects.get_for_model(User),
        object_id=str(board_member.pk),
        object_repr="aigerim",
        action_flag=CHANGE,
        change_message="Enrolled an authenticator app from 203.0.113.5",
    )


def test_the_board_reads_only_log_entries_about_what_it_may_change(
    board_client, superuser_client, finding, account_entry
):
    response, entries = entries_listed(board_client)
    assert entries == [("aigerim", str(finding))]
    assert "203.0.113.5" not in response.text
    filters = {spec.field_path: spec for spec in response.context["cl"].filter_specs}
    assert "user" not in filters  # one user to choose from: no menu
    assert [name for _, name in filters["content_type"].lookup_choices] == ["Findings | finding"]
    # The entry itself is not there either.
    hidden = board_client.get(reverse("admin:admin_logentry_change", args=[account_entry.pk]))
    assert hidden.status_code == 302

    response, entries = entries_listed(superuser_client)
    assert entries == [("root", "aigerim"), ("aigerim", str(finding))]
    filters = {spec.field_path: spec for spec in response.context["cl"].filter_specs}
    assert sorted(name for _, name in filters["user"].lookup_choices) == ["aigerim", "root"]


def test_a_board_member_without_a_change_permission_reads_no_entries_about_that_model(
    board_client, board_member, finding
):
    board = Group.objects.get(name="Board")
    board.permissions.remove(Permission.objects.get(codename="change_finding"))
    _, entries = entries_listed(board_client)
    assert entries == []


def test_an_authenticator_key_is_not_shown_even_to_a_superuser(superuser_client, board_member):
    device = sign_in_with_second_factor(Client(), board_member)
    change = superuser_client.get(reverse("admin:otp_totp_totpdevice_change", args=[device.pk]))
    assert change.status_code == 200
    assert "Phone" in change.text  # the device's page itself
    assert device.key not in change.text
    config = superuser_client.get(reverse("admin:otp_totp_totpdevice_config", args=[device.pk]))
    assert config.status_code == 403


def test_a_version_of_another_model_is_not_shown_under_a_dialogue(board_client, finding):
    number = max(Dialogue.objects.latest("pk").pk, finding.pk) + 1
    with reversion.create_revision():
        dialogue = make_dialogue(pk=number)
    with reversion.create_revision():
        other = Finding.objects.create(
            pk=number, session=finding.session, kind=Kind.PROBLEM, position=1, text="Other"
        )
    finding_version = Version.objects.get_for_object(other).get()
    dialogue_version = Version.objects.get_for_object(dialogue).get()

    url = reverse("admin:dialogues_dialogue_revision", args=[number, finding_version.pk])
    assert board_client.get(url).status_code == 404
    assert board_client.post(url, {}).status_code == 404
    own = board_client.get(
        reverse("admin:dialogues_dialogue_revision", args=[number, dialogue_version.pk])
    )
    assert own.status_code == 200
    assert own.context["original"] == dialogue
    # Another finding's version under this finding's address.
    url = reverse("admin:findings_finding_revision", args=[finding.pk, finding_version.pk])
    assert board_client.get(url).status_code == 404


def test_only_a_deleted_objects_last_version_can_be_recovered(board_client, finding):
    version = Version.objects.get_for_object(finding).get()
    recover = reverse("admin:findings_finding_recover", args=[version.pk])
    assert board_client.get(recover).status_code == 404  # the finding still exists
    confirm_deletion(board_client, reverse("admin:findings_finding_delete", args=[finding.pk]))
    assert board_client.get(recover).status_code == 200
    # Not under another model's address.
    url = reverse("admin:dialogues_dialogue_recover", args=[version.pk])
    assert board_client.get(url).status_code == 404
    assert not Finding.objects.exists()


def test_a_recovered_session_is_said_to_be_recovered(board_client):
    with reversion.create_revision():
        session = make_session(title="Youth participation")
    delete_url = reverse("admin:dialogues_session_delete", args=[session.pk])
    confirm_deletion(board_client, delete_url)
    version = Version.objects.get_deleted(Session).get()
    recover_url = reverse("admin:dialogues_session_recover", args=[version.pk])

    page = board_client.get(recover_url)
    response = board_client.post(recover_url, form_data(page.content, "session_form"), follow=True)

    assert [str(m) for m in response.context["messages"]] == [
        "The session “Youth participation” was recovered."
    ]
    assert response.redirect_chain == [
        (reverse("admin:dialogues_session_change", args=[session.pk]), 302)
    ]
    assert Session.objects.get(pk=session.pk).title == "Youth participation"


@pytest.mark.parametrize("entries", [1, 8])
def test_the_log_costs_the_same_queries_for_one_or_many_entries(
    board_client, board_member, entries, django_assert_num_queries
):
    finding_type = ContentType.objects.get_for_model(Finding)
    for n in range(entries):
        LogEntry.objects.create(
            user=board_member,
            content_type=finding_type,
            object_id=str(n),
            object_repr=f"Finding {n}",
            action_flag=CHANGE,
            change_message="[]",
        )
    url = reverse("admin:admin_logentry_changelist")
    board_client.get(url)
    # session, user, device; permissions of user and groups; the filters' users and kinds
    # of record; the entries' count (filtered and in all), the entries, the first and last
    # dates and the days (date hierarchy); the session saved (savepoint, update, release)
    with django_assert_num_queries(15):
        response = board_client.get(url)
    assert len(response.context["cl"].result_list) == entries


def test_restoring_a_findings_version_leaves_the_others_saved_with_it_alone(board_client, country):
    session = make_session()
    with reversion.create_revision():  # as a paste of notes or an import saves them
        first, second = (
            Finding.objects.create(
                session=session, country=country, kind=Kind.PROBLEM, position=n, text=text
            )
            for n, text in [(1, "Lack of unity"), (2, "Competition for money")]
        )
    for finding, text in [(first, "A mistake"), (second, "Competition for grants")]:
        url = reverse("admin:findings_finding_change", args=[finding.pk])
        board_client.post(url, finding_form(board_client, finding, text_en=text))
    third = Finding.objects.create(
        session=session, country=country, kind=Kind.PROBLEM, position=3, text="Added later"
    )
    pasted = Version.objects.get_for_object(first).last()
    revision_url = reverse("admin:findings_finding_revision", args=[first.pk, pasted.pk])

    page = board_client.get(revision_url)
    assert page.context["adminform"].form.initial["text_en"] == "Lack of unity"
    response = board_client.post(revision_url, page_form(board_client, revision_url))

    assert response.status_code == 302
    texts = list(session.findings.order_by("position").values_list("text", flat=True))
    assert texts == ["Lack of unity", "Competition for grants", "Added later"]
    assert Finding.objects.filter(pk=third.pk).exists()


def test_restoring_a_version_whose_number_was_taken_keeps_the_findings_number(
    board_client, finding, country
):
    url = reverse("admin:findings_finding_change", args=[finding.pk])
    board_client.post(url, finding_form(board_client, finding, position="3", text_en="Petitions"))
    other = Finding.objects.create(
        session=finding.session, country=country, kind=Kind.SUCCESS, position=1, text="Councils"
    )
    first = Version.objects.get_for_object(finding).last()
    revision_url = reverse("admin:findings_finding_revision", args=[finding.pk, first.pk])

    page = board_client.get(revision_url)
    assert (
        "Number 1 of Kazakhstan successes belongs to another finding now: saving keeps this "
        "one as number 3." in page.text
    )
    response = board_client.post(revision_url, page_form(board_client, revision_url))

    assert response.status_code == 302
    finding.refresh_from_db()
    other.refresh_from_db()
    assert (finding.text, finding.position) == ("Online petitions", 3)
    assert (other.text, other.position) == ("Councils", 1)
    latest = Version.objects.get_for_object(finding).first().revision
    assert latest.comment.startswith("Reverted to previous version, saved on ")
