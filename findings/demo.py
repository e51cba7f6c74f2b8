"""The demo data: the Regional Dialogue of 20 September 2024, as its report gives it.

The report gives the time (16:00-18:30) without a zone; it was written in
Bishkek, so the times are read there (UTC+6). The report is in English; the
Russian version of each text (``..._ru``) was written for this site.
"""

import datetime
from zoneinfo import ZoneInfo

import reversion
from django.conf import settings
from django.db import transaction

from dialogues.enums import Format, Status
from dialogues.models import Country, Dialogue, Session, Theme

from .enums import Kind
from .models import Finding

REPORT_ZONE = ZoneInfo("Asia/Bishkek")

THEMES = {
    "citizen-participation": "Citizen participation in decision making",
    "good-governance": "Democracy, transparency and good governance",
    "digital-advocacy": "Digital advocacy",
    "enabling-environment": "Enabling environment for civil society",
    "shrinking-civic-space": "Shrinking civic space",
}
THEMES_RU = {
    "citizen-participation": "Участие граждан в принятии решений",
    "good-governance": "Демократия, прозрачность и надлежащее управление",
    "digital-advocacy": "Цифровая адвокация",
    "enabling-environment": "Благоприятная среда для гражданского общества",
    "shrinking-civic-space": "Сужение гражданского пространства",
}

DIALOGUE = {
    "slug": "role-impact-barriers-civil-society-2024",
    "title": "Role, impact of and barriers for the civil society in Central Asia and Mongolia",
    "series": "Regional Dialogues: Defending Civic Space",
    "organiser": "Innovation for Change (I4C) Network, Central Asia & Mongolia Hub",
    "start": datetime.datetime(2024, 9, 20, 16, 0, tzinfo=REPORT_ZONE),
    "end": datetime.datetime(2024, 9, 20, 18, 30, tzinfo=REPORT_ZONE),
    "format": Format.ONLINE,
    "summary": (
        "The online Regional Dialogue was held by the Innovation for Change (I4C) Network in "
        "Central Asia and Mongolia to address the role, impact of and barriers for the civil "
        "society in Central Asia and Mongolia. The current period for the region is "
        "characterized by active participation of civil society organizations in diverse "
        "social, economic and political processes that influence people's lives.\n\n"
        "The Dialogue raised issues of the enabling environment for civil society and of "
        "defending civic space in Central Asia, the barriers civil society organizations "
        "face, and the areas of their impact in the region, followed by a discussion of the "
        "components of civic space and follow-up actions for the I4C Network."
    ),
    "title_ru": "Роль, влияние и барьеры гражданского общества в Центральной Азии и Монголии",
    "series_ru": "Региональные диалоги: защита гражданского пространства",
    "organiser_ru": "Сеть «Инновации для перемен» (I4C), хаб Центральной Азии и Монголии",
    "summary_ru": (
        "Онлайн-региональный диалог провела Сеть «Инновации для перемен» (I4C) в "
        "Центральной Азии и Монголии, чтобы обсудить роль и влияние гражданского общества "
        "в Центральной Азии и Монголии и барьеры, с которыми оно сталкивается. Нынешний "
        "период для региона отличается активным участием организаций гражданского общества "
        "в самых разных социальных, экономических и политических процессах, от которых "
        "зависит жизнь людей.\n\n"
        "На диалоге обсуждались благоприятная среда для гражданского общества и защита "
        "гражданского пространства в Центральной Азии, барьеры, с которыми сталкиваются "
        "организации гражданского общества, и сферы их влияния в регионе; затем участники "
        "обсудили составляющие гражданского пространства и дальнейшие действия Сети I4C."
    ),
    # The countries whose organisations reported findings, and Kyrgyzstan, whose
    # Forum of Women's NGOs wrote the report.
    "countries": ["KZ", "KG", "TJ", "UZ"],
}

