"""The last lines of `make run`: once the site answers, the demo accounts and its address.

`Procfile.dev` runs this beside the server and the worker; it waits for the server to answer,
prints, and stays until honcho stops everything (honcho stops all processes when one ends).
"""

import contextlib
import threading
import time
import urllib.request

from django.core.management.base import BaseCommand, CommandError

from lms.management.commands.load_demo_data import DEMO_PASSWORD, demo_accounts
from lms.models import User


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 — http(s), checked in handle
            return response.status == 200
    except OSError:
        return False


class Command(BaseCommand):
    help = "Once the site answers, print the demo accounts and the site's address."

    def add_arguments(self, parser):
        parser.add_argument("--url", default="http://127.0.0.1:8000/", help="the site (default: %(default)s)")
        parser.add_argument("--timeout", type=float, default=120, help="seconds to wait for the site to answer")
        parser.add_argument("--stay", action="store_true", help="keep running after printing, until stopped")

    def handle(self, *args, url: str, timeout: float, stay: bool, **options):
        if not url.startswith(("http://", "https://")):
            raise CommandError("--url must be an http:// or https:// address.")
        url = url.rstrip("/") + "/"
        deadline = time.monotonic() + timeout
        while not answers(f"{url}healthz"):
            if time.monotonic() > deadline:
                self.stderr.write(
                    f"The site did not answer at {url} within {timeout:.0f} s; see the web process above."
                )
                return
            time.sleep(0.5)

        existing = set(
            User.objects.filter(email__in=[email for _, email in demo_accounts()]).values_list("email", flat=True)
        )
        accounts = [(role, email) for role, email in demo_accounts() if email in existing]
        self.stdout.write("")
        if accounts:
            self.stdout.write(f"Demo accounts (password for all: {DEMO_PASSWORD}):")
            for role, email in accounts:
                self.stdout.write(f"  {role:<10} {email}")
        else:
            self.stdout.write("No demo accounts yet: `make run` loads them (manage.py load_demo_data).")
        self.stdout.write(self.style.SUCCESS(f"Lyceum is running at {url} (Ctrl+C stops it)"))
        if stay:
            with contextlib.suppress(KeyboardInterrupt):  # Ctrl+C reaches every process honcho runs
                threading.Event().wait()
