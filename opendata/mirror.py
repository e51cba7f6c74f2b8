"""A copy of the public site as plain files, for reading from disk, a zip or any static host.

The pages are rendered in this process as an anonymous reader gets them (Django's
test ``Client``: drafts are 404 to it like to anyone), once per site language, and
written under ``DIR/<language>/`` (``/dialogues/x/`` becomes ``en/dialogues/x/index.html``).
Starting from the home page and the menu's pages, every link of every page is
followed, so what a reader can reach is there: dialogues, sessions page by page,
countries, findings and actions lists page by page, filtered lists the pages link
to, the reports with their Word and PDF files, the CSV files, the JSON file.

Each page is rewritten with an HTML parser (``html.parser``), never by replacing
text: every link to a copied page or file becomes relative (``../../countries/kz/index.html``,
with its query, if any, folded into the file name); links to what only the live
site can answer (the admin, the API, the feeds) point at the live site
(``site_url``); forms, which need the live site, are replaced by a note (the
language switcher by links to the same page in the other languages).
"""

import dataclasses
import hashlib
import html
import posixpath
import re
from collections import deque
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.test import Client, override_settings
from django.urls import Resolver404, resolve, reverse
from django.utils import translation
from django.utils.html import format_html
from django.utils.translation import get_language_info
from django.utils.translation import gettext as _

from i4c.models import ContentVersion

# Files the pages link to that the copy holds besides the pages.
COPIED_FILES = {
    "favicon",
    "finding_export",
    "action_export",
    "dialogue_report_docx",
    "dialogue_report_pdf",
    "open_data_findings",
}
# ...of which these are the same in every language: copied once, at the top.
SHARED_FILES = {"favicon", "open_data_findings"}
# Public pages that belong to the live site: feeds to subscribe to, the crawlers' files.
LIVE_ONLY = {"feed", "action_feed", "sitemap", "sitemap_section", "robots_txt"}
# Where the copy starts; every other page is reached by links.
START = ["home", "dialogue_list", "country_list", "finding_list", "action_list", "open_data"]

LINK_ATTRIBUTES = {"href", "src"}
CSS_URL = re.compile(r"""url\(\s*['"]?([^'")]+)['"]?\s*\)""")


class MirrorError(Exception):
    """The copy cannot be made; the message says why."""


@dataclasses.dataclass
class Target:
    """Where a link of a page leads."""

    kind: str  # "page", "file", "static" or "live"
    url: str  # the path with its query, as the site answers it
    file: str = ""  # the copy's file, relative to the folder; "" for "live"
    # The one language it is in (a link with ``?lang=ru``), else None: every language.
    language: str | None = None


def file_name(path: str, query: str) -> str:
    """The copy's file for ``path?query``, relative to a language's folder.

    ``/`` is ``index.html``, ``/a/b/`` is ``a/b/index.html``, ``/a/b.csv`` is ``a/b.csv``;
    a query goes into the name before the extension (``index--page-2.html``), with a
    digest of it when its values hold anything but letters, digits, ``-`` and ``_``.
    """
    name = path.lstrip("/")
    if not name or name.endswith("/"):
        name += "index.html"
    if not query:
        return name
    pairs = sorted(parse_qsl(query, keep_blank_values=True))
    words = "--".join(f"{key}-{value}" for key, value in pairs)
    safe = re.sub(r"[^A-Za-z0-9_-]+", "_", words)
    if safe != words or "--" in "".join(f"{k}{v}" for k, v in pairs):
        safe += "--" + hashlib.sha256(query.encode()).hexdigest()[:10]
    stem, dot, extension = name.rpartition(".")
    return f"{stem}--{safe}.{extension}" if dot else f"{name}--{safe}"


