"""Browser test: a student books with the HTMX widget, the teacher approves in another
browser, and the student's page shows the meeting link without a reload."""

import re
from datetime import timedelta

import pytest

from live import selectors as live_selectors
from live import services
from live.models import LiveClass
from live.tests.factories import availability_set
from lms.tests.e2e import login

pytestmark = pytest.mark.browser

EVERY_DAY = [(day, "00:00", "23:30") for day in range(7)]


def test_book_approve_and_see_the_link_live(new_page, student, teacher):
    availability_set(teacher, zone="Europe/London", hours=EVERY_DAY, min_notice_hours=2, class_minutes=30)
    slug = teacher.teacher_profile.slug

    teacher_page = new_page()
    login(teacher_page, teacher.email)
    teacher_page.goto("/dashboard/teacher/")
    teacher_page.get_by_text("No requests waiting for you.").wait_for()

    student_page = new_page()
    login(student_page, student.email)
    student_page.goto(f"/teachers/{slug}/")
    widget = student_page.get_by_role("region", name="Book a live class")
    widget.get_by_role("radio").first.check()
    widget.get_by_label(re.compile("Note for")).fill("Can we do integrals?")
    navigations = []
    student_page.on("framenavigated", lambda frame: navigations.append(frame.url))
    teacher_page.on("framenavigated", lambda frame: navigations.append(frame.url))
    widget.get_by_role("button", name="Request this time").click()
    widget.get_by_text("Request sent for").wait_for()
    assert student_page.get_by_text("Waiting for the teacher").is_visible()
    live_class = LiveClass.objects.get()
    assert live_class.participants.get().note == "Can we do integrals?"

    # The request appears on the teacher's open dashboard, and in the navigation badge.
    request = teacher_page.get_by_role("article", name=f"Request from {student.name}")
    request.wait_for(timeout=15_000)
    assert teacher_page.get_by_label("1 pending request").first.is_visible()
    request.get_by_role("button", name="Approve").click()
    teacher_page.get_by_role("status").filter(has_text="Confirmed. The student has their link").wait_for()

    live_class.refresh_from_db()
    assert live_class.status == "confirmed" and live_class.meeting_url
    student_page.get_by_role("button", name="Join class").wait_for(timeout=15_000)
    assert student_page.get_by_text(live_class.meeting_url).count() == 0  # a button, not a raw URL
    assert navigations == []  # neither page ever reloaded


def _two_requests(student, teacher):
    """Two requests for the teacher's free slots, two hours apart, whatever the time of day
    the test runs (the weekly hours leave 23:30-00:00 out, so a fixed offset from now may miss)."""
    slots = live_selectors.teacher_free_slots(teacher=teacher)
    first = slots[0]
    second = next(slot for slot in slots if slot.start >= first.end + timedelta(hours=2))
    return (
        services.booking_request(student=student, teacher=teacher, start=first.start),
        services.booking_request(student=student, teacher=teacher, start=second.start),
    )


def test_a_live_refresh_keeps_what_the_reader_opened_and_typed(new_page, student, teacher):
    availability_set(teacher, zone="Europe/London", hours=EVERY_DAY, min_notice_hours=2, class_minutes=30)
    first, second = _two_requests(student, teacher)

    student_page = new_page()
    login(student_page, student.email)
    student_page.goto(first.get_absolute_url())
    student_page.get_by_text("Move or cancel this class").click()
    reason = student_page.get_by_label("Reason (shared with the other side)")
    reason.fill("A clash with my exam")
    student_page.evaluate("document.getElementById('class-panel').dataset.before = 'refresh'")

    # The teacher answers the *other* request: the student's page refreshes this class's panel.
    teacher_page = new_page()
    login(teacher_page, teacher.email)
    teacher_page.goto(second.get_absolute_url())
    teacher_page.get_by_role("button", name="Approve").click()
    student_page.wait_for_function(
        "() => !document.getElementById('class-panel').dataset.before", polling=100, timeout=15_000
    )

    assert student_page.locator("#move-or-cancel").evaluate("el => el.open")
    assert reason.input_value() == "A clash with my exam"
    assert reason.evaluate("el => el === document.activeElement")
    student_page.get_by_role("button", name="Cancel the class").click()
    student_page.get_by_role("status").filter(has_text="Cancelled.").wait_for()
    first.refresh_from_db()
    assert first.status == "cancelled" and first.reason == "A clash with my exam"


def test_the_answer_to_an_approval_stays_when_the_list_refreshes(new_page, student, teacher):
    availability_set(teacher, zone="Europe/London", hours=EVERY_DAY, min_notice_hours=2, class_minutes=30)
    _two_requests(student, teacher)

    teacher_page = new_page()
    login(teacher_page, teacher.email)
    teacher_page.goto("/dashboard/teacher/")
    requests = teacher_page.get_by_role("article", name=f"Request from {student.name}")
    requests.first.get_by_role("button", name="Approve").click()
    answer = teacher_page.get_by_role("status").filter(has_text="Confirmed. The student has their link")
    answer.wait_for()

    # A live update (another request, a cancellation) refreshes the list: the answer stays.
    teacher_page.evaluate("() => { document.getElementById('pending-requests').dataset.before = 'refresh' }")
    with teacher_page.expect_response(lambda response: "/live/requests/" in response.url):
        teacher_page.evaluate("() => htmx.trigger(document.body, 'live:booking')")
    teacher_page.wait_for_function("() => !document.getElementById('pending-requests').dataset.before", polling=100)
    assert answer.is_visible()
    assert requests.count() == 1
