"""A teacher with payable earnings onboards from the earnings page with the keyless test
provider, and after the worker's payout run sees the payout as paid."""

import re
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections

from billing import ledger, testprovider
from billing.models import Payout
from billing.services import checkout_start
from billing.tasks import payouts_run
from billing.tests.factories import course_create
from lms.tests.e2e import login
from lms.tests.factories import PASSWORD


def _in_a_thread(fn, *args):
    # Playwright's event loop runs in this thread, where the services' after-commit pushes
    # (async_to_sync) cannot run: do the work as the worker would, in a thread of its own.
    def run():
        try:
            return fn(*args)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()


def _sell(course, student):
    payment, _url = checkout_start(user=student, course=course, base_url="http://testserver")
    testprovider.pay(session_id=payment.checkout_session_id, user=student)


@pytest.mark.browser
def test_a_teacher_onboards_and_receives_a_payout(asgi_server, new_page, student, teacher):
    course = course_create(teacher=teacher, price="30.00", title="Ceramics for beginners")
    _in_a_thread(_sell, course, student)

    page = new_page()
    login(page, teacher.email, PASSWORD)
    page.goto("/billing/earnings/")
    payouts = page.get_by_role("region", name="Payouts")
    assert payouts.get_by_text("£24").is_visible()  # 80 % of the sale is owed to the teacher
    payouts.get_by_role("button", name="Set up payouts").click()

    page.wait_for_url(re.compile(r"/billing/test-onboarding/$"))
    assert page.get_by_text("Test provider — no money moves").first.is_visible()
    page.get_by_role("button", name="Complete setup").click()

    page.wait_for_url(re.compile(r"/billing/earnings/$"))
    assert page.get_by_text("Payouts are set up").is_visible()
    assert payouts.get_by_text("Payouts enabled").is_visible()

    assert _in_a_thread(payouts_run) == 1  # the worker's daily run
    page.reload()
    history = payouts.get_by_role("table")
    assert history.get_by_role("cell", name="£24").is_visible()
    assert history.get_by_text("Paid", exact=True).is_visible()
    assert payouts.get_by_text("Nothing is owed to you right now.").is_visible()
    assert Payout.objects.get(teacher=teacher).status == Payout.Status.PAID
    ledger.assert_balanced()
