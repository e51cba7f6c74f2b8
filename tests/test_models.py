import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from dialogues.enums import Status
from dialogues.models import Country, Dialogue
from findings.enums import Kind
from findings.models import Finding

from .conftest import make_dialogue, make_findings, make_session

pytestmark = pytest.mark.django_db


def test_hub_countries_exist_after_migrate():
    assert list(Country.objects.values_list("code", flat=True)) == [
        "KZ",
        "KG",
        "MN",
        "TJ",
        "TM",
        "UZ",
    ]
    assert Country.objects.get(code="KG").name_ru == "Кыргызстан"


def test_country_code_must_be_two_capital_letters():
    country = Country(name="Afghanistan", code="af")
    with pytest.raises(ValidationError) as error:
        country.full_clean()
    assert error.value.message_dict["code"] == [
        "Enter the ISO 3166-1 alpha-2 code: two capital Latin letters, for example KZ."
    ]
    with pytest.raises(IntegrityError), transaction.atomic():
        Country.objects.create(name="Afghanistan", code="af")


def test_duplicate_position_is_refused_with_a_clear_message(country):
    session = make_session()
    make_findings(session, country, Kind.SUCCESS, count=2)
    duplicate = Finding(
        session=session, country=country, kind=Kind.SUCCESS, position=2, text="Again"
    )
    with pytest.raises(ValidationError) as error:
        duplicate.full_clean()
    assert error.value.message_dict == {
        "position": ["Kazakhstan already has success number 2 in this session."]
    }
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()


def test_same_number_is_fine_in_another_list(country):
    session = make_session()
    make_findings(session, country, Kind.SUCCESS)
    other_kind = Finding(session=session, country=country, kind=Kind.PROBLEM, position=1, text="x")
    other_country = Finding(
        session=session,
        country=Country.objects.get(code="UZ"),
        kind=Kind.SUCCESS,
        position=1,
        text="y",
    )
    regional = Finding(session=session, country=None, kind=Kind.SUCCESS, position=1, text="z")
    for finding in (other_kind, other_country, regional):
        finding.full_clean()
        finding.save()
    assert Finding.objects.filter(session=session, position=1).count() == 4


def test_regional_findings_cannot_share_a_number():
    session = make_session()
    make_findings(session, None, Kind.PROBLEM)
    duplicate = Finding(session=session, country=None, kind=Kind.PROBLEM, position=1, text="Again")
    with pytest.raises(ValidationError) as error:
        duplicate.full_clean()
    assert error.value.message_dict == {
        "position": ["Regional findings already has problem number 1 in this session."]
    }
    # The database refuses it too: NULL countries do not make the rows distinct.
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()


def test_position_starts_at_one(country):
    finding = Finding(
        session=make_session(), country=country, kind=Kind.SUCCESS, position=0, text="x"
    )
    with pytest.raises(ValidationError) as error:
        finding.full_clean()
    assert error.value.message_dict["position"] == ["Numbers start at 1."]


def test_deleting_a_session_with_findings_is_refused(country):
    session = make_session()
    make_findings(session, country)
    with pytest.raises(ProtectedError):
        session.delete()
    with pytest.raises(ProtectedError):
        session.dialogue.delete()
    with pytest.raises(ProtectedError):
        country.delete()
    assert Finding.objects.count() == 1


def test_deleting_an_empty_dialogue_removes_its_sessions():
    session = make_session()
    session.dialogue.delete()
    assert not Dialogue.objects.exists()


def test_dialogue_cannot_end_before_it_starts():
    dialogue = make_dialogue(status=Status.DRAFT)
    dialogue.end = dialogue.start - datetime.timedelta(minutes=1)
    with pytest.raises(ValidationError) as error:
        dialogue.full_clean()
    assert error.value.message_dict["end"] == ["The dialogue cannot end before it starts."]
    with pytest.raises(IntegrityError), transaction.atomic():
        dialogue.save()


def test_publishing_records_the_moment_once():
    dialogue = make_dialogue(status=Status.DRAFT)
    assert dialogue.published_at is None
    dialogue.status = Status.PUBLISHED
    dialogue.save()
    first = dialogue.published_at
    assert first is not None
    dialogue.save()
    assert dialogue.published_at == first


def test_published_queryset_hides_drafts(country):
    published = make_session(make_dialogue(status=Status.PUBLISHED))
    draft = make_session(make_dialogue(status=Status.DRAFT))
    make_findings(published, country)
    make_findings(draft, country)
    assert list(Dialogue.objects.published()) == [published.dialogue]
    assert [f.session for f in Finding.objects.published()] == [published]


def test_next_position_follows_the_last_item(country):
    session = make_session()
    assert (
        Finding.objects.next_position(
            session_id=session.pk, country_id=country.pk, kind=Kind.SUCCESS
        )
        == 1
    )
    make_findings(session, country, Kind.SUCCESS, count=3)
    assert (
        Finding.objects.next_position(
            session_id=session.pk, country_id=country.pk, kind=Kind.SUCCESS
        )
        == 4
    )
    assert (
        Finding.objects.next_position(
            session_id=session.pk, country_id=country.pk, kind=Kind.PROBLEM
        )
        == 1
    )


def test_countries_outside_a_dialogue_are_those_it_does_not_list(country):
    dialogue = make_dialogue()
    dialogue.countries.set([country])
    kg, mn = Country.objects.get(code="KG"), Country.objects.get(code="MN")
    assert dialogue.countries_outside([mn, country, None, kg, kg]) == [kg, mn]
    assert dialogue.countries_outside(Country.objects.filter(code="KZ")) == []
    assert dialogue.countries_outside([None]) == []
