"""Settings for i4c-dialogues, driven by environment variables.

The embedded default is an SQLite file in the project and needs no service;
``DATABASE_URL=postgres://...`` selects PostgreSQL. With debug off (the
default) the app refuses to start without a secret key instead of falling back
to a known one.
"""

import datetime
import os
import re
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_bool(name: str, default: bool) -> bool:
    """Read a boolean; anything but a clear yes or no is a configuration error."""
    value = os.environ.get(name)
    if value is None:
        return default
    value = value.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}.")


def env_int(name: str, default: int) -> int:
    """Read a whole number of zero or more; anything else is a configuration error."""
    value = os.environ.get(name)
    if value is None:
        return default
    try:
        number = int(value.strip())
    except ValueError:
        number = -1
    if number < 0:
        raise ImproperlyConfigured(f"{name} must be a whole number of 0 or more, not {value!r}.")
    return number


def env_float(name: str, default: float) -> float:
    """Read a number greater than zero; anything else is a configuration error."""
    value = os.environ.get(name)
    if value is None:
        return default
    try:
        number = float(value.strip())
    except ValueError:
        number = 0
    if not number > 0:
        raise ImproperlyConfigured(f"{name} must be a number greater than 0, not {value!r}.")
    return number


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def env_proxy_ssl_header(name: str) -> tuple[str, str] | None:
    """The header a TLS-terminating proxy sets to ``https`` (``X-Forwarded-Proto``), as
    Django's ``SECURE_PROXY_SSL_HEADER`` names it; None when the app is not behind one.

    Only set it when the proxy always sets or overwrites that header: otherwise a client
    could send it and pass a plain HTTP request off as a secure one.
    """
    value = os.environ.get(name, "").strip()
    if not value:
        return None
    if not re.fullmatch(r"[A-Za-z0-9-]+", value):
        raise ImproperlyConfigured(f"{name} must be a header name such as X-Forwarded-Proto.")
    return ("HTTP_" + value.upper().replace("-", "_"), "https")


def env_origins(name: str) -> list[str]:
    origins = env_list(name, [])
    for origin in origins:
        if not re.fullmatch(r"https?://[^/\s]+", origin):
            raise ImproperlyConfigured(
                f"{name} must list origins such as https://dialogues.example.org, not {origin!r}."
            )
    return origins


DEBUG = env_bool("DJANGO_DEBUG", False)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off "
            "(set DJANGO_DEBUG=true for local development)."
        )
    # Only ever used with debug on, on a developer's machine.
    SECRET_KEY = "django-insecure-local-development-only"  # noqa: S105

ALLOWED_HOSTS = env_list(
    "DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else []
)
if not ALLOWED_HOSTS:
    # Without it every request would get 400: say so at start instead.
    raise ImproperlyConfigured(
        "DJANGO_ALLOWED_HOSTS must name the site's host names when DJANGO_DEBUG is off."
    )

INSTALLED_APPS = [
    # Before the admin, as django-modeltranslation asks: it adds the fields of
    # each content language (title_en, title_ru, ...) to the models.
    "modeltranslation",
    "i4c.apps.AdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "csp",
    "django_filters",
    "rest_framework",
    "drf_spectacular",
    # Swagger UI's files, served from /static/ like the site's own.
    "drf_spectacular_sidecar",
    "reversion",
    "crispy_forms",
    "crispy_bootstrap5",
    "axes",
    "django_otp",
    "i4c.apps.AuthenticatorAppsConfig",
    "i4c.apps.ProjectConfig",
    "dialogues",
    "findings",
    "actions",
    "reports",
    "opendata",
]

