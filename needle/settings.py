"""Needle's settings: everything a deployment changes comes from typed environment variables.

Each reader raises ImproperlyConfigured on nonsense instead of guessing. A secret may also be
given as a file: SECRET_KEY_FILE=/run/secrets/key is read when SECRET_KEY is unset.
"""

from __future__ import annotations

import base64
import datetime as dt
import os
import sys
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlparse
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("NEEDLE_VAR_DIR", BASE_DIR / "var"))

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    if value is None and os.environ.get(f"{name}_FILE"):
        value = Path(os.environ[f"{name}_FILE"]).read_text().strip()
    return default if value is None else value


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    if value.strip().lower() in _TRUE:
        return True
    if value.strip().lower() in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {value!r}")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, not {value!r}") from None


def env_float(name: str, default: float, *, low: float | None = None, high: float | None = None) -> float:
    value = os.environ.get(name)
    if value is None or not value.strip():
        return default
    try:
        number = float(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number, not {value!r}") from None
    if number != number or (low is not None and number < low) or (high is not None and number > high):
        raise ImproperlyConfigured(f"{name} must be a number between {low} and {high}, not {value!r}")
    return number


def env_code(name: str, default: str) -> str:
    """An area code: digits, optionally followed by '-' and digits (a grid's code)."""
    value = (env_str(name) or "").strip() or default
    head, dash, tail = value.partition("-")
    if not head.isdigit() or (dash and not tail.isdigit()):
        raise ImproperlyConfigured(f"{name} must be an area code such as 500000000000, not {value!r}")
    return value


def env_choice(name: str, default: str, choices: list[str]) -> str:
    value = (env_str(name) or "").strip() or default
    if value not in choices:
        raise ImproperlyConfigured(f"{name} must be one of {', '.join(choices)}, not {value!r}")
    return value


def env_tiles(name: str) -> list[str]:
    """Map tile URL templates, separated by spaces (a basemap, then overlays such as a label
    layer): each an http(s) URL or a path of this site, with {z}, {x} and {y} (or {-y})."""
    templates = (env_str(name) or "").split()
    for template in templates:
        parsed = urlparse(template)
        places = all(p in template for p in ("{z}", "{x}")) and ("{y}" in template or "{-y}" in template)
        if not places or not (
            (parsed.scheme in {"http", "https"} and parsed.netloc)
            or (not parsed.scheme and template.startswith("/"))
        ):
            raise ImproperlyConfigured(
                f"{name} must be tile URL templates such as https://tile.example/{{z}}/{{x}}/{{y}}.png "
                f"(http, https or a path starting with /, with {{z}}, {{x}} and {{y}}), not {template!r}"
            )
        if ("{" in parsed.netloc and not parsed.netloc.startswith("{s}.")) or parsed.netloc.count("{") > 1:
            # The page's Content-Security-Policy allows the tile hosts, and a wildcard may only
            # stand for a whole first label (https://{s}.tile.example/...).
            raise ImproperlyConfigured(
                f"{name}: a placeholder in the host may only be a first label {{s}}. "
                f"(https://{{s}}.tile.example/...); name one host instead, not {template!r}"
            )
    return templates


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def env_dotted(name: str, default: str) -> str:
    """A class named by its dotted path (package.module.Class); the app that uses it imports it
    when Django starts and fails there when it cannot."""
    value = (env_str(name) or "").strip() or default
    parts = value.split(".")
    if len(parts) < 2 or not all(p.isidentifier() for p in parts):
        raise ImproperlyConfigured(
            f"{name} must be a dotted path such as package.module.Class, not {value!r}"
        )
    return value


def env_url(name: str, default: str) -> str:
    """An http(s) address without a trailing slash, e.g. https://needle.example.gov.cn."""
    value = (env_str(name) or "").strip() or default
    parsed = urlparse(value)
    if parsed.scheme not in {"http", "https"} or not parsed.netloc or parsed.path not in {"", "/"}:
        raise ImproperlyConfigured(
            f"{name} must be an address such as https://needle.example.org, not {value!r}"
        )
    return value.rstrip("/")


def env_hours(name: str, default: str) -> tuple[dt.time, dt.time] | None:
    """A span of local clock time, HH:MM-HH:MM (22:00-07:00 spans midnight); empty for none."""
    value = (env_str(name, default) or "").strip()
    if not value:
        return None
    try:
        start, end = (dt.time.fromisoformat(part.strip()) for part in value.split("-"))
    except ValueError:
        raise ImproperlyConfigured(
            f"{name} must be HH:MM-HH:MM, such as 22:00-07:00, not {value!r}"
        ) from None
    if start == end:
        raise ImproperlyConfigured(f"{name}: the span {value!r} starts where it ends")
    return start, end


def database_from_url(url: str) -> dict[str, object]:
    """sqlite:///relative/or/absolute.db or postgres://user:pass@host:port/name?opt=v."""
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        # sqlite:///var/db.sqlite3 is relative to the project, sqlite:////abs/db.sqlite3 absolute.
        raw = unquote(parsed.path)
        if not raw.strip("/"):
            raise ImproperlyConfigured("DATABASE_URL sqlite:// needs a file path")
        return sqlite_database(Path(raw[1:]) if raw.startswith("//") else Path(raw.lstrip("/")))
    if parsed.scheme in {"postgres", "postgresql", "pgsql"}:
        if not parsed.path.strip("/"):
            raise ImproperlyConfigured("DATABASE_URL for PostgreSQL needs a database name")
        return {
            "ENGINE": "needle.core.backends.postgresql",
            "NAME": unquote(parsed.path.lstrip("/")),
            "USER": unquote(parsed.username or ""),
            "PASSWORD": unquote(parsed.password or ""),
            "HOST": parsed.hostname or "",
            "PORT": str(parsed.port or ""),
            "CONN_MAX_AGE": env_int("DATABASE_CONN_MAX_AGE", 60),
            "CONN_HEALTH_CHECKS": True,
            # No JIT unless the URL asks (?options=-c jit=on): it pays off for long analytical
            # scans, while a request's queries take milliseconds; a dashboard query whose rows
            # the planner over-estimated spent ~50 ms compiling.
            "OPTIONS": {"options": "-c jit=off", **postgres_options(parsed.query)},
        }
    raise ImproperlyConfigured(
        f"DATABASE_URL scheme {parsed.scheme!r} is not supported (use sqlite:// or postgres://)"
    )


def postgres_options(query: str) -> dict[str, object]:
    """The URL's query as connection options (libpq's, as strings), with Django's and psycopg's
    own typed: server_side_binding=true|false, prepare_threshold=N (statements run N times on a
    connection are prepared; needs server-side binding to have the same text each time)."""
    options: dict[str, object] = dict(parse_qsl(query))
    if "server_side_binding" in options:
        value = str(options["server_side_binding"]).lower()
        if value not in {"true", "false"}:
            raise ImproperlyConfigured("DATABASE_URL: server_side_binding must be true or false")
        options["server_side_binding"] = value == "true"
    if "prepare_threshold" in options:
        try:
            options["prepare_threshold"] = int(str(options["prepare_threshold"]))
        except ValueError:
            raise ImproperlyConfigured("DATABASE_URL: prepare_threshold must be a whole number") from None
    return options


def sqlite_database(path: Path) -> dict[str, object]:
    if not path.is_absolute():
        path = BASE_DIR / path
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": path,
        # WAL lets the dashboard read while a request writes; the busy timeout makes a second
        # writer wait instead of failing at once; IMMEDIATE avoids lock upgrades mid-transaction.
        "OPTIONS": {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": ("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"),
        },
        "TEST": {"NAME": None},
    }


