"""Web push as a notification channel: subscriptions, preferences, and what reaches a device
through a push service (a local one that checks the VAPID signature and decrypts)."""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from lms.services import notification_preferences_set, notify
from lms.tests.factories import PASSWORD
from push import services
from push.models import PushSubscription


@pytest.fixture
def notify_now(django_capture_on_commit_callbacks):
    """notify(), and what follows its commit (queueing the push, sent at once in tests)."""

    def send(**kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return notify(**kwargs)

    return send


def _subscribe(user, device, **extra) -> PushSubscription:
    info = device.subscription()
    return services.subscription_save(user=user, endpoint=info["endpoint"], **info["keys"], **extra)


def test_a_notification_reaches_every_device_encrypted_and_signed(push_service, student, notify_now):
    phone, laptop = push_service.subscribe("phone"), push_service.subscribe("laptop")
    _subscribe(student, phone)
    _subscribe(student, laptop)

    notification = notify_now(
        user=student, kind="live", title="Your class is confirmed", body="Tuesday at 10:00", url="/live/"
    )

    received = push_service.wait_for(2)
    assert push_service.rejected == []
    assert sorted(push["device"] for push in received) == ["/push/laptop", "/push/phone"]
    payload = received[0]["payload"]
    assert payload == {
        "id": notification.pk,
        "kind": "live",
        "title": "Your class is confirmed",
        "body": "Tuesday at 10:00",
        "url": "http://testserver/live/",
    }
    assert received[0]["urgency"] == "high" and received[0]["ttl"] == 24 * 3600
    assert received[0]["vapid_key"] == services.application_server_key()
    assert PushSubscription.objects.filter(user=student, last_sent_at__isnull=False).count() == 2


def test_the_notification_is_written_in_the_recipients_language(push_service, student, notify_now):
    student.language = "es"
    student.save()
    _subscribe(student, push_service.subscribe("phone"))
    from django.utils.translation import gettext_lazy

    notify_now(user=student, kind="course", title=gettext_lazy("Notification settings"))
    assert push_service.wait_for(1)[0]["payload"]["title"] == "Configuración de notificaciones"


def test_nothing_is_pushed_for_a_kind_turned_off_or_to_anyone_else(push_service, student, teacher, notify_now):
    _subscribe(student, push_service.subscribe("phone"))
    notification_preferences_set(user=student, email_by_kind={}, push_by_kind={"chat": False})

    notify_now(user=student, kind="chat", title="New message")
    notify_now(user=teacher, kind="live", title="Someone else's news")
    notify_now(user=student, kind="announcement", title="Still on")

    received = push_service.wait_for(1, timeout=1)
    assert [push["payload"]["title"] for push in received] == ["Still on"]


def test_a_device_the_push_service_calls_gone_is_removed(push_service, student, notify_now):
    gone = _subscribe(student, push_service.subscribe("old-phone"))
    kept = _subscribe(student, push_service.subscribe("phone"))
    push_service.answers["/push/old-phone"] = 410

    notify_now(user=student, kind="live", title="Confirmed")

    assert push_service.wait_for(1)[0]["device"] == "/push/phone"
    assert not PushSubscription.objects.filter(pk=gone.pk).exists()
    assert PushSubscription.objects.filter(pk=kept.pk).exists()


def test_a_failing_push_service_is_counted_and_then_given_up(push_service, student, settings, notify_now):
    subscription = _subscribe(student, push_service.subscribe("phone"))
    push_service.answers["/push/phone"] = 500
    notification = notify_now(user=student, kind="live", title="Confirmed")
    subscription.refresh_from_db()
    assert subscription.failures == 1

    for _ in range(services.MAX_FAILURES - 1):
        services.notification_push_send(notification_id=notification.pk)
    assert not PushSubscription.objects.filter(pk=subscription.pk).exists()


def test_only_push_services_we_send_to_and_real_keys_are_accepted(push_service, student):
    device = push_service.subscribe("phone")
    keys = device.subscription()["keys"]
    for endpoint in [
        "https://attacker.example/collect",
        "http://10.0.0.5/internal",
        "https://user@fcm.googleapis.com/x",
        "https://fcm.googleapis.com:bad/x",
        "ftp://fcm.googleapis.com/x",
        None,
    ]:
        with pytest.raises(ValidationError) as caught:
            services.subscription_save(user=student, endpoint=endpoint, **keys)
        assert "endpoint" in caught.value.message_dict
    for odd in [
        "https://fcm.googleapis.com/\ud800",
        "https://fcm.googleapis.com/a\x00b",
        "https://fcm.googleapis.com/é",
    ]:
        with pytest.raises(ValidationError):
            services.subscription_save(user=student, endpoint=odd, **keys)
    for bad in [{"p256dh": "short", "auth": keys["auth"]}, {"p256dh": keys["p256dh"], "auth": "!!not base64!!"}]:
        with pytest.raises(ValidationError):
            services.subscription_save(user=student, endpoint=device.endpoint, **bad)
    assert not PushSubscription.objects.exists()
    # A real push service's address is fine (nothing is sent to it here); a device name keeps what can be stored.
    kept = services.subscription_save(
        user=student, endpoint="https://fcm.googleapis.com/fcm/send/abc", device="Pixel\x00 \ud800phone", **keys
    )
    assert kept.device == "Pixel phone"


def test_the_same_device_subscribing_again_is_one_subscription_of_whoever_signed_in(push_service, student, teacher):
    device = push_service.subscribe("shared-laptop")
    _subscribe(student, device)
    _subscribe(teacher, device)
    assert list(PushSubscription.objects.values_list("user", flat=True)) == [teacher.pk]


def test_at_most_twenty_devices_the_oldest_goes(push_service, student):
    first = _subscribe(student, push_service.subscribe("d0"))
    for n in range(1, services.MAX_SUBSCRIPTIONS + 1):
        _subscribe(student, push_service.subscribe(f"d{n}"))
    assert PushSubscription.objects.filter(user=student).count() == services.MAX_SUBSCRIPTIONS
    assert not PushSubscription.objects.filter(pk=first.pk).exists()


def test_signing_out_of_the_site_stops_pushes_to_that_browser_only(push_service, student):
    client = Client()
    client.login(email=student.email, password=PASSWORD)
    browser = push_service.subscribe("browser")
    assert (
        client.post("/push/subscriptions/", browser.subscription(), content_type="application/json").status_code == 201
    )
    app = _subscribe(student, push_service.subscribe("app"))  # made over the API: no site session

    client.post("/accounts/logout/")

    assert list(PushSubscription.objects.all()) == [app]


def test_without_a_key_push_is_off(settings, push_service, student, notify_now):
    settings.WEBPUSH_VAPID_PRIVATE_KEY = ""
    settings.DEBUG = False
    _subscribe(student, push_service.subscribe("phone"))
    notify_now(user=student, kind="live", title="Confirmed")
    assert services.application_server_key() == ""
    assert push_service.wait_for(1, timeout=0.5) == []


def test_the_key_command_makes_a_key_the_server_uses(settings, capsys):
    from django.core.management import call_command

    call_command("webpush_key")
    printed = capsys.readouterr().out.splitlines()
    settings.WEBPUSH_VAPID_PRIVATE_KEY = printed[0].removeprefix("WEBPUSH_VAPID_PRIVATE_KEY=")
    assert printed[1].endswith(services.application_server_key())
