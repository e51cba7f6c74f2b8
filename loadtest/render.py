"""Median time of uncached renders of one page, in-process (run by ``loadtest.py``).

DATABASE_URL=... python -m loadtest.render /dialogues/x/session-1/ 30
"""

import os
import statistics
import sys
import time

import django

os.environ["DJANGO_SETTINGS_MODULE"] = "loadtest.settings"
os.environ["PAGE_CACHE_SECONDS"] = "0"
django.setup()

from django.test import Client  # noqa: E402


def main():
    path, count = sys.argv[1], int(sys.argv[2])
    client = Client(HTTP_HOST="127.0.0.1")
    client.get(path)  # the first render loads templates and translations
    times = []
    for _ in range(count):
        started = time.perf_counter()
        response = client.get(path)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, response.status_code
    print(f"{statistics.median(times) * 1000:.1f} {min(times) * 1000:.1f} {max(times) * 1000:.1f}")


if __name__ == "__main__":
    main()