MIDDLEWARE = [
    # First: the others see the answer GET would get; the body goes after them.
    "i4c.middleware.HeadMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Outside the page cache: every answer gets these headers, cached or not,
    # and so does the 503 page when the page cache cannot reach the database.
    "csp.middleware.CSPMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Every answer under /api/, errors and 304s included, may be read from any origin.
    "opendata.api.middleware.OpenReadsMiddleware",
    # Before the session, locale and CSRF middleware: a hit skips them, and a
    # miss stores what they finished (i4c/pagecache.py).
    "i4c.pagecache.PageCacheMiddleware",
    "i4c.pagecache.PublicGZipMiddleware",
    "opendata.api.middleware.ApiGZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # After the user is known: public requests get a statement timeout (i4c/limits.py).
    "i4c.limits.PublicStatementTimeout",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Last, as django-axes asks: it turns a lock-out into the lock-out page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "i4c.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "i4c.wsgi.application"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        # `make serve` keeps connections for 60 s; each request first checks that a
        # kept connection still answers, so a restarted database costs no failed request.
        conn_max_age=env_int("DJANGO_CONN_MAX_AGE", 0),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # When PostgreSQL is down or unreachable, fail within seconds (the visitor
    # gets the 503 page, i4c/views.py) instead of hanging a worker.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", env_int("DJANGO_DB_CONNECT_TIMEOUT", 3)
    )

# The cache: Redis when REDIS_URL is set (shared by every worker and server),
# else each process's memory. The page cache is right either way, because the
# content version it keys on is in the database (i4c/pagecache.py).
REDIS_URL = os.environ.get("REDIS_URL", "")
# A Redis that hangs must not hang the site: after this many seconds a request
# gives up on it and the page is served uncached (i4c/pagecache.py).
REDIS_TIMEOUT = env_float("REDIS_TIMEOUT", 0.5)
REDIS_OPTIONS = {"socket_connect_timeout": REDIS_TIMEOUT, "socket_timeout": REDIS_TIMEOUT}
# ...and it does not ask Redis again for this many seconds (serving pages
# uncached meanwhile): a Redis that hangs costs one request the timeout, not every one.
REDIS_RETRY_SECONDS = env_float("REDIS_RETRY_SECONDS", 30)
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "i4c"),
            "OPTIONS": REDIS_OPTIONS,
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            # A page of a thousand findings weighs a few hundred kB: a few
            # hundred pages per process is enough for the site's pages in two
            # languages and keeps each worker's memory within bounds.
            "OPTIONS": {"MAX_ENTRIES": 300},
        }
    }
PAGE_CACHE_ALIAS = "default"
# Seconds a public page stays cached for anonymous readers; 0 turns the cache off.
PAGE_CACHE_SECONDS = env_int("PAGE_CACHE_SECONDS", 600)
# How long Redis's copy of the content version lives (i4c/pagecache.py):
# the longest a reader may see the previous pages if Redis missed an edit's notice.
PAGE_CACHE_VERSION_SECONDS = 2

AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out user name or address before the password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("ru", _("Russian"))]


def env_content_languages(name: str, default: list[str]) -> list[str]:
    """The languages content is written in: codes of LANGUAGES, English first."""
    codes = env_list(name, default)
    known = [code for code, _name in LANGUAGES]
    for code in codes:
        if code not in known:
            raise ImproperlyConfigured(
                f"{name} must list codes among {', '.join(known)}, not {code!r}."
            )
    if not codes or codes[0] != "en" or len(set(codes)) != len(codes):
        raise ImproperlyConfigured(
            f"{name} must start with en (English is required) and name each language once, "
            f"not {os.environ.get(name)!r}."
        )
    return codes


# Dialogues, sessions, findings, themes and countries are written in these
# languages (django-modeltranslation: title_en, title_ru, ... in the same row).
# English is required; each other language is optional, field by field, and a
# page shows the reader's language, else the first of the others that has the
# text (marked with its language). A new code needs `makemigrations` and
# `migrate` (new columns).
CONTENT_LANGUAGES = env_content_languages("I4C_CONTENT_LANGUAGES", ["en", "ru"])
MODELTRANSLATION_LANGUAGES = tuple(CONTENT_LANGUAGES)
MODELTRANSLATION_DEFAULT_LANGUAGE = "en"
MODELTRANSLATION_REQUIRED_LANGUAGES = ("en",)
MODELTRANSLATION_FALLBACK_LANGUAGES = {"default": tuple(CONTENT_LANGUAGES)}
# Slugs are made from the English title, whatever the admin's language.
MODELTRANSLATION_PREPOPULATE_LANGUAGE = "en"
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True

