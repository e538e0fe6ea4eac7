"""Settings of the deckhand sample app.

Everything host-specific comes from the environment, which the host sets in repo/.venv/bin/postactivate:
DATABASE_URL (postgres://user:password@host:port/name), REDIS_URL, SECRET_KEY, ALLOWED_HOSTS (comma-separated),
STATIC_ROOT, APP_LOG_FILE, APP_VERSION (else the VERSION file), DEBUG.
"""
import os
from pathlib import Path
from urllib.parse import unquote, urlparse

BASE_DIR = Path(__file__).resolve().parent.parent


def _database_from_url(url):
    # A small parser instead of dj-database-url: one dependency less for a sample app.
    parts = urlparse(url)
    if parts.scheme not in ("postgres", "postgresql"):
        raise RuntimeError(f"DATABASE_URL must start with postgres:// (got scheme {parts.scheme!r})")
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": unquote(parts.path.lstrip("/")),
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname or "",
        "PORT": str(parts.port or ""),
        "CONN_MAX_AGE": 60,
    }


def _version():
    if os.environ.get("APP_VERSION"):
        return os.environ["APP_VERSION"]
    try:
        return (BASE_DIR / "VERSION").read_text().strip()
    except OSError:
        return "unknown"


DEBUG = os.environ.get("DEBUG", "") == "1"
SECRET_KEY = os.environ.get("SECRET_KEY") or ("insecure-dev-key" if DEBUG else None)
if not SECRET_KEY:
    raise RuntimeError("SECRET_KEY is not set: add it to repo/.venv/bin/postactivate")
ALLOWED_HOSTS = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "localhost,127.0.0.1").split(",") if h.strip()]
CSRF_TRUSTED_ORIGINS = [f"https://{h}" for h in ALLOWED_HOSTS]
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

APP_VERSION = _version()
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.staticfiles",
    "greetings",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
]
ROOT_URLCONF = "sampleapp.urls"
WSGI_APPLICATION = "sampleapp.wsgi.application"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": []},
    }
]

if os.environ.get("DATABASE_URL"):
    DATABASES = {"default": _database_from_url(os.environ["DATABASE_URL"])}
else:
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": BASE_DIR / "db.sqlite3"}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

USE_TZ = True
TIME_ZONE = "UTC"
STATIC_URL = "/static/"
STATIC_ROOT = os.environ.get("STATIC_ROOT", str(BASE_DIR / "static_collected"))

_log_file = os.environ.get("APP_LOG_FILE")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {
        # WatchedFileHandler reopens the file when logrotate moves it away: no signal needed.
        "app": {"class": "logging.handlers.WatchedFileHandler", "filename": _log_file, "formatter": "plain"}
        if _log_file
        else {"class": "logging.StreamHandler", "formatter": "plain"},
    },
    "loggers": {"greetings": {"handlers": ["app"], "level": "INFO"}},
}
