"""The list sizes the public pages count and page with stay right after every kind of write."""

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Count
from django.urls import reverse
from reversion.models import Version

from dialogues.models import Country, Theme
from findings import backup
from findings.enums import Kind
from findings.models import Finding, ListSize, ThemeListSize

from .adminpages import confirm_deletion
from .conftest import make_dialogue, make_findings, make_session
from .pageforms import form_data
from .test_admin import add_row, fill_row, page_form, rows_of, session_url
from .test_history import finding, finding_form  # noqa: F401 (a fixture)
from .test_history import page_form as finding_page_form
from .test_import import HEADER, row, upload
from .test_notes import SEED_NOTES, press, preview, third_finding_refused  # noqa: F401

pytestmark = pytest.mark.django_db


def kept() -> dict:
    """What the tables say: {(session, country code, kind): count}, and by theme."""
    sizes = {
        (s.session_id, s.country and s.country.code, s.kind): s.count
        for s in ListSize.objects.select_related("country").filter(count__gt=0)
    }
    themes = {
        (s.theme.slug, s.session_id, s.country and s.country.code, s.kind): s.count
        for s in ThemeListSize.objects.select_related("country", "theme").filter(count__gt=0)
    }
    return {"lists": sizes, "themes": themes}


def counted() -> dict:
    """The same, counted from the findings themselves."""
    lists = Finding.objects.values("session_id", "country__code", "kind").annotate(n=Count("pk"))
    themes = Finding.themes.through.objects.values(
        "theme__slug", "finding__session_id", "finding__country__code", "finding__kind"
    ).annotate(n=Count("pk"))
    return {
        "lists": {
            (r["session_id"], r["country__code"], r["kind"]): r["n"] for r in lists.order_by()
        },
        "themes": {
            (
                r["theme__slug"],
                r["finding__session_id"],
                r["finding__country__code"],
                r["finding__kind"],
            ): r["n"]
            for r in themes.order_by()
        },
    }


def assert_kept_right():
    assert kept() == counted()


def test_sizes_follow_a_finding_added_moved_tagged_deleted_and_recovered(
    board_client,
    finding,  # noqa: F811 (the fixture)
    country,
):
    assert kept()["lists"] == {(finding.session_id, "KZ", "success"): 1}
    theme = Theme.objects.create(name="Civic space", slug="civic-space")
    url = reverse("admin:findings_finding_change", args=[finding.pk])
    tj = Country.objects.get(code="TJ")
    data = finding_form(board_client, finding, country=str(tj.pk), kind=Kind.PROBLEM)
    data["themes"] = [str(theme.pk)]
    assert board_client.post(url, data).status_code == 302
    assert kept() == {
        "lists": {(finding.session_id, "TJ", "problem"): 1},
        "themes": {("civic-space", finding.session_id, "TJ", "problem"): 1},
    }
    assert_kept_right()

    # Back to an earlier version (Kazakhstan, no theme) from the history.
    first = Version.objects.get_for_object(finding).last()
    revision_url = reverse("admin:findings_finding_revision", args=[finding.pk, first.pk])
    assert (
        board_client.post(revision_url, finding_page_form(board_client, revision_url)).status_code
        == 302
    )
    assert kept() == {"lists": {(finding.session_id, "KZ", "success"): 1}, "themes": {}}

    confirm_deletion(board_client, reverse("admin:findings_finding_delete", args=[finding.pk]))
    assert kept() == {"lists": {}, "themes": {}}

    version = Version.objects.get_deleted(Finding).get()
    recover_url = reverse("admin:findings_finding_recover", args=[version.pk])
    assert (
        board_client.post(recover_url, finding_page_form(board_client, recover_url)).status_code
        == 302
    )
    assert kept()["lists"] == {(finding.session_id, "KZ", "success"): 1}
    assert_kept_right()


