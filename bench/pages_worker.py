"""Times the pages on the database of ``DATABASE_URL``; started by ``bench_pages.py``.

Prints one JSON list: for each page, the times of ``BENCH_PAGES_RUNS`` requests
(after one that warms the database) and their median, its queries and its size.
Requests go through Django's test client in this process, with the page cache
off (``PAGE_CACHE_SECONDS=0``).
"""

import json
import os
import re
import statistics
import sys
import time

import django

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ["DJANGO_SETTINGS_MODULE"] = "i4c.settings"
django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth.models import User  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Sum  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from dialogues.models import Country, Dialogue, Theme  # noqa: E402
from findings.models import ListSize  # noqa: E402
from findings.views import PAGE_SIZE  # noqa: E402

# Timed requests per page (after one that warms the database); ``bench_pages`` sets it.
RUNS = int(os.environ.get("BENCH_PAGES_RUNS", "5"))


def pages() -> list[tuple[str, str, bool, bool]]:
    """(name, path, is an admin page, is the search)."""
    dialogue = Dialogue.objects.published().order_by("-start").first()
    session = dialogue.sessions.order_by("position").first()
    country = Country.objects.get(code="KZ")
    theme = Theme.objects.order_by("pk").first()
    total = ListSize.objects.published().aggregate(n=Sum("count"))["n"]
    last = (total + PAGE_SIZE - 1) // PAGE_SIZE
    admin = "/" + settings.ADMIN_URL
    public = [
        ("home", "/"),
        ("dialogues list", "/dialogues/"),
        ("dialogue page", dialogue.get_absolute_url()),
        ("session page", session.get_absolute_url()),
        ("findings page 1", "/findings/"),
        (f"findings deep page ({last:,})", f"/findings/?page={last}"),
        ("findings by country+kind", "/findings/?country=kz&kind=problem"),
        ("findings by country, last page", "/findings/?country=kz&page=last"),
        ("findings by theme", f"/findings/?theme={theme.slug}"),
        ("findings by theme, last page", f"/findings/?theme={theme.slug}&page=last"),
        ("countries list", "/countries/"),
        ("country page", country.get_absolute_url()),
        ("country page, last page", f"{country.get_absolute_url()}?page=last"),
        ("session page, last page", f"{session.get_absolute_url()}?page=last"),
        ("sitemap index", "/sitemap.xml"),
        ("sitemap sessions", "/sitemap-sessions.xml"),
        ("sitemap countries", "/sitemap-countries.xml"),
        ("feed", "/feed/"),
    ]
    return [
        *((name, path, False, False) for name, path in public),
        ("search (q=petitions)", "/findings/?q=petitions", False, True),
        ("admin dialogues", f"{admin}dialogues/dialogue/", True, False),
        ("admin dialogues, search", f"{admin}dialogues/dialogue/?q=synthetic", True, False),
        ("admin findings", f"{admin}findings/finding/", True, False),
        ("admin findings, search", f"{admin}findings/finding/?q=petitions", True, False),
        ("admin findings, filtered", f"{admin}findings/finding/?kind__exact=problem", True, False),
    ]


def last_page(client, path: str) -> str:
    """``page=last`` made the number of the last page, read from the first page's
    “page 1 of N” (not from the test client's record of contexts, which would slow
    every template it renders)."""
    response = client.get(path.replace("page=last", "page=1"))
    found = re.search(r"page 1 of (\d+)", response.content.decode())
    return path.replace("page=last", f"page={found.group(1) if found else 1}")


def measure(client, name, path, admin, search) -> dict:
    if path.endswith("page=last"):
        path = last_page(client, path)
    response = client.get(path)  # warms the database's cache
    times = []
    for _ in range(RUNS):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(path)
            content = b"".join(response) if response.streaming else response.content
            times.append((time.perf_counter() - started) * 1000)
    return {
        "name": name,
        "path": path,
        "admin": admin,
        "search": search,
        "status": response.status_code,
        "ms": statistics.median(times),
        "times": times,
        "queries": len(queries),
        "kb": len(content) / 1024,
        "html": response["Content-Type"].startswith("text/html"),
    }


def main():
    user, _ = User.objects.get_or_create(
        username="bench-pages", defaults={"is_staff": True, "is_superuser": True}
    )
    public, board = Client(), Client()
    board.force_login(user)
    results = [
        measure(board if admin else public, name, path, admin, search)
        for name, path, admin, search in pages()
    ]
    print(json.dumps(results))


if __name__ == "__main__":
    main()
