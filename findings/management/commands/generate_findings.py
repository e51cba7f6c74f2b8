"""Realistic synthetic findings in bulk, for measuring exports (never for the real site).

Six countries (the hub's, from the data migration) plus regional findings,
tens of published dialogues of eight sessions, texts of 100-400 characters in
Russian and English with commas, quotes, line breaks and the odd formula-like
start, and about one theme per finding. Rows go in with COPY on PostgreSQL and
``executemany`` elsewhere: a million findings take well under a minute.
"""

import csv
import datetime
import io
import math
import random
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from dialogues.enums import Status
from dialogues.models import Country, Dialogue, Session, Theme
from findings.enums import Kind
from findings.models import Finding

SESSIONS_PER_DIALOGUE = 8
FINDINGS_PER_DIALOGUE = 25_000
BATCH = 50_000

THEMES = [
    "Civic space",
    "Registration",
    "Funding",
    "Foreign agents",
    "Media freedom",
    "Youth",
    "Gender equality",
    "Digital rights",
    "Environment",
    "Access to information",
    "Peaceful assembly",
    "Partnership with the state",
]

SENTENCES = [
    "Registration of a new NGO takes up to six months, and the fees rose again",
    "Regional networks shared legal aid, trainings and templates for reports",
    'The law "On non-commercial organisations" was amended without consultation',
    "Grants from local business grew, though slowly",
    "Activists reported pressure from the tax inspection; two were fined",
    "Youth councils met the akimat every quarter",
    "Online petitions reached 40,000 signatures",
    "Регистрация НКО занимает до шести месяцев, а пошлины снова выросли",
    "Региональные сети делились юридической помощью, тренингами и шаблонами отчётов",
    "Закон «О некоммерческих организациях» изменили без обсуждения с обществом",
    'Молодёжные советы встречались с акиматом каждый квартал, "по графику"',
    "Активисты сообщали о давлении налоговой; двоих оштрафовали",
    "Онлайн-петиции собрали 40 000 подписей",
    "Гранты местного бизнеса выросли, хотя и медленно",
]
# Starts a spreadsheet would run: the export must defuse them.
FORMULA_STARTS = ["=", "-", "+", "@"]


def synthetic_text(rng: random.Random) -> str:
    target = rng.randint(100, 400)
    parts = []
    length = 0
    while length < target:
        sentence = rng.choice(SENTENCES)
        parts.append(sentence)
        length += len(sentence) + 2
        if rng.random() < 0.15:
            parts.append("\n")
    text = ". ".join(parts).replace(". \n. ", ".\n")[:target].rstrip() + "."
    if rng.random() < 0.02:
        text = rng.choice(FORMULA_STARTS) + text
    return text


class Command(BaseCommand):
    help = "Add N synthetic findings (with their dialogues, sessions and themes) for benchmarks."

    def add_arguments(self, parser):
        parser.add_argument("--findings", type=int, required=True, help="how many findings to add")
        parser.add_argument("--seed", type=int, default=4, help="random seed (default 4)")

    def handle(self, *args, findings, seed, **options):
        if findings < 1:
            raise CommandError("--findings must be at least 1.")
        started = time.monotonic()
        rng = random.Random(seed)  # noqa: S311 (synthetic data, not secrets)
        with transaction.atomic():
            sessions = self.sessions(findings, rng)
            countries = [*Country.objects.values_list("pk", flat=True), None]
            rows = self.rows(findings, sessions, countries, rng)
            if connection.vendor == "postgresql":
                self.copy(rows)
            else:
                self.insert(rows)
            self.tag([session.pk for session in sessions])
        self.stdout.write(
            f"Added {findings} findings in {len(sessions) // SESSIONS_PER_DIALOGUE} dialogues, "
            f"{len(sessions)} sessions, in {time.monotonic() - started:.1f} s."
        )

    def sessions(self, findings, rng) -> list[Session]:
        for name in THEMES:
            Theme.objects.get_or_create(
                name=name, defaults={"slug": name.lower().replace(" ", "-")}
            )
        run = Dialogue.objects.filter(slug__startswith="synthetic-").count()
        count = max(1, math.ceil(findings / FINDINGS_PER_DIALOGUE))
        base = datetime.datetime(2020, 1, 15, 4, 0, tzinfo=datetime.UTC)
        dialogues = Dialogue.objects.bulk_create(
            Dialogue(
                title=f"Synthetic regional dialogue {run + i + 1}",
                slug=f"synthetic-{run + i + 1}",
                start=base + datetime.timedelta(days=13 * (run + i), hours=rng.randint(0, 20)),
                end=base + datetime.timedelta(days=13 * (run + i), hours=22),
                status=Status.PUBLISHED,
                published_at=timezone.now(),
            )
            for i in range(count)
        )
        return Session.objects.bulk_create(
            Session(
                dialogue=dialogue,
                position=n,
                title=f"Session {n}",
                slug=f"session-{n}",
            )
            for dialogue in dialogues
            for n in range(1, SESSIONS_PER_DIALOGUE + 1)
        )

    def rows(self, findings, sessions, countries, rng):
        """(session, country, kind, position, text) tuples, numbered list by list."""
        numbers = {}
        kinds = [Kind.SUCCESS.value, Kind.PROBLEM.value]
        for i in range(findings):
            session = sessions[i % len(sessions)].pk
            country = countries[rng.randrange(len(countries))]
            kind = kinds[rng.random() < 0.55]
            key = (session, country, kind)
            numbers[key] = position = numbers.get(key, 0) + 1
            yield session, country, kind, position, synthetic_text(rng)

    def copy(self, rows):
        now = timezone.now().isoformat()
        # The text goes to its English column too, where the pages read it.
        columns = "session_id, country_id, kind, position, text, text_en, created, updated"
        sql = f"COPY {Finding._meta.db_table} ({columns}) FROM STDIN WITH (FORMAT csv)"
        with connection.cursor() as cursor:
            for batch in _batches(rows):
                buffer = io.StringIO()
                csv.writer(buffer).writerows((*row, row[-1], now, now) for row in batch)
                buffer.seek(0)
                cursor.copy_expert(sql, buffer)

    def insert(self, rows):
        now = timezone.now()
        sql = (
            f"INSERT INTO {Finding._meta.db_table} "  # noqa: S608 (a model's table)
            "(session_id, country_id, kind, position, text, text_en, created, updated) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
        )
        with connection.cursor() as cursor:
            for batch in _batches(rows):
                cursor.executemany(sql, [(*row, row[-1], now, now) for row in batch])

    def tag(self, session_ids):
        """About one theme per finding, chosen by a hash of the ids: one statement."""
        through = Finding.themes.through._meta.db_table
        sql = (
            f"INSERT INTO {through} (finding_id, theme_id) "  # noqa: S608 (models' tables)
            f"SELECT f.id, t.id FROM {Finding._meta.db_table} f "
            f"CROSS JOIN {Theme._meta.db_table} t "
            "WHERE f.session_id IN (SELECT value FROM json_each(%s)) "
            "AND (f.id * 31 + t.id * 17) %% 13 = 0"
        )
        if connection.vendor == "postgresql":
            sql = sql.replace("SELECT value FROM json_each(%s)", "SELECT unnest(%s::bigint[])")
            params = [list(session_ids)]
        else:
            params = ["[" + ",".join(map(str, session_ids)) + "]"]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)


def _batches(rows):
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch
