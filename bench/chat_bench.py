"""Chat delivery benchmark: per-message latency (send → receipt at the other side's
client) and lost/duplicated messages, under two loads, with the targets of issue 17:

  conversations   USERS connected users in USERS/2 one-to-one conversations, each
                  conversation sending a message every INTERVAL s (alternating sender);
                  clients heartbeat and send read receipts as static/js/chat.js does.
                  Target: p99 ≤ 100 ms, nothing lost or duplicated, every message stored.
  announcements   STUDENTS (default 1,000) connected students of one course; the teacher
                  posts ANNOUNCEMENTS announcements 1 s apart through the web process.
                  Target: p99 ≤ 500 ms, nothing lost or duplicated.

With `--runs chat,floor` (the default) a bare Channels relay (bench/chat_relay_asgi.py: no
session, no database, no checks) runs the same loads as a reference column: what this
machine and channel layer cost before the chat does anything. For the conversations load
the chat and the relay are up at once with all their clients connected, and send in turns
of WINDOW s (DURATION s each per round), so that the machine's drift falls on both alike.

It starts the production processes (Procfile: `ws` = uvicorn lms.config.asgi, `web` = gunicorn)
against a fresh PostgreSQL database and Redis (RedisPubSubChannelLayer), with 1 and then
2 `ws` processes, and writes a Markdown table. Needs PostgreSQL and Redis running:

  .venv/bin/python bench/chat_bench.py --users 1000 --duration 60 --rounds 3 \\
      --database-url postgres://postgres@127.0.0.1:5432/lyceum_chat_bench \\
      --redis-url redis://127.0.0.1:6379/6 --out bench/chat_results.md

Every connection and request goes to 127.0.0.1 only; each run is bounded in time.
"""

import argparse
import asyncio
import datetime
import gc
import json
import os
import random
import re
import shlex
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections import Counter
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import websockets

ROOT = Path(__file__).resolve().parent.parent
SECRET_KEY = "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"
CONNECT_CONCURRENCY = 50
PING_INTERVAL = 10  # seconds: the server's CHAT_HEARTBEAT_SECONDS, which chat.js follows
READ_RECEIPT_DELAY = 1  # seconds: chat.js sends at most one read receipt a second, this long after a message
RUNS = {
    "chat": "chat",
    # A bare Channels consumer relaying each frame to its group (bench/chat_relay_asgi.py).
    "floor": "floor: bare relay",
}
BODY = re.compile(r"data-body>(\S+) bench<")  # the tag that starts a rendered message's body
WARM_UP_MESSAGES = 50


# --- Setup: database, users, sessions --------------------------------------------------------


def server_env(args) -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "lms.config.settings",
        # Redis pub/sub ignores the database number: every client of the Redis server hears
        # every channel, and group names are the same in every fresh database
        # (`chat-conversation-1`, ...). A prefix of this run's own keeps out what a test run
        # or another bench publishes (that is what an earlier run counted as "lost −38,
        # duplicated 18").
        "CHANNEL_LAYER_PREFIX": args.channel_prefix,
        "DEBUG": "0",
        "SECRET_KEY": SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "DATABASE_URL": args.database_url,
        "REDIS_URL": args.redis_url,
        "LOG_LEVEL": "WARNING",
        # The bench measures live delivery; the worker's emails are not part of it.
        "Q_SYNC": "0",
    }


def fresh_database(args) -> None:
    import psycopg

    url = urllib.parse.urlsplit(args.database_url)
    name = url.path.lstrip("/")
    admin_url = urllib.parse.urlunsplit(url._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=server_env(args), check=True
    )
    # The bench's Redis database goes with its PostgreSQL database: cached users, sessions,
    # presence and rate-limit keys name rows by id, and the new rows reuse the old ids.
    import redis

    redis.Redis.from_url(args.redis_url).flushdb()


