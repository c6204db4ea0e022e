"""What `make run` prints: a quiet demo loader, then the demo accounts and the site's address
once it answers (issue 18, item 17)."""

import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO

import pytest
from django.core.management import call_command

from lms.models import Role
from lms.tests.factories import make_user

pytestmark = pytest.mark.django_db


def test_the_demo_loader_says_what_it_made_without_a_line_per_page(caplog):
    caplog.set_level(logging.INFO)
    out = StringIO()

    call_command("load_demo_data", stdout=out)

    assert [record.getMessage() for record in caplog.records if record.name.startswith("wagtail")] == []
    lines = out.getvalue().strip().splitlines()
    assert len(lines) < 20, lines
    assert lines[-4:] == [
        "  student    student@lyceum.test      password: lyceum-demo-2026",
        "  teacher    teacher@lyceum.test      password: lyceum-demo-2026",
        "  staff      staff@lyceum.test        password: lyceum-demo-2026",
        "  superuser  admin@lyceum.test        password: lyceum-demo-2026",
    ]
    # Wagtail's page log is quiet only while the loader runs.
    assert logging.getLogger("wagtail").getEffectiveLevel() <= logging.INFO


class Healthy(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200 if self.path == "/healthz" else 404)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


@pytest.fixture
def site():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Healthy)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()
    server.server_close()


def test_make_run_ends_with_the_demo_accounts_and_the_address(site):
    make_user(Role.STUDENT, email="student@lyceum.test")
    make_user(Role.TEACHER, email="teacher@lyceum.test")
    out = StringIO()

    call_command("welcome", url=site, timeout=5, stdout=out)

    assert out.getvalue().strip().splitlines() == [
        "Demo accounts (password for all: lyceum-demo-2026):",
        "  student    student@lyceum.test",
        "  teacher    teacher@lyceum.test",
        f"Lyceum is running at {site} (Ctrl+C stops it)",
    ]


def test_without_demo_data_it_says_how_to_load_it(site):
    out = StringIO()
    call_command("welcome", url=site, timeout=5, stdout=out)
    assert "No demo accounts yet: `make run` loads them" in out.getvalue()
    assert out.getvalue().strip().endswith(f"Lyceum is running at {site} (Ctrl+C stops it)")


def test_a_site_that_never_answers_is_reported():
    from lms.tests.servers import free_port

    out, err = StringIO(), StringIO()
    call_command("welcome", url=f"http://127.0.0.1:{free_port()}/", timeout=1, stdout=out, stderr=err)
    assert out.getvalue() == "" and "did not answer" in err.getvalue()
