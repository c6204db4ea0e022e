"""Paid places in group classes: a place is held while the student pays, the money is taken at
once (the class is confirmed already), the cancellation policy refunds each place on its own,
the teacher calling the class off refunds everyone, and attendance makes each place payable."""

import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.utils import timezone

from billing import lessons, testprovider
from billing.models import LedgerEntry, Payment, Refund
from billing.tests.factories import course_create, event
from billing.tests.lesson_helpers import BASE, NOW, balance
from billing.tests.test_webhook import deliver
from courses.services import enrollment_create
from live import services as live_services
from live.models import LiveClass, Participant
from live.services import BookingError
from lms.models import Notification, Role
from lms.tests.factories import make_user

PENDING, PAYABLE = LedgerEntry.Account.TEACHER_PENDING, LedgerEntry.Account.TEACHER_PAYABLE
START = NOW + timedelta(days=3)


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(NOW, tick=False)
    return time_machine


@pytest.fixture
def course(teacher, clock):
    return course_create(teacher=teacher, price="0", currency="EUR", title="Statistics")


def enrolled(course, n=1):
    students = [make_user(Role.STUDENT) for _ in range(n)]
    for student in students:
        enrollment_create(student=student, course=course, source="free")
    return students


def paid_class(teacher, course, *, capacity=3, price=1200, start=START):
    return live_services.group_class_create(
        teacher=teacher, course=course, start=start, minutes=60, capacity=capacity, seat_price=price
    )


def take_place(student, live_class, *, pay=True):
    seat = live_services.group_class_register(student=student, live_class_id=live_class.pk)
    payment = lessons.lesson_payment(live_class, student=student)
    if seat.status == Participant.Status.HELD:
        lessons.lesson_checkout_start(payment=payment, base_url=BASE)
        payment.refresh_from_db()
        if pay:
            testprovider.pay(session_id=payment.checkout_session_id, user=student)
            payment.refresh_from_db()
    seat.refresh_from_db()
    return seat, payment


def test_a_place_is_held_while_paying_then_taken_and_charged_at_once(
    teacher, course, test_provider, django_capture_on_commit_callbacks
):
    live_class = paid_class(teacher, course)
    assert live_class.seat_currency == "EUR"  # the course's currency: this teacher prices no lessons
    (student,) = enrolled(course)

    seat, payment = take_place(student, live_class, pay=False)
    assert seat.status == Participant.Status.HELD
    assert payment.status == Payment.Status.PENDING and payment.amount == 1200 and payment.currency == "EUR"

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        testprovider.pay(session_id=payment.checkout_session_id, user=student)
    seat.refresh_from_db()
    payment.refresh_from_db()
    assert seat.status == Participant.Status.REGISTERED
    assert payment.status == Payment.Status.SUCCEEDED and payment.paid_at is not None  # captured, not just held
    assert balance(PENDING, teacher=teacher) == payment.teacher_share > 0
    assert Notification.objects.filter(user=student, title__startswith="You have a place in").exists()
    invitations = [m for m in mail.outbox if any(str(a[0]).endswith(".ics") for a in m.attachments)]
    assert [m.to for m in invitations] == [[student.email]]

    # Paying twice (a retried event) changes nothing.
    testprovider.pay(session_id=payment.checkout_session_id, user=student)
    assert Payment.objects.filter(status=Payment.Status.SUCCEEDED).count() == 1


def test_places_being_paid_for_count_against_the_capacity(teacher, course, test_provider):
    live_class = paid_class(teacher, course, capacity=2)
    first, second, third = enrolled(course, 3)
    take_place(first, live_class, pay=False)
    take_place(second, live_class)
    seat, payment = take_place(third, live_class)
    assert seat.status == Participant.Status.WAITLISTED and payment is None  # nobody pays for a waitlist


