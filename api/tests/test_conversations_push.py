"""Conversations, messages, notification preferences and web push over the API."""

import json

import pytest
from django.test import Client

from api.services import personal_token_create
from api.tests.helpers import bearer
from chat.models import Message
from courses import services as course_services
from courses.tests.factories import make_course
from lms.models import NotificationPreference
from push.models import PushSubscription


def _client(user, scope="write"):
    return Client(**bearer(personal_token_create(user=user, name="Tests", scope=scope)[1]))


def _post(client, url, data=None):
    return client.post(url, json.dumps(data or {}), content_type="application/json")


@pytest.fixture
def pair(student, teacher):
    """A student enrolled in the teacher's course: they may talk."""
    course_services.course_enroll(student=student, course=make_course(teacher))
    return _client(student), _client(teacher)


def test_a_student_opens_a_conversation_and_both_sides_talk(pair, student, teacher):
    student_api, teacher_api = pair
    opened = _post(student_api, "/api/v1/conversations/", {"user": teacher.pk})
    assert opened.status_code == 201
    conversation = opened.json()
    assert conversation["other"] == {"id": teacher.pk, "name": "Tess Teacher"} and conversation["last_message"] is None
    again = _post(student_api, "/api/v1/conversations/", {"user": teacher.pk})
    assert again.status_code == 200 and again.json()["id"] == conversation["id"]

    messages_url = f"/api/v1/conversations/{conversation['id']}/messages/"
    sent = _post(student_api, messages_url, {"body": "Can we go over chapter 2?", "client_id": "m-1"})
    assert sent.status_code == 201
    assert sent.json()["body"] == "Can we go over chapter 2?" and sent.json()["client_id"] == "m-1"
    retried = _post(student_api, messages_url, {"body": "Can we go over chapter 2?", "client_id": "m-1"})
    assert retried.status_code == 200 and retried.json()["id"] == sent.json()["id"]
    assert Message.objects.count() == 1

    inbox = teacher_api.get("/api/v1/conversations/").json()
    assert [(row["other"]["name"], row["unread"], row["last_message"]["body"]) for row in inbox] == [
        ("Sam Student", 1, "Can we go over chapter 2?")
    ]
    assert inbox[0]["last_message"]["client_id"] == ""  # the sender's own id is theirs
    read = _post(teacher_api, f"/api/v1/conversations/{conversation['id']}/read/", {"message": sent.json()["id"]})
    assert read.json() == {"last_read_message": sent.json()["id"]}
    assert teacher_api.get("/api/v1/conversations/").json()[0]["unread"] == 0


def test_history_pages_newest_first_with_a_cursor(pair, teacher):
    student_api, _teacher_api = pair
    conversation = _post(student_api, "/api/v1/conversations/", {"user": teacher.pk}).json()
    url = f"/api/v1/conversations/{conversation['id']}/messages/"
    for n in range(5):
        assert _post(student_api, url, {"body": f"Message {n}", "client_id": f"c{n}"}).status_code == 201
    seen, page_url = [], url + "?page_size=2"
    while page_url:
        page = student_api.get(page_url).json()
        seen += [message["body"] for message in page["results"]]
        page_url = page["next"]
    assert seen == [f"Message {n}" for n in reversed(range(5))]


def test_the_chat_rules_apply_as_on_the_site(pair, student, teacher, other_teacher, settings):
    student_api, _ = pair
    refused = _post(student_api, "/api/v1/conversations/", {"user": other_teacher.pk})
    assert refused.status_code == 403 and "share a course" in refused.json()["detail"]
    assert _post(student_api, "/api/v1/conversations/", {"user": 10**12}).status_code == 404

    conversation = _post(student_api, "/api/v1/conversations/", {"user": teacher.pk}).json()
    url = f"/api/v1/conversations/{conversation['id']}/messages/"
    empty = _post(student_api, url, {"body": "   "})
    assert empty.status_code == 409 and empty.json()["detail"] == "Write a message or attach a file."
    assert _post(student_api, url, {}).json()["errors"][0]["field"] == "body"
    settings.CHAT_RATE_LIMIT = (2, 60)
    statuses = [_post(student_api, url, {"body": f"hi {n}"}).status_code for n in range(3)]
    assert statuses == [201, 201, 429]
    assert Message.objects.count() == 2


def test_someone_elses_conversation_is_not_found(pair, teacher, other_teacher, staff_user):
    student_api, _ = pair
    conversation = _post(student_api, "/api/v1/conversations/", {"user": teacher.pk}).json()
    for outsider in (other_teacher, staff_user):
        api = _client(outsider)
        assert api.get(f"/api/v1/conversations/{conversation['id']}/messages/").status_code == 404
        assert _post(api, f"/api/v1/conversations/{conversation['id']}/messages/", {"body": "x"}).status_code == 404
    assert Message.objects.count() == 0


def test_a_read_only_token_reads_but_does_not_send(pair, student, teacher):
    student_api, _ = pair
    conversation = _post(student_api, "/api/v1/conversations/", {"user": teacher.pk}).json()
    reader = _client(student, scope="read")
    assert reader.get(f"/api/v1/conversations/{conversation['id']}/messages/").status_code == 200
    assert _post(reader, f"/api/v1/conversations/{conversation['id']}/messages/", {"body": "x"}).status_code == 403


def test_notification_preferences_read_and_change_by_kind(student):
    api = _client(student)
    before = {row["kind"]: row for row in api.get("/api/v1/notification-preferences/").json()}
    assert before["chat"]["email"] is False and before["chat"]["push"] is True
    assert before["billing"]["email_required"] is True

    changed = api.patch(
        "/api/v1/notification-preferences/",
        json.dumps(
            [{"kind": "chat", "push": False}, {"kind": "live", "email": False}, {"kind": "billing", "email": False}]
        ),
        content_type="application/json",
    )
    after = {row["kind"]: row for row in changed.json()}
    assert (after["chat"]["push"], after["live"]["email"], after["billing"]["email"]) == (False, False, True)
    assert NotificationPreference.objects.filter(user=student).count() == 2  # billing is always emailed

    bad = api.patch(
        "/api/v1/notification-preferences/", json.dumps([{"kind": "nope"}]), content_type="application/json"
    )
    assert bad.status_code == 400 and bad["Content-Type"] == "application/problem+json"


def test_an_app_subscribes_a_device_to_web_push_and_removes_it(student, teacher, push_service):
    api = _client(student)
    key = Client().get("/api/v1/push/").json()["vapid_public_key"]
    assert len(key) == 87  # an uncompressed P-256 point, base64url
    device = push_service.subscribe("pixel")
    made = _post(api, "/api/v1/push-subscriptions/", {**device.subscription(), "device": "Pixel 8"})
    assert made.status_code == 201 and made.json()["device"] == "Pixel 8"
    assert [row["device"] for row in api.get("/api/v1/push-subscriptions/").json()] == ["Pixel 8"]

    elsewhere = _post(
        api, "/api/v1/push-subscriptions/", {**device.subscription(), "endpoint": "https://evil.example/x"}
    )
    assert elsewhere.status_code == 409
    assert elsewhere.json()["detail"] == "This is not the address of a push service we send to."

    assert _client(teacher).delete(f"/api/v1/push-subscriptions/{made.json()['id']}/").status_code == 404
    assert api.delete(f"/api/v1/push-subscriptions/{made.json()['id']}/").status_code == 204
    assert api.delete(f"/api/v1/push-subscriptions/{made.json()['id']}/").status_code == 404
    assert not PushSubscription.objects.exists()
