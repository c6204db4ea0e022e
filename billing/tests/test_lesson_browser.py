"""Browser tests with the keyless test provider: a student finds a tutor by subject and time
in the directory, pays for a trial lesson from the tutor's booking widget, the teacher
confirms, both join, attendance makes the earnings payable, and the student reviews the
teacher; and a cancellation inside the policy window refunds the right part."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from billing import ledger
from billing.models import LessonCredit, Payment
from billing.tests.factories import course_create
from courses.services import enrollment_create
from live import services as live_services
from live.models import JoinClick, LiveClass
from live.tests.factories import availability_set
from lms.tests.e2e import login
from tutors.models import Subject, Tutor
from tutors.services import free_hours_refresh

pytestmark = pytest.mark.browser

EVERY_DAY = [(day, "00:00", "23:30") for day in range(7)]


def _tutor(teacher) -> Tutor:
    availability_set(teacher, zone="Europe/London", hours=EVERY_DAY, min_notice_hours=2, class_minutes=30)
    tutor = Tutor.objects.create(user=teacher, rate_30=1500, rate_60=2500, trial_price=500, trial_minutes=30)
    tutor.subjects.add(Subject.objects.create(name="Mathematics", slug="mathematics"))
    free_hours_refresh(tutor=tutor)
    return tutor


def _until(check, timeout: float = 15) -> None:
    """Wait for what a click started on the server (an HTMX request) to be done."""
    import time

    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def _starts_soon(live_class: LiveClass, *, minutes_from_now: int) -> None:
    """Time passes: the class now starts `minutes_from_now` from now (the server's clock is real)."""
    start = timezone.now() + timedelta(minutes=minutes_from_now)
    LiveClass.objects.filter(pk=live_class.pk).update(start=start, end=start + live_class.duration)


def test_find_a_tutor_pay_for_a_trial_confirm_attend_and_review(new_page, student, teacher, settings):
    settings.STRIPE_SECRET_KEY = ""
    _tutor(teacher)
    slug = teacher.teacher_profile.slug

    page = new_page()
    page.context.route(re.compile(r"^https://meet\.jit\.si/.*"), lambda route: route.fulfill(body="<p>Meeting</p>"))
    login(page, student.email)
    # Find the tutor by subject and by when the student is free.
    page.goto("/teachers/")
    page.get_by_label("Subject", exact=True).select_option(label="Mathematics")
    page.get_by_label("Weekday evenings").check()
    page.get_by_role("button", name="Show tutors").click()
    page.wait_for_url(re.compile(r"subject=mathematics.*when=weekday-evening"))
    results = page.locator("#directory-results")
    assert results.get_by_text("Free on your weekday evenings").is_visible()
    results.get_by_role("link", name=teacher.name).click()
    page.wait_for_url(re.compile(rf"/teachers/{slug}/$"))
    page.get_by_role("link", name="See all times and book").click()
    page.wait_for_url(re.compile(rf"/live/teachers/{slug}/"))
    widget = page.get_by_role("region", name="Book a live class")
    assert widget.get_by_text("Cancellation policy").is_visible()  # shown before paying
    widget.get_by_role("button", name="Buy the trial lesson").click()
    page.wait_for_url(re.compile(r"/billing/test-checkout/"))
    assert page.get_by_text("£5").first.is_visible()
    page.get_by_role("button", name="Pay").click()

    page.get_by_text("Your lessons are ready").wait_for(timeout=15_000)
    widget = page.get_by_role("region", name="Book a live class")
    widget.get_by_role("radio").first.check()
    widget.get_by_role("button", name=re.compile("Book with a lesson credit")).click()
    widget.get_by_text("Request sent for").wait_for()
    live_class = LiveClass.objects.get()
    assert live_class.minutes == 30 and LessonCredit.objects.get().remaining == 0

    teacher_page = new_page()
    teacher_page.context.route(
        re.compile(r"^https://meet\.jit\.si/.*"), lambda route: route.fulfill(body="<p>Meeting</p>")
    )
    login(teacher_page, teacher.email)
    teacher_page.goto(live_class.get_absolute_url())
    teacher_page.get_by_role("button", name="Approve").click()
    _until(lambda: LiveClass.objects.get(pk=live_class.pk).status == "confirmed")

    _starts_soon(live_class, minutes_from_now=-5)  # the lesson has begun
    for someone in (page, teacher_page):
        someone.goto(live_class.get_absolute_url())
        with someone.context.expect_page() as meeting:  # the meeting opens in a new tab
            someone.get_by_role("button", name="Join class").first.click()
        meeting.value.wait_for_url(re.compile(r"meet\.jit\.si"))
        meeting.value.close()
    assert JoinClick.objects.filter(live_class=live_class).count() == 2

    teacher_page.goto(live_class.get_absolute_url())
    teacher_page.get_by_role("button", name="Attended", exact=True).click()
    _until(lambda: live_class.participants.get().attendance == "attended")
    teacher_page.goto("/billing/earnings/")
    earnings = teacher_page.get_by_role("region", name="Live lesson earnings")
    assert earnings.locator("[data-lesson-payable]").inner_text() == "£4"
    assert earnings.locator("[data-lesson-pending]").inner_text() == "£0"
    ledger.assert_balanced()

    # The student reviews the teacher from the class page; the rating shows on the teacher's page.
    page.goto(live_class.get_absolute_url())
    page.get_by_role("link", name=f"Review {teacher.name}").click()
    page.get_by_label("5 stars").check()
    page.get_by_label("Your review").fill("Patient, clear and well prepared.")
    page.get_by_role("button", name="Post my review").click()
    _until(lambda: Tutor.objects.get(user=teacher).rating_count == 1)
    page.goto(f"/teachers/{slug}/")
    assert page.get_by_text("Patient, clear and well prepared.").is_visible()


def test_a_cancellation_inside_the_window_refunds_half(new_page, student, teacher, settings):
    settings.STRIPE_SECRET_KEY = ""
    _tutor(teacher)
    slug = teacher.teacher_profile.slug

    page = new_page()
    login(page, student.email)
    page.goto(f"/live/teachers/{slug}/?minutes=30")
    widget = page.get_by_role("region", name="Book a live class")
    widget.get_by_role("radio").first.check()
    widget.get_by_role("button", name="Request and pay £15").click()
    page.wait_for_url(re.compile(r"/billing/test-checkout/"))
    page.get_by_role("button", name="Pay").click()
    page.get_by_text("Payment authorised").wait_for(timeout=15_000)
    live_class = LiveClass.objects.get()

    teacher_page = new_page()
    login(teacher_page, teacher.email)
    teacher_page.goto(live_class.get_absolute_url())
    teacher_page.get_by_role("button", name="Approve").click()
    _until(lambda: LiveClass.objects.get(pk=live_class.pk).status == "confirmed")
    assert Payment.objects.get().status == Payment.Status.SUCCEEDED

    _starts_soon(live_class, minutes_from_now=5 * 60)  # inside the 24-hour window
    page.goto(live_class.get_absolute_url())
    page.get_by_text("Move or cancel this class").click()
    page.get_by_role("button", name="Cancel the class").click()
    _until(lambda: LiveClass.objects.get(pk=live_class.pk).status == "cancelled")

    page.goto("/billing/history/")
    assert page.get_by_text("£7.50").first.is_visible()
    payment = Payment.objects.get()
    assert payment.amount_refunded == 750 and payment.status == Payment.Status.PARTIALLY_REFUNDED
    ledger.assert_balanced()


def test_pay_for_a_place_in_a_group_class_then_give_it_up(new_page, student, teacher, settings):
    settings.STRIPE_SECRET_KEY = ""
    course = course_create(teacher=teacher, price="0", currency="EUR", title="Statistics")
    enrollment_create(student=student, course=course, source="free")
    start = timezone.now().replace(second=0, microsecond=0) + timedelta(days=3)
    group_class = live_services.group_class_create(
        teacher=teacher, course=course, start=start, minutes=60, capacity=5, seat_price=1200
    )

    page = new_page()
    login(page, student.email)
    page.goto(course.url)
    card = page.locator(f"#group-class-{group_class.pk}")
    assert card.get_by_text("Cancellation policy").is_visible()  # before paying
    card.get_by_role("button", name="Pay €12 and register").click()
    page.wait_for_url(re.compile(r"/billing/test-checkout/"))
    page.get_by_role("button", name="Pay").click()
    page.get_by_text("Payment received. You have a place").wait_for(timeout=15_000)
    assert page.url.endswith(group_class.get_absolute_url())
    payment = Payment.objects.get(live_class=group_class)
    assert payment.status == Payment.Status.SUCCEEDED and payment.amount == 1200

    page.goto(course.url)
    card.get_by_text("You have a place.").wait_for()
    card.get_by_role("button", name="Give up my place").click()
    card.get_by_role("status").filter(has_text="You have left the class.").wait_for()
    payment.refresh_from_db()
    assert payment.status == Payment.Status.REFUNDED and payment.amount_refunded == 1200  # three days ahead
    page.goto("/billing/history/")
    assert page.get_by_text("€12").first.is_visible()
    ledger.assert_balanced()
