import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = Path("locale/ru/LC_MESSAGES/django.po")


def statistics(po: Path) -> str:
    result = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(po)],
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stderr.strip()


def test_russian_catalogue_covers_every_string_in_the_code(tmp_path):
    """Extract the strings again from a copy of the code: none may be missing or fuzzy."""
    for name in ("manage.py",):
        shutil.copy(ROOT / name, tmp_path / name)
    for name in (
        "i4c",
        "dialogues",
        "findings",
        "actions",
        "reports",
        "opendata",
        "templates",
        "locale",
    ):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("*.mo"))
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "ru", "--no-obsolete", "-v0"],
        cwd=tmp_path,
        env={"DJANGO_DEBUG": "true", "PATH": "/usr/bin:/bin"},
        check=True,
    )
    stats = statistics(tmp_path / CATALOGUE)
    assert re.fullmatch(r"\d+ translated messages\.", stats), stats


def test_compiled_catalogue_is_current():
    mo = ROOT / CATALOGUE.with_suffix(".mo")
    assert mo.exists(), "run `make messages`"
    assert mo.stat().st_mtime >= (ROOT / CATALOGUE).stat().st_mtime


# Where our wording deliberately replaces an installed app's Russian: django-reversion's
# pages (its own Russian does not agree with plural names, «Восстановить удаленный выводы»).
DELIBERATE_OVERRIDES = {
    "Recover deleted %(name)s",
    "Recover %(name)s",
    "Revert %(name)s",
    "Reverted to previous version, saved on %(datetime)s",
    # The admin's search button («Найти»); REST framework's search filter, which the API
    # does not use, says «Поиск».
    "Search",
}


def installed_catalogues():
    from django.apps import apps

    for config in apps.get_app_configs():
        mo = Path(config.path) / "locale" / "ru" / "LC_MESSAGES" / "django.mo"
        if mo.exists() and not mo.is_relative_to(ROOT / "locale"):
            yield config.label, mo
    from django.conf import locale

    yield "django", Path(locale.__file__).parent / "ru" / "LC_MESSAGES" / "django.mo"


def test_our_catalogue_does_not_reword_the_installed_apps():
    """A msgid shared with Django's or an app's catalogue takes our translation everywhere:
    «Сменить» meant for the language button would rename every admin “Change” link. Such
    strings get a context (pgettext) unless the override is deliberate."""
    import gettext

    with (ROOT / CATALOGUE.with_suffix(".mo")).open("rb") as handle:
        ours = gettext.GNUTranslations(handle)._catalog
    clashes = []
    for label, mo in installed_catalogues():
        with mo.open("rb") as handle:
            theirs = gettext.GNUTranslations(handle)._catalog
        for msgid, translation in ours.items():
            if not msgid or msgid in DELIBERATE_OVERRIDES:
                continue
            if msgid in theirs and theirs[msgid] != translation:
                clashes.append((label, msgid, translation, theirs[msgid]))
    assert clashes == []
