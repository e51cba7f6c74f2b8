"""The data dictionary: every column of the findings' CSV and every field of the JSON API
and the bulk JSON file, with its meaning, its type and an example.

Kept as data, rendered by ``/open-data/`` (``templates/opendata/open_data.html``).
A test checks that every column of ``findings.export.HEADER`` is described here,
and that every field the bulk file writes is, so neither can grow a field nobody
explains.
"""

import dataclasses

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


@dataclasses.dataclass(frozen=True)
class Field:
    name: str
    meaning: Promise
    type: Promise
    example: str


@dataclasses.dataclass(frozen=True)
class Table:
    """The fields of one file or one kind of object."""

    key: str
    title: Promise
    fields: list[Field]

    @property
    def names(self) -> list[str]:
        return [field.name for field in self.fields]


# The types, said once each.
INTEGER = pgettext_lazy("a type in the data dictionary", "integer")
TEXT = pgettext_lazy("a type in the data dictionary", "text")
SLUG = pgettext_lazy(
    "a type in the data dictionary", "text: lower-case Latin letters, digits and hyphens"
)
CODE = pgettext_lazy("a type in the data dictionary", "text: two capital Latin letters")
CODE_OR_EMPTY = pgettext_lazy(
    "a type in the data dictionary", "text: two capital Latin letters, or empty"
)
CODE_OR_NULL = pgettext_lazy(
    "a type in the data dictionary", "text: two capital Latin letters, or null"
)
KIND = pgettext_lazy("a type in the data dictionary", "text: “success” or “problem”")
DATE = pgettext_lazy("a type in the data dictionary", "date (YYYY-MM-DD)")
DATETIME = pgettext_lazy("a type in the data dictionary", "date and time (ISO 8601, with offset)")
URL = pgettext_lazy("a type in the data dictionary", "address (URL)")
TRANSLATED = pgettext_lazy(
    "a type in the data dictionary", "object: one text per language code (en, ru)"
)
CODES = pgettext_lazy("a type in the data dictionary", "list of country codes")
SLUGS = pgettext_lazy("a type in the data dictionary", "list of theme slugs")
IDS = pgettext_lazy("a type in the data dictionary", "list of integers")
INTEGER_OR_NULL = pgettext_lazy("a type in the data dictionary", "integer, or null")
DATE_OR_NULL = pgettext_lazy("a type in the data dictionary", "date (YYYY-MM-DD), or null")
SEPARATED = pgettext_lazy("a type in the data dictionary", "text: names separated by “; ”")
OBJECTS = pgettext_lazy("a type in the data dictionary", "list of objects")

DIALOGUE_SLUG = "role-impact-barriers-civil-society-2024"
SESSION_PATH = f"/dialogues/{DIALOGUE_SLUG}/citizen-participation/"


def _translated(en: str, ru: str) -> str:
    return f'{{"en": "{en}", "ru": "{ru}"}}'


CSV_COLUMNS = Table(
    "csv",
    _("CSV file of the findings"),
    [
        Field("id", _("The finding's number in the database; it never changes."), INTEGER, "17"),
        Field("dialogue", _("The dialogue's slug (its address on the site)."), SLUG, DIALOGUE_SLUG),
        Field(
            "dialogue_date",
            _("The day the dialogue began, in the site's time zone."),
            DATE,
            "2024-09-20",
        ),
        Field(
            "session", _("The session's slug, within its dialogue."), SLUG, "citizen-participation"
        ),
        Field(
            "country",
            _("The country's name in the file's language; empty for a regional finding."),
            TEXT,
            "Kazakhstan",
        ),
        Field(
            "country_code",
            _("The country's ISO 3166-1 alpha-2 code; empty for a regional finding."),
            CODE_OR_EMPTY,
            "KZ",
        ),
        Field("kind", _("A success (good practice) or a problem (a barrier)."), KIND, "success"),
        Field(
            "position",
            _(
                "The finding's number in its list: the session's successes, or problems, "
                "of that country."
            ),
            INTEGER,
            "1",
        ),
        Field(
            "text",
            _("What was reported, in the file's language (else in English)."),
            TEXT,
            "Compliance with standards of public participation",
        ),
        Field(
            "themes",
            _("The finding's own themes, by name, in the file's language."),
            SEPARATED,
            "Digital advocacy; Shrinking civic space",
        ),
        Field(
            "url",
            _("The finding on its session's page."),
            URL,
            f"https://…{SESSION_PATH}#finding-17",
        ),
    ],
)

_ID = Field("id", _("The object's number in the database; it never changes."), INTEGER, "3")

