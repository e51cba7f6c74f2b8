"""Sign-in protection: lock-out after failed passwords, the second step, session expiry."""

import base64
import datetime
import io
import logging
import os
import re
import subprocess
import sys
from urllib.parse import quote

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.db.models import F
from django.test import override_settings
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from dialogues.enums import Status

from .conftest import make_dialogue, make_findings, make_session, sign_in_with_second_factor

pytestmark = pytest.mark.django_db

PASSWORD = "a long passphrase 42"


@pytest.fixture(autouse=True)
def _two_factor_required(settings):
    """These tests are about the second step: on, whatever the environment says.

    The setting follows debug by default, so a developer's ``DJANGO_DEBUG=true``
    would otherwise turn it off under them.
    """
    settings.I4C_REQUIRE_2FA = True


def sign_in(client, username="aigerim", password=PASSWORD, address="192.0.2.10", prefix="/admin/"):
    return client.post(
        f"{prefix}login/?next={prefix}",
        {"username": username, "password": password, "next": prefix},
        REMOTE_ADDR=address,
    )


def code(device, *, steps_ahead=0) -> str:
    """The code the authenticator app shows now (or ``steps_ahead`` periods later)."""
    device.refresh_from_db()
    drift = device.drift + steps_ahead
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, drift):06d}"


def code_for(secret: str, *, steps_ahead=0) -> str:
    """The code an app that was given the key ``secret`` (as the enrolment page shows it) shows."""
    key = base64.b32decode(secret.replace(" ", ""))
    return f"{totp(key, drift=steps_ahead):06d}"


def signed_in_user_id(client):
    return client.session.get("_auth_user_id")


# Lock-out after failed passwords


def test_five_wrong_passwords_lock_the_user_name_even_from_other_addresses(client, board_member):
    for n in range(4):
        response = sign_in(client, password="wrong guess", address=f"198.51.100.{n + 1}")
        assert response.status_code == 200  # the login form again, with its error
    response = sign_in(client, password="wrong guess", address="198.51.100.5")
    assert response.status_code == 429  # the fifth failure locks
    response = sign_in(client, address="203.0.113.99")  # the right password, a new address
    assert response.status_code == 429
    assert "Sign-in locked" in response.text
    assert "locked for 15 minutes, even with the right password" in response.text
    assert signed_in_user_id(client) is None


def test_five_failures_from_one_address_lock_it_for_every_user_name(client, board_member):
    for name in ("ainura", "bakyt", "chingiz", "dilnoza", "erlan"):
        sign_in(client, username=name, password="wrong guess", address="198.51.100.7")
    response = sign_in(client, address="198.51.100.7")
    assert response.status_code == 429
    assert "Sign-in locked" in response.text
    assert signed_in_user_id(client) is None
    # The same account from another address is not affected.
    response = sign_in(client, address="203.0.113.5")
    assert response.status_code == 302
    assert signed_in_user_id(client) == str(board_member.pk)


def test_four_failures_do_not_lock(client, board_member):
    for n in range(4):
        sign_in(client, password="wrong guess", address=f"198.51.100.{n + 1}")
    response = sign_in(client)
    assert response.status_code == 302
    assert signed_in_user_id(client) == str(board_member.pk)


def test_lockout_page_is_translated(client, board_member):
    for n in range(5):
        sign_in(client, password="wrong guess", address=f"198.51.100.{n + 1}")
    client.cookies["django_language"] = "ru"
    response = sign_in(client)
    assert response.status_code == 429
    assert "Вход заблокирован" in response.text
    assert "заблокирован на 15 минут, даже с верным паролем" in response.text


def test_lockout_ends_after_the_cool_off(client, board_member):
    for n in range(5):
        sign_in(client, password="wrong guess", address=f"198.51.100.{n + 1}")
    assert sign_in(client).status_code == 429
    # Fourteen minutes later: still locked.
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - datetime.timedelta(minutes=14))
    assert sign_in(client).status_code == 429
    # The failure during the lock-out started the 15 minutes again; let them pass.
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - datetime.timedelta(minutes=16))
    response = sign_in(client)
    assert response.status_code == 302
    assert signed_in_user_id(client) == str(board_member.pk)


