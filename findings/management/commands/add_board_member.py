"""``manage.py add_board_member aigerim --email aigerim@example.org``: a new Board member."""

import getpass

from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email
from django.db import transaction

# The group that the migrations give the Board's permissions.
BOARD = "Board"
TRIES = 3


class Command(BaseCommand):
    help = (
        "Add a Board member: a staff account in the Board group. Asks for the password "
        "twice, without showing it."
    )

    def add_arguments(self, parser):
        parser.add_argument("username", help="the name they sign in with")
        parser.add_argument("--email", required=True, help="their e-mail address")

    def handle(self, *args, username, email, **options):
        User = get_user_model()  # noqa: N806
        username = username.strip()
        user = User(username=username, email=email.strip(), is_staff=True)
        try:
            User._meta.get_field(User.USERNAME_FIELD).run_validators(username)
            validate_email(user.email)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        if User._default_manager.filter(username__iexact=username).exists():
            raise CommandError(
                f"There is already an account named {username!r}: choose another name, or "
                "give that account the Board group in the admin (Users)."
            )
        board = Group.objects.filter(name=BOARD).first()
        if board is None:
            raise CommandError("There is no Board group yet: run `manage.py migrate` first.")

        user.set_password(self.ask_password(user))
        with transaction.atomic():
            user.save()
            user.groups.add(board)
        self.stdout.write(
            self.style.SUCCESS(
                f"{username} is a Board member. At their first sign-in to the admin they "
                "enrol an authenticator app."
            )
        )

    def ask_password(self, user) -> str:
        """The password typed twice (not shown), once it passes the password rules."""
        for _ in range(TRIES):
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                self.stderr.write("The two passwords differ. Try again.")
                continue
            try:
                password_validation.validate_password(password, user)
            except ValidationError as error:
                self.stderr.write("\n".join(error.messages))
                continue
            return password
        raise CommandError(f"No password after {TRIES} tries: nothing was saved.")