API_TABLES = [
    Table(
        "dialogues",
        _("Dialogues: /api/v1/dialogues/"),
        [
            _ID,
            Field(
                "url",
                _("The dialogue's page on this site."),
                URL,
                f"https://…/dialogues/{DIALOGUE_SLUG}/",
            ),
            Field("slug", _("The dialogue's slug (its address on the site)."), SLUG, DIALOGUE_SLUG),
            Field(
                "title",
                _("The dialogue's title."),
                TRANSLATED,
                _translated("Role, impact of and barriers…", "Роль, влияние и барьеры…"),
            ),
            Field(
                "series",
                _("The series the dialogue belongs to."),
                TRANSLATED,
                _translated(
                    "Regional Dialogues: Defending Civic Space",
                    "Региональные диалоги: защита гражданского пространства",
                ),
            ),
            Field(
                "organiser",
                _("Who held the dialogue."),
                TRANSLATED,
                _translated(
                    "Innovation for Change (I4C) Network…", "Сеть «Инновации для перемен»…"
                ),
            ),
            Field(
                "summary",
                _("What the dialogue was for."),
                TRANSLATED,
                _translated("The online Regional Dialogue…", "Онлайн-региональный диалог…"),
            ),
            Field("start", _("When the dialogue began."), DATETIME, "2024-09-20T16:00:00+06:00"),
            Field("end", _("When the dialogue ended."), DATETIME, "2024-09-20T18:30:00+06:00"),
            Field(
                "format", _("How it was held: “online”, “in_person” or “hybrid”."), TEXT, "online"
            ),
            Field(
                "countries", _("The participating countries."), CODES, '["KG", "KZ", "TJ", "UZ"]'
            ),
            Field(
                "published_at",
                _("When the dialogue was published on this site."),
                DATETIME,
                "2024-10-01T12:00:00+06:00",
            ),
            Field(
                "report_url",
                _(
                    "The dialogue's report (a printable page, with links to the Word and PDF "
                    "files)."
                ),
                URL,
                f"https://…/dialogues/{DIALOGUE_SLUG}/report/",
            ),
            Field(
                "sessions",
                _("The dialogue's sessions, in order: id, url, slug, position and title of each."),
                OBJECTS,
                '[{"id": 5, "position": 1, …}]',
            ),
        ],
    ),
    Table(
        "sessions",
        _("Sessions: /api/v1/sessions/"),
        [
            _ID,
            Field(
                "url",
                _("The session's page on this site, with its findings."),
                URL,
                f"https://…{SESSION_PATH}",
            ),
            Field(
                "slug", _("The session's slug, within its dialogue."), SLUG, "citizen-participation"
            ),
            Field("dialogue", _("The id of the session's dialogue."), INTEGER, "3"),
            Field("position", _("The session's number within its dialogue."), INTEGER, "1"),
            Field(
                "title",
                _("The session's title."),
                TRANSLATED,
                _translated("Citizen participation…", "Участие граждан…"),
            ),
            Field(
                "description", _("What the session was about."), TRANSLATED, _translated("…", "…")
            ),
            Field(
                "themes",
                _("The session's themes (they apply to all its findings)."),
                SLUGS,
                '["citizen-participation"]',
            ),
        ],
    ),
    Table(
        "findings",
        _("Findings: /api/v1/findings/"),
        [
            _ID,
            Field(
                "url",
                _("The finding on its session's page."),
                URL,
                f"https://…{SESSION_PATH}#finding-17",
            ),
            Field("dialogue", _("The id of the finding's dialogue."), INTEGER, "3"),
            Field("session", _("The id of the finding's session."), INTEGER, "5"),
            Field(
                "country",
                _("The country's code; null for a regional finding."),
                CODE_OR_NULL,
                "KZ",
            ),
            Field(
                "kind", _("A success (good practice) or a problem (a barrier)."), KIND, "problem"
            ),
            Field(
                "position",
                _(
                    "The finding's number in its list: the session's successes, or problems, "
                    "of that country."
                ),
                INTEGER,
                "2",
            ),
            Field(
                "text",
                _("What was reported."),
                TRANSLATED,
                _translated("Lack of unity and partnership", "Отсутствие единства и партнёрства"),
            ),
            Field("themes", _("The finding's own themes."), SLUGS, '["shrinking-civic-space"]'),
            Field(
                "updated",
                _("When the finding was last changed."),
                DATETIME,
                "2024-10-01T12:00:00.123456+06:00",
            ),
        ],
    ),
    Table(
        "countries",
        _("Countries: /api/v1/countries/"),
        [
            _ID,
            Field("code", _("The country's ISO 3166-1 alpha-2 code."), CODE, "KZ"),
            Field(
                "url",
                _("The country's page: its findings in every dialogue."),
                URL,
                "https://…/countries/kz/",
            ),
            Field(
                "name", _("The country's name."), TRANSLATED, _translated("Kazakhstan", "Казахстан")
            ),
        ],
    ),
    Table(
        "themes",
        _("Themes: /api/v1/themes/"),
        [
            _ID,
            Field("slug", _("The theme's slug."), SLUG, "digital-advocacy"),
            Field(
                "url",
                _("The findings on the theme."),
                URL,
                "https://…/findings/?theme=digital-advocacy",
            ),
            Field(
                "name",
                _("The theme's name."),
                TRANSLATED,
                _translated("Digital advocacy", "Цифровая адвокация"),
            ),
        ],
    ),
    Table(
        "actions",
        _("Follow-up actions: /api/v1/actions/"),
        [
            _ID,
            Field("url", _("The action's page on this site."), URL, "https://…/actions/4/"),
            Field(
                "dialogue",
                _("The id of the dialogue at which the action was agreed."),
                INTEGER,
                "3",
            ),
            Field(
                "session",
                _("The id of the session at which it was agreed, if one."),
                INTEGER_OR_NULL,
                "5",
            ),
            Field(
                "title",
                _("What is to be done, in short."),
                TRANSLATED,
                _translated("Training on public councils", "Обучение по общественным советам"),
            ),
            Field(
                "description", _("What is to be done, in full."), TRANSLATED, _translated("…", "…")
            ),
            Field(
                "carried_by",
                _("Who carries the action, in words."),
                TRANSLATED,
                _translated("I4C Board", "Правление I4C"),
            ),
            Field("countries", _("The countries the action is tied to."), CODES, '["KZ"]'),
            Field("due_date", _("When it is due, if a date was set."), DATE_OR_NULL, "2025-06-30"),
            Field(
                "status",
                _("How it is going: “planned”, “in_progress”, “done” or “dropped”."),
                TEXT,
                "in_progress",
            ),
            Field(
                "problems",
                _("The ids of the problems (findings) the action answers."),
                IDS,
                "[17, 21]",
            ),
            Field(
                "updated",
                _("When the action was last changed."),
                DATETIME,
                "2025-01-15T09:30:00+06:00",
            ),
        ],
    ),
]