def test_administrator_unlocks_a_user_name(client, board_member):
    for n in range(5):
        sign_in(client, password="wrong guess", address=f"198.51.100.{n + 1}")
    assert sign_in(client).status_code == 429
    call_command("axes_reset_username", "aigerim", stdout=io.StringIO())
    response = sign_in(client)
    assert response.status_code == 302
    assert signed_in_user_id(client) == str(board_member.pk)


def test_superuser_sees_the_lockouts_in_the_admin(client, board_member):
    for n in range(5):
        sign_in(client, password="wrong guess", address=f"198.51.100.{n + 1}")
    admin = User.objects.create_superuser("root", "root@example.org", "another long passphrase")
    sign_in_with_second_factor(client, admin)
    response = client.get("/admin/axes/accessattempt/")
    assert response.status_code == 200
    assert "aigerim" in response.text
    assert "198.51.100.5" in response.text
    assert "/admin/axes/" in client.get("/admin/").text


def test_board_members_do_not_see_the_lockouts(client, board_member):
    for _ in range(5):
        sign_in(client, username="ainura", password="wrong guess", address="198.51.100.9")
    sign_in_with_second_factor(client, board_member)
    response = client.get("/admin/axes/accessattempt/")
    assert response.status_code == 403
    assert "<h1>403 Forbidden</h1>" in response.text
    assert "ainura" not in response.text
    assert "198.51.100.9" not in response.text
    index = client.get("/admin/")
    assert "Site administration" in index.text
    assert "/admin/axes/" not in index.text


def test_a_forged_forwarded_for_header_does_not_change_the_address(client, board_member):
    """By default the address is REMOTE_ADDR: a header a client sends is no way round the lock."""
    for n, name in enumerate(("ainura", "bakyt", "chingiz", "dilnoza", "erlan")):
        client.post(
            "/admin/login/",
            {"username": name, "password": "wrong guess"},
            REMOTE_ADDR="198.51.100.7",
            HTTP_X_FORWARDED_FOR=f"203.0.113.{n + 1}",
        )
    response = client.post(
        "/admin/login/",
        {"username": "aigerim", "password": PASSWORD},
        REMOTE_ADDR="198.51.100.7",
        HTTP_X_FORWARDED_FOR="203.0.113.200",
    )
    assert response.status_code == 429


@override_settings(I4C_CLIENT_IP_HEADER="HTTP_X_FORWARDED_FOR", I4C_PROXY_COUNT=1)
def test_behind_a_configured_proxy_the_address_is_the_one_it_appended(client, board_member):
    # REMOTE_ADDR is the proxy's; the proxy appends the address it saw to the
    # header, after whatever the client sent in it.
    for n, name in enumerate(("ainura", "bakyt", "chingiz", "dilnoza", "erlan")):
        client.post(
            "/admin/login/",
            {"username": name, "password": "wrong guess"},
            REMOTE_ADDR="10.0.0.2",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n + 1}, 198.51.100.7",
        )
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"198.51.100.7"}
    locked = client.post(
        "/admin/login/",
        {"username": "aigerim", "password": PASSWORD},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="198.51.100.7",
    )
    assert locked.status_code == 429
    other = client.post(
        "/admin/login/",
        {"username": "aigerim", "password": PASSWORD},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="203.0.113.8",
    )
    assert other.status_code == 302
    assert signed_in_user_id(client) == str(board_member.pk)


@override_settings(I4C_CLIENT_IP_HEADER="HTTP_X_FORWARDED_FOR", I4C_PROXY_COUNT=2)
def test_behind_two_proxies_the_address_is_the_second_from_the_right(rf):
    from i4c.admin import client_address

    request = rf.get("/", HTTP_X_FORWARDED_FOR="192.0.2.1, 198.51.100.7, 10.0.0.3")
    assert client_address(request) == "198.51.100.7"
    garbled = rf.get("/", HTTP_X_FORWARDED_FOR="not an address, 10.0.0.3")
    assert client_address(garbled) == "127.0.0.1"  # REMOTE_ADDR


