"""At phone width (390 px): the catalog's filters fold behind a "Filters" button, a course's
call to action comes before its syllabus, a conversation links back to the list, payments
stack as cards, and the staff reports' tables scroll in their own region (issue 18, item 13)."""

import re

import pytest
from playwright.sync_api import expect

from billing import services as billing_services
from billing.tests.factories import course_create
from chat import services as chat_services
from courses.services import enrollment_create
from courses.tests.factories import make_course
from lms.tests.e2e import login

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


def _scrolls_sideways(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth")


def test_catalog_filters_fold_behind_a_button_on_a_phone(new_page, teacher):
    make_course(teacher, title="Algebra")
    page = new_page(viewport=PHONE)
    page.goto("/courses/")
    category = page.get_by_label("Category")
    expect(category).to_be_hidden()
    expect(page.get_by_label("Search courses")).to_be_visible()
    page.get_by_text("Filters", exact=True).click()
    expect(category).to_be_visible()
    category.select_option(label="All categories")
    page.get_by_text("Filters", exact=True).click()
    expect(category).to_be_hidden()

    desktop = new_page(viewport=DESKTOP)
    desktop.goto("/courses/")
    expect(desktop.get_by_label("Category")).to_be_visible()
    expect(desktop.get_by_text("Filters", exact=True)).to_be_hidden()


def test_catalog_filters_work_without_javascript(new_page, teacher):
    make_course(teacher, title="Algebra", level="advanced")
    make_course(teacher, title="Biology", level="beginner")
    page = new_page(viewport=PHONE, java_script_enabled=False)
    page.goto("/courses/")
    page.get_by_text("Filters", exact=True).click()
    page.get_by_label("Level").select_option("advanced")
    page.get_by_role("button", name="Show courses").click()
    expect(page).to_have_url(re.compile(r"level=advanced"))
    results = page.get_by_role("region", name="Courses")
    expect(results.get_by_role("link", name="Algebra")).to_be_visible()
    expect(results.get_by_role("link", name="Biology")).to_have_count(0)
    expect(page.get_by_label("Level")).to_be_visible()  # a filter in use stays unfolded


def test_the_call_to_action_comes_before_the_syllabus_on_a_phone(new_page, teacher):
    course = make_course(teacher, title="Algebra")
    page = new_page(viewport=PHONE)
    page.goto(course.url)
    enroll = page.get_by_role("link", name="Log in to enroll for free")
    syllabus = page.get_by_role("heading", name="Syllabus")
    assert enroll.bounding_box()["y"] < syllabus.bounding_box()["y"]
    assert enroll.bounding_box()["y"] < PHONE["height"]  # on the first screen
    assert not _scrolls_sideways(page)

    desktop = new_page(viewport=DESKTOP)
    desktop.goto(course.url)
    enroll, title = (
        desktop.get_by_role("link", name="Log in to enroll for free"),
        desktop.get_by_role("heading", level=1),
    )
    assert enroll.bounding_box()["x"] > title.bounding_box()["x"] + 400  # a column beside the course


def test_a_conversation_links_back_to_the_list_on_a_phone(new_page, student, teacher):
    course = make_course(teacher, title="Algebra")
    enrollment_create(student=student, course=course, source="staff")
    conversation = chat_services.conversation_start(user=student, other=teacher)
    page = new_page(viewport=PHONE)
    login(page, student.email)
    page.goto(f"/chat/{conversation.pk}/")
    back = page.get_by_role("link", name="All conversations")
    expect(back).to_be_visible()
    back.click()
    expect(page).to_have_url(re.compile(r"/chat/$"))
    expect(page.get_by_role("heading", name="Messages", level=1)).to_be_visible()

    desktop = new_page(viewport=DESKTOP)
    login(desktop, student.email)
    desktop.goto(f"/chat/{conversation.pk}/")
    expect(desktop.get_by_role("link", name="All conversations")).to_be_hidden()  # the list is beside it


def test_payments_stack_as_cards_on_a_phone(new_page, student, teacher, settings):
    course = course_create(teacher=teacher, price="19.50", title="Watercolour basics")
    payment, _url = billing_services.checkout_start(user=student, course=course, base_url="http://testserver")
    customer = billing_services.customer_ensure(user=student)
    billing_services.payment_fulfil(
        payment_id=payment.pk,
        amount=payment.amount,
        currency=payment.currency.lower(),
        customer_id=customer.provider_customer_id,
    )
    page = new_page(viewport=PHONE)
    login(page, student.email)
    page.goto("/billing/history/")
    row = page.get_by_role("row").filter(has_text="Watercolour basics")
    date, amount = row.get_by_role("cell").nth(0), row.get_by_role("cell").nth(2)
    expect(amount).to_contain_text("£19.50")
    # One above the other, each line labelled ("Amount £19.50"), and nothing off the screen.
    assert amount.bounding_box()["y"] > date.bounding_box()["y"] + date.bounding_box()["height"] - 1
    assert amount.evaluate("cell => getComputedStyle(cell, '::before').content") == '"Amount"'
    assert not _scrolls_sideways(page)
    # The column headers are left to screen readers (visually hidden), the cards label their lines.
    header_height = "th => th.closest('thead').getBoundingClientRect().height"
    assert page.get_by_role("columnheader", name="Amount").evaluate(header_height) <= 1

    desktop = new_page(viewport=DESKTOP)
    login(desktop, student.email)
    desktop.goto("/billing/history/")
    row = desktop.get_by_role("row").filter(has_text="Watercolour basics")
    date, amount = row.get_by_role("cell").nth(0), row.get_by_role("cell").nth(2)
    assert abs(amount.bounding_box()["y"] - date.bounding_box()["y"]) < 5  # a table row again
    assert desktop.get_by_role("columnheader", name="Amount").evaluate(header_height) > 10


@pytest.mark.parametrize("path", ["/admin/billing/payment/revenue/", "/admin/billing/payment/payouts/"])
def test_staff_report_tables_scroll_in_their_own_region(new_page, staff_user, path):
    page = new_page(viewport=PHONE)
    login(page, staff_user.email)
    page.goto(path)
    table = page.get_by_role("table")
    region = page.get_by_role("region").filter(has=table)
    assert region.evaluate("el => getComputedStyle(el).overflowX") == "auto"
    # The table is as wide as it needs; the region, not the page, scrolls.
    assert region.evaluate("el => el.getBoundingClientRect().right") <= PHONE["width"]
    assert region.evaluate("el => el.scrollWidth > el.clientWidth")
