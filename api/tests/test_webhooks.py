"""Outgoing webhooks against a local receiver: signed like Stripe's, retried after failures
with backoff, one delivery per event, replayable, switched off after repeated failure."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from api import webhooks
from api.models import WebhookDelivery, WebhookEndpoint
from courses import services as course_services
from courses.tests.factories import make_course
from lms.infra import events
from lms.models import AuditLogEntry, Notification


class Receiver:
    """An HTTP server on 127.0.0.1 that answers with the statuses it is told, in turn."""

    def __init__(self):
        self.received, self.statuses = [], [200]
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append({"headers": dict(self.headers), "body": body})
                status = receiver.statuses.pop(0) if len(receiver.statuses) > 1 else receiver.statuses[0]
                self.send_response(status)
                self.end_headers()
                self.wfile.write(b"ok" if status < 300 else b"broken")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/lyceum"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.server.shutdown()


# Deliveries go out after the event's transaction commits: these tests commit, as the site does.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def endpoint(receiver):
    return WebhookEndpoint.objects.create(url=receiver.url, events=["enrolment.created", "certificate.issued"])


def test_an_enrolment_is_posted_signed_and_verifiable(endpoint, receiver, student, teacher):
    course = make_course(teacher)
    course_services.course_enroll(student=student, course=course)

    assert len(receiver.received) == 1
    request = receiver.received[0]
    payload = json.loads(request["body"])
    assert payload["type"] == "enrolment.created"
    assert payload["data"] == {
        "enrolment": student.enrollments.get().pk,
        "course": course.pk,
        "student": student.pk,
        "source": "free",
    }
    assert webhooks.signature_valid(endpoint.secret, request["headers"]["Lyceum-Signature"], request["body"])
    assert not webhooks.signature_valid("whsec_wrong", request["headers"]["Lyceum-Signature"], request["body"])
    assert not webhooks.signature_valid(endpoint.secret, request["headers"]["Lyceum-Signature"], request["body"] + b" ")
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "succeeded" and delivery.last_status_code == 200 and delivery.attempts == 1


def test_events_the_endpoint_did_not_ask_for_are_not_sent(endpoint, receiver, student, teacher):
    endpoint.events = ["certificate.issued"]
    endpoint.save()
    course_services.course_enroll(student=student, course=make_course(teacher))
    assert receiver.received == [] and not WebhookDelivery.objects.exists()


def test_a_failing_receiver_is_retried_with_backoff_until_it_answers(endpoint, receiver, student, teacher):
    receiver.statuses = [500, 503, 200]
    course_services.course_enroll(student=student, course=make_course(teacher))
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "pending" and delivery.last_status_code == 500
    assert webhooks.deliveries_due() == 0  # not yet: the first backoff is a minute

    with time_machine.travel(timezone.now() + timezone.timedelta(minutes=2)):
        assert webhooks.deliveries_due() == 1
    delivery.refresh_from_db()
    assert delivery.last_status_code == 503 and delivery.attempts == 2
    with time_machine.travel(timezone.now() + timezone.timedelta(minutes=8)):
        webhooks.deliveries_due()
    delivery.refresh_from_db()
    assert delivery.status == "succeeded" and delivery.attempts == 3
    ids = {json.loads(request["body"])["id"] for request in receiver.received}
    assert len(receiver.received) == 3 and len(ids) == 1  # the same event id each time


def test_one_delivery_per_event_id_however_often_it_is_handed_over(endpoint, receiver):
    envelope = {"id": "5b0d7f2e-9a7c-4f55-8d8a-0a0b0c0d0e0f", "type": "enrolment.created", "created": "", "data": {}}
    webhooks.deliveries_create(envelope)
    webhooks.deliveries_create(envelope)
    assert WebhookDelivery.objects.count() == 1 and len(receiver.received) == 1


def test_nothing_is_sent_for_a_rolled_back_transaction(endpoint, receiver, student, teacher):
    from django.db import transaction

    course = make_course(teacher)
    with pytest.raises(RuntimeError), transaction.atomic():
        events.publish("enrolment.created", {"course": course.pk})
        raise RuntimeError
    assert not WebhookDelivery.objects.exists() and receiver.received == []


def test_giving_up_and_switching_off_an_endpoint_that_keeps_failing(endpoint, receiver, staff_user, settings):
    receiver.statuses = [500]
    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "sync": True}
    for n in range(webhooks.DISABLE_AFTER):
        envelope = {"id": f"00000000-0000-0000-0000-{n:012d}", "type": "enrolment.created", "created": "", "data": {}}
        webhooks.deliveries_create(envelope)
    # From after the first tries, with the clock stopped at each step: a slow machine's
    # seconds spent sending must not push a retry past the next step (a flake under load).
    now = timezone.now()
    for step in range(len(webhooks.BACKOFF)):
        now += webhooks.BACKOFF[step] + timezone.timedelta(seconds=1)
        with time_machine.travel(now, tick=False):
            webhooks.deliveries_due()
    assert WebhookDelivery.objects.filter(status="failed").count() == webhooks.DISABLE_AFTER
    endpoint.refresh_from_db()
    assert not endpoint.is_active and "in a row" in endpoint.disabled_reason
    assert Notification.objects.filter(user=staff_user, kind="integrations").count() == 1


def test_staff_register_endpoints_and_replay_deliveries_in_the_admin(receiver, staff_user, student, teacher):
    client = Client()
    client.force_login(staff_user)
    response = client.post(
        "/admin/api/webhookendpoint/add/",
        {"url": receiver.url, "description": "CRM", "events": ["enrolment.created"], "is_active": "on"},
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.secret.startswith("whsec_")
    assert endpoint.secret in client.get(f"/admin/api/webhookendpoint/{endpoint.pk}/change/").content.decode()

    course_services.course_enroll(student=student, course=make_course(teacher))
    delivery = WebhookDelivery.objects.get()
    response = client.post(
        "/admin/api/webhookdelivery/", {"action": "replay", "_selected_action": [delivery.pk]}, follow=True
    )
    assert "Sent again." in response.content.decode()
    assert len(receiver.received) == 2
    assert AuditLogEntry.objects.filter(action="api.webhook_replayed").count() == 1


@pytest.mark.parametrize("role", ["student", "teacher"])
def test_only_staff_see_webhooks_in_the_admin(role, request):
    client = Client()
    client.force_login(request.getfixturevalue(role))
    assert client.get("/admin/api/webhookendpoint/").status_code in (302, 403)


def test_a_class_sends_requested_confirmed_and_cancelled(receiver, student, teacher):
    from live import selectors as live_selectors
    from live import services as live_services
    from live.tests.factories import availability_set

    WebhookEndpoint.objects.create(url=receiver.url, events=["class.requested", "class.confirmed", "class.cancelled"])
    availability_set(teacher, zone="UTC", hours=[(day, "00:00", "23:30") for day in range(7)], class_minutes=30)
    start = live_selectors.teacher_free_slots(teacher=teacher)[0].start
    live_class = live_services.booking_request(student=student, teacher=teacher, start=start)
    live_services.booking_approve(actor=teacher, live_class_id=live_class.pk)
    live_services.class_cancel(actor=student, live_class_id=live_class.pk, reason="Ill")

    sent = [json.loads(request["body"]) for request in receiver.received]
    assert [event["type"] for event in sent] == ["class.requested", "class.confirmed", "class.cancelled"]
    assert {event["data"]["class"] for event in sent} == {live_class.pk}
    assert sent[2]["data"]["cancelled_by"] == student.pk


def test_payments_refunds_and_reviews_are_sent(receiver, student, teacher, settings, time_machine):
    from billing.tests.lesson_helpers import NOW, paid_request, tutor_make
    from live import services as live_services
    from reviews import services as review_services
    from reviews.tests.factories import completed_course

    settings.STRIPE_SECRET_KEY = ""  # the built-in test provider
    time_machine.move_to(NOW, tick=False)
    WebhookEndpoint.objects.create(url=receiver.url, events=["payment.succeeded", "payment.refunded", "review.posted"])
    tutor_make(teacher)
    live_class, payment = paid_request(student, teacher)
    live_services.booking_approve(actor=teacher, live_class_id=live_class.pk)  # captures the payment
    live_services.class_cancel(actor=teacher, live_class_id=live_class.pk, reason="Ill")  # refunds in full
    course = completed_course(teacher, student)
    review_services.review_submit(student=student, course=course, stars=5, text="Clear and patient.")

    sent = [json.loads(request["body"]) for request in receiver.received]
    assert [event["type"] for event in sent] == ["payment.succeeded", "payment.refunded", "review.posted"]
    assert sent[0]["data"]["payment"] == payment.pk and sent[0]["data"]["amount"] == 2500
    assert sent[1]["data"]["fully_refunded"] is True and sent[1]["data"]["amount"] == 2500
    assert sent[2]["data"]["course"] == course.pk and sent[2]["data"]["stars"] == 5