def settings_in_subprocess(expression: str, **environ) -> str:
    """Evaluate ``expression`` on the settings module as the environment ``environ`` makes it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("I4C_", "DJANGO_DEBUG"))}
    env.update(DJANGO_SECRET_KEY="settings-test", **environ)
    result = subprocess.run(
        [sys.executable, "-c", f"from i4c import settings as s; print({expression})"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        cwd=settings.BASE_DIR,
    )
    return result.stdout.strip()


def test_client_address_setting_defaults_to_remote_addr():
    assert settings_in_subprocess("repr(s.I4C_CLIENT_IP_HEADER)") == "''"
    configured = settings_in_subprocess(
        "s.I4C_CLIENT_IP_HEADER, s.I4C_PROXY_COUNT", I4C_CLIENT_IP_HEADER="http_x_forwarded_for"
    )
    assert configured == "HTTP_X_FORWARDED_FOR 1"


def test_two_factor_is_required_by_default_when_debug_is_off():
    assert settings_in_subprocess("s.I4C_REQUIRE_2FA", DJANGO_DEBUG="false") == "True"
    assert settings_in_subprocess("s.I4C_REQUIRE_2FA", DJANGO_DEBUG="true") == "False"
    assert (
        settings_in_subprocess("s.I4C_REQUIRE_2FA", DJANGO_DEBUG="true", I4C_REQUIRE_2FA="on")
        == "True"
    )


# The second step


@pytest.fixture
def device(board_member):
    return TOTPDevice.objects.create(user=board_member, name="Phone", confirmed=True)


def test_password_alone_does_not_reach_the_admin(client, device):
    response = sign_in(client)
    assert response.status_code == 302
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain == [
        ("/admin/login/?next=/admin/", 302),
        ("/admin/two-factor/?next=%2Fadmin%2F", 302),
    ]
    assert "Open the authenticator app on your phone" in response.text
    assert "Site administration" not in response.text
    assert client.get("/admin/dialogues/dialogue/").status_code == 302


def test_password_alone_shows_no_drafts(client, device):
    draft = make_dialogue(title="Unannounced dialogue", status=Status.DRAFT)
    sign_in(client)
    assert client.get(draft.get_absolute_url()).status_code == 404


def test_a_valid_code_after_the_password_opens_the_admin(client, device):
    sign_in(client)
    response = client.post("/admin/two-factor/", {"token": code(device), "next": "/admin/"})
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    response = client.get("/admin/")
    assert response.status_code == 200
    assert "Site administration" in response.text
    assert "Dialogues" in response.text


def test_a_wrong_code_is_refused(client, device):
    sign_in(client)
    wrong = code(device, steps_ahead=10)
    response = client.post("/admin/two-factor/", {"token": wrong, "next": "/admin/"})
    assert response.status_code == 200
    assert "This code is wrong or has already been used" in response.text
    assert client.get("/admin/").status_code == 302


def test_a_code_cannot_be_used_twice(client, device):
    sign_in(client)
    token = code(device)
    assert client.post("/admin/two-factor/", {"token": token}).status_code == 302
    client.post("/admin/logout/")
    assert signed_in_user_id(client) is None
    sign_in(client)
    response = client.post("/admin/two-factor/", {"token": token})
    assert response.status_code == 200
    assert "This code is wrong or has already been used" in response.text
    assert client.get("/admin/").status_code == 302


def test_the_second_step_gives_a_new_session_key(client, device):
    sign_in(client)
    before = client.session.session_key
    client.post("/admin/two-factor/", {"token": code(device)})
    assert client.session.session_key != before


def test_staff_without_an_app_enrol_one_then_reach_the_admin(client, board_member):
    sign_in(client)
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1] == ("/admin/two-factor/enrol/?next=%2Fadmin%2F", 302)
    assert "Set up your authenticator app" in response.text
    # Until its first code, the key lives in this session only.
    assert TOTPDevice.objects.filter(user=board_member).count() == 0
    secret = response.context["secret"]
    assert secret.replace(" ", "") in response.context["otpauth_url"]
    assert f"<code>{secret}</code>" in response.text
    assert "<svg" in response.text
    assert "otpauth://totp/I4C%20Dialogues%3Aaigerim?" in response.text
    # Reloading the page keeps the same key (the app may already hold it).
    assert client.get("/admin/two-factor/enrol/").context["secret"] == secret

    response = client.post(
        "/admin/two-factor/enrol/", {"token": code_for(secret), "next": "/admin/"}, follow=True
    )
    assert response.redirect_chain == [("/admin/", 302)]
    assert "Your authenticator app is enrolled" in response.text
    assert "Site administration" in response.text
    device = TOTPDevice.objects.get(user=board_member)
    assert device.confirmed is True
    assert device.bin_key == base64.b32decode(secret.replace(" ", ""))


def test_enrolment_refuses_a_wrong_first_code(client, board_member):
    sign_in(client)
    secret = client.get("/admin/two-factor/enrol/").context["secret"]
    response = client.post("/admin/two-factor/enrol/", {"token": code_for(secret, steps_ahead=10)})
    assert "This code is wrong or has already been used" in response.text
    assert TOTPDevice.objects.filter(user=board_member).count() == 0
    assert client.get("/admin/").status_code == 302


def test_an_enrolled_app_cannot_be_replaced_with_the_password_alone(client, device):
    sign_in(client)
    response = client.get("/admin/two-factor/enrol/")
    assert response.status_code == 302
    assert response["Location"] == "/admin/two-factor/?next=%2Fadmin%2F"
    assert TOTPDevice.objects.filter(user=device.user).count() == 1


def test_the_second_step_pages_need_the_password_first(client):
    for url in ("/admin/two-factor/", "/admin/two-factor/enrol/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == "/admin/login/"


def test_signing_out_from_the_second_step(client, device):
    sign_in(client)
    response = client.post("/admin/two-factor/cancel/")
    assert response["Location"] == "/admin/login/"
    assert signed_in_user_id(client) is None


def test_signing_out_from_the_second_step_is_post_only(client, device):
    sign_in(client)
    response = client.get("/admin/two-factor/cancel/")
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert signed_in_user_id(client) == str(device.user.pk)


def test_the_code_does_not_send_the_browser_to_another_site(client, device):
    sign_in(client)
    response = client.post(
        "/admin/two-factor/?next=https://evil.example/",
        {"token": code(device), "next": "https://evil.example/"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/admin/"


def test_the_first_code_does_not_send_the_browser_to_another_site(client, board_member):
    sign_in(client)
    secret = client.get("/admin/two-factor/enrol/").context["secret"]
    response = client.post(
        "/admin/two-factor/enrol/?next=https://evil.example/",
        {"token": code_for(secret), "next": "https://evil.example/"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/admin/"


def test_repeated_wrong_codes_are_throttled(client, device):
    sign_in(client)
    client.post("/admin/two-factor/", {"token": code(device, steps_ahead=10)})
    # Straight after a wrong code, even the right one is not checked.
    response = client.post("/admin/two-factor/", {"token": code(device)})
    assert response.status_code == 200
    assert "Too many wrong codes. Wait a minute, then enter the newest code." in response.text
    assert client.get("/admin/").status_code == 302
    device.refresh_from_db()
    assert device.throttling_failure_count == 1
    # Once the wait is over, the right code is accepted.
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=timezone.now() - datetime.timedelta(seconds=2)
    )
    response = client.post("/admin/two-factor/", {"token": code(device)})
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def admin_records(caplog) -> list[tuple[str, str]]:
    return [(r.levelname, r.getMessage()) for r in caplog.records if r.name == "i4c.admin"]


def test_a_wrong_code_is_logged_with_the_user_and_the_address(client, device, caplog):
    sign_in(client)
    caplog.set_level(logging.WARNING, logger="i4c.admin")
    client.post(
        "/admin/two-factor/", {"token": code(device, steps_ahead=10)}, REMOTE_ADDR="198.51.100.23"
    )
    client.post("/admin/two-factor/", {"token": "000000"}, REMOTE_ADDR="198.51.100.23")
    assert admin_records(caplog) == [
        ("WARNING", "Wrong two-factor code for aigerim from 198.51.100.23"),
        (
            "WARNING",
            "Two-factor code refused (too many wrong codes) for aigerim from 198.51.100.23",
        ),
    ]


def test_a_wrong_first_code_is_logged_with_the_user_and_the_address(client, board_member, caplog):
    sign_in(client)
    secret = client.get("/admin/two-factor/enrol/").context["secret"]
    caplog.set_level(logging.WARNING, logger="i4c.admin")
    client.post(
        "/admin/two-factor/enrol/",
        {"token": code_for(secret, steps_ahead=10)},
        REMOTE_ADDR="198.51.100.24",
    )
    assert admin_records(caplog) == [
        ("WARNING", "Wrong two-factor code for aigerim from 198.51.100.24"),
    ]


def test_a_key_seen_with_the_password_alone_does_not_outlive_the_owners_enrolment(
    client, board_member
):
    from django.test import Client

    # Someone with the password opens the enrolment page first and keeps the key.
    sign_in(client, address="203.0.113.66")
    stolen = client.get("/admin/two-factor/enrol/").context["secret"]
    assert TOTPDevice.objects.filter(user=board_member).count() == 0
    # The owner signs in later and is given another key.
    owner = Client()
    sign_in(owner)
    secret = owner.get("/admin/two-factor/enrol/").context["secret"]
    assert secret != stolen
    response = owner.post("/admin/two-factor/enrol/", {"token": code_for(secret)})
    assert response["Location"] == "/admin/"
    # The stolen key opens nothing: enrolment is closed and its codes are wrong.
    response = client.post("/admin/two-factor/enrol/", {"token": code_for(stolen)})
    assert response["Location"] == "/admin/two-factor/?next=%2Fadmin%2F"
    response = client.post("/admin/two-factor/", {"token": code_for(stolen)})
    assert "This code is wrong or has already been used" in response.text
    assert client.get("/admin/").status_code == 302
    assert TOTPDevice.objects.filter(user=board_member).count() == 1


def test_a_new_enrolment_session_gets_a_new_key(client, board_member):
    sign_in(client)
    first = client.get("/admin/two-factor/enrol/").context["secret"]
    client.post("/admin/two-factor/cancel/")
    sign_in(client)
    assert client.get("/admin/two-factor/enrol/").context["secret"] != first


def test_stale_unconfirmed_apps_are_deleted(client, board_member):
    # As enrolment pages of earlier versions left them: a key stored, never confirmed.
    TOTPDevice.objects.create(user=board_member, name="Authenticator app", confirmed=False)
    sign_in(client)
    secret = client.get("/admin/two-factor/enrol/").context["secret"]
    assert TOTPDevice.objects.filter(user=board_member).count() == 0
    client.post("/admin/two-factor/enrol/", {"token": code_for(secret)})
    assert list(TOTPDevice.objects.filter(user=board_member).values_list("confirmed")) == [(True,)]


def test_an_enrolment_is_recorded(client, board_member, caplog):
    from django.contrib.admin.models import CHANGE, LogEntry

    sign_in(client)
    secret = client.get("/admin/two-factor/enrol/").context["secret"]
    caplog.set_level(logging.WARNING, logger="i4c.admin")
    client.post(
        "/admin/two-factor/enrol/", {"token": code_for(secret)}, REMOTE_ADDR="198.51.100.30"
    )
    assert admin_records(caplog) == [
        ("WARNING", "Authenticator app enrolled for aigerim from 198.51.100.30"),
    ]
    entry = LogEntry.objects.get()
    assert (entry.user, entry.action_flag, entry.object_id) == (
        board_member,
        CHANGE,
        str(board_member.pk),
    )
    assert entry.get_change_message() == "Enrolled an authenticator app from 198.51.100.30."


def admin_links(html: str) -> list[str]:
    return re.findall(r'href="(/admin/[^"]*)"', html)


def test_the_code_page_shows_no_admin_navigation(client, device):
    make_dialogue()
    sign_in(client)
    response = client.get("/admin/two-factor/")
    assert "Open the authenticator app on your phone" in response.text
    assert admin_links(response.text) == ["/admin/"]
    assert 'id="nav-sidebar"' not in response.text
    assert "changelist" not in response.text
    # Once the code is given, the same admin shows its navigation.
    client.post("/admin/two-factor/", {"token": code(device), "next": "/admin/"})
    signed_in = client.get("/admin/dialogues/dialogue/")
    assert 'id="nav-sidebar"' in signed_in.text
    assert "/admin/dialogues/dialogue/" in admin_links(signed_in.text)


def test_the_enrolment_page_shows_no_admin_navigation(client, board_member):
    sign_in(client)
    response = client.get("/admin/two-factor/enrol/")
    assert "Set up your authenticator app" in response.text
    assert admin_links(response.text) == ["/admin/"]
    assert 'id="nav-sidebar"' not in response.text
    assert "changelist" not in response.text


def test_password_alone_is_refused_on_the_boards_own_admin_pages(client, device, country):
    session = make_session()
    (finding,) = make_findings(session, country)
    sign_in(client)
    for url in (
        "/admin/findings/finding/export.csv",
        "/admin/findings/finding/import/",
        f"/admin/dialogues/session/{session.pk}/notes/",
        f"/admin/dialogues/session/{session.pk}/translations/",
        "/admin/findings/finding/recover/",
        f"/admin/findings/finding/{finding.pk}/history/",
    ):
        response = client.get(url, follow=True)
        assert response.redirect_chain == [
            (f"/admin/login/?next={url}", 302),
            (f"/admin/two-factor/?next={quote(url, safe='')}", 302),
        ], url
        assert "Open the authenticator app on your phone" in response.text
        assert finding.text not in response.text
    for url in (
        "/admin/findings/finding/import/",
        f"/admin/dialogues/session/{session.pk}/notes/",
        f"/admin/dialogues/session/{session.pk}/translations/",
    ):
        response = client.post(url, {"notes": "Kazakhstan: 1) Added without the code"})
        assert response["Location"] == f"/admin/login/?next={url}"
    assert list(session.findings.values_list("text", flat=True)) == [finding.text]


def test_without_two_factor_required_the_password_is_enough(client, board_member, settings):
    settings.I4C_REQUIRE_2FA = False
    response = sign_in(client)
    assert response.status_code == 302
    response = client.get("/admin/")
    assert response.status_code == 200
    assert "Site administration" in response.text


# Sessions


def test_a_session_lasts_a_working_day_after_the_last_request(board_client):
    assert settings.SESSION_COOKIE_AGE == 8 * 60 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is True
    session_key = board_client.session.session_key
    an_hour_ago = timezone.now() + datetime.timedelta(hours=7)
    Session.objects.filter(pk=session_key).update(expire_date=an_hour_ago)
    assert board_client.get("/admin/").status_code == 200
    expiry = Session.objects.get(pk=session_key).expire_date
    expected = timezone.now() + datetime.timedelta(hours=8)
    assert abs(expiry - expected) < datetime.timedelta(minutes=1)


def test_an_idle_session_is_signed_out(board_client):
    Session.objects.filter(pk=board_client.session.session_key).update(
        expire_date=timezone.now() - datetime.timedelta(seconds=1)
    )
    response = board_client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"] == "/admin/login/?next=/admin/"


# The admin at another path


@override_settings(ROOT_URLCONF="tests.urls_moved_admin")
def test_sign_in_works_with_the_admin_moved(client, device):
    response = client.get("/board-office/")
    assert response["Location"] == "/board-office/login/?next=/board-office/"
    assert client.get("/admin/").status_code == 404
    sign_in(client, prefix="/board-office/")
    response = client.get("/board-office/", follow=True)
    assert response.redirect_chain[-1] == (
        "/board-office/two-factor/?next=%2Fboard-office%2F",
        302,
    )
    assert 'action="/board-office/two-factor/cancel/"' in response.text
    response = client.post(
        "/board-office/two-factor/", {"token": code(device), "next": "/board-office/"}
    )
    assert response["Location"] == "/board-office/"
    assert "Site administration" in client.get("/board-office/").text


@override_settings(ROOT_URLCONF="tests.urls_moved_admin")
def test_enrolment_and_lockout_work_with_the_admin_moved(client, board_member):
    sign_in(client, prefix="/board-office/")
    response = client.get("/board-office/", follow=True)
    assert (
        response.redirect_chain[-1][0] == "/board-office/two-factor/enrol/?next=%2Fboard-office%2F"
    )
    assert "Set up your authenticator app" in response.text
    client.post("/board-office/two-factor/cancel/")
    for n in range(5):
        sign_in(
            client, password="wrong guess", address=f"198.51.100.{n + 1}", prefix="/board-office/"
        )
    response = sign_in(client, prefix="/board-office/")
    assert response.status_code == 429
    assert "Sign-in locked" in response.text


def test_the_enrolment_record_is_translated(client, board_member):
    from django.contrib.admin.models import LogEntry

    sign_in(client)
    client.cookies["django_language"] = "ru"
    secret = client.get("/admin/two-factor/enrol/").context["secret"]
    client.post(
        "/admin/two-factor/enrol/", {"token": code_for(secret)}, REMOTE_ADDR="198.51.100.31"
    )
    assert LogEntry.objects.get().change_message == (
        "Подключено приложение-аутентификатор с адреса 198.51.100.31."
    )
