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
    for name in ("i4c", "dialogues", "findings", "templates", "locale"):
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