def settle_database() -> None:
    """Statistics for the bulk-loaded tables and a checkpoint, as a running site's database
    has them, so that neither autovacuum's ANALYZE nor the checkpoint after the load falls
    into the first run."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
        cursor.execute("CHECKPOINT")


def setup_django(args) -> None:
    os.environ.update(server_env(args))
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


@dataclass
class World:
    teacher_ids: list[int]
    student_ids: list[int]
    course_id: int
    conversations: list[tuple[int, int, int]]  # (conversation id, teacher id, student id)
    cookies: dict[int, str] = field(default_factory=dict)


def build_world(users: int, students: int) -> World:
    """USERS/2 teachers and max(USERS/2, STUDENTS) students, one course all teach and all
    students are enrolled in, and one conversation per (teacher i, student i).

    A bench, not the app: rows (users, enrolments, conversations with both read states,
    sessions) are bulk-created straight into the bench's own database, in seconds for
    thousands of users; the chat's services are what the runs measure.
    """
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.hashers import make_password
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.utils import timezone
    from django.utils.crypto import get_random_string

    from chat.models import Conversation, ReadState
    from courses.models import CoursePage, Enrollment
    from courses.services import catalog_page_ensure
    from lms.models import Role, User

    pairs = users // 2
    password = make_password(None)
    teachers = User.objects.bulk_create(
        [
            User(email=f"t{i}@bench.test", display_name=f"Teacher {i}", role=Role.TEACHER, password=password)
            for i in range(pairs)
        ]
    )
    student_users = User.objects.bulk_create(
        [
            User(email=f"s{i}@bench.test", display_name=f"Student {i}", role=Role.STUDENT, password=password)
            for i in range(max(pairs, students))
        ]
    )
    index = catalog_page_ensure()
    course = CoursePage(title="Bench course", slug="bench-course", summary="Bench", owner=teachers[0])
    index.add_child(instance=course)
    course.teachers.add(*teachers)
    course.save_revision().publish()
    Enrollment.objects.bulk_create(
        [Enrollment(student=s, course_id=course.pk, source="staff", status="active") for s in student_users]
    )
    # What chat.services.conversation_start stores: one conversation per pair (ids ordered)
    # and a read state for each participant.
    pair_list = list(zip(teachers, student_users[:pairs], strict=True))
    opened = Conversation.objects.bulk_create(
        [Conversation(user_low_id=min(t.pk, s.pk), user_high_id=max(t.pk, s.pk)) for t, s in pair_list]
    )
    ReadState.objects.bulk_create(
        [ReadState(conversation=c, user_id=pk) for c in opened for pk in (c.user_low_id, c.user_high_id)]
    )
    conversations = [(c.pk, t.pk, s.pk) for c, (t, s) in zip(opened, pair_list, strict=True)]
    world = World([t.pk for t in teachers], [s.pk for s in student_users], course.pk, conversations)
    expires = timezone.now() + datetime.timedelta(days=1)
    store = SessionStore()
    sessions = []
    for user in [*teachers, *student_users]:
        key = get_random_string(32, "abcdefghijklmnopqrstuvwxyz0123456789")
        data = {
            SESSION_KEY: str(user.pk),
            BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
            HASH_SESSION_KEY: user.get_session_auth_hash(),
        }
        sessions.append(Session(session_key=key, session_data=store.encode(data), expire_date=expires))
        world.cookies[user.pk] = key
    Session.objects.bulk_create(sessions, batch_size=1000)
    return world


# --- Processes ----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pids: list[int]) -> float:
    """User and system CPU the processes have used so far (Linux /proc)."""
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


def wait_for_port(port: int, process, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"process on port {port} exited with {process.returncode}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise RuntimeError(f"nothing listening on {port} after {timeout} s")


def procfile_ws_options() -> list[str]:
    """The production `ws` line's uvicorn options (Procfile), without the address and the
    number of workers, which the bench chooses."""
    line = next(line for line in (ROOT / "Procfile").read_text().splitlines() if line.startswith("ws:"))
    words = shlex.split(line.removeprefix("ws:"))
    options, skip = [], False
    for word in words[2:]:  # after `uvicorn lms.config.asgi:application`
        if skip:
            skip = False
        elif word in ("--host", "--port", "--workers"):
            skip = True
        else:
            options.append(word)
    return options


@contextmanager
def processes(args, *, ws_count: int, floor: bool):
    env = server_env(args)
    started = []
    ws_ports = [free_port() for _ in range(ws_count)]
    web_port = free_port()
    try:
        for port in ws_ports:
            app = ["--app-dir", "bench", "chat_relay_asgi:application"] if floor else ["lms.config.asgi:application"]
            started.append(
                (
                    port,
                    subprocess.Popen(
                        [sys.executable, "-m", "uvicorn", *app, "--host", "127.0.0.1", "--port", str(port)]
                        + [*procfile_ws_options(), "--log-level", "warning"],
                        cwd=ROOT,
                        env=env,
                    ),
                )
            )
        if not floor:
            started.append(
                (
                    web_port,
                    subprocess.Popen(
                        [sys.executable, "-m", "gunicorn", "lms.config.wsgi:application", "--workers", "2"]
                        + ["--bind", f"127.0.0.1:{web_port}", "--log-level", "warning"],
                        cwd=ROOT,
                        env=env,
                    ),
                )
            )
        for port, process in started:
            wait_for_port(port, process)
        yield ws_ports, web_port, [process.pid for _, process in started[:ws_count]]
    finally:
        for _, process in started:
            process.terminate()
        for _, process in started:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


# --- Clients ------------------------------------------------------------------------------------


@dataclass
class Result:
    name: str
    latencies_ms: list[float] = field(default_factory=list)
    sent_at: list[float] = field(default_factory=list)  # monotonic send time of each latency
    expected: int = 0
    received_unique: int = 0
    duplicated: int = 0
    stored: int | None = None
    clients: int = 0
    errors: list[str] = field(default_factory=list)
    cpu_ms_per_message: float | None = None  # the ws processes' CPU while the run lasted, per message sent

    def percentile(self, p: float) -> float:
        lat = sorted(self.latencies_ms)
        return lat[min(len(lat) - 1, int(p / 100 * len(lat)))] if lat else float("nan")

    def row(self) -> str:
        lat = sorted(self.latencies_ms)
        pct = self.percentile

        lost = self.expected - self.received_unique
        stored = "" if self.stored is None else f" {self.stored}/{self.expected // max(1, self.fanout)}"
        return (
            f"| {self.name} | {self.clients} | {self.expected} | {pct(50):.1f} | {pct(99):.1f} | "
            f"{(lat[-1] if lat else float('nan')):.1f} | {statistics.fmean(lat) if lat else float('nan'):.1f} | "
            f"{lost} | {self.duplicated} |{stored or ' –'} | "
            + ("–" if self.cpu_ms_per_message is None else f"{self.cpu_ms_per_message:.2f}")
            + " |"
        )

    fanout: int = 1
    post_ms: list[float] = field(default_factory=list)


async def open_ws(url: str, cookie: str | None, origin: str):
    from websockets.asyncio.client import connect

    headers = {"Cookie": f"sessionid={cookie}"} if cookie else {}
    for attempt in range(5):
        try:
            return await connect(url, origin=origin, additional_headers=headers, open_timeout=30, max_queue=None)
        except (OSError, TimeoutError):
            await asyncio.sleep(0.5 * (attempt + 1))
    return await connect(url, origin=origin, additional_headers=headers, open_timeout=30, max_queue=None)


async def open_many(specs):
    """specs: [(key, url, cookie, origin)] → {key: websocket}, CONNECT_CONCURRENCY at a time."""
    semaphore = asyncio.Semaphore(CONNECT_CONCURRENCY)

    async def one(key, url, cookie, origin):
        async with semaphore:
            ws = await open_ws(url, cookie, origin)
            if cookie:  # the chat greets every socket it accepted and subscribed
                hello = json.loads(await asyncio.wait_for(ws.recv(), timeout=30))
                if hello.get("type") != "chat.hello":
                    raise RuntimeError(f"{key}: expected chat.hello, got {hello}")
            return key, ws

    return dict(await asyncio.gather(*(one(*spec) for spec in specs)))


async def next_frame(ws, stop_at: float, result: Result, key) -> dict | None:
    """The socket's next frame, or None once `stop_at` passed or the socket closed (noted)."""
    try:
        return json.loads(await asyncio.wait_for(ws.recv(), timeout=max(0.1, stop_at - time.monotonic())))
    except TimeoutError:
        return None
    except websockets.exceptions.WebSocketException as exc:
        result.errors.append(f"{key}: {exc!r}")
        return None


