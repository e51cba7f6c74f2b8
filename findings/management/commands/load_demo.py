from django.core.management.base import BaseCommand

from findings.demo import load_demo


class Command(BaseCommand):
    help = "Load the Regional Dialogue of 20 September 2024 as demo data (safe to run again)."

    def handle(self, *args, **options):
        created = load_demo()
        self.stdout.write(
            self.style.SUCCESS(
                "Demo data ready: created {dialogues} dialogue(s), {sessions} session(s), "
                "{findings} finding(s), {themes} theme(s).".format(**created)
            )
        )
