from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from findings.backup import backup


class Command(BaseCommand):
    help = "Back up the whole site into backups/ (pg_dump on PostgreSQL, dumpdata on SQLite)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--directory",
            default=str(settings.BASE_DIR / "backups"),
            help="where to write it (made readable by this user only)",
        )

    def handle(self, *args, directory, **options):
        path = backup(Path(directory))
        self.stdout.write(self.style.SUCCESS(f"Backed up to {path}"))
