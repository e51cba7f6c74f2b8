import datetime
import itertools

import pytest
from django.contrib.auth.models import Group, User

from dialogues.enums import Status
from dialogues.models import Country, Dialogue, Session
from findings.enums import Kind
from findings.models import Finding

_numbers = itertools.count(1)


@pytest.fixture
def country():
    """Kazakhstan, as the data migration created it."""
    return Country.objects.get(code="KZ")


def make_dialogue(**values) -> Dialogue:
    n = next(_numbers)
    start = datetime.datetime(2024, 9, 20, 10, 0, tzinfo=datetime.UTC) + datetime.timedelta(days=n)
    fields = {
        "title": f"Dialogue {n}",
        "slug": f"dialogue-{n}",
        "start": start,
        "end": start + datetime.timedelta(hours=2, minutes=30),
        "status": Status.PUBLISHED,
    }
    fields.update(values)
    return Dialogue.objects.create(**fields)


def make_session(dialogue=None, **values) -> Session:
    dialogue = dialogue or make_dialogue()
    n = next(_numbers)
    fields = {"dialogue": dialogue, "title": f"Session {n}", "slug": f"session-{n}", "position": n}
    fields.update(values)
    return Session.objects.create(**fields)


def make_findings(session, country, kind=Kind.SUCCESS, count=1) -> list[Finding]:
    start = Finding.objects.next_position(
        session_id=session.pk, country_id=country and country.pk, kind=kind
    )
    return Finding.objects.bulk_create(
        Finding(
            session=session,
            country=country,
            kind=kind,
            position=start + i,
            text=f"Finding {start + i}",
        )
        for i in range(count)
    )


@pytest.fixture
def board_member(db):
    user = User.objects.create_user(
        "aigerim", "aigerim@example.org", "a long passphrase 42", is_staff=True
    )
    user.groups.add(Group.objects.get(name="Board"))
    return user


def sign_in_with_second_factor(client, user):
    """Sign ``user`` in as after the password and a code from the authenticator app."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.create(user=user, name="Phone", confirmed=True)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return device


@pytest.fixture
def board_client(client, board_member):
    """A Board member fully signed in: password and second factor (I4C_REQUIRE_2FA is on)."""
    sign_in_with_second_factor(client, board_member)
    return client


@pytest.fixture(autouse=True)
def _fresh_content_type_cache():
    """ContentType caches per process; without this, query counts depend on test order."""
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()
    yield


@pytest.fixture(autouse=True)
def _english_by_default():
    """A request in Russian leaves Russian active in the thread: start each test in English."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _empty_page_cache():
    """Pages cached by one test (in this process's memory, or Redis) never reach another."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture
def uncached(settings):
    """Turn the page cache off: for tests that count a render's queries or read its context.

    With the cache on, an anonymous request costs one more query (the content
    version, when it lives in the database) and a cached answer has no context.
    """
    settings.PAGE_CACHE_SECONDS = 0
