"""WSGI entry point: the `web` process (gunicorn) serves all HTTP through it."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.config.settings")

application = get_wsgi_application()

import lms.config.urls  # noqa: E402, F401 - every view, loaded now so it is frozen with the rest
from lms.infra.gc_tuning import freeze_loaded_app  # noqa: E402

freeze_loaded_app()  # in each gunicorn worker: it imports this module once
