"""``manage.py add_board_member`` and ``make board-member``: a Board member, from a terminal."""

import getpass
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "steppe winds carry news 42"

pytestmark = pytest.mark.django_db


@pytest.fixture
def typed(monkeypatch):
    """What the person types at each password prompt (never shown: getpass), in order."""
    answers: list[str] = []
    prompts: list[str] = []

    def fake_getpass(prompt="Password: "):
        prompts.append(prompt)
        return answers.pop(0)

    monkeypatch.setattr(getpass, "getpass", fake_getpass)
    return answers, prompts


def add(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("add_board_member", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_a_board_member_is_a_staff_account_in_the_board_group_with_the_password_typed_twice(
    typed,
):
    answers, prompts = typed
    answers += [PASSWORD, PASSWORD]

    out, err = add("aigerim", "--email", "aigerim@example.org")

    user = User.objects.get(username="aigerim")
    assert (user.email, user.is_staff, user.is_superuser) == ("aigerim@example.org", True, False)
    assert [group.name for group in user.groups.all()] == ["Board"]
    assert user.check_password(PASSWORD)
    assert user.has_perm("findings.change_finding")
    assert prompts == ["Password: ", "Password (again): "]
    assert out == (
        "aigerim is a Board member. At their first sign-in to the admin they enrol an "
        "authenticator app.\n"
    )
    assert PASSWORD not in out + err


def test_a_password_typed_differently_or_too_weak_is_asked_again(typed):
    answers, _ = typed
    answers += [PASSWORD, "steppe winds", "short", "short", PASSWORD, PASSWORD]

    _, err = add("aigerim", "--email", "aigerim@example.org")

    assert err.splitlines() == [
        "The two passwords differ. Try again.",
        "This password is too short. It must contain at least 12 characters.",
    ]
    assert User.objects.get(username="aigerim").check_password(PASSWORD)


def test_three_bad_passwords_save_nothing(typed):
    answers, _ = typed
    answers += ["aigerim@example", "aigerim@example", "123456789012", "123456789012"]
    answers += ["password", "password"]

    with pytest.raises(CommandError) as refused:
        add("aigerim", "--email", "aigerim@example.org")

    assert str(refused.value) == "No password after 3 tries: nothing was saved."
    assert not User.objects.filter(username="aigerim").exists()


def test_an_existing_user_name_is_refused_before_any_password_is_asked(typed, board_member):
    _, prompts = typed
    with pytest.raises(CommandError) as refused:
        add("Aigerim", "--email", "other@example.org")
    assert str(refused.value) == (
        "There is already an account named 'Aigerim': choose another name, or give that "
        "account the Board group in the admin (Users)."
    )
    assert prompts == []
    assert User.objects.get().email == "aigerim@example.org"


@pytest.mark.parametrize(
    ("username", "email", "message"),
    [
        ("aigerim", "not an address", "Enter a valid email address."),
        ("ai gerim", "aigerim@example.org", "Enter a valid username."),
    ],
)
def test_a_bad_name_or_address_is_refused_with_a_message(typed, username, email, message):
    _, prompts = typed
    with pytest.raises(CommandError) as refused:
        add(username, "--email", email)
    assert str(refused.value).startswith(message)
    assert prompts == []
    assert not User.objects.exists()


def test_make_board_member_works_as_the_readme_shows_without_the_web_settings(tmp_path):
    """Run as an operator does, without DJANGO_SECRET_KEY: the password comes from the
    terminal, here standard input (no terminal in this process group)."""
    database = f"sqlite:///{tmp_path / 'site.sqlite3'}"
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_URL", "MAKE", "MFLAGS", "I4C_"))
    }
    env = {**clean, "DATABASE_URL": database}
    migrate = [sys.executable, "manage.py", "migrate", "-v0"]
    subprocess.run(migrate, cwd=ROOT, env={**env, "DJANGO_DEBUG": "true"}, check=True)

    made = subprocess.run(
        ["make", "--no-print-directory", "board-member", "NAME=nurlan", "EMAIL=n@example.org"],
        cwd=ROOT,
        env=env,
        input=f"{PASSWORD}\n{PASSWORD}\n",
        capture_output=True,
        text=True,
        check=False,
        start_new_session=True,  # no terminal: getpass reads standard input
    )

    assert made.returncode == 0, made.stderr
    assert made.stdout.splitlines()[-1] == (
        "nurlan is a Board member. At their first sign-in to the admin they enrol an "
        "authenticator app."
    )
    assert PASSWORD not in made.stdout
    asked = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "-c",
            "from django.contrib.auth.models import User; u = User.objects.get(); "
            f"print(u.username, u.is_staff, list(u.groups.values_list('name', flat=True)), "
            f"u.check_password({PASSWORD!r}))",
        ],
        cwd=ROOT,
        env={**env, "DJANGO_DEBUG": "true"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert asked.stdout.splitlines()[-1] == "nurlan True ['Board'] True"