DEBUG = env_bool("DEBUG", False)
TESTING = "pytest" in sys.modules or env_bool("NEEDLE_TESTING", False)

_secret = env_str("SECRET_KEY")
if not _secret:
    # One machine, nothing configured: keep a generated key beside the database, so sessions
    # survive restarts. Several app servers must share SECRET_KEY (or SECRET_KEY_FILE).
    _key_file = VAR_DIR / "secret_key"
    if not _key_file.exists():
        import secrets

        VAR_DIR.mkdir(parents=True, exist_ok=True)
        _key_file.write_text(secrets.token_urlsafe(50))
        _key_file.chmod(0o600)
    _secret = _key_file.read_text().strip()
if len(_secret) < 32:
    raise ImproperlyConfigured("SECRET_KEY must have at least 32 characters")
SECRET_KEY: str = _secret

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

TIME_ZONE = env_str("TIME_ZONE", "Asia/Shanghai") or "Asia/Shanghai"
try:
    ZoneInfo(TIME_ZONE)
except (ZoneInfoNotFoundError, ValueError):
    raise ImproperlyConfigured(f"TIME_ZONE {TIME_ZONE!r} is not a known time zone") from None
USE_TZ = True
USE_I18N = True

# The sources of the rollup engine: each app's figures module (its SOURCE), listed explicitly.
NEEDLE_ROLLUP_SOURCES = [
    "needle.cases.figures",
    "needle.orgs.figures",
    "needle.center.figures",
    "needle.center.appointment_figures",
    "needle.center.room_figures",
    "needle.volunteering.figures",
    "needle.volunteering.list_figures",
    "needle.care.figures",
    "needle.consult.figures",
    "needle.supervision.figures",
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "huey.contrib.djhuey",
    "ninja",
    "needle.core",
    "needle.areas",
    "needle.rollups",
    "needle.orgs",
    "needle.notify",
    "needle.cases",
    "needle.intel",
    "needle.center",
    "needle.volunteering",
    "needle.care",
    "needle.consult",
    "needle.supervision",
    "needle.operations",
    "needle.demo",
]
if TESTING:
    # A tiny model the tests declare to the rollup engine as a source (needle/rollups/tests).
    INSTALLED_APPS.append("needle.rollups.tests.sample")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "needle.core.middleware.RequestContextMiddleware",
    "needle.core.middleware.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Before anything reads the body (the CSRF check reads a form), after the language is known.
    "needle.core.middleware.RequestSizeLimitMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "needle.core.middleware.BadRequestMiddleware",
]

