"""The header's menus open above the page, on the home page's hero too, at desktop and
phone widths, and show no disclosure triangle (issue 18, item 2)."""

import re

import pytest
from playwright.sync_api import expect

from lms.models import Role
from lms.tests.e2e import login
from lms.tests.factories import make_user

pytestmark = pytest.mark.browser


def test_the_account_menu_opens_over_the_hero_and_logs_out(new_page):
    student = make_user(Role.STUDENT, email="student@example.com", display_name="Sam Student")
    page = new_page(viewport={"width": 1280, "height": 800})
    login(page, student.email)
    page.goto("/")
    menu = page.get_by_label("Account menu for Sam Student")
    assert menu.evaluate("summary => getComputedStyle(summary).listStyleType") == "none"
    menu.click()
    # Playwright clicks only what is on top at the button's centre: under the hero it waits and fails.
    page.get_by_role("button", name="Log out").click(timeout=3_000)
    expect(page.get_by_role("link", name="Log in")).to_be_visible()


def test_the_phone_menu_opens_over_the_hero_without_a_triangle(new_page):
    page = new_page(viewport={"width": 390, "height": 844})
    page.goto("/")
    menu = page.get_by_label("Menu", exact=True)
    assert menu.evaluate("summary => getComputedStyle(summary).listStyleType") == "none"
    menu.click()
    page.get_by_role("navigation", name="Mobile").get_by_role("link", name="Teachers").click(timeout=3_000)
    expect(page).to_have_url(re.compile(r"/teachers/$"))
