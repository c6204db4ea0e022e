"""Hostile input everywhere (issue 16.7): every URL the site routes to its own views and
allauth's, with every query parameter and form field those views read, for every role,
and every WebSocket frame type. No input may give a 500, and a refused request (4xx) must
write nothing.

Deterministic and bounded: a fixed corpus, mutated one field at a time from valid values
(so a bad value reaches the code behind the checks that come first), plus every date-like
field at both ends of the calendar at once. The number of inputs tried is printed.
"""

import asyncio
import contextlib
import inspect
import json
import re
import time
from datetime import timedelta
from urllib.parse import quote

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from lms.models import Role
from lms.tests.factories import make_user

# Every value goes into every field a view reads, one field at a time.
HOSTILE = [
    "a\x00b",  # PostgreSQL text cannot hold NUL
    "²",  # str.isdigit() says yes, int() says no
    str(2**63),  # past every id column
    "9999-12-31",
    "x" * 5000,
    "日本語 🙂 \u202e",
    "",
    "' OR 1=1 --<script>",
]
# Values for path segments the URL's converter would accept.
HOSTILE_INT_SEGMENTS = ["0", str(10**30)]
HOSTILE_STR_SEGMENTS = ["AB%00CD", "x" * 300, quote("日本語²")]

OUR_APPS = ("lms.", "courses.", "live.", "billing.", "chat.", "discussions.", "allauth.account.", "allauth.mfa.")
# Fields allauth's forms read (the scan below reads our views' source).
ALLAUTH_FIELDS = ["login", "email", "password", "password1", "code", "display_name"]
WRITES = re.compile(r"^\s*(INSERT|UPDATE|DELETE)\b(?!.*\"django_session\")", re.IGNORECASE)
FIELD_READS = re.compile(r"request\.(GET|POST)(?:\.get|\.getlist)?[\(\[]\s*[\"'](\w+)[\"']")
FORM_NAMES = re.compile(r"\b([A-Z]\w*Form)\(")
HELPERS = re.compile(r"\b(_\w+)\(request\b")

SUMMARY = {}


# --- What to send where --------------------------------------------------------------------


def site_patterns():
    """(route with converters, callback) for every path our apps (and allauth) serve."""

    def walk(patterns, prefix):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                yield from walk(entry.url_patterns, prefix + str(entry.pattern))
            elif isinstance(entry, URLPattern):
                module = getattr(entry.callback, "__module__", "") or ""
                if module.startswith(OUR_APPS) and not str(entry.pattern).startswith("^"):
                    yield prefix + str(entry.pattern), entry.callback

    seen = set()
    for route, callback in walk(get_resolver().url_patterns, ""):
        if route.startswith(("admin/", "cms/")) or route in seen:
            continue
        seen.add(route)
        yield route, callback


def fields_read(callback) -> dict[str, list[str]]:
    """The query parameters and form fields a view reads, by method: request.GET/POST keys
    in its own source and in the module's helpers it hands the request to, and its forms'
    fields (for both)."""
    view = inspect.unwrap(callback)
    view = getattr(view, "view_class", view)
    module = inspect.getmodule(view)
    if module is None or module.__name__.startswith("allauth"):
        return {"GET": ["next"], "POST": ALLAUTH_FIELDS}
    try:
        sources = [inspect.getsource(view)]
    except (OSError, TypeError):
        return {"GET": [], "POST": []}
    for name in set(HELPERS.findall(sources[0])):
        helper = getattr(module, name, None)
        if inspect.isfunction(helper):
            sources.append(inspect.getsource(helper))
    fields = {"GET": set(), "POST": set()}
    for source in sources:
        for method, name in FIELD_READS.findall(source):
            fields[method].add(name)
        for form_name in FORM_NAMES.findall(source):
            form = getattr(module, form_name, None)
            for field in getattr(form, "base_fields", {}):
                fields["GET"].add(field)
                fields["POST"].add(field)
    return {method: sorted(names) for method, names in fields.items()}


def valid_value(name: str, world: dict) -> str:
    tomorrow = (timezone.now() + timedelta(days=2)).date().isoformat()
    values = {
        "slot": world["slot"],
        "week": "0",
        "date": tomorrow,
        "day": tomorrow,
        "time": "10:00",
        "start_time": "10:00",
        "end_time": "11:00",
        "minutes": "60",
        "capacity": "10",
        "weekday": "1",
        "start": "2026-01-01",
        "end": "2026-12-31",
        "student": str(world["enrolled"].pk),
        "user_id": str(world["teacher"].pk),
        "teacher": str(world["teacher"].pk),
        "email": world["teacher"].email,
        "login": world["student"].email,
        "before": str(world["message"].pk),
        "after": str(world["message"].pk),
        "format": "csv",
        "q": "algebra",
        "next": "/",
        "attendance": "present",
        "url": "https://example.com/recording",
        "recording_url": "https://example.com/recording",
        "amount": "100",
        "time_zone": "Europe/London",
        "class_minutes": "60",
        "buffer_minutes": "0",
        "min_notice_hours": "2",
        "max_days_ahead": "30",
        "answer": "0",
    }
    return values.get(name, "hello")


