"""Booking live classes through the API: free times, requests (with idempotency keys), the
teacher's answer, cancelling and moving — the live app's own rules."""

import json
import threading

import pytest
from django.db import connection
from django.test import Client

from api.models import IdempotentRequest
from api.services import personal_token_create
from api.tests.helpers import bearer
from live import selectors as live_selectors
from live.models import LiveClass
from live.tests.factories import availability_set

EVERY_DAY = [(day, "00:00", "23:30") for day in range(7)]


@pytest.fixture
def tutor(teacher):
    availability_set(teacher, zone="Europe/London", hours=EVERY_DAY, min_notice_hours=2, class_minutes=30)
    return teacher


def token_of(user) -> dict:
    return bearer(personal_token_create(user=user, name="App", scope="write")[1])


def book(auth, slug, start, key=None, note="Integrals, please"):
    headers = {**auth, **({"HTTP_IDEMPOTENCY_KEY": key} if key else {})}
    body = {"teacher": slug, "start": start, "note": note}
    return Client().post("/api/v1/bookings/", json.dumps(body), content_type="application/json", **headers)


def test_free_times_are_the_booking_pages(tutor, student):
    slug = tutor.teacher_profile.slug
    response = Client().get(f"/api/v1/teachers/{slug}/slots/?days=2")
    assert response.status_code == 200
    expected = live_selectors.teacher_free_slots(teacher=tutor)
    first = response.json()[0]
    assert first["start"].replace("Z", "+00:00") == expected[0].start.isoformat()
    assert Client().get("/api/v1/teachers/nobody-here/slots/").status_code == 404
    assert Client().get(f"/api/v1/teachers/{slug}/slots/?days=400").status_code == 400


def test_a_student_books_and_the_teacher_approves(tutor, student):
    slug = tutor.teacher_profile.slug
    start = Client().get(f"/api/v1/teachers/{slug}/slots/").json()[0]["start"]
    student_auth, teacher_auth = token_of(student), token_of(tutor)

    response = book(student_auth, slug, start)
    assert response.status_code == 201
    booked = response.json()["live_class"]
    assert booked["status"] == "pending" and booked["meeting_url"] == "" and response.json()["checkout_url"] is None

    approved = Client().post(f"/api/v1/classes/{booked['id']}/approve/", **teacher_auth)
    assert approved.status_code == 200 and approved.json()["status"] == "confirmed"
    mine = Client().get("/api/v1/classes/", **student_auth).json()["results"]
    assert [c["id"] for c in mine] == [booked["id"]] and mine[0]["meeting_url"]
    # The student cannot approve their own request.
    assert Client().post(f"/api/v1/classes/{booked['id']}/approve/", **student_auth).status_code == 409


def test_the_same_idempotency_key_books_once_and_answers_the_same(tutor, student):
    slug = tutor.teacher_profile.slug
    start = Client().get(f"/api/v1/teachers/{slug}/slots/").json()[0]["start"]
    auth = token_of(student)
    first = book(auth, slug, start, key="tap-1")
    retry = book(auth, slug, start, key="tap-1")
    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json() and retry["Idempotent-Replayed"] == "true"
    assert LiveClass.objects.count() == 1

    other_body = book(auth, slug, start, key="tap-1", note="Something else")
    assert other_body.status_code == 422 and other_body.json()["type"].endswith("/idempotency_key_reused")
    # Without a key the slot is simply taken.
    assert book(auth, slug, start).status_code == 409


def test_a_refused_request_can_be_retried_with_its_key(tutor, student):
    auth = token_of(student)
    refused = book(auth, tutor.teacher_profile.slug, "2001-01-01T10:00:00Z", key="k")
    assert refused.status_code == 409
    assert not IdempotentRequest.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_racing_copies_of_one_request_book_one_class(tutor, student):
    assert connection.vendor == "postgresql", "CI races real PostgreSQL connections"
    slug = tutor.teacher_profile.slug
    start = live_selectors.teacher_free_slots(teacher=tutor)[0].start.isoformat()
    auth = token_of(student)
    statuses, barrier = [], threading.Barrier(4)

    def tap():
        barrier.wait()
        try:
            statuses.append(book(auth, slug, start, key="double-tap").status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=tap) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert LiveClass.objects.count() == 1
    assert 201 in statuses and set(statuses) <= {201, 409}


def test_cancel_and_decline_follow_the_live_rules(tutor, student, other_teacher):
    slug = tutor.teacher_profile.slug
    slots = Client().get(f"/api/v1/teachers/{slug}/slots/").json()
    auth, teacher_auth = token_of(student), token_of(tutor)
    first = book(auth, slug, slots[0]["start"]).json()["live_class"]["id"]
    second = book(auth, slug, slots[6]["start"]).json()["live_class"]["id"]

    # Someone not in the class cannot see it, let alone cancel it.
    stranger = token_of(other_teacher)
    assert Client().post(f"/api/v1/classes/{first}/cancel/", {}, "application/json", **stranger).status_code == 404
    cancelled = Client().post(
        f"/api/v1/classes/{first}/cancel/", {"reason": "Exam clash"}, content_type="application/json", **auth
    )
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    declined = Client().post(
        f"/api/v1/classes/{second}/decline/", {"reason": "Away"}, content_type="application/json", **teacher_auth
    )
    assert declined.json()["status"] == "rejected" and declined.json()["reason"] == "Away"


def test_a_request_moves_to_another_free_time(tutor, student):
    slug = tutor.teacher_profile.slug
    slots = Client().get(f"/api/v1/teachers/{slug}/slots/").json()
    auth = token_of(student)
    class_id = book(auth, slug, slots[0]["start"]).json()["live_class"]["id"]
    moved = Client().post(
        f"/api/v1/classes/{class_id}/reschedule/", {"start": slots[8]["start"]}, content_type="application/json", **auth
    )
    assert moved.status_code == 200
    assert moved.json()["start"] == slots[8]["start"]


def test_a_paid_lesson_answers_with_the_checkout_that_authorises_its_price(student, teacher, settings, time_machine):
    from billing.models import Payment
    from billing.tests.lesson_helpers import NOW, SLOT, tutor_make

    settings.STRIPE_SECRET_KEY = ""  # the built-in test provider: a local checkout page
    time_machine.move_to(NOW, tick=False)
    tutor_make(teacher)
    auth = token_of(student)
    body = {"teacher": teacher.teacher_profile.slug, "start": SLOT.isoformat(), "minutes": 60}
    response = Client().post("/api/v1/bookings/", body, content_type="application/json", **auth)
    assert response.status_code == 201
    assert response.json()["checkout_url"].startswith("http://testserver/")
    payment = Payment.objects.get()
    assert payment.status == Payment.Status.PENDING and payment.amount == 2500
    # A length the teacher does not price is refused, with the booking page's words.
    wrong = Client().post("/api/v1/bookings/", {**body, "minutes": 45}, content_type="application/json", **auth)
    assert wrong.status_code == 409 and "lesson lengths" in wrong.json()["detail"]
