"""Paid live lessons through the services: authorise at request, capture on confirm,
release on decline or expiry, refunds by the cancellation policy in exact minor units,
credits from packages and trials, and earnings pending until the lesson is attended."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from billing import ledger, lessons, testprovider
from billing.exceptions import BillingError
from billing.models import LedgerEntry, LessonCredit, LessonSettings, Payment, Refund
from billing.tests.lesson_helpers import (
    LATER_SLOT,
    NOW,
    SLOT,
    balance,
    credits_buy,
    package_make,
    paid_request,
    tutor_make,
)
from live import selectors as live_selectors
from live import services as live_services
from live.models import LiveClass
from live.services import BookingError
from lms.models import Notification, Role
from lms.tests.factories import make_user

PENDING, PAYABLE = LedgerEntry.Account.TEACHER_PENDING, LedgerEntry.Account.TEACHER_PAYABLE


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(NOW, tick=False)
    return time_machine


@pytest.fixture
def tutor(teacher, clock, test_provider):
    return tutor_make(teacher)


@pytest.fixture
def other_student(db):
    return make_user(Role.STUDENT, email="second.student@example.com")


def approve(teacher, live_class):
    return live_services.booking_approve(actor=teacher, live_class_id=live_class.pk)


# --- Authorise, capture, release --------------------------------------------------------


def test_a_paid_request_waits_for_the_authorisation_before_the_teacher_hears(student, teacher, tutor):
    live_class, payment = paid_request(student, teacher, pay=False)
    assert payment.status == Payment.Status.PENDING and payment.amount == 2500 and payment.currency == "GBP"
    assert live_class.minutes == 60 and live_class.status == LiveClass.Status.PENDING
    assert not Notification.objects.filter(user=teacher).exists()
    assert list(live_selectors.pending_requests_for(teacher=teacher)) == []
    with pytest.raises(BookingError, match="not finished paying"):
        approve(teacher, live_class)

    testprovider.pay(session_id=payment.checkout_session_id, user=student)
    payment.refresh_from_db()
    assert payment.status == Payment.Status.AUTHORIZED
    assert Notification.objects.filter(user=teacher, title__contains="asks for a class").count() == 1
    assert list(live_selectors.pending_requests_for(teacher=teacher)) == [live_class]
    assert not LedgerEntry.objects.exists()  # nothing taken yet


def test_the_length_must_be_one_the_teacher_prices(student, teacher, tutor):
    with pytest.raises(BookingError, match="lesson lengths"):
        live_services.booking_request(student=student, teacher=teacher, start=SLOT, minutes=45)
    live_class, payment = paid_request(student, teacher, minutes=30)
    assert live_class.minutes == 30 and payment.amount == 1500


def test_confirming_captures_and_the_teacher_share_waits_for_the_lesson(student, teacher, tutor):
    live_class, payment = paid_request(student, teacher)
    approve(teacher, live_class)
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    assert payment.teacher_share == 2000  # 20 % commission (PLATFORM_FEE_PERCENT)
    assert balance(PENDING, teacher=teacher) == 2000
    assert balance(PAYABLE, teacher=teacher) == 0
    assert balance(LedgerEntry.Account.PLATFORM_REVENUE) == 500
    assert hasattr(payment, "receipt")
    ledger.assert_balanced()


def test_commission_staff_setting_and_per_teacher_override(student, teacher, other_teacher, tutor, clock):
    settings_row = LessonSettings.get_solo()
    settings_row.commission_percent = Decimal("30")
    settings_row.save()
    live_class, payment = paid_request(student, teacher)
    approve(teacher, live_class)
    payment.refresh_from_db()
    assert payment.teacher_share == 1750

    tutor.commission_percent = Decimal("10")
    tutor.save()
    live_class, payment = paid_request(student, teacher, start=LATER_SLOT)
    approve(teacher, live_class)
    payment.refresh_from_db()
    assert payment.teacher_share == 2250


def test_declining_releases_the_hold(student, teacher, tutor):
    live_class, payment = paid_request(student, teacher)
    live_services.booking_reject(actor=teacher, live_class_id=live_class.pk, reason="Away that day")
    payment.refresh_from_db()
    assert payment.status == Payment.Status.CANCELLED
    assert not LedgerEntry.objects.exists() and not Refund.objects.exists()


def test_an_expired_request_releases_the_hold(student, teacher, tutor, clock):
    live_class, payment = paid_request(student, teacher)
    assert live_services.pending_expire(now=SLOT - timedelta(minutes=30)) == 1
    payment.refresh_from_db()
    live_class.refresh_from_db()
    assert live_class.status == LiveClass.Status.EXPIRED
    assert payment.status == Payment.Status.CANCELLED


def test_an_abandoned_checkout_frees_the_slot(student, other_student, teacher, tutor):
    live_class, payment = paid_request(student, teacher, pay=False)
    testprovider.decline(session_id=payment.checkout_session_id, user=student)  # gives up: the session expires
    live_class.refresh_from_db()
    payment.refresh_from_db()
    assert live_class.status == LiveClass.Status.CANCELLED
    assert payment.status == Payment.Status.CANCELLED
    again, _payment = paid_request(other_student, teacher)  # the same slot, free again
    assert again.start == SLOT


def test_a_checkout_paid_after_the_slot_was_given_up_releases_at_once(student, teacher, tutor):
    _live_class, payment = paid_request(student, teacher, pay=False)
    lessons.lesson_checkout_abandon(payment_id=payment.pk)
    testprovider.pay(session_id=payment.checkout_session_id, user=student)
    payment.refresh_from_db()
    assert payment.status == Payment.Status.CANCELLED
    assert not Notification.objects.filter(user=teacher).exists()


def test_a_free_teacher_keeps_the_free_flow(student, other_teacher, clock, test_provider):
    from live.tests.factories import availability_set

    availability_set(other_teacher, zone="Europe/London")
    live_class = live_services.booking_request(student=student, teacher=other_teacher, start=SLOT)
    assert lessons.lesson_payment(live_class) is None
    live_services.booking_approve(actor=other_teacher, live_class_id=live_class.pk)
    assert not Payment.objects.exists()


# --- Cancellation policy and refunds ----------------------------------------------------


@pytest.mark.parametrize(
    ("hours_before", "refunded", "status"),
    [
        (48, 2500, Payment.Status.REFUNDED),  # outside the 24 h window: everything back
        (24, 2500, Payment.Status.REFUNDED),  # exactly 24 h: still free
        (5, 1250, Payment.Status.PARTIALLY_REFUNDED),  # inside the window: 50 %
    ],
)
def test_student_cancellation_refunds_by_the_policy(student, teacher, tutor, clock, hours_before, refunded, status):
    live_class, payment = paid_request(student, teacher, start=LATER_SLOT)
    approve(teacher, live_class)
    clock.move_to(LATER_SLOT - timedelta(hours=hours_before), tick=False)
    live_services.class_cancel(actor=student, live_class_id=live_class.pk, reason="Ill")
    payment.refresh_from_db()
    assert payment.amount_refunded == refunded and payment.status == status
    (refund,) = Refund.objects.filter(payment=payment)
    assert refund.amount == refunded
    kept = 2000 - ledger.split(refunded, 2000, 2500)[0]
    assert balance(PENDING, teacher=teacher) == 0  # nothing left waiting: the lesson will not happen
    assert balance(PAYABLE, teacher=teacher) == kept  # a late cancellation pays the teacher their part of the rest
    ledger.assert_balanced()


def test_partial_refund_rounds_down_to_whole_minor_units(student, teacher, clock, test_provider):
    tutor_make(teacher, rate_60=2501)
    settings_row = LessonSettings.get_solo()
    settings_row.late_refund_percent = 33
    settings_row.save()
    live_class, payment = paid_request(student, teacher, start=LATER_SLOT)
    approve(teacher, live_class)
    clock.move_to(LATER_SLOT - timedelta(hours=3), tick=False)
    live_services.class_cancel(actor=student, live_class_id=live_class.pk)
    payment.refresh_from_db()
    assert payment.amount_refunded == 825  # 2501 × 33 / 100 = 825.33


def test_teacher_cancellation_refunds_in_full_and_counts_against_them(student, teacher, tutor, clock):
    live_class, payment = paid_request(student, teacher, start=LATER_SLOT)
    approve(teacher, live_class)
    clock.move_to(LATER_SLOT - timedelta(hours=3), tick=False)
    live_services.class_cancel(actor=teacher, live_class_id=live_class.pk, reason="Sorry")
    payment.refresh_from_db()
    assert payment.amount_refunded == 2500 and payment.status == Payment.Status.REFUNDED
    assert LiveClass.objects.filter(cancelled_by=teacher, teacher=teacher).count() == 1  # reliability reads this
    assert balance(PENDING, teacher=teacher) == 0 and balance(PAYABLE, teacher=teacher) == 0


def test_teacher_no_show_refunds_in_full(student, teacher, tutor, clock, staff_user):
    live_class, payment = paid_request(student, teacher)
    approve(teacher, live_class)
    clock.move_to(SLOT + timedelta(hours=2), tick=False)
    lessons.teacher_no_show(actor=staff_user, live_class_id=live_class.pk)
    with pytest.raises(BillingError):
        lessons.teacher_no_show(actor=staff_user, live_class_id=live_class.pk)
    payment.refresh_from_db()
    assert payment.amount_refunded == 2500
    live_class.refresh_from_db()
    assert live_class.cancelled_by_id == teacher.pk
    with pytest.raises(BillingError):
        lessons.teacher_no_show(actor=student, live_class_id=live_class.pk)


def test_a_refund_happens_once_whatever_retries(student, teacher, tutor, clock):
    live_class, payment = paid_request(student, teacher, start=LATER_SLOT)
    approve(teacher, live_class)
    clock.move_to(LATER_SLOT - timedelta(hours=5), tick=False)
    live_class.refresh_from_db()
    for _ in range(3):  # a retry or a double click after the class row was read
        with transaction.atomic():
            lessons.lesson_cancel_settle(live_class=live_class, actor=student, now=LATER_SLOT - timedelta(hours=5))
    payment.refresh_from_db()
    assert payment.amount_refunded == 1250
    assert Refund.objects.count() == 1


def test_rescheduling_keeps_the_payment(student, teacher, tutor):
    live_class, payment = paid_request(student, teacher)
    approve(teacher, live_class)
    live_services.class_reschedule(actor=student, live_class_id=live_class.pk, start=LATER_SLOT)
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED and payment.amount_refunded == 0
    assert lessons.lesson_payment(LiveClass.objects.get(pk=live_class.pk)) == payment


def test_withdrawing_an_unconfirmed_request_releases_the_hold(student, teacher, tutor):
    live_class, payment = paid_request(student, teacher)
    live_services.class_cancel(actor=student, live_class_id=live_class.pk)
    payment.refresh_from_db()
    assert payment.status == Payment.Status.CANCELLED and not Refund.objects.exists()


# --- Earnings ---------------------------------------------------------------------------


def test_attendance_makes_the_earnings_payable(student, teacher, tutor, clock):
    live_class, _payment = paid_request(student, teacher)
    approve(teacher, live_class)
    clock.move_to(SLOT + timedelta(minutes=10), tick=False)
    for _ in range(2):
        live_services.attendance_mark(
            actor=teacher, live_class_id=live_class.pk, student_id=student.pk, attendance="attended"
        )
    assert balance(PENDING, teacher=teacher) == 0
    assert balance(PAYABLE, teacher=teacher) == 2000
    assert lessons.teacher_lesson_balances(teacher=teacher) == [{"currency": "GBP", "pending": 0, "payable": 2000}]


def test_the_worker_releases_ended_lessons_unless_disputed(student, other_student, teacher, tutor, clock):
    first, _ = paid_request(student, teacher)
    second, _ = paid_request(other_student, teacher, start=LATER_SLOT)
    approve(teacher, first)
    approve(teacher, second)
    clock.move_to(LATER_SLOT + timedelta(hours=2), tick=False)
    live_services.dispute_raise(user=other_student, live_class_id=second.pk, reason="The teacher left early")
    assert lessons.earnings_release_due() == 1  # the first ended 25 hours ago; the second only 1
    assert lessons.earnings_release_due() == 0
    clock.move_to(LATER_SLOT + timedelta(hours=30), tick=False)
    assert lessons.earnings_release_due() == 0  # the second is disputed
    assert balance(PAYABLE, teacher=teacher) == 2000 and balance(PENDING, teacher=teacher) == 2000


# --- Credits ----------------------------------------------------------------------------


def test_a_trial_gives_one_credit_and_only_once(student, teacher, tutor):
    payment = credits_buy(student, teacher, trial=True)
    assert payment.status == Payment.Status.SUCCEEDED and payment.amount == 500
    credit = LessonCredit.objects.get(student=student, teacher=teacher)
    assert (credit.is_trial, credit.minutes, credit.remaining) == (True, 30, 1)
    assert balance(PENDING, teacher=teacher) == 400
    with pytest.raises(BillingError, match="already had a trial"):
        lessons.credits_checkout_start(student=student, teacher=teacher, trial=True, base_url="http://t")


def test_the_database_allows_one_trial_per_student_and_teacher(student, teacher, tutor):
    payment = credits_buy(student, teacher, trial=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        LessonCredit.objects.create(
            student=student,
            teacher=teacher,
            payment_id=payment.pk + 1000,
            minutes=30,
            total=1,
            remaining=1,
            is_trial=True,
        )


def test_remaining_credits_never_go_below_zero_in_the_database(student, teacher, tutor):
    credits_buy(student, teacher, trial=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        LessonCredit.objects.update(remaining=-1)


def test_booking_with_a_credit_needs_no_checkout_and_early_cancel_gives_it_back(student, teacher, tutor, clock):
    credits_buy(student, teacher, trial=True)
    live_class = live_services.booking_request(
        student=student, teacher=teacher, start=LATER_SLOT, minutes=30, use_credit=True
    )
    assert live_class.minutes == 30 and lessons.lesson_payment(live_class) is None
    assert LessonCredit.objects.get().remaining == 0
    assert Notification.objects.filter(user=teacher, title__contains="asks for a class").exists()
    with pytest.raises(BookingError, match="no lesson credit"):
        live_services.booking_request(student=student, teacher=teacher, start=SLOT, minutes=30, use_credit=True)
    approve(teacher, live_class)
    live_services.class_cancel(actor=student, live_class_id=live_class.pk)  # 2 days before: within the policy
    assert LessonCredit.objects.get().remaining == 1


def test_a_late_cancel_spends_the_credit_and_pays_the_teacher(student, teacher, tutor, clock):
    credits_buy(student, teacher, trial=True)
    live_class = live_services.booking_request(
        student=student, teacher=teacher, start=LATER_SLOT, minutes=30, use_credit=True
    )
    approve(teacher, live_class)
    clock.move_to(LATER_SLOT - timedelta(hours=5), tick=False)
    live_services.class_cancel(actor=student, live_class_id=live_class.pk)
    assert LessonCredit.objects.get().remaining == 0
    assert balance(PAYABLE, teacher=teacher) == 400


def test_a_declined_credit_request_gives_the_credit_back(student, teacher, tutor):
    credits_buy(student, teacher, trial=True)
    live_class = live_services.booking_request(
        student=student, teacher=teacher, start=SLOT, minutes=30, use_credit=True
    )
    live_services.booking_reject(actor=teacher, live_class_id=live_class.pk, reason="Busy")
    assert LessonCredit.objects.get().remaining == 1


def test_a_package_splits_the_teacher_share_over_its_lessons(student, teacher, tutor, clock):
    package = package_make(tutor, lessons_count=3, minutes=60, discount=10)
    payment = credits_buy(student, teacher, package=package)
    assert payment.amount == package.price() == 6750  # 3 × 2500 at 10 % off
    assert payment.teacher_share == 5400
    starts = [SLOT, SLOT + timedelta(hours=2), SLOT + timedelta(hours=4)]
    classes = [
        live_services.booking_request(student=student, teacher=teacher, start=s, minutes=60, use_credit=True)
        for s in starts
    ]
    for live_class in classes:
        approve(teacher, live_class)
    clock.move_to(starts[-1] + timedelta(hours=2), tick=False)
    for live_class in classes:
        live_services.attendance_mark(
            actor=teacher, live_class_id=live_class.pk, student_id=student.pk, attendance="attended"
        )
    assert balance(PAYABLE, teacher=teacher) == 5400 and balance(PENDING, teacher=teacher) == 0
    ledger.assert_balanced()


def test_ledger_sums_to_zero_across_a_whole_lesson_life(student, teacher, tutor, clock):
    live_class, _payment = paid_request(student, teacher, start=LATER_SLOT)
    approve(teacher, live_class)
    clock.move_to(LATER_SLOT - timedelta(hours=5), tick=False)
    live_services.class_cancel(actor=student, live_class_id=live_class.pk)
    assert sum(LedgerEntry.objects.values_list("amount", flat=True)) == 0
    ledger.assert_balanced()


def test_the_worker_frees_slots_of_checkouts_left_unpaid(student, teacher, tutor, clock):
    from billing.tasks import lessons_tick

    live_class, payment = paid_request(student, teacher, pay=False)
    assert lessons_tick() == "released 0, abandoned 0"
    clock.move_to(NOW + timedelta(minutes=40), tick=False)
    assert lessons_tick() == "released 0, abandoned 1"
    live_class.refresh_from_db()
    payment.refresh_from_db()
    assert live_class.status == LiveClass.Status.CANCELLED and payment.status == Payment.Status.CANCELLED


def test_staff_edit_the_policy_in_admin(superuser, client):
    client.force_login(superuser)
    response = client.get("/admin/billing/lessonsettings/")
    assert response.status_code == 200 and "free_cancel_hours" in response.content.decode()
    assert client.get("/admin/billing/lessoncredit/").status_code == 200


def test_staff_record_a_no_show_from_the_class_admin(client, student, teacher, tutor, clock, staff_user):
    live_class, payment = paid_request(student, teacher)
    approve(teacher, live_class)
    clock.move_to(SLOT + timedelta(hours=2), tick=False)
    client.force_login(staff_user)
    response = client.post(
        "/admin/live/liveclass/",
        {"action": "record_teacher_no_show", "_selected_action": [live_class.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert "no-show is recorded" in response.content.decode()
    payment.refresh_from_db()
    assert payment.amount_refunded == 2500
    live_class.refresh_from_db()
    assert live_class.status == LiveClass.Status.CANCELLED and live_class.cancelled_by_id == teacher.pk
