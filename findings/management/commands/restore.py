from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from findings.backup import restore


class Command(BaseCommand):
    help = "Replace everything in the database with a backup made by `backup`."

    def add_arguments(self, parser):
        parser.add_argument("file", help="the backup: a .dump (PostgreSQL) or .json.gz (SQLite)")
        parser.add_argument(
            "--noinput", action="store_false", dest="interactive", help="do not ask to confirm"
        )

    def handle(self, *args, file, interactive, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"There is no file {path}.")
        expected = ".dump" if connection.vendor == "postgresql" else ".json.gz"
        if not path.name.endswith(expected):
            raise CommandError(f"A {connection.vendor} database restores a {expected} backup.")
        name = connection.settings_dict["NAME"]
        if interactive:
            answer = input(f"This replaces everything in {name} with {path}. Type 'yes': ")
            if answer != "yes":
                raise CommandError("Nothing restored.")
        restore(path)
        self.stdout.write(self.style.SUCCESS(f"Restored {path} into {name}"))
        self.stdout.write("Everyone was signed out: every Board member signs in again.")
