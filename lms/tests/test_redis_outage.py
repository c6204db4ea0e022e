"""While Redis is down the site keeps serving (issue 16.5): pages answer as usual, the
signed-in session holds, writes are stored with their tasks queued, and once Redis is back
the cache and the sockets work again (docs/deploy.md, "When Redis is down").

The test starts its own redis-server and a real uvicorn with the production settings
module pointed at it, then kills that Redis in the middle.
"""

import asyncio
import re
import shutil
import uuid

import pytest
import redis
import requests

from lms.models import Role
from lms.tests import servers
from lms.tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def redis_server(tmp_path):
    from conftest import IN_CI

    if not shutil.which("redis-server"):
        if IN_CI:
            pytest.fail("CI must run this test but it needs redis-server (apt-get install redis-server)")
        pytest.skip("needs redis-server (apt-get install redis-server)")
    with servers.redis_server(tmp_path) as server:
        yield server


@pytest.fixture
def site(redis_server, transactional_db, tmp_path):
    env = {
        "DJANGO_SETTINGS_MODULE": "lms.config.settings",
        "DEBUG": "1",
        "DATABASE_URL": servers.database_url(),
        "REDIS_URL": redis_server.url,
        "CHANNEL_LAYER_PREFIX": f"outage{uuid.uuid4().hex[:8]}",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "EMAIL_URL": "consolemail://",
        "MEDIA_ROOT": str(tmp_path / "media"),
    }
    log_path = tmp_path / "server.log"
    process, url = servers.start_asgi(env, log_path)
    yield url, log_path
    servers.stop(process)


@pytest.fixture
def world(db):
    """A teacher taking bookings with a course, an enrolled student who has written to them."""
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    from chat import services as chat_services
    from courses.services import enrollment_create
    from courses.tests.factories import make_course
    from live.tests.factories import availability_set

    teacher = make_user(Role.TEACHER, email="teacher@example.com", display_name="Tess Teacher")
    student = make_user(Role.STUDENT, email="student@example.com", display_name="Sam Student")
    other = make_user(Role.STUDENT, email="other@example.com", display_name="Olly Other")
    hasher = PBKDF2PasswordHasher()  # the server's settings know no test-only hasher
    for user in (student, other):
        user.password = hasher.encode(PASSWORD, hasher.salt())
        user.save(update_fields=["password"])
    availability_set(teacher, hours=[(day, "00:00", "23:00") for day in range(7)], min_notice_hours=2)
    course = make_course(teacher, title="Algebra")
    enrollment_create(student=student, course=course, source="staff")
    conversation = chat_services.conversation_start(user=student, other=teacher)
    chat_services.message_post(sender=student, conversation=conversation, body="Hello before the outage")
    return {"teacher": teacher, "student": student, "other": other, "conversation": conversation}


def sign_in(url: str, email: str) -> requests.Session:
    """Through allauth's login form, as a browser would (its rate limits run on the cache)."""
    session = requests.Session()
    session.get(f"{url}/accounts/login/", timeout=30).raise_for_status()
    response = session.post(
        f"{url}/accounts/login/",
        data={"login": email, "password": PASSWORD, "csrfmiddlewaretoken": session.cookies["csrftoken"]},
        headers={"Referer": f"{url}/accounts/login/"},
        allow_redirects=False,
        timeout=30,
    )
    assert response.status_code == 302, (response.status_code, re.findall(r"(?s)role=\"alert\".{0,600}", response.text))
    assert "sessionid" in session.cookies
    return session


def pages(url: str, world) -> dict[str, str]:
    slug = world["teacher"].teacher_profile.slug
    return {
        "catalog": f"{url}/courses/",
        "dashboard": f"{url}/dashboard/",
        "chat list": f"{url}/chat/",
        "conversation": f"{url}/chat/{world['conversation'].pk}/",
        "live booking page": f"{url}/live/teachers/{slug}/",
        "notifications": f"{url}/notifications/",
        "teacher profile": f"{url}/teachers/{slug}/",
        "home": f"{url}/",
    }


def assert_pages_serve(session: requests.Session, url: str, world) -> None:
    for name, page in pages(url, world).items():
        response = session.get(page, timeout=30)
        assert response.status_code == 200, (name, response.status_code, response.text[:300])
        # Still signed in: no page sent us to the login form.
        assert "/accounts/login/" not in response.url, name
    assert "Sam Student" in session.get(f"{url}/dashboard/", timeout=30).text


def socket_greets(url: str, session: requests.Session) -> bool:
    """Does the page socket (/ws/notifications/) connect and send its first frame?"""
    import websockets

    async def attempt():
        async with websockets.connect(
            url.replace("http://", "ws://") + "/ws/notifications/",
            additional_headers={"Cookie": f"sessionid={session.cookies['sessionid']}", "Origin": url},
            open_timeout=10,
        ) as socket:
            return "notifications.unread" in await asyncio.wait_for(socket.recv(), 10)

    try:
        return asyncio.run(attempt())
    except (OSError, TimeoutError, websockets.exceptions.WebSocketException):
        return False


def test_the_site_serves_through_a_redis_outage_and_recovers(site, redis_server, world):
    from django_q.models import OrmQ

    from chat.models import Message
    from live.models import LiveClass

    url, log_path = site
    student = sign_in(url, "student@example.com")
    assert_pages_serve(student, url, world)
    assert socket_greets(url, student)

    redis_server.stop()

    # Every page a signed-in user opens still answers, with the session intact.
    assert_pages_serve(student, url, world)
    # The login page, and signing in (allauth's rate limits have nowhere to count: they let it through).
    assert requests.get(f"{url}/accounts/login/", timeout=30).status_code == 200
    other = sign_in(url, "other@example.com")
    assert other.get(f"{url}/dashboard/", timeout=30).status_code == 200

    # Writes are stored; their live announcements are lost (best effort), their emails queued.
    conversation = f"{url}/chat/{world['conversation'].pk}/"
    response = student.post(
        conversation,
        data={"body": "Sent while Redis is down", "csrfmiddlewaretoken": student.cookies["csrftoken"]},
        headers={"Referer": conversation},
        timeout=30,
    )
    assert response.status_code == 200 and "Sent while Redis is down" in response.text
    assert Message.objects.filter(body="Sent while Redis is down").count() == 1

    booking_page = pages(url, world)["live booking page"]
    slot = re.search(r'name="slot" value="([^"]+)"', student.get(booking_page, timeout=30).text).group(1)
    queued = OrmQ.objects.count()
    response = student.post(
        booking_page + "book/",
        data={"slot": slot, "note": "During the outage", "csrfmiddlewaretoken": student.cookies["csrftoken"]},
        headers={"Referer": booking_page},
        timeout=30,
    )
    assert response.status_code == 200, response.status_code
    assert LiveClass.objects.filter(participants__note="During the outage").count() == 1
    assert OrmQ.objects.count() > queued  # the teacher's notification email waits for the worker

    # The socket cannot join its groups: it closes, and the page's script retries.
    assert not socket_greets(url, student)
    # The errors were logged, not hidden.
    assert "Exception ignored" in log_path.read_text()

    redis_server.start()

    assert_pages_serve(student, url, world)
    assert socket_greets(url, student)
    sign_in(url, "other@example.com")
    assert redis.Redis.from_url(redis_server.url).dbsize() > 0  # the cache fills again
    # No page failed; a socket's handshake while Redis was down did (Channels could not
    # open its channel), which the page's script answers by reconnecting.
    assert not re.search(r'"(GET|POST) [^"]*" 500', log_path.read_text())