def path_for(route: str, world: dict) -> str:
    def fill(match):
        converter, name = match.group(1) or "str", match.group(2)
        value = world["ids"].get(name)
        if value is None:
            value = 1 if converter == "int" else "unknown"
        return str(value)

    return "/" + re.sub(r"<(?:(\w+):)?(\w+)>", fill, route)


def hostile_paths(route: str, world: dict):
    """The route with each of its segments in turn set to a hostile value."""
    for match in re.finditer(r"<(?:(\w+):)?(\w+)>", route):
        converter = match.group(1) or "str"
        for value in HOSTILE_INT_SEGMENTS if converter == "int" else HOSTILE_STR_SEGMENTS:
            yield path_for(route[: match.start()] + value + route[match.end() :], world)


def date_extremes(fields: list[str]):
    """Every date-like field at the far ends of the calendar at once (a date and a time, or
    a start and an end, that only overflow together)."""
    like = [name for name in fields if re.search(r"date|day|start|end|time|before|after", name)]
    if not like:
        return
    for date, clock in (("9999-12-31", "23:59"), ("0001-01-01", "00:00")):
        yield {name: clock if "time" in name else date for name in like}
    # The widest period: from the first day to the last.
    yield {name: "0001-01-01" if re.search(r"start|after|from", name) else "9999-12-31" for name in like}


# --- The world they act on -----------------------------------------------------------------


@pytest.fixture
def world(db, django_capture_on_commit_callbacks):
    from billing.services import checkout_start
    from chat.services import conversation_start, message_post
    from courses.services import certificate_issue, enrollment_create
    from courses.tests.factories import lessons_of, make_course
    from coursework.services import submission_save
    from coursework.tests.factories import make_assignment, make_rubric
    from discussions.services import reply_post, thread_start
    from live import selectors as live_selectors
    from live import services as live_services
    from live.models import LivePreferences
    from live.tests.factories import availability_set
    from lms.models import Notification

    teacher = make_user(Role.TEACHER, email="teacher@example.com", display_name="Tess Teacher")
    student = make_user(Role.STUDENT, email="student@example.com", display_name="Sam Student")
    enrolled = make_user(Role.STUDENT, email="enrolled@example.com", display_name="Erin Enrolled")
    staff = make_user(Role.STAFF, email="staff@example.com", display_name="Stella Staff")
    with django_capture_on_commit_callbacks(execute=True):
        availability_set(teacher, hours=[(day, "00:00", "23:00") for day in range(7)])
        course = make_course(teacher, title="Algebra", price="25")
        free = make_course(teacher, title="Free course")
        enrollment_create(student=enrolled, course=course, source="staff")
        enrollment_create(student=enrolled, course=free, source="staff")
        lesson = lessons_of(course)[0]
        certificate = certificate_issue(student=enrolled, course=free)
        conversation = conversation_start(user=enrolled, other=teacher)
        message, _ = message_post(sender=enrolled, conversation=conversation, body="Hello")
        now = timezone.now()
        slots = live_selectors.teacher_free_slots(teacher=teacher, start=now, end=now + timedelta(days=7))
        booked = live_services.booking_request(student=enrolled, teacher=teacher, start=slots[3].start, note="n")
        payment, _ = checkout_start(user=student, course=course, base_url="http://testserver")
        assignment = make_assignment(course, teacher, rubric=make_rubric(teacher))
        submission = submission_save(student=enrolled, assignment=assignment, text="Essay", hand_in=True)
        thread = thread_start(author=enrolled, course=course, lesson=lesson, title="Question", body="Why?")
        post = reply_post(author=teacher, thread=thread, body="Because.")
    notification = Notification.objects.order_by("pk").first()  # the teacher's, of the booking
    preferences, _ = LivePreferences.objects.get_or_create(user=enrolled)
    hours = teacher.weekly_hours.first()
    return {
        "teacher": teacher,
        "student": student,
        "enrolled": enrolled,
        "staff": staff,
        "message": message,
        "slot": slots[5].key,
        "extra_urls": [course.url, lesson.url, assignment.url],
        "ids": {
            "course_id": course.pk,
            "lesson_id": lesson.pk,
            "assignment_id": assignment.pk,
            "submission_id": submission.pk,
            "thread_id": thread.pk,
            "post_id": post.pk,
            "class_id": booked.pk,
            "payment_id": payment.pk,
            "session_id": payment.checkout_session_id or "unknown",
            "conversation_id": conversation.pk,
            "message_id": message.pk,
            "notification_id": notification.pk,
            "hours_id": hours.pk if hours else 1,
            "exception_id": 1,
            "plan_id": 1,
            "number": 1,
            "code": certificate.code,
            "token": preferences.feed_token,
            "slug": teacher.teacher_profile.slug,
            "course_slug": course.slug,
        },
    }


