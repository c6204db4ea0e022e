"""`make audit` (.ci/audit.py): fails on a reported vulnerability, passes when none is
reported, and says plainly that nothing was audited when no advisory source answers.
A local stub stands in for OSV's API."""

import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.conf import settings


class OsvStub(BaseHTTPRequestHandler):
    vulnerable = ""  # the package the stub reports a vulnerability for

    def do_POST(self):
        query = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        body = {}
        if query["package"]["name"] == self.vulnerable:
            body = {
                "vulns": [
                    {
                        "id": "PYSEC-2099-1",
                        "summary": "A made-up hole",
                        "affected": [
                            {
                                "package": {"name": self.vulnerable, "ecosystem": "PyPI"},
                                "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "99.0"}]}],
                            }
                        ],
                    }
                ]
            }
        payload = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture
def osv():
    server = ThreadingHTTPServer(("127.0.0.1", 0), OsvStub)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def run_audit(osv_url: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, ".ci/audit.py"],
        env={**os.environ, "AUDIT_SOURCES": "osv", "AUDIT_OSV_URL": osv_url},
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_a_reported_vulnerability_fails_the_audit(osv):
    OsvStub.vulnerable = "django"
    result = run_audit(f"http://127.0.0.1:{osv.server_port}/v1/query")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "VULNERABLE django" in result.stdout and "PYSEC-2099-1" in result.stdout


def test_no_reported_vulnerability_passes(osv):
    OsvStub.vulnerable = ""
    result = run_audit(f"http://127.0.0.1:{osv.server_port}/v1/query")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No known vulnerabilities." in result.stdout and "packages audited" in result.stdout


def test_an_unreachable_source_is_reported_not_failed():
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # nothing listens here
    result = run_audit(f"http://127.0.0.1:{port}/v1/query")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "NO ADVISORY SOURCE REACHABLE" in result.stdout
