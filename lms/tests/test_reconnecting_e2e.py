"""While a page's socket is down (Redis or `ws` unreachable) the page says it is
reconnecting, in a status a screen reader announces, and stops saying so once it is back."""

import re

import pytest
from playwright.sync_api import expect

from lms.models import Role
from lms.tests.e2e import login
from lms.tests.factories import make_user

pytestmark = pytest.mark.browser


def refuse_first(attempts: int):
    """A WebSocket route that drops the first `attempts` connections, then lets them through."""
    seen = []

    def route(ws):
        seen.append(ws)
        if len(seen) <= attempts:
            ws.close(code=1011)
        else:
            ws.connect_to_server()

    return route


def test_chat_and_bell_say_they_are_reconnecting(new_page):
    from chat.services import conversation_start
    from courses.services import enrollment_create
    from courses.tests.factories import make_course

    teacher = make_user(Role.TEACHER, email="teacher@example.com", display_name="Tess Teacher")
    student = make_user(Role.STUDENT, email="student@example.com", display_name="Sam Student")
    enrollment_create(student=student, course=make_course(teacher), source="staff")
    conversation = conversation_start(user=student, other=teacher)

    page = new_page()
    login(page, student.email)
    page.route_web_socket(re.compile(r"/ws/chat/"), refuse_first(2))
    page.route_web_socket(re.compile(r"/ws/notifications/"), refuse_first(2))
    page.goto(f"/chat/{conversation.pk}/")

    reconnecting = page.get_by_role("status").filter(has_text="Reconnecting…")
    expect(reconnecting).to_be_visible()
    bell_reconnecting = page.get_by_role("link", name=re.compile(r"^Notifications.* \(reconnecting…\)$"))
    expect(bell_reconnecting).to_be_visible()
    # Back after the retries: the notices go.
    expect(reconnecting).to_have_count(0, timeout=15_000)
    expect(bell_reconnecting).to_have_count(0, timeout=15_000)
    expect(page.get_by_role("link", name=re.compile(r"^Notifications"))).to_be_visible()