def test_an_abandoned_checkout_gives_the_place_back(teacher, course, test_provider):
    live_class = paid_class(teacher, course, capacity=2)
    first, second, third = enrolled(course, 3)
    seat, payment = take_place(first, live_class, pay=False)
    take_place(second, live_class)
    assert take_place(third, live_class)[0].status == Participant.Status.WAITLISTED

    lessons.lesson_checkout_abandon(payment_id=payment.pk)
    seat.refresh_from_db()
    assert seat.status == Participant.Status.CANCELLED
    # The one on the waitlist pays for the free place.
    seat, payment = take_place(third, live_class)
    assert seat.status == Participant.Status.REGISTERED and payment.status == Payment.Status.SUCCEEDED


def test_a_held_place_reopens_the_same_checkout(teacher, course, test_provider):
    live_class = paid_class(teacher, course)
    (student,) = enrolled(course)
    seat, _payment = take_place(student, live_class, pay=False)
    again = live_services.group_class_register(student=student, live_class_id=live_class.pk)
    assert again.pk == seat.pk and again.status == Participant.Status.HELD
    assert Payment.objects.filter(user=student).count() == 1


def test_giving_up_a_place_refunds_by_the_policy_each_place_on_its_own(clock, teacher, course, test_provider):
    live_class = paid_class(teacher, course)
    early, late, staying = enrolled(course, 3)
    payments = {student: take_place(student, live_class)[1] for student in (early, late, staying)}

    live_services.group_registration_cancel(student=early, live_class_id=live_class.pk)  # 3 days before
    clock.move_to(START - timedelta(hours=5), tick=False)  # inside the 24-hour window: half back
    live_services.group_registration_cancel(student=late, live_class_id=live_class.pk)

    for student in payments:
        payments[student].refresh_from_db()
    assert payments[early].amount_refunded == 1200 and payments[early].status == Payment.Status.REFUNDED
    assert payments[late].amount_refunded == 600 and payments[late].status == Payment.Status.PARTIALLY_REFUNDED
    assert payments[staying].amount_refunded == 0
    # The teacher keeps their part of the half not refunded, payable at once; the place still
    # taken stays pending until the class is attended.
    late_share = payments[late].teacher_share - payments[late].teacher_share // 2
    assert balance(PAYABLE, teacher=teacher) == late_share
    assert balance(PENDING, teacher=teacher) == payments[staying].teacher_share
    assert Refund.objects.count() == 2


def test_giving_up_a_held_place_releases_it_and_a_late_payment_is_let_go(teacher, course, test_provider):
    live_class = paid_class(teacher, course)
    (student,) = enrolled(course)
    seat, payment = take_place(student, live_class, pay=False)
    live_services.group_registration_cancel(student=student, live_class_id=live_class.pk)
    payment.refresh_from_db()
    assert payment.status == Payment.Status.CANCELLED

    # The checkout tab was still open and the student pays: nothing is taken, no place given.
    testprovider.pay(session_id=payment.checkout_session_id, user=student)
    payment.refresh_from_db()
    seat.refresh_from_db()
    assert payment.status == Payment.Status.CANCELLED and payment.paid_at is None
    assert seat.status == Participant.Status.CANCELLED


def test_paying_after_the_class_was_called_off_takes_nothing(clock, teacher, course, test_provider):
    live_class = paid_class(teacher, course)
    (student,) = enrolled(course)
    seat, payment = take_place(student, live_class, pay=False)
    LiveClass.objects.filter(pk=live_class.pk).update(status=LiveClass.Status.CANCELLED)
    testprovider.pay(session_id=payment.checkout_session_id, user=student)
    payment.refresh_from_db()
    seat.refresh_from_db()
    assert payment.status == Payment.Status.CANCELLED and payment.paid_at is None
    assert seat.status == Participant.Status.CANCELLED