class Mirror:
    """Writes the copy of the site into ``folder``; ``site_url`` is the live site
    (``https://dialogues.example.org``): the host the pages are asked for as, and where
    links to what the copy cannot hold lead."""

    def __init__(self, folder: Path, *, site_url: str, progress=None):
        self.folder = folder
        # Called with each file's path (relative to the folder) once it is written.
        self.progress = progress
        self.site_url = site_url.rstrip("/")
        parts = urlsplit(self.site_url)
        self.host = parts.netloc
        self.secure = parts.scheme == "https"
        self.languages = [code for code, _name in settings.LANGUAGES]
        self.static_prefix = urlsplit(settings.STATIC_URL).path
        self.files = 0
        self.bytes = 0
        # Links of the pages that did not answer 200, and why.
        self.broken: list[str] = []
        self.content_changed = False
        self._written: set[str] = set()

    # --- where links lead ----------------------------------------------------------

    def target(self, url: str) -> Target:
        """What the copy does with a link to ``url`` (a path with its query).

        A ``lang`` parameter (the CSV files, the reports) asks for what the copy in that
        language holds under the same address without it: it leads there.
        """
        parts = urlsplit(url)
        path, query = parts.path, parts.query
        if path.startswith(self.static_prefix):
            return Target("static", path, "static/" + path[len(self.static_prefix) :])
        try:
            match = resolve(path)
        except Resolver404:
            return Target("live", url)
        name = match.url_name
        page = getattr(match.func, "public_page", None)
        if name not in COPIED_FILES and (page is None or name in LIVE_ONLY):
            return Target("live", url)
        kind = "file" if name in COPIED_FILES else "page"
        params = parse_qsl(query, keep_blank_values=True)
        language = dict(params).get("lang")
        if language in self.languages:
            query = urlencode([(key, value) for key, value in params if key != "lang"])
            url = path + (f"?{query}" if query else "")
        else:
            language = None
        return Target(kind, url, file_name(path, query), language)

    def file_in(self, language: str, target: Target) -> str:
        """The file's path relative to the folder, in ``language``'s copy (or the one
        copy the target is in)."""
        if target.kind == "static":
            return target.file
        if resolve(urlsplit(target.url).path).url_name in SHARED_FILES:
            return target.file
        return f"{target.language or language}/{target.file}"

    # --- the copy ------------------------------------------------------------------

    def make(self):
        """Writes the copy; ``broken`` and ``content_changed`` say how it went."""
        version = self._version()
        # Pages are made afresh and not kept: thousands of them would push the pages
        # readers ask for out of the cache.
        with override_settings(PAGE_CACHE_SECONDS=0):
            clients = {language: self._client(language) for language in self.languages}
            queue = deque()
            seen = set()
            for name in START:
                url = reverse(name)
                seen.add(url)
                queue.append(url)
            while queue:
                url = queue.popleft()
                target = self.target(url)
                for language in [target.language] if target.language else self.languages:
                    if self.file_in(language, target) in self._written:
                        continue  # the same file by another address
                    for link in self._copy(clients[language], language, target):
                        if link not in seen:
                            seen.add(link)
                            queue.append(link)
            self._write_index()
        self.content_changed = self._version() != version

    def _version(self):
        return ContentVersion.objects.filter(pk=1).values_list("value", flat=True).first()

    def _client(self, language: str) -> Client:
        headers = {}
        if self.secure and settings.SECURE_PROXY_SSL_HEADER:
            header, value = settings.SECURE_PROXY_SSL_HEADER
            headers[header] = value
        client = Client(HTTP_HOST=self.host, **headers)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        return client

    def _copy(self, client: Client, language: str, target: Target) -> list[str]:
        """Asks for ``target`` in ``language`` and writes it; returns the links of a page."""
        response = client.get(target.url, secure=self.secure)
        if response.status_code != 200:
            self.broken.append(f"{target.url} ({language}): {response.status_code}")
            if response.streaming:
                response.close()
            return []
        file = self.file_in(language, target)
        if target.kind == "file":
            self._write(
                file, response.streaming_content if response.streaming else [response.content]
            )
            return []
        rewriter = PageRewriter(self, language=language, url=target.url, file=file)
        rewriter.feed(response.content.decode(response.charset or "utf-8"))
        rewriter.close()
        self._write(file, [rewriter.text().encode()])
        for static_file in rewriter.static_files:
            self._copy_static(static_file)
        return rewriter.links

    def _write(self, file: str, chunks):
        path = self.folder / file
        path.parent.mkdir(parents=True, exist_ok=True)
        size = 0
        with path.open("wb") as out:
            for chunk in chunks:
                out.write(chunk)
                size += len(chunk)
        if file not in self._written:
            self._written.add(file)
            self.files += 1
        self.bytes += size
        if self.progress:
            self.progress(file)

    def _copy_static(self, file: str):
        """Copies a static file the pages use (``static/css/site.1a2b.css``), and the
        files a stylesheet refers to."""
        if file in self._written:
            return
        name = file[len("static/") :]
        source = Path(settings.STATIC_ROOT) / name
        if not source.is_file():
            found = finders.find(name)
            if not found:
                raise MirrorError(
                    _("The static file %(name)s is missing: run collectstatic first.")
                    % {"name": name}
                )
            source = Path(found)
        content = source.read_bytes()
        self._write(file, [content])
        if name.endswith(".css"):
            for url in CSS_URL.findall(content.decode("utf-8", "replace")):
                if urlsplit(url).scheme or url.startswith(("data:", "/", "#")):
                    continue
                self._copy_static(
                    posixpath.normpath(posixpath.join(posixpath.dirname(file), urlsplit(url).path))
                )

    def _write_index(self):
        """``index.html`` at the top: the copy in each language."""
        stylesheet = self.target(static("css/site.css"))
        self._copy_static(stylesheet.file)
        choices = []
        for language in self.languages:
            with translation.override(language):
                choices.append(
                    {
                        "code": language,
                        "name": get_language_info(language)["name_local"],
                        "url": f"{language}/index.html",
                        "title": _("I4C Regional Dialogues"),
                        "about": _(
                            "A copy of the site made of files, to read without a connection. "
                            "The live site:"
                        ),
                    }
                )
        with translation.override(self.languages[0]):
            text = render_to_string(
                "opendata/static_index.html",
                {"choices": choices, "stylesheet": stylesheet.file, "site_url": self.site_url},
            )
        self._write("index.html", [text.encode()])