# --- The run -------------------------------------------------------------------------------


class Fuzzer:
    def __init__(self, client: Client, role: str):
        self.client = client
        self.role = role
        self.tried = 0
        self.failures = []

    def send(self, method: str, path: str, data: dict, what: str):
        self.tried += 1
        with CaptureQueriesContext(connection) as queries:
            response = self.client.get(path, data) if method == "GET" else self.client.post(path, data)
        if response.status_code >= 500:
            exc = (getattr(response, "exc_info", None) or (None, None))[1]
            self.failures.append(f"{self.role} {method} {path} {what}: {response.status_code} {exc!r:.200}")
        elif response.status_code >= 400:
            writes = []
            for query in queries.captured_queries:
                if query["sql"].upper().startswith("ROLLBACK"):
                    writes = []  # undone: the request's transaction (a savepoint here) rolled back
                elif WRITES.match(query["sql"]):
                    writes.append(query["sql"][:120])
            if response.status_code == 404:  # "delete it" of what is already gone deletes nothing
                writes = [sql for sql in writes if not sql.upper().startswith("DELETE")]
            if writes:
                self.failures.append(f"{self.role} {method} {path} {what}: {response.status_code} but wrote {writes}")
        return response

    def reachable(self, method: str, path: str, data: dict) -> bool:
        """Worth mutating: the role is let in and the method allowed."""
        response = self.send(method, path, data, "baseline")
        location = response.get("Location", "")
        return not (response.status_code in (403, 405) or "/accounts/login/" in location)

    def url(self, path: str, fields: dict[str, list[str]], world: dict):
        for method in ("GET", "POST"):
            names = fields[method]
            valid = {name: valid_value(name, world) for name in names}
            # Everything hostile at once, whoever asks.
            self.send(method, path, dict.fromkeys(names or ["q"], "a\x00b"), "all NUL")
            if not self.reachable(method, path, valid):
                continue
            for name in names:
                for value in HOSTILE:
                    self.send(method, path, {**valid, name: value}, f"{name}={value[:20]!r}")
            if names:  # every field given twice, the second time hostile
                self.send(method, path, {name: [valid[name], "-1²"] for name in names}, "lists")
            for extremes in date_extremes(names):
                self.send(method, path, {**valid, **extremes}, f"extremes {extremes}")


ROLES = ["anonymous", "student", "enrolled", "teacher", "staff"]


@pytest.mark.parametrize("role", ROLES)
def test_no_input_gives_a_500_or_stores_anything_when_refused(role, world, capsys):
    client = Client(raise_request_exception=False)
    if role != "anonymous":
        client.force_login(world[role])
    fuzzer = Fuzzer(client, role)
    started = time.monotonic()
    routes = list(site_patterns())
    for route, callback in routes:
        fields = fields_read(callback)
        if role != "anonymous":
            client.force_login(world[role])  # again: the logout URL is fuzzed too
        fuzzer.url(path_for(route, world), fields, world)
        for path in hostile_paths(route, world):
            fuzzer.send("GET", path, {}, "hostile path")
            fuzzer.send("POST", path, {}, "hostile path")
    for url in world["extra_urls"]:
        fuzzer.url(url, {"GET": ["q", "page", "fragment"], "POST": ["answer"]}, world)
    with capsys.disabled():
        print(
            f"\nfuzz [{role}]: {fuzzer.tried} HTTP inputs over {len(routes)} routes "
            f"in {time.monotonic() - started:.1f} s, {len(fuzzer.failures)} failures"
        )
    assert not fuzzer.failures, "\n".join(fuzzer.failures[:60])


# --- Webhook -------------------------------------------------------------------------------


NOT_EVENTS = 10  # the first ten are not events PostgreSQL could store
WEBHOOK_BODIES = [
    "[]",
    '"event"',
    "42",
    "null",
    "{}",
    '{"id": "evt_1", "type": "checkout.session.completed", "data": []}',
    '{"id": "evt_2", "type": "checkout.session.completed", "data": {"object": "x"}}',
    '{"id": ["evt"], "type": {"a": 1}}',
    '{"id": "evt_4\\u0000", "type": "charge.refunded", "data": {"object": {"amount_refunded": 1}}}',
    '{"id": "evt_5", "type": "invoice.paid", "data": {"object": {"amount_paid": 1e309}}}',
    '{"id": "evt_3", "type": "checkout.session.completed", "data": {"object": {"metadata": "x"}}}',
    '{"id": "evt_6", "type": "charge.refunded", "data": {"object": {"amount_refunded": "x"}}}',
]