# The hub's rapporteur works in Bishkek; pages show the zone next to every time.
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Bishkek")
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Hashed, compressed names that can be cached for a year; `collectstatic`
    # builds them (the Makefile runs it). With debug on, files come as they are.
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# JSON as Django writes it, but with times to the microsecond: backups on SQLite and
# the change history would otherwise round every timestamp to the millisecond.
SERIALIZATION_MODULES = {"json": "i4c.serializers"}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# A session ends after a working day without activity: every request moves the
# expiry on by eight hours, and closing the browser ends it sooner.
SESSION_COOKIE_AGE = 8 * 60 * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# Django limits form fields but not files: stop storing an upload past the limit
# (I4C_MAX_UPLOAD_BYTES, else the import's 10 MB) before any view runs.
FILE_UPLOAD_HANDLERS = [
    "i4c.uploads.SizeLimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# HTTPS. Production sits behind a reverse proxy that terminates TLS: it tells the app
# through DJANGO_PROXY_SSL_HEADER that the visitor's request was secure.
SECURE_PROXY_SSL_HEADER = env_proxy_ssl_header("DJANGO_PROXY_SSL_HEADER")
CSRF_TRUSTED_ORIGINS = env_origins("DJANGO_CSRF_TRUSTED_ORIGINS")
# Cookies only travel over HTTPS unless debug is on; DJANGO_SECURE_COOKIES=false serves
# the admin over plain HTTP on a machine of one's own.
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", not DEBUG)
# Off unless asked for: the proxy usually redirects to HTTPS itself, and behind a proxy
# whose header is not configured the app's own redirect would loop forever.
# `check --deploy` warns while it is off.
SECURE_SSL_REDIRECT = env_bool("DJANGO_SSL_REDIRECT", False)
# A load balancer's probe of /healthz may use plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# Browsers only honour HSTS on HTTPS answers, so these are safe when serving plain HTTP.
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 0 if DEBUG else 365 * 24 * 60 * 60)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", False)
# Preloading asks browser makers to hard-code HTTPS for the whole domain, which takes
# months to undo: the operator opts in with DJANGO_HSTS_PRELOAD=true, no warning needed.
SILENCED_SYSTEM_CHECKS = ["security.W021"]

# Content-Security-Policy (django-csp): everything from the site itself, nothing inline.
# The public pages use no JavaScript; the admin's scripts are files under /static/.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "WARNING")},
}

# The admin's address; a deployment can move it away from the well-known /admin/.
ADMIN_URL = os.environ.get("DJANGO_ADMIN_URL", "admin/").strip("/") + "/"

# Public requests (nobody signed in as staff) on PostgreSQL: the longest a
# statement may run, in seconds, before the database cancels it and the reader
# gets "took too long" (503). Staff, the admin and commands are not limited.
I4C_PUBLIC_STATEMENT_TIMEOUT = env_float("I4C_PUBLIC_STATEMENT_TIMEOUT", 2.0)
# Searches of the findings a minute from one address (past it: 429); 0 turns it off.
I4C_SEARCH_RATE_LIMIT = env_int("I4C_SEARCH_RATE_LIMIT", 30)
# The findings page ranks at most this many matches of a search, the most
# recently added (findings/search.py); the CSV export has them all.
I4C_SEARCH_MAX_RESULTS = env_int("I4C_SEARCH_MAX_RESULTS", 1000)
if I4C_SEARCH_MAX_RESULTS < 1:
    raise ImproperlyConfigured("I4C_SEARCH_MAX_RESULTS must be a whole number of 1 or more.")


