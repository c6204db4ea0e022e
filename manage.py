#!/usr/bin/env python
import os
import sys
from pathlib import Path

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.config.settings")
    # A checkout with no configuration at all (no SECRET_KEY in the environment, no `.env`)
    # is a developer's: commands like `makemigrations` run with development settings there.
    # A deployment always has SECRET_KEY (the web process refuses to start without it), so
    # its `migrate` and `qcluster` keep the production default, DEBUG off.
    if "SECRET_KEY" not in os.environ and not (Path(__file__).resolve().parent / ".env").exists():
        os.environ.setdefault("DEBUG", "1")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