def quiet_collector() -> None:
    """No garbage collection in the load generator while it measures: with 1,000 sockets a
    full collection stops it for 100-200 ms, which it would count as delivery latency of
    the server (chat and floor alike). The caller enables it again after the run."""
    gc.collect()
    gc.freeze()
    gc.disable()


def ws_base(ports, i):
    port = ports[i % len(ports)]
    return f"ws://127.0.0.1:{port}", f"http://127.0.0.1:{port}"


class ConversationSide:
    """One server under the conversations load (a RUNS kind: the chat or one of the floors):
    its clients' sockets and what they sent and received."""

    def __init__(self, world: World, ports, pids, *, kind: str, read_receipts: bool):
        self.world, self.ports, self.pids, self.kind, self.read_receipts = world, ports, pids, kind, read_receipts
        self.floor = kind != "chat"  # the floors' clients send and read plain tagged frames
        self.result = Result(RUNS[kind], fanout=1)
        self.active = asyncio.Event()  # set while this side's window is open
        self.sockets: dict[tuple, object] = {}
        # Every receipt of a message, by socket: counted after the run against who should have
        # received it (the other participant once, and the sender's own socket once, with its ack).
        self.receipts: dict[tuple, Counter] = {}
        self.sent: dict[str, float] = {}
        self.senders: dict[str, tuple] = {}  # tag -> (conversation id, sender id)
        self.first_receipt: dict[str, float] = {}
        self.acked: set[str] = set()
        self.newest_received: dict[tuple, object] = {}  # socket -> newest message id (floor: tag) it got
        self.read_due: dict[tuple, asyncio.Task] = {}  # sockets with a read receipt waiting to go
        self.run_id = f"r{time.time_ns() % 10**9}{kind}"
        self.stop_at = float("inf")

    async def connect(self) -> None:
        specs = []
        for i, (conversation_id, teacher_id, student_id) in enumerate(self.world.conversations):
            for j, user_id in enumerate((teacher_id, student_id)):
                base, origin = ws_base(self.ports, 2 * i + j)
                path = {"chat": f"/ws/chat/{conversation_id}/", "floor": f"/ws/relay/c{conversation_id}/"}[self.kind]
                cookie = None if self.floor else self.world.cookies[user_id]
                specs.append(((conversation_id, user_id), base + path, cookie, origin))
        self.sockets = await open_many(specs)
        self.receipts = {key: Counter() for key in self.sockets}
        self.result.clients = len(self.sockets)

    async def warm_up(self) -> None:
        """A few messages before measuring, not counted, as a running site has sent many:
        the first ones after a start pay for each worker thread's first database
        connection and for compiling the message template."""
        if self.floor:
            return
        senders = [self.sockets[(c, t)] for c, t, _ in self.world.conversations[:WARM_UP_MESSAGES]]
        for n, ws in enumerate(senders):
            await ws.send(json.dumps({"type": "chat.send", "body": "warm bench", "client_id": f"{self.run_id}w{n}"}))
        for ws in senders:
            while json.loads(await asyncio.wait_for(ws.recv(), timeout=30))["type"] != "chat.ack":
                pass

    async def read_later(self, key, ws):
        """A read receipt as chat.js sends one: READ_RECEIPT_DELAY after a message arrives
        in an open conversation, then for the newest message; one at a time per socket.
        The floor relays the same frame to its group, as the chat does a `chat.read`."""
        await asyncio.sleep(READ_RECEIPT_DELAY)
        del self.read_due[key]
        if time.monotonic() >= self.stop_at - 1:
            return
        newest = self.newest_received[key]
        frame = {"read": newest} if self.floor else {"type": "chat.read", "message_id": newest}
        with suppress(websockets.exceptions.WebSocketException):  # the reader reports a closed socket
            await ws.send(json.dumps(frame))

    def received(self, key, ws, newest) -> None:
        if not self.read_receipts:
            return
        self.newest_received[key] = newest
        if key not in self.read_due:
            self.read_due[key] = asyncio.create_task(self.read_later(key, ws))

    async def reader(self, key, ws):
        result = self.result
        while time.monotonic() < self.stop_at:
            if (frame := await next_frame(ws, self.stop_at, result, key)) is None:
                break
            now = time.monotonic()
            if self.floor:
                if "tag" not in frame:  # a relayed read receipt
                    continue
                tag = frame["tag"]
                if frame["sender"] != key[1]:
                    self.received(key, ws, tag)
            elif frame.get("type") == "chat.message":
                # The message as the page renders it for this user; its body starts with the tag.
                tag = BODY.search(frame["html"]).group(1)
                if tag == "warm":  # sent before measuring
                    continue
                if f'data-sender-id="{key[1]}"' not in frame["html"]:  # chat.js reads the other's
                    self.received(key, ws, frame["id"])
            elif frame.get("type") == "chat.ack":
                self.acked.add(frame["client_id"])
                continue
            elif frame.get("type") == "error":
                result.errors.append(frame["error"])
                continue
            else:
                continue
            self.receipts[key][tag] += 1
            if tag in self.sent and tag not in self.first_receipt and key != self.senders[tag]:
                self.first_receipt[tag] = now
                result.latencies_ms.append((now - self.sent[tag]) * 1000)
                result.sent_at.append(self.sent[tag])

    async def sender(self, conversation_id, teacher_id, student_id, interval: float, done: asyncio.Event):
        """One message every INTERVAL while this side's window is open, alternating sender;
        at a random moment of the first INTERVAL after each opening, as independent users."""
        n = 0
        while not done.is_set():
            await self.active.wait()
            if done.is_set():
                break
            await asyncio.sleep(random.uniform(0, interval))
            while self.active.is_set() and not done.is_set():
                user_id = (teacher_id, student_id)[n % 2]
                tag = f"{self.run_id}m{conversation_id}-{n}"  # client_ids must be new in every run
                self.senders[tag] = (conversation_id, user_id)
                self.sent[tag] = time.monotonic()
                ws = self.sockets[(conversation_id, user_id)]
                if self.floor:
                    await ws.send(json.dumps({"tag": tag, "sender": user_id}))
                else:
                    await ws.send(json.dumps({"type": "chat.send", "body": f"{tag} bench", "client_id": tag}))
                n += 1
                await asyncio.sleep(interval)

    async def pinger(self, ws):
        """Heartbeats as static/js/chat.js sends them, every PING_INTERVAL for as long as the
        socket is open, in the other side's windows too (as open tabs do): without them the
        server counts a user as away two heartbeats after connecting and queues away
        notifications, and held back for a window they would all come at once when it opens."""
        await asyncio.sleep(random.uniform(0, PING_INTERVAL))
        while True:
            with suppress(websockets.exceptions.WebSocketException):
                await ws.send(json.dumps({"type": "chat.ping"}))
            await asyncio.sleep(PING_INTERVAL)