ROOT_URLCONF = "needle.urls"
WSGI_APPLICATION = "needle.wsgi.application"
AUTH_USER_MODEL = "orgs.Person"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "needle" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "needle.core.context_processors.needle",
                "needle.notify.context_processors.notifications",
                "needle.orgs.context_processors.menu",
            ],
        },
    },
]

_database_url = env_str("DATABASE_URL")
DATABASES = {
    "default": database_from_url(_database_url)
    if _database_url
    else sqlite_database(VAR_DIR / "needle.sqlite3")
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Jobs: SQLite file next to the database by default, Redis when configured so that workers can
# run on many machines; tests run each task at once, in-process.
if REDIS_URL:
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": "needle",
        "url": REDIS_URL,
        "immediate": TESTING,
    }
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "needle",
        "filename": str(VAR_DIR / "huey.sqlite3"),
        "immediate": TESTING,
    }

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LANGUAGE_CODE = env_str("LANGUAGE_CODE", "zh-hans") or "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "needle" / "locale"]

MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")) or VAR_DIR / "media")
# The whole body of one request, files included: three 8 MB photos base64-encoded in JSON
# and the form around them (needle.core.middleware.RequestSizeLimitMiddleware answers 413
# above it). Django's own limit, which leaves files out, is the same, so that a JSON body
# under this one is never refused by Django with a bare 400.
REQUEST_MAX_BYTES = 34 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = REQUEST_MAX_BYTES

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")) or VAR_DIR / "static")
STATICFILES_DIRS = [BASE_DIR / "static"]

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# Behind HTTPS browsers are told to use nothing else (a year unless SECURE_HSTS_SECONDS says).
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 365 * 24 * 3600) if SESSION_COOKIE_SECURE else 0
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

EMAIL_BACKEND = (
    "django.core.mail.backends.locmem.EmailBackend"
    if TESTING
    else env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "needle@localhost") or "needle@localhost"
