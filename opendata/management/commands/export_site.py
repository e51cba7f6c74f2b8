import shutil
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.http.request import split_domain_port, validate_host

from opendata.mirror import Mirror, MirrorError

# What a copy holds at its top besides a folder per language (``opendata.mirror``).
COPY_ENTRIES = ["index.html", "favicon.ico", "static", "open-data"]


class Command(BaseCommand):
    help = (
        "Write a copy of the public site, in every language, as plain files into DIR: "
        "to open from disk, zip, or serve from any static host."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", metavar="DIR", help="the folder to write the copy into")
        parser.add_argument(
            "--site-url",
            help="the live site, e.g. https://dialogues.example.org: the copy's files name "
            "it, and its links to what only the live site answers (the API, the feeds) lead "
            "there (default: https:// and the first of DJANGO_ALLOWED_HOSTS)",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="write into DIR even if it is not empty, replacing the copy it holds "
            "(other files in it are left alone)",
        )

    def handle(self, *args, directory, site_url=None, force=False, **options):
        site_url = self._site_url(site_url)
        folder = Path(directory)
        self._prepare(folder, force=force, languages=[code for code, _name in settings.LANGUAGES])
        progress = self.stdout.write if options["verbosity"] >= 2 else None
        mirror = Mirror(folder, site_url=site_url, progress=progress)
        try:
            mirror.make()
        except MirrorError as error:
            raise CommandError(str(error)) from error
        except OSError as error:
            raise CommandError(f"Cannot write the copy into {folder}: {error}") from error
        self.stdout.write(
            f"Wrote {mirror.files} files ({mirror.bytes:,} bytes) into {folder}, "
            f"in {', '.join(mirror.languages)}, for {site_url}."
        )
        if mirror.content_changed:
            self.stderr.write(
                "The content changed while the copy was made: make it again for a coherent copy."
            )
        if mirror.broken:
            raise CommandError(
                "These links of the pages did not answer 200, so the copy lacks them:\n  "
                + "\n  ".join(mirror.broken)
            )

    def _site_url(self, site_url: str | None) -> str:
        if site_url is None:
            hosts = [h for h in settings.ALLOWED_HOSTS if h and not h.startswith(".") and h != "*"]
            if not hosts:
                raise CommandError(
                    "Say which site this is a copy of: --site-url https://dialogues.example.org"
                )
            site_url = f"https://{hosts[0]}"
        parts = urlsplit(site_url)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.path not in ("", "/"):
            raise CommandError(
                f"--site-url must be the site's address, such as https://dialogues.example.org, "
                f"not {site_url!r}."
            )
        host, _port = split_domain_port(parts.netloc)
        if not validate_host(host, settings.ALLOWED_HOSTS):
            raise CommandError(
                f"{parts.netloc} is not among the site's host names (DJANGO_ALLOWED_HOSTS): "
                "the pages cannot be asked for as that site."
            )
        return f"{parts.scheme}://{parts.netloc}"

    def _prepare(self, folder: Path, *, force: bool, languages: list[str]):
        if folder.exists() and not folder.is_dir():
            raise CommandError(f"{folder} is a file, not a folder.")
        if folder.is_dir() and any(folder.iterdir()):
            if not force:
                raise CommandError(
                    f"{folder} is not empty: choose an empty or new folder, or add --force "
                    "to replace the copy it holds."
                )
            # Only what a copy is made of: a mistyped folder loses nothing else.
            for name in [*COPY_ENTRIES, *languages]:
                child = folder / name
                if child.is_dir() and not child.is_symlink():
                    shutil.rmtree(child)
                elif child.exists() or child.is_symlink():
                    child.unlink()
        try:
            folder.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryFile(dir=folder):
                pass
        except OSError as error:
            raise CommandError(f"Cannot write into {folder}: {error.strerror}.") from error