async def run_conversations(
    world: World,
    sides: list[ConversationSide],
    *,
    duration: float,
    interval: float,
    window: float,
) -> None:
    """Each side's conversations send for DURATION seconds in all, in windows of WINDOW
    seconds taken in turn (chat, floor, chat, ...): both servers are up and every client of
    both is connected the whole time, so the machine's drift from minute to minute falls on
    both alike. Only the open side's clients send; the other's sockets stay open and quiet."""
    for side in sides:
        await side.connect()
        await side.warm_up()
    # Let hellos, presence and the warm-up's deliveries settle before measuring.
    await asyncio.sleep(1)
    cpu_before = {side.kind: cpu_seconds(side.pids) for side in sides}
    quiet_collector()
    done = asyncio.Event()
    windows = max(1, round(duration / window))
    # 1 s for the tasks to start (below), 5 s for what is still on its way at the end
    stop_at = time.monotonic() + 1 + duration * len(sides) + 5
    tasks, pingers = [], []
    for side in sides:
        side.stop_at = stop_at
        tasks += [asyncio.create_task(side.reader(key, ws)) for key, ws in side.sockets.items()]
        tasks += [asyncio.create_task(side.sender(*c, interval, done)) for c in world.conversations]
        if not side.floor:
            pingers += [asyncio.create_task(side.pinger(ws)) for ws in side.sockets.values()]
    # Let those thousands of tasks start before the first window opens: starting them holds
    # this loop for tens of ms, which the first window's messages (always the chat's) took
    # as latency.
    await asyncio.sleep(1)
    for _ in range(windows):
        for side in sides:
            side.active.set()
            await asyncio.sleep(duration / windows)
            side.active.clear()
    done.set()
    for side in sides:
        side.active.set()  # release the senders and pingers waiting for a window; they see `done`
    await asyncio.gather(*tasks)
    gc.enable()
    for task in pingers:
        task.cancel()
    for side in sides:
        result = side.result
        # Everything the side's servers did meanwhile (receipts and heartbeats too), per message.
        result.cpu_ms_per_message = (cpu_seconds(side.pids) - cpu_before[side.kind]) * 1000 / max(1, len(side.sent))
        account_conversations(result, side.sockets, side.receipts, side.senders)
        if not side.floor:
            result.stored = await asyncio.to_thread(count_stored, list(side.sent))
            missing_acks = len(side.sent) - len(side.acked)
            if missing_acks:
                result.errors.append(f"{missing_acks} sends not acknowledged")
        await asyncio.gather(*(ws.close() for ws in side.sockets.values()), return_exceptions=True)