# For the SMTP backend (EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend).
EMAIL_HOST = env_str("EMAIL_HOST", "localhost") or "localhost"
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "") or ""
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "") or ""
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("EMAIL_USE_TLS and EMAIL_USE_SSL exclude each other; set one")
# A link to reset a forgotten password works this long (and once).
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_HOURS", 24) * 3600
if PASSWORD_RESET_TIMEOUT < 3600:
    raise ImproperlyConfigured("PASSWORD_RESET_HOURS must be at least 1")

# Deployment knobs of Needle itself.
# The address residents and staff reach Needle at: links in text messages, emails and WeChat
# messages start with it.
NEEDLE_SITE_URL = env_url("NEEDLE_SITE_URL", "http://127.0.0.1:8000")
# Messages outside Needle: the provider classes of text messages and WeChat template messages
# (needle.notify.gateways: the console backends write them to the log), the local hour of the
# daily digest, and the quiet hours of residents without an account (their text messages wait
# until the span ends; people with an account choose their own).
NEEDLE_SMS_BACKEND = env_dotted(
    "NEEDLE_SMS_BACKEND",
    "needle.notify.gateways.MemorySms" if TESTING else "needle.notify.gateways.ConsoleSms",
)
NEEDLE_WECHAT_BACKEND = env_dotted(
    "NEEDLE_WECHAT_BACKEND",
    "needle.notify.gateways.MemoryWeChat" if TESTING else "needle.notify.gateways.ConsoleWeChat",
)
NEEDLE_DIGEST_HOUR = env_int("NEEDLE_DIGEST_HOUR", 8)
if not 0 <= NEEDLE_DIGEST_HOUR <= 23:
    raise ImproperlyConfigured("NEEDLE_DIGEST_HOUR must be an hour from 0 to 23")
NEEDLE_QUIET_HOURS = env_hours("NEEDLE_QUIET_HOURS", "21:00-08:00")
NEEDLE_DEMO_PASSWORD = env_str("NEEDLE_DEMO_PASSWORD", "needle-demo-2026")
NEEDLE_PAGE_SIZE = env_int("NEEDLE_PAGE_SIZE", 50)
# Request intelligence: where classifier versions live; the confidence above which a case is
# routed without a dispatcher (empty: each model's own threshold, chosen from its calibration
# so that at least 97% of automatically routed cases are right); the learned unit must have
# handled at least INTEL_UNIT_SUPPORT such cases and INTEL_UNIT_SHARE of them; retraining runs
# when INTEL_RETRAIN_MIN new closed cases exist. The intake form's suggestions (classifier and
# similar requests, asked for while a resident types) allow INTEL_SUGGEST_PER_MINUTE calls per
# client and minute.
# The area whose boundaries the intake and public maps draw (an area code of the tree).
NEEDLE_MAP_AREA = env_code("NEEDLE_MAP_AREA", "500000000000")
# Open311: the jurisdiction_id that means the whole deployment (empty: only area codes are
# accepted), and the contact shown by discovery.
NEEDLE_OPEN311_JURISDICTION = (env_str("NEEDLE_OPEN311_JURISDICTION", "") or "").strip()
NEEDLE_OPEN311_CONTACT = (env_str("NEEDLE_OPEN311_CONTACT", "") or "").strip()
# The language of the CLI's reports (router, hotspots), which scripts read.
NEEDLE_CLI_LANGUAGE = env_choice("NEEDLE_CLI_LANGUAGE", "en", [code for code, _name in LANGUAGES])
# Every map's basemap: tile URL templates (a base, then overlays, separated by spaces), their
# attribution (required: tile providers' terms ask for it) and the coordinate system of the
# tiles. Needle stores WGS-84 and converts for a GCJ-02 basemap (AMap, Tencent). No tiles: the
# maps draw the boundaries and the areas' labelled points on a plain background (a closed
# network needs no tile server).
NEEDLE_MAP_TILES = env_tiles("NEEDLE_MAP_TILES")
NEEDLE_MAP_ATTRIBUTION = (env_str("NEEDLE_MAP_ATTRIBUTION", "") or "").strip()
NEEDLE_MAP_CRS = env_choice("NEEDLE_MAP_CRS", "wgs84", ["wgs84", "gcj02"])
if NEEDLE_MAP_TILES and not NEEDLE_MAP_ATTRIBUTION:
    raise ImproperlyConfigured(
        "NEEDLE_MAP_ATTRIBUTION must name the tiles' source (e.g. © OpenStreetMap contributors) "
        "when NEEDLE_MAP_TILES is set"
    )
