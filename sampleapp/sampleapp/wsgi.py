"""WSGI entry point for gunicorn: sampleapp.wsgi:application."""
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sampleapp.settings")
application = get_wsgi_application()