def account_conversations(result: Result, sockets, receipts: dict[tuple, Counter], senders: dict[str, tuple]) -> None:
    """Lost: a message its recipient never received. Duplicated: every receipt after the
    first at the same socket. A receipt at a socket outside the message's conversation, or
    of a message this run never sent (another run's, on the same channel layer), is an
    error of its own and neither offsets a loss nor counts as a duplicate."""
    members = {}
    for conversation_id, user_id in sockets:
        members.setdefault(conversation_id, []).append(user_id)
    result.expected = len(senders)
    echo_missing = echo_duplicated = 0
    for tag, (conversation_id, sender_id) in senders.items():
        for user_id in members[conversation_id]:
            count = receipts[(conversation_id, user_id)].pop(tag, 0)
            if user_id == sender_id:
                echo_missing += count == 0
                echo_duplicated += max(0, count - 1)
            else:
                result.received_unique += count > 0
                result.duplicated += max(0, count - 1)
    foreign = Counter()
    for key, left in receipts.items():
        for tag, count in left.items():
            foreign["another conversation's" if tag in senders else "never sent in this run"] += count
            if len(result.errors) < 20:
                result.errors.append(f"{key} got {tag!r} ({'misdelivered' if tag in senders else 'foreign'})")
    for what, count in foreign.items():
        result.errors.append(f"{count} receipts of messages {what}")
    if echo_missing or echo_duplicated:
        result.errors.append(f"sender's own socket: {echo_missing} echoes missing, {echo_duplicated} duplicated")