SESSIONS = [
    {
        "position": 1,
        "slug": "citizen-participation",
        "title": (
            "Citizen Participation in Decision Making and Democracy, Transparency and Good "
            "Governance, Digital Advocacy in Central Asia and Mongolia"
        ),
        "description": (
            "The experience of civil society organizations in citizen participation in "
            "decision making, and the problems they meet in this field."
        ),
        "title_ru": (
            "Участие граждан в принятии решений, демократия, прозрачность и надлежащее "
            "управление, цифровая адвокация в Центральной Азии и Монголии"
        ),
        "description_ru": (
            "Опыт организаций гражданского общества в участии граждан в принятии решений и "
            "проблемы, с которыми они сталкиваются в этой сфере."
        ),
        "themes": ["citizen-participation", "good-governance", "digital-advocacy"],
        "findings": {
            Kind.SUCCESS: {
                "KZ": [
                    "Compliance with standards of public participation in decision-making "
                    "processes",
                    "Involvement of young people in decision-making processes",
                    "Conducting discussions of regulatory legal acts at an early stage of "
                    "document development",
                    "Developing online broadcasts from court proceedings",
                    "Signing online petitions",
                    "Conducting research, holding campaigns",
                    "Creating an online game to increase interest in certain issues",
                    "Filing lawsuits in court",
                    "Releasing caricatures of officials",
                ],
                "TJ": [
                    "High potential of public initiative organizations",
                    "Activities of public organizations are based on the needs of target groups",
                ],
                "UZ": [
                    "Active civic position of NGOs to expose facts of corruption",
                    "Educating and informing the public about its rights, opportunities",
                ],
            },
            Kind.PROBLEM: {
                "KZ": [
                    "Lack of unity and partnership",
                    "Competitiveness in finding money and receiving it",
                ],
                "TJ": [
                    "Representatives of public organizations do not know their rights and "
                    "powers, are not informed about the legislative aspects of their activities",
                    "Duplication of the work of international organizations and NGOs",
                ],
                "UZ": [
                    "The Law “On Social Partnership”, which unscrupulous bureaucrats interpret "
                    "as an opportunity to exploit NGOs when they receive grants",
                    "Government agencies are afraid to work with NGOs",
                ],
            },
        },
        # The same lists, in Russian, item for item.
        "findings_ru": {
            Kind.SUCCESS: {
                "KZ": [
                    "Соблюдение стандартов участия общественности в процессах принятия решений",
                    "Вовлечение молодёжи в процессы принятия решений",
                    "Обсуждение нормативных правовых актов на ранней стадии разработки документа",
                    "Развитие онлайн-трансляций судебных заседаний",
                    "Подписание онлайн-петиций",
                    "Проведение исследований и кампаний",
                    "Создание онлайн-игры, чтобы повысить интерес к отдельным вопросам",
                    "Подача исков в суд",
                    "Публикация карикатур на чиновников",
                ],
                "TJ": [
                    "Высокий потенциал общественных инициативных организаций",
                    "Деятельность общественных организаций основана на потребностях целевых групп",
                ],
                "UZ": [
                    "Активная гражданская позиция НКО в разоблачении фактов коррупции",
                    "Просвещение и информирование населения о его правах и возможностях",
                ],
            },
            Kind.PROBLEM: {
                "KZ": [
                    "Отсутствие единства и партнёрства",
                    "Конкуренция в поиске и получении финансирования",
                ],
                "TJ": [
                    "Представители общественных организаций не знают своих прав и полномочий, "
                    "не осведомлены о законодательных аспектах своей деятельности",
                    "Дублирование работы международных организаций и НКО",
                ],
                "UZ": [
                    "Закон «О социальном партнёрстве», который недобросовестные чиновники "
                    "трактуют как возможность использовать НКО, когда те получают гранты",
                    "Государственные органы боятся работать с НКО",
                ],
            },
        },
    },
    {
        "position": 2,
        "slug": "enabling-environment",
        "title": (
            "Enabling Environment for Civil Society and Shrinking Civic Space in Central Asia "
            "and Mongolia"
        ),
        "description": (
            "Problems in the sphere of citizen participation in decision-making, the enabling "
            "environment for civil society and the shrinking of civic space."
        ),
        "title_ru": (
            "Благоприятная среда для гражданского общества и сужение гражданского "
            "пространства в Центральной Азии и Монголии"
        ),
        "description_ru": (
            "Проблемы в сфере участия граждан в принятии решений, благоприятной среды для "
            "гражданского общества и сужения гражданского пространства."
        ),
        "themes": ["enabling-environment", "shrinking-civic-space"],
        "findings": {},
        "findings_ru": {},
    },
]


def _sync(model, lookup: dict, values: dict):
    """Create the row, or bring it to ``values``; writes nothing when it already matches."""
    obj, created = model.objects.get_or_create(**lookup, defaults=values)
    if not created:
        changed = [name for name, value in values.items() if getattr(obj, name) != value]
        if changed:
            for name in changed:
                setattr(obj, name, values[name])
            obj.full_clean()
            obj.save(update_fields=changed)
    return obj, created


@transaction.atomic
def load_demo() -> dict:
    """Load (or restore) the demo dialogue; running it again changes nothing.

    What it writes is recorded as one revision, so the Board's history starts here.
    """
    with reversion.create_revision():
        reversion.set_comment("Demo data")
        return _load_demo()


def _in_languages(spec: dict, fields) -> dict:
    """The translated fields of ``spec`` by column: ``title`` as title_en, ``title_ru``..."""
    values = {f"{field}_en": spec[field] for field in fields}
    if "ru" in settings.CONTENT_LANGUAGES:
        values.update({f"{field}_ru": spec[f"{field}_ru"] for field in fields})
    return values


def _load_demo() -> dict:
    created = {"themes": 0, "dialogues": 0, "sessions": 0, "findings": 0}
    themes = {}
    for slug, name in THEMES.items():
        spec = {"name": name, "name_ru": THEMES_RU[slug]}
        themes[slug], new = _sync(Theme, {"slug": slug}, _in_languages(spec, ["name"]))
        created["themes"] += new
    countries = {country.code: country for country in Country.objects.all()}

    values = {key: DIALOGUE[key] for key in ("start", "end", "format")} | _in_languages(
        DIALOGUE, ["title", "series", "organiser", "summary"]
    )
    values["status"] = Status.PUBLISHED
    dialogue, new = _sync(Dialogue, {"slug": DIALOGUE["slug"]}, values)
    created["dialogues"] += new
    wanted = {countries[code] for code in DIALOGUE["countries"]}
    if set(dialogue.countries.all()) != wanted:
        dialogue.countries.set(wanted)

    for spec in SESSIONS:
        values = {"position": spec["position"]} | _in_languages(spec, ["title", "description"])
        session, new = _sync(Session, {"dialogue": dialogue, "slug": spec["slug"]}, values)
        created["sessions"] += new
        wanted = {themes[slug] for slug in spec["themes"]}
        if set(session.themes.all()) != wanted:
            session.themes.set(wanted)
        for kind, by_country in spec["findings"].items():
            for code, texts in by_country.items():
                texts_ru = spec["findings_ru"][kind][code]
                for position, (text, text_ru) in enumerate(zip(texts, texts_ru, strict=True), 1):
                    _, new = _sync(
                        Finding,
                        {
                            "session": session,
                            "country": countries[code],
                            "kind": kind,
                            "position": position,
                        },
                        _in_languages({"text": text, "text_ru": text_ru}, ["text"]),
                    )
                    created["findings"] += new
    return created
