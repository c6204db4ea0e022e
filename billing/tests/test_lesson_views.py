"""The pages of paid lessons through the Django client: the booking widget's prices and
policy, "Request and pay", buying a trial or package, the class page, the earnings page;
and who may use each new URL."""

import pytest
from django.test import Client
from django.urls import reverse

from billing import lessons, testprovider
from billing.models import LessonCredit, Payment
from billing.tests.lesson_helpers import NOW, SLOT, credits_buy, package_make, paid_request, tutor_make


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(NOW, tick=False)
    return time_machine


@pytest.fixture
def tutor(teacher, clock, test_provider):
    return tutor_make(teacher)


def client_for(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def widget_url(teacher, **query):
    url = reverse("live:booking_widget", args=[teacher.teacher_profile.slug])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def test_the_widget_shows_prices_lengths_and_the_policy_before_paying(student, teacher, tutor):
    package_make(tutor, lessons_count=5)
    html = client_for(student).get(widget_url(teacher, minutes=30)).content.decode()
    assert "£15" in html and "£25" in html
    assert "Request and pay £15" in html
    assert "Cancellation policy" in html and "24 hours before the start" in html and "50% back" in html
    assert "Trial lesson: 30 minutes for £5" in html
    assert "5 × 60 minutes for £112.50 (10% off)" in html


def test_request_and_pay_redirects_to_checkout_and_holds_the_slot(student, teacher, tutor):
    slot_key = SLOT.strftime("%Y-%m-%dT%H:%MZ")
    from live.slots import parse_slot_key

    assert parse_slot_key(slot_key) == SLOT
    response = client_for(student).post(
        reverse("live:book", args=[teacher.teacher_profile.slug]),
        {"slot": slot_key, "minutes": "60", "pay": "card", "week": "0"},
    )
    assert response.status_code == 302 and "/billing/test-checkout/" in response["Location"]
    payment = Payment.objects.get(kind="lesson")
    assert payment.amount == 2500 and payment.live_class.start == SLOT


@pytest.mark.parametrize(
    ("role", "status"),
    [("anonymous", 302), ("student", 302), ("teacher", 403), ("other_teacher", 403), ("staff", 403)],
)
def test_credits_buy_access(role, status, request, student, teacher, other_teacher, staff_user, tutor):
    user = {"anonymous": None, "student": student, "teacher": teacher, "other_teacher": other_teacher}.get(
        role, staff_user
    )
    response = client_for(user).post(reverse("billing:credits_buy", args=[teacher.pk]), {"trial": "1"})
    assert response.status_code == status
    if role == "anonymous":
        assert "login" in response["Location"]
    if role == "student":
        assert "/billing/test-checkout/" in response["Location"]
    assert Payment.objects.filter(kind="trial").count() == (1 if role == "student" else 0)


def test_credits_buy_refuses_get_and_a_foreign_package(student, teacher, other_teacher, tutor):
    client = client_for(student)
    assert client.get(reverse("billing:credits_buy", args=[teacher.pk])).status_code == 405
    other = tutor_make(other_teacher)
    package = package_make(other)
    response = client.post(reverse("billing:credits_buy", args=[teacher.pk]), {"package": package.pk}, follow=True)
    assert "That package is not on sale." in response.content.decode()
    assert not Payment.objects.exists()


def test_after_paying_for_a_trial_the_student_lands_on_the_booking_page(student, teacher, tutor):
    client = client_for(student)
    response = client.post(reverse("billing:credits_buy", args=[teacher.pk]), {"trial": "1"})
    session_page = response["Location"]
    response = client.post(session_page, {"action": "pay"})
    response = client.get(response["Location"], follow=True)
    html = response.content.decode()
    assert "Your lessons are ready" in html
    assert "Book with a lesson credit (1 left)" in html
    assert LessonCredit.objects.get().remaining == 1


def test_the_class_page_shows_the_payment_and_policy_to_its_people_only(
    student, teacher, other_teacher, staff_user, tutor
):
    live_class, _payment = paid_request(student, teacher)
    url = live_class.get_absolute_url()
    for user in (student, teacher, staff_user):
        html = client_for(user).get(url).content.decode()
        assert "Cancellation policy" in html and "£25" in html and "Authorised (held on the card)" in html
    assert client_for(other_teacher).get(url).status_code == 403


def test_the_earnings_page_shows_pending_and_payable_lesson_earnings(student, teacher, other_teacher, tutor):
    credits_buy(student, teacher, trial=True)
    html = client_for(teacher).get(reverse("billing:earnings")).content.decode()
    assert "Live lesson earnings" in html and "£4" in html
    assert "Live lesson earnings" not in client_for(other_teacher).get(reverse("billing:earnings")).content.decode()
    assert client_for(student).get(reverse("billing:earnings")).status_code == 403


def test_checkout_success_for_someone_elses_lesson_payment_is_404(student, teacher, other_teacher, tutor):
    _live_class, payment = paid_request(student, teacher, pay=False)
    url = reverse("billing:checkout_success", args=[payment.pk])
    assert client_for(other_teacher).get(url).status_code == 404
    testprovider.pay(session_id=payment.checkout_session_id, user=student)
    response = client_for(student).get(url)
    assert response.status_code == 302 and response["Location"] == payment.live_class.get_absolute_url()
    assert lessons.lesson_payment(payment.live_class).status == Payment.Status.AUTHORIZED