def count_stored(tags: list[str]) -> int:
    from django.db import close_old_connections

    from chat.models import Message

    close_old_connections()
    return Message.objects.filter(client_id__in=tags).count()


def post_announcement(web_port: int, course_id: int, cookie: str, body: str) -> int:
    token = "b" * 32  # any 32-character secret: the cookie and the header only have to match
    request = urllib.request.Request(
        f"http://127.0.0.1:{web_port}/chat/announce/{course_id}/",
        data=urllib.parse.urlencode({"body": body}).encode(),
        headers={
            "Cookie": f"sessionid={cookie}; csrftoken={token}",
            "X-CSRFToken": token,
            "Content-Type": "application/x-www-form-urlencoded",
        },
        method="POST",
    )

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *a, **k):
            return None

    try:
        with urllib.request.build_opener(NoRedirect).open(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


async def run_announcements(world: World, ports, web_port, *, floor: bool, count: int) -> Result:
    result = Result(RUNS["floor" if floor else "chat"])
    if not floor:
        # Warm both gunicorn workers up (imports, URL resolving) before anyone listens: four
        # at once, so that both take some (one at a time, one worker took them all, and the
        # other's first announcement of the run took 100-150 ms).
        for _ in range(2):
            await asyncio.gather(
                *(
                    asyncio.to_thread(
                        post_announcement, web_port, world.course_id, world.cookies[world.teacher_ids[0]], f"warm{n} hi"
                    )
                    for n in range(4)
                )
            )
    specs = []
    for i, student_id in enumerate(world.student_ids):
        base, origin = ws_base(ports, i)
        path = "/ws/relay/course/" if floor else "/ws/chat/"
        specs.append((student_id, base + path, None if floor else world.cookies[student_id], origin))
    teacher_id = world.teacher_ids[0]
    if floor:
        base, origin = ws_base(ports, 0)
        specs.append(("teacher", base + "/ws/relay/course/", None, origin))
    sockets = await open_many(specs)
    teacher_ws = sockets.pop("teacher", None)
    result.clients = len(sockets)
    seen = {key: set() for key in sockets}
    sent: dict[str, float] = {}
    run_id = f"r{time.time_ns() % 10**9}"
    stop_at = time.monotonic() + count + 15

    async def reader(key, ws):
        while time.monotonic() < stop_at and len(seen[key]) < count:
            if (frame := await next_frame(ws, stop_at, result, key)) is None:
                break
            now = time.monotonic()
            if floor:
                tag = frame["tag"]
            elif frame.get("type") == "chat.announcement":
                tag = frame["announcement"]["body"].split(" ", 1)[0]
            else:
                continue
            if not tag.endswith(f"-{run_id}"):  # another run's, on the same channel layer
                result.errors.append(f"{key} got {tag!r} (foreign)")
                continue
            if tag in seen[key]:
                result.duplicated += 1
                continue
            seen[key].add(tag)
            if tag in sent:
                result.latencies_ms.append((now - sent[tag]) * 1000)
                result.sent_at.append(sent[tag])

    await asyncio.sleep(1)
    quiet_collector()
    readers = [asyncio.create_task(reader(key, ws)) for key, ws in sockets.items()]
    for n in range(count):
        tag = f"a{n}-{run_id}"
        sent[tag] = time.monotonic()
        if floor:
            await teacher_ws.send(json.dumps({"tag": tag, "sender": teacher_id}))
        else:
            status = await asyncio.to_thread(
                post_announcement, web_port, world.course_id, world.cookies[teacher_id], f"{tag} Bench announcement"
            )
            result.post_ms.append((time.monotonic() - sent[tag]) * 1000)
            if status != 302:
                result.errors.append(f"announcement POST answered {status}")
        await asyncio.sleep(max(0, sent[tag] + 1 - time.monotonic()))
    await asyncio.gather(*readers)
    gc.enable()
    result.expected = count * len(sockets)
    result.received_unique = sum(len(s) for s in seen.values())
    all_sockets = [*sockets.values(), *([teacher_ws] if teacher_ws else [])]
    await asyncio.gather(*(ws.close() for ws in all_sockets), return_exceptions=True)
    return result


def write_latency_log(path: Path, result: Result) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    start = min(result.sent_at, default=0)
    rows = sorted(zip(result.sent_at, result.latencies_ms, strict=True))
    # The clock is the machine's monotonic one, as the servers' (to line up with their logs).
    path.write_text(
        "sent_s,latency_ms,sent_monotonic\n" + "".join(f"{at - start:.3f},{ms:.2f},{at:.3f}\n" for at, ms in rows)
    )


# --- Main ---------------------------------------------------------------------------------------


def run_round(args, world: World, *, ws_count: int, load: str, kinds: list[str]) -> list[Result]:
    """One round of a load: the conversations with chat and floors up at once and their
    windows in turn; the announcements the chat, then the bare relay (each a burst of a few
    seconds)."""
    if load == "conversations":
        with ExitStack() as stack:
            sides = []
            for kind in kinds:
                ports, _, pids = stack.enter_context(processes(args, ws_count=ws_count, floor=kind != "chat"))
                sides.append(ConversationSide(world, ports, pids, kind=kind, read_receipts=args.read_receipts))
            asyncio.run(
                run_conversations(world, sides, duration=args.duration, interval=args.interval, window=args.window)
            )
        return [(side.kind, side.result) for side in sides]
    results = []
    for kind in kinds:
        with processes(args, ws_count=ws_count, floor=kind == "floor") as (ports, web_port, _):
            run = run_announcements(world, ports, web_port, floor=kind == "floor", count=args.announcements)
            results.append((kind, asyncio.run(run)))
    return results


def summary(load: str, by_kind: dict[str, list[Result]]) -> list[str]:
    """The chat against its target over every round's deliveries together, and the bare
    relay's p99 beside it for reference."""
    target = {"conversations": 100, "announcements": 500}[load]
    pooled = {
        kind: Result(RUNS[kind], latencies_ms=[ms for result in results for ms in result.latencies_ms])
        for kind, results in by_kind.items()
    }
    lines = []
    if "chat" in pooled:
        p99 = pooled["chat"].percentile(99)
        lost = sum(r.expected - r.received_unique for r in by_kind["chat"])
        duplicated = sum(r.duplicated for r in by_kind["chat"])
        met = p99 <= target and lost == 0 and duplicated == 0
        lines += [
            "",
            f"Chat, every round's deliveries together: p99 **{p99:.1f} ms** (target ≤ {target} ms), "
            f"lost {lost}, duplicated {duplicated}: **{'met' if met else 'missed'}**.",
        ]
    if "floor" in pooled:
        lines.append(f"Bare relay (reference): p99 {pooled['floor'].percentile(99):.1f} ms.")
    return lines


HEADER = (
    "| run | clients | expected deliveries | p50 ms | p99 ms | max ms | mean ms | lost | duplicated | in DB "
    "| ws CPU ms / message |\n"
    "|---|---|---|---|---|---|---|---|---|---|---|"
)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument(
        "--duration", type=float, default=30, help="seconds of conversation traffic per round, each of chat and relay"
    )
    parser.add_argument("--interval", type=float, default=5, help="seconds between a conversation's messages")
    parser.add_argument(
        "--window",
        type=float,
        default=2,
        help="the conversations load runs the chat and the relay in turns of this many seconds, both up at once, "
        "so that the machine's drift and its stalls fall on both alike",
    )
    parser.add_argument("--announcements", type=int, default=10)
    parser.add_argument(
        "--students", type=int, default=1000, help="students of the course in the announcement load (at least USERS/2)"
    )
    parser.add_argument("--ws", default="1,2", help="numbers of ws processes to try, e.g. 1,2")
    parser.add_argument("--loads", default="conversations,announcements")
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/lyceum_chat_bench", help="dropped and recreated"
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/6")
    parser.add_argument(
        "--runs",
        default="chat,floor",
        help="what to measure: chat (the app), floor (a bare relay, for reference)",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="each load this many times, with fresh processes: the conversations in windows taken in turn "
        "(--window), the announcements chat then floor",
    )
    parser.add_argument(
        "--channel-prefix",
        default=f"bench{os.getpid()}",
        help="channel-layer prefix of this run (Redis pub/sub is shared by all Redis databases)",
    )
    parser.add_argument(
        "--no-read-receipts",
        dest="read_receipts",
        action="store_false",
        help="recipients do not send read receipts (chat.js sends one a second after a message arrives)",
    )
    parser.add_argument("--out", default="")
    parser.add_argument(
        "--latency-log",
        default="",
        help="a folder: each run's latencies as CSV (seconds since its first send, ms), to see when slow ones came",
    )
    args = parser.parse_args()

    print(f"Preparing a fresh database with {args.users} users and {args.students} students…", flush=True)
    fresh_database(args)
    setup_django(args)
    started = time.monotonic()
    world = build_world(args.users, args.students)
    print(f"  users, enrolments, conversations and sessions in {time.monotonic() - started:.1f} s", flush=True)
    settle_database()

    lines = [
        "# Chat benchmark",
        "",
        f"`{' '.join(sys.argv)}`",
        "",
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} cores, PostgreSQL + Redis "
        "(RedisPubSubChannelLayer), uvicorn `ws` process(es), gunicorn `web` (2 workers); the load generator "
        "runs on the same machine. Latency is send → receipt at the other side's client. "
        f"Load average (1, 5, 15 min) before the runs: {', '.join(f'{x:.2f}' for x in os.getloadavg())}.",
        "",
    ]
    loads = args.loads.split(",")
    kinds = args.runs.split(",")
    if not set(kinds) <= set(RUNS):
        parser.error(f"--runs: a list of {', '.join(RUNS)}")
    for ws_count in [int(n) for n in args.ws.split(",")]:
        for load in loads:
            title = (
                f"{load}: {args.users} users, {len(world.conversations)} conversations, "
                f"one message per conversation every {args.interval:g} s for {args.duration:g} s each, "
                f"in turns of {args.window:g} s"
                if load == "conversations"
                else f"{load}: {len(world.student_ids)} students, {args.announcements} announcements 1 s apart"
            )
            lines += [f"## {ws_count} ws process{'es' if ws_count > 1 else ''} — {title}", "", HEADER]
            by_kind: dict[str, list[Result]] = {}
            for round_ in range(1, args.rounds + 1):
                print(f"ws={ws_count} load={load} round {round_}…", flush=True)
                for kind, result in run_round(args, world, ws_count=ws_count, load=load, kinds=kinds):
                    by_kind.setdefault(kind, []).append(result)
                    if args.rounds > 1:
                        result.name += f" ({round_})"
                    if args.latency_log:
                        run_name = f"{load}-ws{ws_count}-{kind}-{round_}"
                        write_latency_log(Path(args.latency_log) / f"{run_name}.csv", result)
                    print(HEADER.splitlines()[0] + "\n" + result.row(), flush=True)
                    if result.post_ms:
                        print("  announcement POST ms:", [round(ms) for ms in result.post_ms], flush=True)
                    for error in result.errors[:5]:
                        print("  error:", error, flush=True)
                    lines.append(result.row())
                    if result.errors:
                        lines.append(f"|  | errors: {len(result.errors)}, first: {result.errors[0][:80]} ||||||||||")
            lines += summary(load, by_kind)
            lines += ["", f"Load average after: {', '.join(f'{x:.2f}' for x in os.getloadavg())}."]
            lines.append("")
    report = "\n".join(lines) + "\n"
    print(report)
    if args.out:
        Path(args.out).write_text(report)


if __name__ == "__main__":
    main()
