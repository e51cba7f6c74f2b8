import pytest
from django.core.management import call_command

from dialogues.models import Dialogue
from findings.models import Finding

pytestmark = pytest.mark.django_db


def report_lists():
    rows = Finding.objects.order_by("kind", "country__code", "position").values_list(
        "kind", "country__code", "position"
    )
    lists = {}
    for kind, code, position in rows:
        lists.setdefault((kind, code), []).append(position)
    return lists


def test_load_demo_creates_exactly_the_reports_findings():
    call_command("load_demo", stdout=None)
    dialogue = Dialogue.objects.get()
    assert dialogue.title == (
        "Role, impact of and barriers for the civil society in Central Asia and Mongolia"
    )
    assert dialogue.is_published
    assert dialogue.published_at is not None
    assert dialogue.start.isoformat() == "2024-09-20T10:00:00+00:00"  # 16:00 in Bishkek
    assert dialogue.end.isoformat() == "2024-09-20T12:30:00+00:00"
    assert list(dialogue.sessions.values_list("position", "slug")) == [
        (1, "citizen-participation"),
        (2, "enabling-environment"),
    ]
    assert report_lists() == {
        ("problem", "KZ"): [1, 2],
        ("problem", "TJ"): [1, 2],
        ("problem", "UZ"): [1, 2],
        ("success", "KZ"): [1, 2, 3, 4, 5, 6, 7, 8, 9],
        ("success", "TJ"): [1, 2],
        ("success", "UZ"): [1, 2],
    }
    assert Finding.objects.get(country__code="KZ", kind="success", position=9).text == (
        "Releasing caricatures of officials"
    )
    assert Finding.objects.get(country__code="UZ", kind="problem", position=2).text == (
        "Government agencies are afraid to work with NGOs"
    )


def test_load_demo_twice_changes_nothing():
    call_command("load_demo")
    before = list(Finding.objects.order_by("pk").values_list("pk", "text", "updated"))
    published_at = Dialogue.objects.get().published_at
    call_command("load_demo")
    assert list(Finding.objects.order_by("pk").values_list("pk", "text", "updated")) == before
    assert Dialogue.objects.get().published_at == published_at
    assert Dialogue.objects.count() == 1


def test_load_demo_repairs_an_edited_finding():
    call_command("load_demo")
    Finding.objects.filter(country__code="TJ", kind="problem", position=2).update(text="oops")
    call_command("load_demo")
    assert Finding.objects.get(country__code="TJ", kind="problem", position=2).text == (
        "Duplication of the work of international organizations and NGOs"
    )