def env_licence(name: str, default: dict[str, str]) -> dict[str, str]:
    """A licence as its name followed by the address of its text, separated by a space
    (``CC BY 4.0 https://creativecommons.org/licenses/by/4.0/``)."""
    value = os.environ.get(name)
    if value is None:
        return default
    licence_name, _space, url = value.strip().rpartition(" ")
    if not licence_name.strip() or not re.fullmatch(r"https?://\S+", url):
        raise ImproperlyConfigured(
            f"{name} must be the licence's name followed by the address of its text, such as "
            f"'CC BY 4.0 https://creativecommons.org/licenses/by/4.0/', not {value!r}."
        )
    return {"name": licence_name.strip(), "url": url}


# The licence the open data (the pages, the CSV and JSON files, the API) is published
# under: named on /open-data/ and in the bulk files.
I4C_OPEN_DATA_LICENCE = env_licence(
    "I4C_OPEN_DATA_LICENCE",
    {"name": "CC BY 4.0", "url": "https://creativecommons.org/licenses/by/4.0/"},
)

# The JSON API (/api/v1/, opendata/api/): requests a minute from one address
# (past it: 429 with Retry-After); 0 turns the limit off.
I4C_API_RATE_LIMIT = env_int("I4C_API_RATE_LIMIT", 120)

REST_FRAMEWORK = {
    # Read-only and the same for everyone: JSON only (no browsable pages), no
    # sign-in of its own. Signed-in Board members get the published record too.
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_THROTTLE_CLASSES": ["opendata.api.throttling.AddressRateThrottle"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "opendata.api.pagination.IdCursorPagination",
    "DEFAULT_SCHEMA_CLASS": "opendata.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "opendata.api.errors.exception_handler",
    # ?format= is not a parameter of this API.
    "URL_FORMAT_OVERRIDE": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": _("The Regional Dialogues: open data"),
    "DESCRIPTION": _(
        "The published record of the Regional Dialogues: dialogues, sessions, findings, "
        "countries, themes and follow-up actions. Read-only JSON, open to every origin."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI's files from the app itself (drf-spectacular-sidecar), never a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # No request to an outside validator.
    "SWAGGER_UI_SETTINGS": {"validatorUrl": None, "deepLinking": True},
}

# Staff need a code from an authenticator app (TOTP) as well as the password to
# reach the admin. On by default whenever debug is off.
I4C_REQUIRE_2FA = env_bool("I4C_REQUIRE_2FA", not DEBUG)
# The name shown next to the account in the authenticator app.
OTP_TOTP_ISSUER = "I4C Dialogues"
# Nobody reads an authenticator app's key or QR code back in the admin, superusers
# included: whoever saw it could make the codes. A lost phone means a new device.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# Failed sign-ins (django-axes): five wrong passwords lock the user name, and
# five from one address lock the address, for 15 minutes, even for the right
# password. `manage.py axes_reset_username NAME` unlocks a user name sooner.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = datetime.timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_LOCKOUT_CALLABLE = "i4c.admin.lockout_response"
# The client's address is REMOTE_ADDR unless the deployment names the header its
# reverse proxy sets (for example HTTP_X_FORWARDED_FOR): a header a client can
# send itself must never be trusted by default. See i4c.admin.client_address.
AXES_CLIENT_IP_CALLABLE = "i4c.admin.client_address"
I4C_CLIENT_IP_HEADER = os.environ.get("I4C_CLIENT_IP_HEADER", "").strip().upper()
# How many proxies append to that header: the client's address is that many
# entries from the right (entries further left are whatever the client sent).
I4C_PROXY_COUNT = env_int("I4C_PROXY_COUNT", 1)
if I4C_PROXY_COUNT < 1:
    raise ImproperlyConfigured(
        "I4C_PROXY_COUNT must be a whole number of 1 or more, "
        f"not {os.environ['I4C_PROXY_COUNT']!r}."
    )
