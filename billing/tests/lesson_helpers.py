"""Paid-lesson test state, built the way users cause it: a tutor with rates and free hours,
requests through live.services, payments through the test provider's real event code."""

from datetime import UTC, datetime

from billing import lessons, testprovider
from billing.models import LedgerEntry, Payment
from live import services as live_services
from live.tests.factories import availability_set
from tutors.models import Package, Tutor

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # Monday 08:00 UTC
SLOT = datetime(2026, 3, 3, 10, 0, tzinfo=UTC)  # Tuesday 10:00 London (GMT)
LATER_SLOT = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)  # Wednesday 10:00
BASE = "http://testserver"


def tutor_make(teacher, *, rate_30=1500, rate_60=2500, trial_price=500, commission=None) -> Tutor:
    availability_set(teacher, zone="Europe/London")
    return Tutor.objects.create(
        user=teacher,
        rate_30=rate_30,
        rate_60=rate_60,
        trial_price=trial_price,
        trial_minutes=30,
        commission_percent=commission,
    )


def package_make(tutor: Tutor, *, lessons_count=5, minutes=60, discount=10) -> Package:
    return Package.objects.create(tutor=tutor, lessons=lessons_count, minutes=minutes, discount_percent=discount)


def paid_request(student, teacher, *, start=SLOT, minutes=60, pay=True):
    """A student requests a paid lesson; with `pay`, completes the (test) checkout."""
    live_class = live_services.booking_request(student=student, teacher=teacher, start=start, minutes=minutes)
    payment = lessons.lesson_payment(live_class)
    lessons.lesson_checkout_start(payment=payment, base_url=BASE)
    payment.refresh_from_db()
    if pay:
        testprovider.pay(session_id=payment.checkout_session_id, user=student)
        payment.refresh_from_db()
    return live_class, payment


def credits_buy(student, teacher, *, package=None, trial=False) -> Payment:
    payment, _url = lessons.credits_checkout_start(
        student=student, teacher=teacher, package=package, trial=trial, base_url=BASE
    )
    testprovider.pay(session_id=payment.checkout_session_id, user=student)
    payment.refresh_from_db()
    return payment


def balance(account: str, *, teacher=None) -> int:
    """An account's balance as a positive amount owed (credits are negative in the ledger)."""
    entries = LedgerEntry.objects.filter(account=account)
    if teacher is not None:
        entries = entries.filter(teacher=teacher)
    return -sum(entries.values_list("amount", flat=True))