def test_the_teacher_calling_the_class_off_refunds_every_place_in_full(clock, teacher, course, test_provider):
    live_class = paid_class(teacher, course)
    paying, paid_a, paid_b = enrolled(course, 3)
    _seat, held = take_place(paying, live_class, pay=False)
    payments = [take_place(student, live_class)[1] for student in (paid_a, paid_b)]

    clock.move_to(START - timedelta(hours=30), tick=False)
    live_services.class_cancel(actor=teacher, live_class_id=live_class.pk, reason="I am ill")
    for payment in payments:
        payment.refresh_from_db()
        assert payment.amount_refunded == 1200 and payment.status == Payment.Status.REFUNDED
    held.refresh_from_db()
    assert held.status == Payment.Status.CANCELLED
    assert balance(PENDING, teacher=teacher) == 0 and balance(PAYABLE, teacher=teacher) == 0


def test_a_teacher_no_show_refunds_every_place(clock, teacher, course, test_provider, staff_user):
    live_class = paid_class(teacher, course)
    payments = [take_place(student, live_class)[1] for student in enrolled(course, 2)]
    clock.move_to(START + timedelta(hours=2), tick=False)
    refunds = lessons.teacher_no_show(actor=staff_user, live_class_id=live_class.pk)
    assert sorted(r.amount for r in refunds) == [1200, 1200]
    for payment in payments:
        payment.refresh_from_db()
        assert payment.status == Payment.Status.REFUNDED


def test_attendance_makes_only_that_students_place_payable(clock, teacher, course, test_provider):
    live_class = paid_class(teacher, course)
    came, missed = enrolled(course, 2)
    came_payment = take_place(came, live_class)[1]
    missed_payment = take_place(missed, live_class)[1]
    clock.move_to(START + timedelta(minutes=70), tick=False)
    live_services.attendance_mark(
        actor=teacher, live_class_id=live_class.pk, student_id=came.pk, attendance=Participant.Attendance.ATTENDED
    )
    assert balance(PAYABLE, teacher=teacher) == came_payment.teacher_share
    assert balance(PENDING, teacher=teacher) == missed_payment.teacher_share
    # Marking twice moves nothing more.
    live_services.attendance_mark(
        actor=teacher, live_class_id=live_class.pk, student_id=came.pk, attendance=Participant.Attendance.ATTENDED
    )
    assert balance(PAYABLE, teacher=teacher) == came_payment.teacher_share


def test_the_first_on_the_waitlist_hears_a_paid_place_opened(teacher, course, test_provider):
    live_class = paid_class(teacher, course, capacity=2)
    leaving, staying, waiting = enrolled(course, 3)
    take_place(leaving, live_class)
    take_place(staying, live_class)
    assert take_place(waiting, live_class)[0].status == Participant.Status.WAITLISTED

    live_services.group_registration_cancel(student=leaving, live_class_id=live_class.pk)
    seat = Participant.objects.get(live_class=live_class, student=waiting)
    assert seat.status == Participant.Status.WAITLISTED  # not given a paid place without paying
    (note,) = Notification.objects.filter(user=waiting, title__startswith="A place opened up in")
    assert note.url == course.url  # where the place is paid for
    seat, payment = take_place(waiting, live_class)
    assert seat.status == Participant.Status.REGISTERED and payment.status == Payment.Status.SUCCEEDED


def test_prices_and_who_may_set_them(teacher, course, test_provider, clock):
    with pytest.raises(BookingError):
        paid_class(teacher, course, price=-1)
    free = paid_class(teacher, course, price=0)
    assert free.seat_currency == ""
    (student,) = enrolled(course)
    seat, payment = take_place(student, free)
    assert seat.status == Participant.Status.REGISTERED and payment is None  # a free class stays free


