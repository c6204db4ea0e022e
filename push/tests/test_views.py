"""The notification settings page's push controls, as each role uses them."""

import re

import pytest
from django.test import Client

from lms.services import email_wanted, push_wanted
from lms.tests.factories import PASSWORD
from push.models import PushSubscription

ROLES = ["student", "teacher", "other_teacher", "staff_user"]


def _signed_in(user, **kwargs) -> Client:
    client = Client(**kwargs)
    client.login(email=user.email, password=PASSWORD)
    return client


def test_anonymous_visitors_are_sent_to_sign_in(db, push_service):
    body = push_service.subscribe("phone").subscription()
    for url in ["/push/subscriptions/", "/push/subscriptions/remove/"]:
        response = Client().post(url, body, content_type="application/json")
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not PushSubscription.objects.exists()


@pytest.mark.parametrize("role", ROLES)
def test_everyone_signed_in_can_turn_push_on_and_off_for_their_browser(role, request, push_service):
    user = request.getfixturevalue(role)
    client = _signed_in(user, HTTP_USER_AGENT="Mozilla/5.0 (Android 14; Mobile) Firefox/133.0")
    device = push_service.subscribe("phone")
    response = client.post("/push/subscriptions/", device.subscription(), content_type="application/json")
    assert response.status_code == 201
    subscription = PushSubscription.objects.get(user=user)
    assert subscription.device == "Firefox on Android"

    page = client.get("/notifications/settings/")
    assert b"Firefox on Android" in page.content and b"data-push-device" in page.content

    removed = client.post("/push/subscriptions/remove/", {"endpoint": device.endpoint}, content_type="application/json")
    assert removed.json() == {"removed": True}
    assert not PushSubscription.objects.exists()


def test_a_device_is_removed_from_the_list_without_script_and_only_by_its_owner(push_service, student, teacher):
    client = _signed_in(student)
    client.post("/push/subscriptions/", push_service.subscribe("phone").subscription(), content_type="application/json")
    subscription = PushSubscription.objects.get()

    other = _signed_in(teacher).post("/push/subscriptions/remove/", {"subscription": subscription.pk}, follow=True)
    assert b"already removed" in other.content and PushSubscription.objects.exists()

    mine = client.post("/push/subscriptions/remove/", {"subscription": subscription.pk}, follow=True)
    assert b"no more notifications" in mine.content
    assert not PushSubscription.objects.exists()


def test_a_bad_subscription_is_refused_with_a_reason(student, push_service):
    client = _signed_in(student)
    for body in [b"not json", b"[]", b'{"endpoint": "https://evil.example/x", "keys": {}}']:
        response = client.post("/push/subscriptions/", body, content_type="application/json")
        assert response.status_code == 400 and response.json()["error"]
    assert not PushSubscription.objects.exists()


def test_subscribing_needs_the_csrf_token(student, push_service):
    client = _signed_in(student, enforce_csrf_checks=True)
    response = client.post(
        "/push/subscriptions/", push_service.subscribe("x").subscription(), content_type="application/json"
    )
    assert response.status_code == 403
    assert not PushSubscription.objects.exists()


def test_the_settings_page_saves_email_and_push_choices_per_kind(student):
    client = _signed_in(student)
    form = {"email_live": "on", "push_live": "on", "email_chat": "on"}  # chat by push: unticked
    client.post("/notifications/settings/", form)
    page = client.get("/notifications/settings/").content.decode()

    def ticked(field: str) -> bool:
        return " checked" in re.search(rf'<input[^>]*id="{field}"[^>]*>', page).group(0)

    assert ticked("push_live") and ticked("email_chat") and not ticked("push_chat")
    assert push_wanted(user=student, kind="live") and not push_wanted(user=student, kind="chat")
    assert email_wanted(user=student, kind="chat")
