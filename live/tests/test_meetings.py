"""Meeting providers: Jitsi (with and without JWT) and Zoom against a local stub server."""

import base64
import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import jwt
import pytest

from live import services
from live.meetings import JitsiProvider, MeetingError, meeting_provider
from live.models import LiveClass, MeetingSettings
from live.services import BookingError
from live.tests.conftest import SLOT


class ZoomStub(BaseHTTPRequestHandler):
    calls: list = []
    fail_create = False
    tokens_issued = 0
    revoked: set = set()  # bearer tokens the API answers 401 to

    def log_message(self, *args):
        pass

    def _answer(self, status, body=None):
        data = json.dumps(body).encode() if body is not None else b""
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _record(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length)) if length else None
        self.calls.append((self.command, self.path, self.headers.get("Authorization"), body))
        return body

    def do_POST(self):
        self._record()
        url = urlparse(self.path)
        if url.path == "/oauth/token":
            query = parse_qs(url.query)
            expected = "Basic " + base64.b64encode(b"client:secret").decode()
            if self.headers.get("Authorization") != expected or query.get("account_id") != ["acct"]:
                return self._answer(401, {"reason": "bad credentials"})
            type(self).tokens_issued += 1
            token = "tok-123" if self.tokens_issued == 1 else f"tok-{122 + self.tokens_issued}"
            return self._answer(200, {"access_token": token, "token_type": "bearer", "expires_in": 3599})
        if self.headers.get("Authorization", "").removeprefix("Bearer ") in self.revoked:
            return self._answer(401, {"message": "Invalid access token."})
        if url.path == "/v2/users/me/meetings":
            if self.fail_create:
                return self._answer(429, {"message": "Too many requests"})
            return self._answer(201, {"id": 987654321, "join_url": "https://zoom.example/j/987654321?pwd=x"})
        return self._answer(404, {})

    def do_PATCH(self):
        self._record()
        if self.headers.get("Authorization", "").removeprefix("Bearer ") in self.revoked:
            return self._answer(401, {"message": "Invalid access token."})
        return self._answer(204)

    def do_DELETE(self):
        self._record()
        return self._answer(204)


@pytest.fixture
def zoom(settings):
    ZoomStub.calls = []
    ZoomStub.fail_create = False
    ZoomStub.tokens_issued = 0
    ZoomStub.revoked = set()
    server = ThreadingHTTPServer(("127.0.0.1", 0), ZoomStub)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    settings.ZOOM_ACCOUNT_ID, settings.ZOOM_CLIENT_ID, settings.ZOOM_CLIENT_SECRET = "acct", "client", "secret"
    settings.ZOOM_API_BASE, settings.ZOOM_OAUTH_URL = f"{base}/v2", f"{base}/oauth/token"
    yield ZoomStub
    server.shutdown()
    server.server_close()


def test_zoom_is_used_when_configured(zoom, pending, london_teacher, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        live_class = services.booking_approve(actor=london_teacher, live_class_id=pending.pk)
    assert (live_class.meeting_provider, live_class.meeting_id) == ("zoom", "987654321")
    assert live_class.meeting_url == "https://zoom.example/j/987654321?pwd=x"
    (token_call, create_call) = zoom.calls
    assert token_call[1].startswith("/oauth/token?grant_type=account_credentials")
    assert create_call[:3] == ("POST", "/v2/users/me/meetings", "Bearer tok-123")
    assert create_call[3]["start_time"] == "2026-03-03T10:00:00Z" and create_call[3]["duration"] == 60

    zoom.calls.clear()
    services.class_reschedule(actor=london_teacher, live_class_id=live_class.pk, start=SLOT + timedelta(hours=2))
    assert [(c[0], c[1]) for c in zoom.calls] == [("PATCH", "/v2/meetings/987654321")]  # the token is reused
    assert zoom.calls[-1][3]["start_time"] == "2026-03-03T12:00:00Z"
    services.class_cancel(actor=london_teacher, live_class_id=live_class.pk)
    assert (zoom.calls[-1][0], zoom.calls[-1][1]) == ("DELETE", "/v2/meetings/987654321")


def test_a_zoom_failure_leaves_the_request_pending(zoom, pending, london_teacher):
    zoom.fail_create = True
    with pytest.raises(BookingError, match="Zoom refused"):
        services.booking_approve(actor=london_teacher, live_class_id=pending.pk)
    assert LiveClass.objects.get(pk=pending.pk).status == LiveClass.Status.PENDING


def test_bad_zoom_credentials_are_reported(zoom, settings, pending, london_teacher):
    settings.ZOOM_CLIENT_SECRET = "wrong"
    with pytest.raises(BookingError, match="Zoom refused"):
        services.booking_approve(actor=london_teacher, live_class_id=pending.pk)


def test_staff_can_force_jitsi_and_a_domain(zoom, db):
    MeetingSettings.objects.update_or_create(
        pk=1, defaults={"provider": "jitsi", "jitsi_domain": "video.school.example"}
    )
    provider = meeting_provider()
    assert isinstance(provider, JitsiProvider) and provider.domain == "video.school.example"


def test_zoom_chosen_without_credentials_is_a_clear_error(db):
    MeetingSettings.objects.update_or_create(pk=1, defaults={"provider": "zoom"})
    with pytest.raises(MeetingError, match="ZOOM_ACCOUNT_ID"):
        meeting_provider()


def test_jitsi_rooms_are_unguessable_and_distinct(db):
    provider = JitsiProvider(domain="meet.jit.si")
    rooms = {provider.create(None).meeting_id for _ in range(50)}
    assert len(rooms) == 50 and all(len(r) == 31 for r in rooms)


def test_jitsi_jwt_per_participant(settings, confirmed, clock, student, london_teacher):
    settings.JITSI_APP_ID, settings.JITSI_APP_SECRET = "lyceum", "a-long-test-secret-of-32-bytes-or-more"
    clock.move_to(SLOT - timedelta(minutes=5))
    url = services.join_record(user=student, live_class_id=confirmed.pk)
    base, token = url.split("?jwt=")
    assert base == confirmed.meeting_url
    claims = jwt.decode(token, "a-long-test-secret-of-32-bytes-or-more", algorithms=["HS256"], audience="jitsi")
    assert claims["room"] == confirmed.meeting_id and claims["iss"] == "lyceum"
    assert claims["context"]["user"]["moderator"] is False
    teacher_url = services.join_record(user=london_teacher, live_class_id=confirmed.pk)
    teacher_claims = jwt.decode(
        teacher_url.split("?jwt=")[1], "a-long-test-secret-of-32-bytes-or-more", algorithms=["HS256"], audience="jitsi"
    )
    assert teacher_claims["context"]["user"]["moderator"] is True


def test_a_revoked_zoom_token_is_replaced_and_the_call_made_once_more(
    zoom, pending, london_teacher, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        live_class = services.booking_approve(actor=london_teacher, live_class_id=pending.pk)
    zoom.revoked.add("tok-123")  # e.g. the app's credentials were rotated
    zoom.calls.clear()
    services.class_reschedule(actor=london_teacher, live_class_id=live_class.pk, start=SLOT + timedelta(hours=2))
    assert [(c[0], c[1].split("?")[0], c[2]) for c in zoom.calls] == [
        ("PATCH", "/v2/meetings/987654321", "Bearer tok-123"),
        ("POST", "/oauth/token", zoom.calls[1][2]),
        ("PATCH", "/v2/meetings/987654321", "Bearer tok-124"),
    ]
    assert zoom.tokens_issued == 2