def test_sizes_follow_the_session_pages_rows_and_the_bulk_delete(board_client, country):
    session = make_session()
    make_findings(session, country, Kind.SUCCESS, count=2)
    data = page_form(board_client, session_url(session), "session_form")
    first = rows_of(data, "findings") - 3
    fill_row(data, "findings", first, country=country.pk, kind="problem", text_en="Added")
    add_row(data, "findings", kind="problem", text_en="A regional barrier")
    assert board_client.post(session_url(session), data).status_code == 302
    assert kept()["lists"] == {
        (session.pk, "KZ", "success"): 2,
        (session.pk, "KZ", "problem"): 1,
        (session.pk, None, "problem"): 1,
    }

    changelist = reverse("admin:findings_finding_changelist")
    selected = Finding.objects.filter(kind=Kind.SUCCESS).values_list("pk", flat=True)
    page = board_client.post(
        changelist,
        {"action": "delete_selected", "_selected_action": [str(pk) for pk in selected]},
    )
    confirm = form_data(page.text[page.text.index('id="content"') :])
    assert board_client.post(changelist, confirm).status_code == 302
    assert kept()["lists"] == {(session.pk, "KZ", "problem"): 1, (session.pk, None, "problem"): 1}
    assert_kept_right()


def test_sizes_follow_the_notes_and_the_csv_import(board_client, country):
    session = make_session()
    response = preview(board_client, session, SEED_NOTES)
    press(board_client, session, response, "_save")
    assert sum(kept()["lists"].values()) == 19
    assert_kept_right()

    Theme.objects.create(name="Youth", slug="youth")
    other = make_session()
    text = HEADER + "\r\n" + row(other, text="New", themes="Youth") + row(other, position="2")
    upload_page = upload(board_client, text)
    board_client.post(
        "/admin/findings/finding/import/",
        {"confirm": "1", "digest": upload_page.context["digest"]},
    )
    assert kept()["lists"][other.pk, "KZ", "success"] == 2
    assert kept()["themes"] == {("youth", other.pk, "KZ", "success"): 1}
    assert_kept_right()


def test_sizes_follow_statements_that_write_many_rows_in_many_lists(country):
    # generate_findings adds its findings in one COPY (PostgreSQL) or many inserts,
    # and tags them with one INSERT ... SELECT; the deletes below are one
    # statement each, over many lists at once.
    call_command("generate_findings", findings=900, stdout=None)
    lists = kept()
    assert len(lists["lists"]) > 20 and len(lists["themes"]) > 50
    assert sum(lists["lists"].values()) == 900
    assert_kept_right()

    links = Finding.themes.through.objects.filter(finding__kind=Kind.PROBLEM)
    assert links.filter(pk__in=links.values("pk")[:150]).delete()[0] == 150
    assert_kept_right()
    findings = Finding.objects.filter(pk__in=Finding.objects.values("pk")[:200])
    Finding.themes.through.objects.filter(finding__in=findings).delete()
    findings.delete()
    assert sum(kept()["lists"].values()) == 700
    assert_kept_right()


def test_a_save_that_fails_partway_leaves_the_sizes_as_they_were(
    board_client,
    country,
    third_finding_refused,  # noqa: F811 (the fixture)
):
    session = make_session()
    make_findings(session, country, Kind.SUCCESS, count=1)
    before = kept()
    response = preview(board_client, session, SEED_NOTES)
    press(board_client, session, response, "_save")
    assert Finding.objects.count() == 1
    assert kept() == before


def test_a_restore_counts_the_lists_again(tmp_path, country):
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL restores with pg_restore into its own database: test_backup")
    session = make_session(make_dialogue())
    make_findings(session, country, Kind.PROBLEM, count=3)
    path = backup.backup(tmp_path)
    make_findings(session, country, Kind.PROBLEM, count=2)
    ListSize.objects.update(count=99)  # as if the table had gone wrong
    backup.restore(path)
    assert kept()["lists"] == {(session.pk, "KZ", "problem"): 3}
    assert_kept_right()