class PageRewriter(HTMLParser):
    """Passes a page through as it is, but for its links and its forms.

    ``links``: the site's addresses the page links to (to copy them too);
    ``static_files``: the static files it uses.
    """

    def __init__(self, mirror: Mirror, *, language: str, url: str, file: str):
        super().__init__(convert_charrefs=False)
        self.mirror = mirror
        self.language = language
        self.url = url
        self.here = posixpath.dirname(file)
        self.out = []
        self.links = []
        self.static_files = []
        self.in_form = False

    def text(self) -> str:
        return "".join(self.out)

    # --- links ---------------------------------------------------------------------

    def relative(self, file: str, fragment: str = "") -> str:
        link = posixpath.relpath(file, self.here)
        return link + (f"#{fragment}" if fragment else "")

    def rewrite(self, value: str) -> str:
        """The link ``value`` as the copy has it."""
        if value.startswith("#") or not value:
            return value
        address = urljoin(self.mirror.site_url + self.url, value)
        parts = urlsplit(address)
        if parts.scheme not in ("http", "https") or parts.netloc != self.mirror.host:
            return value  # mailto:, another site
        url = parts.path + (f"?{parts.query}" if parts.query else "")
        target = self.mirror.target(url)
        if target.kind == "live":
            return address
        if target.kind == "static":
            self.static_files.append(target.file)
        else:
            self.links.append(url)
        return self.relative(self.mirror.file_in(self.language, target), parts.fragment)

    # --- the parser's events -----------------------------------------------------------

    def handle_starttag(self, tag, attrs):
        self._tag(tag, attrs, self.get_starttag_text(), closed=False)

    def handle_startendtag(self, tag, attrs):
        self._tag(tag, attrs, self.get_starttag_text(), closed=True)

    def _tag(self, tag, attrs, original, *, closed):
        if self.in_form:
            return
        if tag == "form":
            self.in_form = not closed
            self.out.append(self._instead_of_form(dict(attrs)))
            return
        if not any(name in LINK_ATTRIBUTES and value for name, value in attrs):
            self.out.append(original)
            return
        parts = [tag]
        for name, value in attrs:
            if value is None:
                parts.append(name)
                continue
            if name in LINK_ATTRIBUTES:
                value = self.rewrite(value)
            parts.append(f'{name}="{html.escape(value, quote=True)}"')
        self.out.append("<" + " ".join(parts) + (" />" if closed else ">"))

    def handle_endtag(self, tag):
        if self.in_form:
            if tag == "form":
                self.in_form = False
            return
        self.out.append(f"</{tag}>")

    def handle_data(self, data):
        if not self.in_form:
            self.out.append(data)

    def handle_entityref(self, name):
        if not self.in_form:
            self.out.append(f"&{name};")

    def handle_charref(self, name):
        if not self.in_form:
            self.out.append(f"&#{name};")

    def handle_comment(self, data):
        if not self.in_form:
            self.out.append(f"<!--{data}-->")

    def handle_decl(self, decl):
        self.out.append(f"<!{decl}>")

    def handle_pi(self, data):
        self.out.append(f"<?{data}>")

    def unknown_decl(self, data):
        self.out.append(f"<![{data}]>")

    # --- forms ---------------------------------------------------------------------

    def _instead_of_form(self, attrs) -> str:
        """The language switcher becomes links to this page in the other languages; any
        other form (search, filters) a note that the CSV file holds every finding (or
        every action, for the actions' filters)."""
        with translation.override(self.language):
            if "language" in (attrs.get("class") or "").split():
                return self._languages()
            csv, what = reverse("finding_export"), _("Every finding is in the CSV file.")
            action = urlsplit(urljoin(self.url, attrs.get("action") or self.url)).path
            if action == reverse("action_list"):
                csv, what = (
                    reverse("action_export"),
                    _("Every follow-up action is in the CSV file."),
                )
            return format_html(
                '<p class="static-note">{} <a href="{}" download>{}</a></p>',
                _("This copy of the site is made of files: it cannot search or filter."),
                self.rewrite(csv),
                what,
            )

    def _languages(self) -> str:
        target = self.mirror.target(self.url)
        items = []
        for language in self.mirror.languages:
            name = get_language_info(language)["name_local"]
            if language == self.language:
                items.append(
                    format_html('<strong lang="{}" aria-current="true">{}</strong>', language, name)
                )
            else:
                link = self.relative(self.mirror.file_in(language, target))
                items.append(
                    format_html(
                        '<a href="{}" lang="{}" hreflang="{}">{}</a>',
                        link,
                        language,
                        language,
                        name,
                    )
                )
        return format_html(
            '<nav class="language" aria-label="{}">{}</nav>',
            _("Language"),
            format_html(" · ".join(["{}"] * len(items)), *items),
        )
