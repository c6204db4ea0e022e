"""Payouts to teachers: Connect onboarding and transfers against the local Stripe stub,
webhooks replayed and reordered, idempotent runs and retries, a PostgreSQL race, per-role
access to every payout URL, and the test provider's flow."""

import threading

import pytest
from django.db import connection
from django.db.models import Sum
from django.test import Client
from django.urls import reverse

from billing import ledger, payouts, tasks, testprovider, webhooks
from billing.models import LedgerEntry, LedgerTransaction, Payout, PayoutAccount, WebhookEvent
from billing.services import checkout_start
from billing.tests.conftest import WEBHOOK_SECRET
from billing.tests.factories import as_json, course_create, event
from billing.tests.stripe_stub import sign
from billing.tests.test_services import bought
from billing.tests.test_webhook import deliver
from lms.models import Notification, Role
from lms.tests.factories import make_user

ONBOARD = reverse("billing:payouts_onboard")
RETURN = reverse("billing:payouts_return")
REFRESH = reverse("billing:payouts_refresh")
EARNINGS = reverse("billing:earnings")
TEST_ONBOARDING = reverse("billing:test_onboarding")


def client_for(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def owed(teacher, currency="GBP") -> int:
    total = LedgerEntry.objects.filter(
        account=LedgerEntry.Account.TEACHER_PAYABLE, teacher=teacher, currency=currency
    ).aggregate(total=Sum("amount"))["total"]
    return -(total or 0)


def onboarded(stub, teacher) -> PayoutAccount:
    """The teacher went through Stripe's onboarding and came back."""
    client = client_for(teacher)
    assert client.post(ONBOARD)["Location"].startswith("https://connect.stripe.test/setup/")
    account = PayoutAccount.objects.get(teacher=teacher)
    stub.account_complete(account.provider_account_id)
    client.get(RETURN)
    account.refresh_from_db()
    assert account.ready
    return account


def earning(stub, teacher, student, price="25.00"):
    """A student buys the teacher's course: 80 % of the price is owed to the teacher."""
    return bought(student, course_create(teacher=teacher, price=price))


def transfers(stub) -> list[dict]:
    return stub.calls("POST", "/v1/transfers")


# --- Onboarding -------------------------------------------------------------------------


def test_onboarding_creates_one_express_account_and_links_back_to_the_site(stripe_stub, teacher):
    client = client_for(teacher)
    first = client.post(ONBOARD)
    again = client.post(ONBOARD)  # a double click, or a second visit

    assert first.status_code == again.status_code == 302
    assert first["Location"].startswith("https://connect.stripe.test/setup/e/acct_")
    created = stripe_stub.calls("POST", "/v1/accounts")
    assert len(created) == 1
    assert created[0]["params"]["type"] == "express"
    assert created[0]["idempotency_key"] == f"connect-account-{teacher.pk}"
    account = PayoutAccount.objects.get(teacher=teacher)
    links = stripe_stub.calls("POST", "/v1/account_links")
    assert len(links) == 2
    assert {link["params"]["account"] for link in links} == {account.provider_account_id}
    assert links[0]["params"]["type"] == "account_onboarding"
    assert links[0]["params"]["return_url"] == "http://testserver" + RETURN
    assert links[0]["params"]["refresh_url"] == "http://testserver" + REFRESH

    # Back before finishing: still not ready, and the page says so with a way to continue.
    page = client.get(RETURN, follow=True).content.decode()
    assert "Stripe still needs some details" in page and "Continue payout setup" in page
    # An expired link sends the teacher to the refresh URL: a new link, same account.
    link = client.get(REFRESH)["Location"]
    assert link.startswith(f"https://connect.stripe.test/setup/e/{account.provider_account_id}/")
    assert len(stripe_stub.calls("POST", "/v1/accounts")) == 1

    stripe_stub.account_complete(account.provider_account_id)
    page = client.get(RETURN, follow=True).content.decode()
    assert "Payouts are set up" in page and "Payouts enabled" in page
    assert "Set up payouts" not in page


def test_refresh_without_an_account_goes_back_to_earnings(stripe_stub, teacher):
    assert client_for(teacher).get(REFRESH)["Location"] == EARNINGS
    assert stripe_stub.requests == []


def _account_event(account, *, created: int, ready: bool, event_id: str) -> dict:
    obj = {
        "id": account.provider_account_id,
        "object": "account",
        "type": "express",
        "details_submitted": ready,
        "payouts_enabled": ready,
        "metadata": {"teacher_id": str(account.teacher_id)},
    }
    evt = event("account.updated", obj, event_id=event_id)
    evt["created"] = created
    return evt


def test_account_updated_replayed_and_reordered_never_goes_backwards(stripe_stub, teacher):
    client_for(teacher).post(ONBOARD)
    account = PayoutAccount.objects.get(teacher=teacher)
    older = _account_event(account, created=1_700_000_100, ready=False, event_id="evt_acct_1")
    newer = _account_event(account, created=1_700_000_200, ready=True, event_id="evt_acct_2")
    client = Client()

    for evt in (newer, older, newer, older):  # the newer arrives first, then both again
        assert deliver(client, evt).status_code == 200

    account.refresh_from_db()
    assert account.ready
    assert account.status_as_of.timestamp() == 1_700_000_200
    assert WebhookEvent.objects.filter(type="account.updated", status="processed").count() == 2


def test_account_updated_before_the_account_is_recorded_waits(stripe_stub, teacher):
    early = PayoutAccount(teacher=teacher, provider_account_id="acct_early")
    evt = _account_event(early, created=1_700_000_000, ready=True, event_id="e")
    assert deliver(Client(), evt).status_code == 200
    assert WebhookEvent.objects.get(event_id="e").status == WebhookEvent.Status.PARKED
    # Someone else's account (no teacher of ours in its metadata) is simply not ours.
    other = {**evt, "id": "e2", "data": {"object": {**evt["data"]["object"], "id": "acct_x", "metadata": {}}}}
    deliver(Client(), other)
    assert WebhookEvent.objects.get(event_id="e2").status == WebhookEvent.Status.PROCESSED


CONNECT_URL = "/billing/stripe/connect-webhook/"
CONNECT_SECRET = "whsec_connect_secret"


def deliver_connect(evt: dict, *, secret: str = CONNECT_SECRET):
    """Post an event from a connected account to the Connect endpoint, signed as Stripe signs it."""
    payload = as_json(evt)
    return Client().post(
        CONNECT_URL, data=payload, content_type="application/json", HTTP_STRIPE_SIGNATURE=sign(payload, secret)
    )


def test_connected_account_events_come_to_their_own_endpoint_with_their_own_secret(stripe_stub, teacher, settings):
    client_for(teacher).post(ONBOARD)
    account = PayoutAccount.objects.get(teacher=teacher)
    evt = _account_event(account, created=1_700_000_300, ready=True, event_id="evt_connect_1")

    settings.STRIPE_CONNECT_WEBHOOK_SECRET = ""
    assert deliver_connect(evt).status_code == 400  # not configured: refuses everything
    settings.STRIPE_CONNECT_WEBHOOK_SECRET = CONNECT_SECRET
    assert deliver_connect(evt, secret=WEBHOOK_SECRET).status_code == 400  # the platform's secret is not this one
    assert not WebhookEvent.objects.exists()

    assert deliver_connect(evt).status_code == 200
    account.refresh_from_db()
    assert account.ready


def test_the_connect_endpoint_answers_every_role_alike(stripe_stub, settings, student, teacher, staff_user):
    """No session makes an unsigned event acceptable: 405 for a GET, 400 for an unsigned POST."""
    settings.STRIPE_CONNECT_WEBHOOK_SECRET = CONNECT_SECRET
    for user in (None, student, teacher, staff_user):
        client = client_for(user)
        assert client.get(CONNECT_URL).status_code == 405
        assert client.post(CONNECT_URL, data="{}", content_type="application/json").status_code == 400
    assert not WebhookEvent.objects.exists()


def test_a_bank_refusing_the_teachers_payout_tells_them_once(stripe_stub, teacher, settings):
    settings.STRIPE_CONNECT_WEBHOOK_SECRET = CONNECT_SECRET
    account = onboarded(stripe_stub, teacher)
    failed = event(
        "payout.failed",
        {"id": "po_1", "object": "payout", "amount": 2000, "currency": "gbp", "failure_code": "account_closed"},
        event_id="evt_bank_failed",
    )
    failed["account"] = account.provider_account_id
    for _ in range(2):  # redelivered
        assert deliver_connect(failed).status_code == 200
    (note,) = Notification.objects.filter(user=teacher, kind="billing")
    assert note.title == "Your bank refused a payout of £20" and note.url == reverse("billing:earnings")

    someone_else = {**failed, "id": "evt_not_ours", "account": "acct_unknown"}
    assert deliver_connect(someone_else).status_code == 200
    assert Notification.objects.filter(kind="billing").count() == 1


# --- Payouts ----------------------------------------------------------------------------


def test_the_task_pays_the_payable_balance_once_however_often_it_runs(stripe_stub, teacher, student):
    account = onboarded(stripe_stub, teacher)
    earning(stripe_stub, teacher, student, price="25.00")
    assert owed(teacher) == 2000

    assert tasks.payouts_run() == 1
    assert tasks.payouts_run() == 0

    payout = Payout.objects.get(teacher=teacher)
    assert payout.status == Payout.Status.PAID and payout.amount == 2000 and payout.currency == "GBP"
    assert payout.paid_at is not None
    sent = transfers(stripe_stub)
    assert len(sent) == 1
    assert sent[0]["params"]["destination"] == account.provider_account_id
    assert sent[0]["params"]["amount"] == "2000" and sent[0]["params"]["currency"] == "gbp"
    assert sent[0]["idempotency_key"] == payout.idempotency_key
    assert payout.provider_transfer_id == stripe_stub.transfers[0]["id"]
    assert owed(teacher) == 0
    txn = LedgerTransaction.objects.get(kind=LedgerTransaction.Kind.PAYOUT)
    assert {(e.account, e.amount) for e in txn.entries.all()} == {
        ("teacher_payable", 2000),
        ("provider_balance", -2000),
    }
    ledger.assert_balanced()
    sent_notes = Notification.objects.filter(user=teacher, title__startswith="Payout of")
    assert list(sent_notes.values_list("title", flat=True)) == ["Payout of £20 sent"]

    # New earnings make a new payout with its own key; the old earnings are not paid again.
    earning(stripe_stub, teacher, student, price="15.00")
    tasks.payouts_run()
    assert sorted(Payout.objects.values_list("amount", flat=True)) == [1200, 2000]
    assert len({t["idempotency_key"] for t in transfers(stripe_stub)}) == 2
    assert owed(teacher) == 0


def test_nothing_is_paid_below_the_minimum_or_before_onboarding(stripe_stub, settings, teacher, student):
    earning(stripe_stub, teacher, student, price="25.00")
    tasks.payouts_run()
    assert not Payout.objects.exists()  # not onboarded

    onboarded(stripe_stub, teacher)
    settings.BILLING_PAYOUT_MINIMUM = 2001
    tasks.payouts_run()
    assert not Payout.objects.exists() and transfers(stripe_stub) == []
    page = client_for(teacher).get(EARNINGS).content.decode()
    assert "£20" in page and "paid once it reaches £20.01" in page


def test_a_transfer_whose_answer_was_lost_is_retried_with_its_key_and_made_once(stripe_stub, teacher, student):
    onboarded(stripe_stub, teacher)
    earning(stripe_stub, teacher, student)
    stripe_stub.lose_answer_next = 3  # the call and the library's two retries all time out

    tasks.payouts_run()
    payout = Payout.objects.get()
    assert payout.status == Payout.Status.PENDING and payout.provider_transfer_id is None
    assert owed(teacher) == 0  # set aside: not paid again by the next run

    tasks.payouts_run()  # the next run retries the pending transfer
    payout.refresh_from_db()
    assert payout.status == Payout.Status.PAID
    assert len(transfers(stripe_stub)) == 4
    assert {t["idempotency_key"] for t in transfers(stripe_stub)} == {payout.idempotency_key}
    assert len(stripe_stub.transfers) == 1  # one transfer made at Stripe
    assert payout.provider_transfer_id == stripe_stub.transfers[0]["id"]
    assert Payout.objects.count() == 1


def test_a_500_is_retried_by_the_client_with_the_same_key(stripe_stub, teacher, student):
    onboarded(stripe_stub, teacher)
    earning(stripe_stub, teacher, student)
    stripe_stub.fail_next = 1
    tasks.payouts_run()
    assert Payout.objects.get().status == Payout.Status.PAID
    assert len(transfers(stripe_stub)) == 2 and len(stripe_stub.transfers) == 1


def test_a_refused_transfer_fails_the_payout_and_owes_the_money_again(stripe_stub, teacher, student):
    onboarded(stripe_stub, teacher)
    earning(stripe_stub, teacher, student)
    stripe_stub.transfer_error = "Insufficient funds in Stripe account."

    tasks.payouts_run()
    payout = Payout.objects.get()
    assert payout.status == Payout.Status.FAILED
    assert "Insufficient funds" in payout.failure_message
    assert owed(teacher) == 2000
    assert LedgerTransaction.objects.filter(kind=LedgerTransaction.Kind.PAYOUT_REVERSAL).count() == 1
    page = client_for(teacher).get(EARNINGS).content.decode()
    assert "Failed" in page

    stripe_stub.transfer_error = ""
    tasks.payouts_run()  # the next run pays it (a new payout; the failed one stays failed)
    assert sorted(Payout.objects.values_list("status", flat=True)) == ["failed", "paid"]
    assert owed(teacher) == 0


def _reversed(payout, *, amount_reversed: int, created: int, event_id: str) -> dict:
    obj = {
        "id": payout.provider_transfer_id,
        "object": "transfer",
        "amount": payout.amount,
        "amount_reversed": amount_reversed,
        "currency": payout.currency.lower(),
        "reversed": amount_reversed >= payout.amount,
        "metadata": {"payout_id": str(payout.pk)},
    }
    evt = event("transfer.reversed", obj, event_id=event_id)
    evt["created"] = created
    return evt


def test_transfer_reversed_replayed_and_reordered_owes_the_money_once(stripe_stub, teacher, student):
    onboarded(stripe_stub, teacher)
    earning(stripe_stub, teacher, student)
    tasks.payouts_run()
    payout = Payout.objects.get()
    partial = _reversed(payout, amount_reversed=500, created=1_700_000_100, event_id="evt_rev_1")
    full = _reversed(payout, amount_reversed=2000, created=1_700_000_200, event_id="evt_rev_2")
    client = Client()

    for evt in (full, partial, full, partial):
        assert deliver(client, evt).status_code == 200

    payout.refresh_from_db()
    assert payout.status == Payout.Status.REVERSED and payout.amount_reversed == 2000
    assert owed(teacher) == 2000
    reversal = LedgerTransaction.objects.get(kind=LedgerTransaction.Kind.PAYOUT_REVERSAL)
    assert reversal.entries.filter(account="teacher_payable").get().amount == -2000
    ledger.assert_balanced()


def test_partial_then_full_reversal_in_order(stripe_stub, teacher, student):
    onboarded(stripe_stub, teacher)
    earning(stripe_stub, teacher, student)
    tasks.payouts_run()
    payout = Payout.objects.get()
    webhooks.event_process(event=_reversed(payout, amount_reversed=500, created=1, event_id="r1"))
    assert owed(teacher) == 500
    webhooks.event_process(event=_reversed(payout, amount_reversed=2000, created=2, event_id="r2"))
    assert owed(teacher) == 2000
    assert LedgerTransaction.objects.filter(kind=LedgerTransaction.Kind.PAYOUT_REVERSAL).count() == 2


def test_a_reversal_of_an_unconfirmed_transfer_waits_for_it(stripe_stub, teacher, student):
    onboarded(stripe_stub, teacher)
    earning(stripe_stub, teacher, student)
    stripe_stub.lose_answer_next = 3
    tasks.payouts_run()
    payout = Payout.objects.get()
    evt = _reversed(payout, amount_reversed=2000, created=1, event_id="r_early")
    evt["data"]["object"]["id"] = stripe_stub.transfers[0]["id"]
    assert webhooks.event_process(event=evt).status == WebhookEvent.Status.PARKED

    tasks.payouts_run()  # the transfer is confirmed; the parked event goes through after the next event
    webhooks.events_retry_parked()
    payout.refresh_from_db()
    assert payout.status == Payout.Status.REVERSED and owed(teacher) == 2000


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_payout_runs_racing_pay_the_same_earnings_once(stripe_stub):
    teacher = make_user(Role.TEACHER, email="racing.teacher@example.com")
    student = make_user(Role.STUDENT, email="racing.student@example.com")
    onboarded(stripe_stub, teacher)
    earning(stripe_stub, teacher, student)
    racers = 8
    barrier = threading.Barrier(racers)
    crashed = []

    def race():
        try:
            barrier.wait(timeout=60)
            payouts.payouts_run()
        except Exception as exc:
            crashed.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=race) for _ in range(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert crashed == []
    assert Payout.objects.count() == 1
    assert Payout.objects.get().status == Payout.Status.PAID
    assert len(stripe_stub.transfers) == 1
    assert LedgerTransaction.objects.filter(kind=LedgerTransaction.Kind.PAYOUT).count() == 1
    assert owed(teacher) == 0
    ledger.assert_balanced()


# --- Access per role --------------------------------------------------------------------


@pytest.fixture
def people(student, teacher, other_teacher, staff_user):
    return {
        "anonymous": None,
        "student": student,
        "teacher": teacher,
        "other_teacher": other_teacher,
        "staff": staff_user,
    }


def test_payout_urls_per_role(test_provider, people):
    client_for(people["teacher"]).post(ONBOARD)  # the teacher has an account; the other does not
    expected = {
        # (method, url): {role: status}; in this order (the other teacher onboards last)
        ("get", TEST_ONBOARDING): {"student": 403, "teacher": 200, "other_teacher": 404, "staff": 403},
        ("post", TEST_ONBOARDING): {"student": 403, "teacher": 302, "other_teacher": 404, "staff": 403},
        ("get", ONBOARD): {"student": 403, "teacher": 405, "other_teacher": 405, "staff": 403},
        ("get", RETURN): {"student": 403, "teacher": 302, "other_teacher": 302, "staff": 403},
        ("get", REFRESH): {"student": 403, "teacher": 302, "other_teacher": 302, "staff": 403},
        ("post", ONBOARD): {"student": 403, "teacher": 302, "other_teacher": 302, "staff": 403},
    }
    for (method, url), by_role in expected.items():
        response = getattr(client_for(), method)(url)
        assert response.status_code == 302 and "/login/" in response["Location"], url
        for role, code in by_role.items():
            assert getattr(client_for(people[role]), method)(url).status_code == code, (method, url, role)
    # Each teacher onboarded only themselves; the teacher's (test) onboarding completed theirs.
    accounts = {a.teacher_id: a for a in PayoutAccount.objects.all()}
    assert set(accounts) == {people["teacher"].pk, people["other_teacher"].pk}
    assert accounts[people["teacher"].pk].ready and not accounts[people["other_teacher"].pk].ready


def test_staff_see_a_teachers_payouts_without_the_setup_button(test_provider, people):
    teacher = people["teacher"]
    page = client_for(people["staff"]).get(EARNINGS + f"?teacher={teacher.pk}").content.decode()
    assert "Payouts" in page and "Set up payouts" not in page
    assert "Set up payouts" in client_for(teacher).get(EARNINGS).content.decode()


def test_test_onboarding_is_off_with_stripe(stripe_stub, teacher):
    client = client_for(teacher)
    client.post(ONBOARD)
    assert client.get(TEST_ONBOARDING).status_code == 404


# --- The test provider, end to end through the pages ------------------------------------


def test_the_test_provider_onboards_and_pays(test_provider, teacher, student):
    course = course_create(teacher=teacher, price="30.00")
    payment, _url = checkout_start(user=student, course=course, base_url="http://testserver")
    testprovider.pay(session_id=payment.checkout_session_id, user=student)
    client = client_for(teacher)

    response = client.post(ONBOARD)
    assert response["Location"] == TEST_ONBOARDING
    page = client.get(TEST_ONBOARDING).content.decode()
    assert "Test provider — no money moves" in page
    page = client.post(TEST_ONBOARDING, follow=True).content.decode()
    assert "Payouts enabled" in page and "£24" in page

    tasks.payouts_run()
    payout = Payout.objects.get()
    assert payout.status == Payout.Status.PAID and payout.provider_transfer_id.startswith("tr_test_")
    page = client.get(EARNINGS).content.decode()
    assert "Paid" in page and "Nothing is owed to you right now." in page


# --- Admin ------------------------------------------------------------------------------


def test_staff_run_payouts_from_admin(stripe_stub, teacher, student, superuser):
    account = onboarded(stripe_stub, teacher)
    earning(stripe_stub, teacher, student)
    admin = client_for(superuser)
    changelist = reverse("admin:billing_payoutaccount_changelist")
    assert admin.get(changelist).status_code == 200
    response = admin.post(changelist, {"action": "payouts_run_now", "_selected_action": [account.pk]}, follow=True)
    assert "1 payout sent." in response.content.decode()
    payout = Payout.objects.get()
    assert payout.status == Payout.Status.PAID
    assert admin.get(reverse("admin:billing_payout_changelist")).status_code == 200
    detail = admin.get(reverse("admin:billing_payout_change", args=[payout.pk])).content.decode()
    assert 'name="amount"' not in detail  # read-only money


def test_the_daily_schedule_is_registered(db):
    from django_q.models import Schedule

    assert Schedule.objects.filter(name="billing.payouts_run", func="billing.tasks.payouts_run").count() == 1
