"""Billing demo data: a subscription plan, and one completed purchase by the demo student.

Idempotent, and built through the same code a real purchase runs (the test provider's
"Pay" feeds the webhook handlers), so the ledger, receipt and enrollment are all real.
"""

from billing import gateway, services, testprovider
from billing.exceptions import BillingError
from billing.models import Payment, Plan
from courses.models import CoursePage
from courses.selectors import course_access
from lms.models import User

STUDENT = "student@lyceum.test"


def load(*, stdout) -> None:
    paid = list(CoursePage.objects.live().filter(price__gt=0).order_by("path"))
    plan, created = Plan.objects.get_or_create(
        slug="all-access",
        defaults={
            "name": "All access",
            "description": "Every paid course on Lyceum, while you subscribe.",
            "interval": Plan.Interval.MONTH,
            "amount": 1900,
            "currency": "GBP",
        },
    )
    if created:
        plan.courses.set(paid)
    yearly, created = Plan.objects.get_or_create(
        slug="all-access-yearly",
        defaults={
            "name": "All access, yearly",
            "description": "Two months free compared with monthly.",
            "interval": Plan.Interval.YEAR,
            "amount": 19000,
            "currency": "GBP",
        },
    )
    if created:
        yearly.courses.set(paid)

    student = User.objects.filter(email=STUDENT).first()
    if student is None or not paid:
        stdout.write("billing: plans ready (no demo student or paid course, so no purchase).")
        return
    if not gateway.test_mode():
        stdout.write("billing: plans ready; no demo purchase (it needs the test payment provider).")
        return
    if Payment.objects.filter(user=student, kind=Payment.Kind.COURSE, status=Payment.Status.SUCCEEDED).exists():
        stdout.write("billing: demo purchase already there.")
        return
    course = next((c for c in paid if not course_access(user=student, course=c)), None)
    if course is None:
        stdout.write("billing: plans ready (the demo student already has every paid course).")
        return
    try:
        payment, _url = services.checkout_start(user=student, course=course, base_url="http://127.0.0.1:8000")
        testprovider.pay(session_id=payment.checkout_session_id, user=student)
    except BillingError as exc:
        stdout.write(f"billing: no demo purchase ({exc}).")
        return
    stdout.write(f"billing: {student.email} bought “{course.title}” with the test provider; plans ready.")
