"""A student buys a course with the keyless test provider and lands in the first lesson."""

import re

import pytest

from billing import ledger
from billing.models import Payment
from billing.tests.factories import course_create
from courses.models import Enrollment
from lms.tests.e2e import login
from lms.tests.factories import PASSWORD


@pytest.mark.browser
def test_buy_a_course_with_the_test_provider(asgi_server, new_page, student, teacher):
    course = course_create(teacher=teacher, price="19.50", title="Watercolour basics")
    page = new_page()
    login(page, student.email, PASSWORD)
    page.goto(course.url)
    page.get_by_role("button", name="Buy this course").click()

    page.wait_for_url(re.compile(r"/billing/test-checkout/"))
    assert page.get_by_text("Test payment provider").first.is_visible()
    assert page.get_by_text("£19.50").is_visible()
    page.get_by_role("button", name="Pay").click()

    # The success page waits for the confirmation, then opens the first lesson.
    page.wait_for_url(re.compile(r"/lesson-1/$"), timeout=15_000)
    assert page.get_by_role("heading", name="Lesson 1").first.is_visible()
    payment = Payment.objects.get(user=student)
    assert payment.status == Payment.Status.SUCCEEDED and payment.provider == "test"
    assert Enrollment.objects.get(student=student, course=course).source == Enrollment.Source.PURCHASE
    ledger.assert_balanced()