def test_signed_webhook_with_a_malformed_body_is_refused(db, settings, client, capsys):
    from billing.models import WebhookEvent
    from billing.tests.stripe_stub import sign

    settings.STRIPE_WEBHOOK_SECRET = "whsec_fuzz"
    statuses = []
    for body in WEBHOOK_BODIES:
        response = client.post(
            "/billing/stripe/webhook/",
            data=body,
            content_type="application/json",
            HTTP_STRIPE_SIGNATURE=sign(body, "whsec_fuzz"),
        )
        statuses.append((body[:60], response.status_code))
    with capsys.disabled():
        print(f"\nfuzz [webhook]: {len(WEBHOOK_BODIES)} signed bodies")
    # Not an event we could store: refused before anything is.
    assert [entry for entry in statuses[:NOT_EVENTS] if entry[1] != 400] == []
    assert not WebhookEvent.objects.filter(event_id__in=["evt_1", "evt_2", "evt_5"]).exists()
    # Events with fields of the wrong type: applied if harmless, else refused; never a 500.
    assert [entry for entry in statuses if entry[1] not in (200, 400)] == []


# --- WebSocket frames ----------------------------------------------------------------------


def socket_frames() -> list:
    frames = ["not json", " ", "[]", "42", "null", '"chat.send"', "{", json.dumps({"type": None})]
    for kind, field in (
        ("chat.send", "body"),
        ("chat.send", "client_id"),
        ("chat.sync", "after_id"),
        ("chat.read", "message_id"),
        ("chat.typing", "x"),
        ("chat.ping", "x"),
        ("notifications.unread", "count"),
        ("nope", "x"),
    ):
        for value in [*HOSTILE, 2**63, -(2**63), 10**30, 1.5, None, [], {}, True]:
            frame = {"type": kind, field: value}
            if kind == "chat.send" and field == "client_id":
                frame["body"] = "hi"
            frames.append(json.dumps(frame))
    return frames


@pytest.mark.django_db(transaction=True)
async def test_socket_frames_get_error_frames_and_keep_the_socket(capsys, settings):
    """Every hostile frame on every socket: the socket stays open and still answers."""
    # The liveness probe after each frame is a `chat.sync`: not the rate limit under test here.
    settings.CHAT_SYNC_RATE_LIMIT = (10**6, 10)
    from channels.db import database_sync_to_async
    from channels.testing import WebsocketCommunicator

    from lms.config.routing import websocket_urlpatterns

    @database_sync_to_async
    def setup():
        from chat.services import conversation_start

        teacher = make_user(Role.TEACHER, display_name="Tess Teacher")
        staff = make_user(Role.STAFF, display_name="Stella Staff")
        return staff, conversation_start(user=staff, other=teacher)

    from channels.routing import URLRouter

    app = URLRouter(websocket_urlpatterns)
    staff, conversation = await setup()
    tried = 0
    failures = []

    async def connect(path):
        communicator = WebsocketCommunicator(app, path)
        communicator.scope["user"] = staff
        connected, _ = await communicator.connect()
        assert connected, path
        return communicator

    # A frame each socket answers when it is alive, and the answer's type.
    probes = {
        "/ws/notifications/": ({"type": "chat.ping"}, "error"),  # it takes no messages
        "/ws/chat/": ({"type": "chat.ping"}, "chat.pong"),
        f"/ws/chat/{conversation.pk}/": ({"type": "chat.sync", "after_id": 0}, "chat.messages"),
    }
    for path, (probe, answer) in probes.items():
        communicator = await connect(path)
        for frame in socket_frames():
            tried += 1
            await communicator.send_to(text_data=frame)
            # Whatever came back, the socket is still there and answers.
            await communicator.send_to(text_data=json.dumps(probe))
            answered = False
            try:
                while not answered:
                    reply = await communicator.receive_output(timeout=3)
                    if reply["type"] == "websocket.close":
                        break
                    data = json.loads(reply.get("text", "{}"))
                    answered = data.get("type") == answer
            except (Exception, asyncio.CancelledError) as exc:  # a crash inside the consumer surfaces here
                failures.append(f"{path} {frame[:80]!r}: {type(exc).__name__} {exc}"[:200])
            if not answered:
                if not failures or not failures[-1].startswith(f"{path} {frame[:80]!r}"):
                    failures.append(f"{path} {frame[:80]!r}: socket closed or silent")
                with contextlib.suppress(Exception, asyncio.CancelledError):  # it may have died
                    await communicator.disconnect()
                communicator = await connect(path)  # carry on with the next frame
        await communicator.disconnect()
    with capsys.disabled():
        print(f"\nfuzz [sockets]: {tried} frames over 3 sockets, {len(failures)} failures")
    assert not failures, "\n".join(failures)