INTEL_MODEL_DIR = Path(env_str("INTEL_MODEL_DIR", str(VAR_DIR / "models")) or VAR_DIR / "models")
INTEL_THRESHOLD: float | None = env_float("INTEL_THRESHOLD", 0.0, low=0.0, high=1.0) or None
INTEL_UNIT_SUPPORT = env_int("INTEL_UNIT_SUPPORT", 5)
INTEL_UNIT_SHARE = env_float("INTEL_UNIT_SHARE", 0.9, low=0.0, high=1.0)
# Members' service hours: the target per member per quarter and per year where a community has
# set none, and the points a verified hour earns where no rule is in force.
NEEDLE_VOLUNTEERING_QUARTER_HOURS = env_float("NEEDLE_VOLUNTEERING_QUARTER_HOURS", 8.0, low=0.0, high=2000.0)
NEEDLE_VOLUNTEERING_YEAR_HOURS = env_float("NEEDLE_VOLUNTEERING_YEAR_HOURS", 32.0, low=0.0, high=8760.0)
INTEL_RETRAIN_MIN = env_int("INTEL_RETRAIN_MIN", 200)
INTEL_SUGGEST_PER_MINUTE = env_int("INTEL_SUGGEST_PER_MINUTE", 120)


# The catalog's service search (cases) weighs the classifier's guesses for the typed words:
# intel comes after cases, so cases calls intel's function by this name (empty: no guesses).
def _care_keys() -> list[str]:
    """The keys that seal care's sensitive fields (Fernet: 32 url-safe base64 bytes each), the
    first sealing, all opening: NEEDLE_CARE_KEYS (comma-separated) or NEEDLE_CARE_KEYS_FILE (one
    per line). Development and tests get a generated key file beside the secret key; a
    production server without keys refuses to start rather than keep the data unsealed."""
    value = os.environ.get("NEEDLE_CARE_KEYS") or None
    if value is None and os.environ.get("NEEDLE_CARE_KEYS_FILE"):
        value = Path(os.environ["NEEDLE_CARE_KEYS_FILE"]).read_text()
    if value is None:
        if not (DEBUG or TESTING):
            raise ImproperlyConfigured(
                "NEEDLE_CARE_KEYS (or NEEDLE_CARE_KEYS_FILE) must give the key that seals care's "
                "sensitive fields; make one with: needle care new-key"
            )
        key_file = VAR_DIR / "care_keys"
        if not key_file.exists():
            VAR_DIR.mkdir(parents=True, exist_ok=True)
            key_file.write_text(base64.urlsafe_b64encode(os.urandom(32)).decode() + "\n")
            key_file.chmod(0o600)
        value = key_file.read_text()
    keys = [k.strip() for k in value.replace(",", "\n").split("\n") if k.strip()]
    for key in keys:
        try:
            raw = base64.urlsafe_b64decode(key.encode())
        except ValueError:
            raw = b""
        if len(raw) != 32:
            raise ImproperlyConfigured(
                "NEEDLE_CARE_KEYS must be Fernet keys (32 url-safe base64 bytes each, as "
                "`needle care new-key` prints), separated by commas"
            )
    if not keys:
        raise ImproperlyConfigured("NEEDLE_CARE_KEYS is empty")
    return keys


