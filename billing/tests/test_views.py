"""Every billing URL, for every role; the test provider's flow; the admin reports."""

import pytest
from django.test import Client
from django.urls import reverse
from django_htmx.middleware import HtmxDetails  # noqa: F401 — django-htmx is what sets request.htmx

from billing import ledger, webhooks
from billing.models import Dispute, Payment, Plan, Refund, Subscription
from billing.tests.factories import checkout_completed_event, course_create
from billing.tests.test_services import bought
from courses.models import Enrollment
from lms.models import Role
from lms.tests.factories import make_user


def client_for(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def people(student, teacher, other_teacher, staff_user):
    return {
        "anonymous": None,
        "student": student,
        "other_student": make_user(Role.STUDENT, email="other.student@example.com"),
        "teacher": teacher,
        "other_teacher": other_teacher,
        "staff": staff_user,
    }


def status_for(people, name, method, url, **kwargs):
    response = getattr(client_for(people[name]), method)(url, **kwargs)
    return response


def is_login_redirect(response) -> bool:
    return response.status_code == 302 and "/login/" in response["Location"]


def test_purchase_pages_per_role(stripe_stub, people, course):
    payment = bought(people["student"], course)
    receipt_url = reverse("billing:receipt_download", args=[payment.receipt.number])
    success_url = reverse("billing:checkout_success", args=[payment.pk])
    cancelled_url = reverse("billing:checkout_cancelled", args=[payment.pk])
    dispute_url = reverse("billing:dispute_new") + f"?payment={payment.pk}"
    expected = {
        # url: {role: status}
        receipt_url: {"student": 200, "other_student": 404, "teacher": 404, "other_teacher": 404, "staff": 200},
        success_url: {"student": 302, "other_student": 404, "teacher": 404, "other_teacher": 404, "staff": 404},
        cancelled_url: {"student": 200, "other_student": 404, "teacher": 404, "other_teacher": 404, "staff": 404},
        dispute_url: {"student": 200, "other_student": 404, "teacher": 404, "other_teacher": 404, "staff": 404},
    }
    for url, by_role in expected.items():
        assert is_login_redirect(status_for(people, "anonymous", "get", url)), url
        for role, code in by_role.items():
            assert status_for(people, role, "get", url).status_code == code, (url, role)
    pdf = status_for(people, "student", "get", receipt_url)
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")


def test_history_shows_only_your_own_payments(stripe_stub, people, course):
    payment = bought(people["student"], course)
    url = reverse("billing:history")
    assert is_login_redirect(status_for(people, "anonymous", "get", url))
    mine = status_for(people, "student", "get", url)
    assert mine.status_code == 200 and payment.receipt.reference in mine.content.decode()
    for role in ("other_student", "teacher", "other_teacher", "staff"):
        response = status_for(people, role, "get", url)
        assert response.status_code == 200
        assert payment.receipt.reference not in response.content.decode()


def test_earnings_per_role(stripe_stub, people, course):
    bought(people["student"], course)
    url = reverse("billing:earnings")
    assert is_login_redirect(status_for(people, "anonymous", "get", url))
    assert status_for(people, "student", "get", url).status_code == 403
    own = status_for(people, "teacher", "get", url)
    assert own.status_code == 200 and "£20" in own.content.decode()  # the 80% share of £25
    other = status_for(people, "other_teacher", "get", url)
    assert other.status_code == 200 and "£20" not in other.content.decode()
    # Another teacher cannot look at someone else's earnings; staff can.
    spy = status_for(people, "other_teacher", "get", url + f"?teacher={people['teacher'].pk}")
    assert "£20" not in spy.content.decode()
    staff = status_for(people, "staff", "get", url + f"?teacher={people['teacher'].pk}")
    assert staff.status_code == 200 and "£20" in staff.content.decode()
    csv = status_for(people, "teacher", "get", url + "?format=csv")
    assert csv["Content-Type"] == "text/csv" and "2500" in csv.content.decode()


def test_checkout_start_per_role(test_provider, people, course):
    url = reverse("billing:checkout_start", args=[course.pk])
    assert is_login_redirect(status_for(people, "anonymous", "post", url))
    response = status_for(people, "student", "post", url)
    assert response.status_code == 302 and response["Location"].startswith("/billing/test-checkout/cs_test_")
    # The owning teacher and staff already have access: refused, sent back to the course.
    for role in ("teacher", "staff"):
        response = status_for(people, role, "post", url)
        assert response.status_code == 302 and "test-checkout" not in response["Location"]
    assert status_for(people, "student", "get", url).status_code == 405
    assert Payment.objects.count() == 1


def test_test_provider_pay_grants_access_only_through_fulfilment(test_provider, people, course):
    student = people["student"]
    client = client_for(student)
    checkout = client.post(reverse("billing:checkout_start", args=[course.pk]))
    page_url = checkout["Location"]
    payment = Payment.objects.get()
    # Other people cannot open or pay the session.
    for role in ("other_student", "teacher", "staff"):
        assert status_for(people, role, "get", page_url).status_code == 404
        assert status_for(people, role, "post", page_url, data={"action": "pay"}).status_code == 404
    page = client.get(page_url)
    assert page.status_code == 200 and "Test payment provider" in page.content.decode()
    # Visiting the success page does not grant anything: it waits.
    success = reverse("billing:checkout_success", args=[payment.pk])
    waiting = client.get(success, headers={"HX-Request": "true"})
    assert waiting.status_code == 200 and "Confirming" in waiting.content.decode()
    assert not Enrollment.objects.filter(student=student).exists()

    paid = client.post(page_url, data={"action": "pay"})
    assert paid["Location"] == success
    assert Enrollment.objects.get(student=student, course=course).source == Enrollment.Source.PURCHASE
    done = client.get(success, headers={"HX-Request": "true"})
    assert done.status_code == 200 and done["HX-Redirect"].endswith("/lesson-1/")
    # Pressing Pay again (or the event arriving again) changes nothing.
    client.post(page_url, data={"action": "pay"})
    assert Payment.objects.get().fee > 0
    assert Enrollment.objects.filter(student=student).count() == 1
    ledger.assert_balanced()


def test_test_provider_decline(test_provider, people, course):
    client = client_for(people["student"])
    page_url = client.post(reverse("billing:checkout_start", args=[course.pk]))["Location"]
    client.post(page_url, data={"action": "decline"})
    payment = Payment.objects.get()
    assert payment.status == Payment.Status.FAILED
    page = client.get(reverse("billing:checkout_success", args=[payment.pk]))
    assert "did not go through" in page.content.decode()
    assert not Enrollment.objects.exists()


def test_test_provider_pages_are_off_when_stripe_is_configured(stripe_stub, people, course):
    assert status_for(people, "student", "get", "/billing/test-checkout/cs_test_forged/").status_code == 404
    assert status_for(people, "student", "get", reverse("billing:test_portal")).status_code == 404


def test_subscription_with_test_provider_and_portal(test_provider, people, course):
    plan = Plan.objects.create(name="All access", slug="all-access", amount=1500, currency="GBP")
    plan.courses.add(course)
    student = people["student"]
    assert status_for(people, "anonymous", "get", reverse("billing:plans")).status_code == 200
    assert is_login_redirect(status_for(people, "anonymous", "post", reverse("billing:subscribe", args=[plan.pk])))
    client = client_for(student)
    page_url = client.post(reverse("billing:subscribe", args=[plan.pk]))["Location"]
    assert "Test payment provider" in client.get(page_url).content.decode()
    assert status_for(people, "other_student", "get", page_url).status_code == 404
    assert client.post(page_url, data={"action": "pay"})["Location"] == reverse("billing:subscription_success")
    assert "is active" in client.get(reverse("billing:subscription_success")).content.decode()
    assert Enrollment.objects.get(student=student, course=course).source == Enrollment.Source.SUBSCRIPTION
    # The portal (the test provider's stand-in) cancels at period end.
    assert client.post(reverse("billing:portal"))["Location"] == reverse("billing:test_portal")
    subscription = Subscription.objects.get()
    assert is_login_redirect(status_for(people, "anonymous", "get", reverse("billing:test_portal")))
    other = client_for(people["other_student"]).post(
        reverse("billing:test_portal"), data={"subscription": subscription.pk, "action": "cancel"}
    )
    assert other.status_code == 404
    client.post(reverse("billing:test_portal"), data={"subscription": subscription.pk, "action": "cancel"})
    subscription.refresh_from_db()
    assert subscription.cancel_at_period_end and subscription.has_access
    ledger.assert_balanced()


def test_student_opens_a_dispute(stripe_stub, people, course):
    payment = bought(people["student"], course)
    client = client_for(people["student"])
    url = reverse("billing:dispute_new") + f"?payment={payment.pk}"
    bad = client.post(url, data={"payment": payment.pk, "message": "bad"})
    assert bad.status_code == 200 and not Dispute.objects.exists()
    ok = client.post(url, data={"payment": payment.pk, "message": "The course videos do not play."})
    assert ok.status_code == 302
    assert Dispute.objects.get().payment == payment


def test_buy_button_states(test_provider, people, course):
    anonymous = client_for().get(course.url)
    assert "Log in to buy" in anonymous.content.decode()
    student_page = client_for(people["student"]).get(course.url).content.decode()
    assert "Buy this course" in student_page
    assert reverse("billing:checkout_start", args=[course.pk]) in student_page


# --- Staff portal -----------------------------------------------------------------------


def test_admin_reports_and_refund_per_role(stripe_stub, people, course, other_teacher):
    payment = bought(people["student"], course)
    second = bought(people["student"], course_create(teacher=other_teacher, price="10.00"))
    urls = [
        reverse("admin:billing_revenue"),
        reverse("admin:billing_revenue") + "?group=course",
        reverse("admin:billing_revenue") + "?group=teacher",
        reverse("admin:billing_revenue") + "?group=month",
        reverse("admin:billing_payouts"),
        reverse("admin:billing_payment_refund", args=[payment.pk]),
        reverse("admin:billing_payment_changelist"),
        reverse("admin:billing_dispute_changelist"),
        reverse("admin:billing_ledgertransaction_changelist"),
        reverse("admin:billing_webhookevent_changelist"),
        reverse("admin:billing_plan_add"),
    ]
    for url in urls:
        assert status_for(people, "anonymous", "get", url).status_code == 302, url
        for role in ("student", "teacher", "other_teacher"):
            assert status_for(people, role, "get", url).status_code == 403, (url, role)
        assert status_for(people, "staff", "get", url).status_code == 200, url
    staff = client_for(people["staff"])
    report = staff.get(reverse("admin:billing_revenue") + "?group=teacher").content.decode()
    assert "£35" in report and "<svg" in report
    csv = staff.get(reverse("admin:billing_revenue") + "?group=course&format=csv").content.decode()
    assert "25.00" in csv and "10.00" in csv
    payouts = staff.get(reverse("admin:billing_payouts") + "?format=csv").content.decode()
    assert "20.00" in payouts and "8.00" in payouts

    # A partial refund from the admin form, then a full one.
    refund_url = reverse("admin:billing_payment_refund", args=[second.pk])
    too_much = staff.post(refund_url, data={"amount": "10.01", "reason": "x"})
    assert too_much.status_code == 200 and not Refund.objects.exists()
    assert staff.post(refund_url, data={"amount": "4.00", "reason": "Late start"}).status_code == 302
    second.refresh_from_db()
    assert second.amount_refunded == 400 and second.status == Payment.Status.PARTIALLY_REFUNDED
    changelist = reverse("admin:billing_payment_changelist")
    staff.post(changelist, data={"action": "refund_in_full", "_selected_action": [second.pk]})
    second.refresh_from_db()
    assert second.status == Payment.Status.REFUNDED
    assert not Enrollment.objects.filter(course=second.course, status="active").exists()
    ledger.assert_balanced()


def test_admin_dispute_change_is_audited_and_notifies(stripe_stub, people, course):
    from lms.models import AuditLogEntry, Notification

    payment = bought(people["student"], course)
    dispute = Dispute.objects.create(
        user=people["student"], source="student", payment=payment, message="Something went wrong with it."
    )
    staff = client_for(people["staff"])
    url = reverse("admin:billing_dispute_change", args=[dispute.pk])
    response = staff.post(
        url,
        data={
            "status": "resolved",
            "assignee": people["staff"].pk,
            "staff_notes": "Checked logs.",
            "resolution": "Partial refund agreed.",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    dispute.refresh_from_db()
    assert dispute.status == "resolved" and dispute.closed_at
    assert AuditLogEntry.objects.filter(action="admin.change", target_id=str(dispute.pk)).exists()
    assert Notification.objects.filter(user=people["student"], body="Partial refund agreed.").exists()


def test_webhook_is_post_only(db):
    assert Client().get(reverse("billing:stripe_webhook")).status_code == 405


def test_dashboards_show_billing_panels(stripe_stub, people, course):
    bought(people["student"], course)
    assert "Recent payments" in client_for(people["student"]).get("/dashboard/student/").content.decode()
    assert "Earnings" in client_for(people["teacher"]).get("/dashboard/teacher/").content.decode()
    assert "Revenue" in client_for(people["staff"]).get("/dashboard/staff/").content.decode()


def test_redelivered_payment_event_via_service(stripe_stub, people, course):
    payment = bought(people["student"], course)
    again = webhooks.event_process(event=checkout_completed_event(payment))
    assert again.attempts == 1


def test_success_page_after_a_refund_stops_waiting(stripe_stub, people, course):
    from billing import services

    payment = bought(people["student"], course)
    services.payment_refund(payment=payment, amount=payment.amount, actor=people["staff"], reason="Changed mind")
    page = client_for(people["student"]).get(reverse("billing:checkout_success", args=[payment.pk]))
    html = page.content.decode()
    assert page.status_code == 200 and "refunded" in html and "hx-get" not in html.split('id="payment-status"')[1][:300]


def test_bad_input_never_500s(test_provider, people):
    staff = client_for(people["staff"])
    assert staff.get(reverse("billing:earnings") + "?teacher=abc").status_code == 404
    assert staff.get(reverse("billing:earnings") + "?start=notadate").status_code == 200
    student = client_for(people["student"])
    assert student.get(reverse("billing:dispute_new") + "?payment=xyz").status_code == 404
    assert student.post(reverse("billing:test_portal"), data={"subscription": "nope"}).status_code == 404
    assert student.get("/billing/test-checkout/cs_test_garbage/").status_code == 404
    assert student.get("/billing/test-checkout/not-a-session/").status_code == 404
    assert staff.get(reverse("admin:billing_revenue") + "?start=2026-05-01&end=2026-01-01").status_code == 200