def test_the_stripe_checkout_of_a_place_is_captured_at_once(teacher, course, stripe_stub):
    live_class = paid_class(teacher, course)
    (student,) = enrolled(course)
    live_services.group_class_register(student=student, live_class_id=live_class.pk)
    payment = lessons.lesson_payment(live_class, student=student)
    lessons.lesson_checkout_start(payment=payment, base_url=BASE)
    payment.refresh_from_db()
    (session_call,) = stripe_stub.calls("POST", "/v1/checkout/sessions")
    assert session_call["params"]["payment_intent_data"]["capture_method"] == "manual"

    completed = event(
        "checkout.session.completed",
        {
            "id": payment.checkout_session_id,
            "object": "checkout.session",
            "mode": "payment",
            "status": "complete",
            "payment_status": "unpaid",
            "amount_total": payment.amount,
            "currency": payment.currency.lower(),
            "customer": student.billing_customer.provider_customer_id,
            "client_reference_id": str(payment.pk),
            "metadata": {"payment_id": str(payment.pk)},
            "payment_intent": f"pi_seat_{payment.pk}",
        },
        event_id="evt_seat_done",
    )
    assert deliver(Client(), completed).status_code == 200
    assert deliver(Client(), completed).status_code == 200  # redelivered: one capture
    (capture,) = stripe_stub.calls("POST", f"/v1/payment_intents/pi_seat_{payment.pk}/capture")
    assert capture["idempotency_key"] == f"capture-{payment.pk}"
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    assert Participant.objects.get(live_class=live_class, student=student).status == Participant.Status.REGISTERED


def test_the_course_page_shows_the_price_and_the_policy_before_paying(client, teacher, course, test_provider):
    live_class = paid_class(teacher, course)
    (student,) = enrolled(course)
    client.force_login(student)
    page = client.get(course.url).content.decode()
    assert "€12 a place" in page and "Pay €12 and register" in page
    assert "Cancellation policy" in page

    answer = client.post(f"/live/classes/{live_class.pk}/register/", headers={"HX-Request": "true"})
    assert answer.status_code == 200 and "/billing/test-checkout/" in answer.headers["HX-Redirect"]
    assert Participant.objects.get(student=student).status == Participant.Status.HELD
    page = client.get(course.url).content.decode()
    assert "Your place is held while you pay." in page and "Finish paying" in page


def test_a_teacher_prices_a_place_in_the_schedule_form(client, teacher, course, test_provider):
    client.force_login(teacher)
    form = client.get(f"/live/courses/{course.pk}/schedule/")
    assert "Price of a place (EUR)" in form.content.decode()
    answer = client.post(
        f"/live/courses/{course.pk}/schedule/",
        {"date": START.date().isoformat(), "time": "10:00", "minutes": 60, "capacity": 5, "price": "12.50"},
    )
    assert answer.status_code == 302
    live_class = LiveClass.objects.get()
    assert live_class.seat_price == 1250 and live_class.seat_currency == "EUR"
    bad = client.post(
        f"/live/courses/{course.pk}/schedule/",
        {"date": START.date().isoformat(), "time": "12:00", "minutes": 60, "capacity": 5, "price": "-3"},
    )
    assert bad.status_code == 200 and LiveClass.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_students_race_for_the_last_paid_place(teacher, settings):
    """Each on its own PostgreSQL connection: exactly one holds the last place, the rest wait."""
    settings.STRIPE_SECRET_KEY = ""
    course = course_create(teacher=teacher, price="0", currency="EUR")
    start = timezone.now().replace(microsecond=0) + timedelta(days=3)
    live_class = paid_class(teacher, course, capacity=2, start=start)
    first, *racers = enrolled(course, 21)
    take_place(first, live_class)
    barrier = threading.Barrier(len(racers))
    statuses, crashed = [], []

    def race(student):
        try:
            barrier.wait(timeout=60)
            statuses.append(live_services.group_class_register(student=student, live_class_id=live_class.pk).status)
        except Exception as exc:
            crashed.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=race, args=(student,)) for student in racers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert crashed == []
    assert sorted(statuses).count(Participant.Status.HELD) == 1
    assert statuses.count(Participant.Status.WAITLISTED) == len(racers) - 1
    assert Payment.objects.filter(live_class=live_class, status=Payment.Status.PENDING).count() == 1