NEEDLE_CARE_KEYS = _care_keys()
# Days after a recipient moved away or died before their record is anonymised.
NEEDLE_CARE_RETENTION_DAYS = env_int("NEEDLE_CARE_RETENTION_DAYS", 730)
if NEEDLE_CARE_RETENTION_DAYS < 1:
    raise ImproperlyConfigured("NEEDLE_CARE_RETENTION_DAYS must be at least 1")
# How many days before a visit falls due its helpers are reminded (the care staff hear of it
# once it is overdue).
NEEDLE_CARE_REMIND_DAYS = env_int("NEEDLE_CARE_REMIND_DAYS", 2)
if not 0 <= NEEDLE_CARE_REMIND_DAYS <= 60:
    raise ImproperlyConfigured("NEEDLE_CARE_REMIND_DAYS must be between 0 and 60")

# A supervised task's target turns blue this many working days before its deadline.
NEEDLE_SUPERVISION_BLUE_DAYS = env_int("NEEDLE_SUPERVISION_BLUE_DAYS", 3)
# An unlisted task to communities waits for the general office's approval instead of being refused.
NEEDLE_SUPERVISION_HOLD_UNLISTED = env_bool("NEEDLE_SUPERVISION_HOLD_UNLISTED", False)
if not 0 <= NEEDLE_SUPERVISION_BLUE_DAYS <= 30:
    raise ImproperlyConfigured("NEEDLE_SUPERVISION_BLUE_DAYS must be between 0 and 30")

NEEDLE_SERVICE_GUESSER = "needle.intel.selectors.text_guesses"
# Password guessing: SIGNIN_FAILURES_PER_ACCOUNT wrong passwords for one username (from any
# address), or SIGNIN_FAILURES_PER_CLIENT from one address (for any usernames), within
# SIGNIN_LOCK_MINUTES lock that username or address for SIGNIN_LOCK_MINUTES; right passwords
# never count. One address may make SIGNUPS_PER_CLIENT_HOUR resident accounts an hour.
SIGNIN_FAILURES_PER_ACCOUNT = env_int("SIGNIN_FAILURES_PER_ACCOUNT", 10)
SIGNIN_FAILURES_PER_CLIENT = env_int("SIGNIN_FAILURES_PER_CLIENT", 50)
SIGNIN_LOCK_MINUTES = env_int("SIGNIN_LOCK_MINUTES", 15)
SIGNUPS_PER_CLIENT_HOUR = env_int("SIGNUPS_PER_CLIENT_HOUR", 10)
# One address may ask for PASSWORD_RESETS_PER_CLIENT_HOUR reset emails an hour; one email address
# receives at most PASSWORD_RESETS_PER_EMAIL_HOUR (further requests are answered the same way and
# send nothing, so the limit tells no one whether the address has an account).
PASSWORD_RESETS_PER_CLIENT_HOUR = env_int("PASSWORD_RESETS_PER_CLIENT_HOUR", 10)
PASSWORD_RESETS_PER_EMAIL_HOUR = env_int("PASSWORD_RESETS_PER_EMAIL_HOUR", 3)
for _limit in (
    "SIGNIN_FAILURES_PER_ACCOUNT",
    "SIGNIN_FAILURES_PER_CLIENT",
    "SIGNIN_LOCK_MINUTES",
    "SIGNUPS_PER_CLIENT_HOUR",
    "PASSWORD_RESETS_PER_CLIENT_HOUR",
    "PASSWORD_RESETS_PER_EMAIL_HOUR",
):
    if globals()[_limit] < 1:
        raise ImproperlyConfigured(f"{_limit} must be at least 1")

LOG_LEVEL = env_str("LOG_LEVEL", "INFO") or "INFO"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {
        "skip_not_found": {"()": "needle.core.logs.SkipNotFound"},
        "quiet_jobs": {"()": "needle.core.logs.QuietJobs"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
        "jobs": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["quiet_jobs"]},
    },
    "loggers": {
        "django.request": {"filters": ["skip_not_found"]},
        # A handler of its own, so that `run_huey` adds none (its own and the root's wrote each
        # line twice), and not propagated to the root's.
        "huey": {"handlers": ["jobs"], "level": LOG_LEVEL, "propagate": False},
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
}
