"""The record as one JSON file: every published dialogue with its sessions and findings.

The objects carry the API's field names (``opendata/dictionary.py`` describes them).
The file is written as it is read, in chunks of about 64 KiB: the dialogues are
read whole (a few hundred at most), the sessions and the findings each in one
ordered query read a chunk at a time, as plain rows, their themes fetched once per
chunk. Memory stays bounded, and the number of queries depends on the size only
through the chunks (``CHUNK_ROWS``).
"""

import json

from django.conf import settings
from django.db import transaction
from django.db.models import F, Max, Prefetch
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from actions.models import Action
from dialogues.models import Country, Dialogue, Session
from findings.filters import FindingFilter
from findings.models import Finding, public_countries

PUBLISHER = _("Innovation for Change (I4C) Network, Central Asia & Mongolia Hub")
TITLE = _("Regional Dialogues: findings per country")

# Rows per round trip, and per query for their themes.
CHUNK_ROWS = 2000
CHUNK_BYTES = 64 * 1024


def latest_change():
    """When the published content last changed: a dialogue published, a published finding
    or follow-up action changed (None before anything is published). Three queries.

    Drafts count for nothing: their changes are nobody's business but the Board's.
    """
    published = Dialogue.objects.published()
    moments = [
        published.aggregate(moment=Max("published_at"))["moment"],
        # The newest first, from the index on ``updated``: no finding but those is read.
        Finding.objects.published().order_by("-updated").values_list("updated", flat=True).first(),
        Action.objects.published().aggregate(moment=Max("updated"))["moment"],
    ]
    return max((moment for moment in moments if moment), default=None)


def moment(value) -> str | None:
    """A date and time as the API writes it: ISO 8601 in the site's zone, with its offset."""
    if value is None:
        return None
    text = timezone.localtime(value).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def translated(obj, field: str) -> dict[str, str]:
    """``{"en": ..., "ru": ...}``: the languages that have a text, from the row's own columns."""
    return _present(
        (code, getattr(obj, f"{field}_{code}", None)) for code in settings.CONTENT_LANGUAGES
    )


def _present(texts) -> dict[str, str]:
    return {code: text for code, text in texts if text}


def in_every_language(text) -> dict[str, str]:
    """A text of the site's own (a gettext string), in every content language."""
    values = {}
    for code in settings.CONTENT_LANGUAGES:
        with translation.override(code):
            values[code] = str(text)
    return values


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False)


def _opened(obj: dict, key: str) -> str:
    """``obj`` as JSON, left open at a list under ``key`` that the caller fills and closes."""
    return _dumps(obj)[:-1] + f', "{key}": ['


class _Writer:
    """Gathers text and hands it over in chunks of about ``CHUNK_BYTES``."""

    def __init__(self):
        self.parts = []
        self.size = 0

    def write(self, text: str) -> bytes | None:
        self.parts.append(text)
        self.size += len(text)
        # Counted in characters: a chunk is 64 KiB of Latin text, up to twice that of Cyrillic.
        if self.size >= CHUNK_BYTES:
            return self.flush()
        return None

    def flush(self) -> bytes:
        chunk = "".join(self.parts).encode()
        self.parts = []
        self.size = 0
        return chunk


def _sort_key(start, dialogue_id, position, session_id):
    """A session's place in the file: newest dialogue first (as the site lists them),
    then by number. The sessions and the findings are read in this order."""
    return (-start.timestamp(), dialogue_id, position, session_id)


def _countries(url_base: str):
    for country in public_countries().order_by("code"):
        yield {
            "id": country.pk,
            "code": country.code,
            "url": url_base + country.get_absolute_url(),
            "name": translated(country, "name"),
        }


def _themes(url_base: str):
    findings = url_base + reverse("finding_list")
    # The themes the findings' menu offers: those of published findings or sessions.
    themes = FindingFilter().filters["theme"].queryset.order_by("slug")
    for theme in themes:
        yield {
            "id": theme.pk,
            "slug": theme.slug,
            "url": f"{findings}?theme={theme.slug}",
            "name": translated(theme, "name"),
        }


def _dialogue(dialogue, url_base: str) -> dict:
    return {
        "id": dialogue.pk,
        "url": url_base + dialogue.get_absolute_url(),
        "slug": dialogue.slug,
        "title": translated(dialogue, "title"),
        "series": translated(dialogue, "series"),
        "organiser": translated(dialogue, "organiser"),
        "summary": translated(dialogue, "summary"),
        "start": moment(dialogue.start),
        "end": moment(dialogue.end),
        "format": dialogue.format,
        "countries": [country.code for country in dialogue.countries.all()],
        "published_at": moment(dialogue.published_at),
        "report_url": url_base + reverse("dialogue_report", kwargs={"slug": dialogue.slug}),
    }


def _session(row: dict, url: str) -> dict:
    return {
        "id": row["id"],
        "url": url,
        "slug": row["slug"],
        "dialogue": row["dialogue_id"],
        "position": row["position"],
        "title": translated_row(row, "title"),
        "description": translated_row(row, "description"),
        "themes": row["themes"],
    }


def _finding(row: dict, url: str) -> dict:
    return {
        "id": row["id"],
        "url": f"{url}#finding-{row['id']}",
        "dialogue": row["dialogue_id"],
        "session": row["session_id"],
        "country": row["country_code"],
        "kind": row["kind"],
        "position": row["position"],
        "text": translated_row(row, "text"),
        "themes": row["themes"],
        "updated": moment(row["updated"]),
    }