# The bulk file: the same objects as the API, nested, under a few fields of its own.
BULK_TABLE = Table(
    "bulk",
    _("JSON file of the findings: /open-data/findings.json"),
    [
        Field(
            "title",
            _("The dataset's title."),
            TRANSLATED,
            _translated("Regional Dialogues: findings", "Региональные диалоги: выводы"),
        ),
        Field(
            "publisher",
            _("Who publishes the dataset."),
            TRANSLATED,
            _translated("Innovation for Change (I4C) Network…", "Сеть «Инновации для перемен»…"),
        ),
        Field(
            "licence",
            _("The licence: its name and the address of its text."),
            pgettext_lazy("a type in the data dictionary", "object: name, url"),
            '{"name": "…", "url": "https://…"}',
        ),
        Field("url", _("This page, which describes the dataset."), URL, "https://…/open-data/"),
        Field(
            "modified",
            _("When the published content last changed."),
            DATETIME,
            "2024-10-01T12:00:00+06:00",
        ),
        Field(
            "countries",
            _("Every country with published findings, as /api/v1/countries/ gives them."),
            OBJECTS,
            '[{"code": "KZ", …}]',
        ),
        Field(
            "themes",
            _("Every theme of published findings or sessions, as /api/v1/themes/ gives them."),
            OBJECTS,
            '[{"slug": "digital-advocacy", …}]',
        ),
        Field(
            "dialogues",
            _(
                "Every published dialogue, as /api/v1/dialogues/ gives it; each of its "
                "“sessions” as /api/v1/sessions/ gives it, with its “findings” as "
                "/api/v1/findings/ gives them."
            ),
            OBJECTS,
            '[{"id": 3, "sessions": [{"id": 5, "findings": [{"id": 17, …}]}]}]',
        ),
    ],
)

FINDINGS_IN_SESSION = Field(
    "findings",
    _("In the bulk file only: the session's findings, in order (country, kind, number)."),
    OBJECTS,
    '[{"id": 17, "kind": "success", …}]',
)


def api_table(key: str) -> Table:
    return next(table for table in API_TABLES if table.key == key)