def translated_row(row: dict, field: str) -> dict[str, str]:
    """``translated`` for a row read as a dict."""
    return _present((code, row.get(f"{field}_{code}")) for code in settings.CONTENT_LANGUAGES)


def _texts(field: str) -> list[str]:
    return [f"{field}_{code}" for code in settings.CONTENT_LANGUAGES]


def _queries():
    """The three queries the file is written from, each in the file's order. The sessions
    and findings as plain rows: a hundred thousand model instances would cost more than
    the rest of the file."""
    published = Dialogue.objects.published()
    dialogues = published.order_by("-start", "pk").prefetch_related(
        Prefetch("countries", queryset=Country.objects.order_by("code").only("code"))
    )
    sessions = (
        Session.objects.filter(dialogue__in=published)
        .order_by("-dialogue__start", "dialogue_id", "position", "pk")
        .values(
            "id",
            "slug",
            "dialogue_id",
            "position",
            *_texts("title"),
            *_texts("description"),
            dialogue_start=F("dialogue__start"),
        )
    )
    findings = (
        Finding.objects.published()
        .order_by(
            "-session__dialogue__start",
            "session__dialogue_id",
            "session__position",
            "session_id",
            F("country__code").asc(nulls_last=True),
            "-kind",
            "position",
            "pk",
        )
        .values(
            "id",
            "session_id",
            "kind",
            "position",
            "updated",
            *_texts("text"),
            country_code=F("country__code"),
            dialogue_id=F("session__dialogue_id"),
            dialogue_start=F("session__dialogue__start"),
            session_position=F("session__position"),
        )
    )
    return dialogues, sessions, findings


def _with_themes(rows, model):
    """The rows (dicts with an ``id``) of an ordered query of ``model`` (a session or a
    finding), read ``CHUNK_ROWS`` at a time, each given the slugs of its own themes
    (``themes``): one more query per chunk."""
    through = model.themes.through
    owner = model.themes.field.m2m_field_name() + "_id"
    chunk = []

    def finish():
        slugs = {row["id"]: [] for row in chunk}
        links = (
            through.objects.filter(**{f"{owner}__in": list(slugs)})
            .order_by(owner, "theme__slug")
            .values_list(owner, "theme__slug")
        )
        for row_id, slug in links:
            slugs[row_id].append(slug)
        for row in chunk:
            row["themes"] = slugs[row["id"]]
        return chunk

    for row in rows.iterator(chunk_size=CHUNK_ROWS):
        chunk.append(row)
        if len(chunk) == CHUNK_ROWS:
            yield from finish()
            chunk = []
    if chunk:
        yield from finish()


class _Ahead:
    """An iterator whose next item can be looked at before it is taken."""

    _END = object()

    def __init__(self, iterable):
        self.iterator = iter(iterable)
        self.next = next(self.iterator, self._END)

    @property
    def done(self) -> bool:
        return self.next is self._END

    def take(self):
        item = self.next
        self.next = next(self.iterator, self._END)
        return item


def json_chunks(*, url_base: str):
    """The file, in chunks of bytes. ``url_base``: the site's scheme and host, which the
    ``url`` fields start with."""
    return (chunk for chunk in _parts(url_base) if chunk)


def _parts(url_base: str):
    writer = _Writer()
    head = {
        "title": in_every_language(TITLE),
        "publisher": in_every_language(PUBLISHER),
        "licence": dict(settings.I4C_OPEN_DATA_LICENCE),
        "url": url_base + reverse("open_data"),
        "modified": moment(latest_change()),
        "countries": list(_countries(url_base)),
        "themes": list(_themes(url_base)),
    }
    yield writer.write(_opened(head, "dialogues"))
    # One transaction: PostgreSQL reads the chunks through server-side cursors, which
    # outside one it would fill whole before the first row.
    with transaction.atomic():
        dialogues, sessions, findings = _queries()
        sessions = _Ahead(_with_themes(sessions, Session))
        findings = _Ahead(_with_themes(findings, Finding))
        for d, dialogue in enumerate(dialogues):
            yield writer.write(
                ("," if d else "") + _opened(_dialogue(dialogue, url_base), "sessions")
            )
            written = 0
            key = (-dialogue.start.timestamp(), dialogue.pk)
            # Each query sees the content as it was when it ran: rows of a dialogue
            # published meanwhile, or of a session moved, are passed over, not misplaced.
            while not sessions.done and sessions.next["dialogue_id"] != dialogue.pk:
                following = sessions.next
                if (-following["dialogue_start"].timestamp(), following["dialogue_id"]) > key:
                    break
                sessions.take()
            while not sessions.done and sessions.next["dialogue_id"] == dialogue.pk:
                session = sessions.take()
                url = url_base + reverse(
                    "session_detail",
                    kwargs={"dialogue_slug": dialogue.slug, "slug": session["slug"]},
                )
                yield writer.write(
                    ("," if written else "") + _opened(_session(session, url), "findings")
                )
                written += 1
                here = _sort_key(dialogue.start, dialogue.pk, session["position"], session["id"])
                first = True
                while not findings.done:
                    finding = findings.next
                    there = _sort_key(
                        finding["dialogue_start"],
                        finding["dialogue_id"],
                        finding["session_position"],
                        finding["session_id"],
                    )
                    if there > here:
                        break
                    findings.take()
                    if finding["session_id"] != session["id"]:
                        continue  # a finding of a session this file passed over
                    yield writer.write(("" if first else ",") + _dumps(_finding(finding, url)))
                    first = False
                yield writer.write("]}")
            yield writer.write("]}")
    writer.write("]}\n")
    yield writer.flush()
