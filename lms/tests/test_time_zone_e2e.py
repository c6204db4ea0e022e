"""A visitor who is not signed in sees times in their browser's zone from the first page, and
the page says which zone it shows (issue 18, item 7)."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("zone", ["America/Los_Angeles", "Asia/Kolkata"])
def test_a_visitors_first_page_is_in_their_browsers_zone(new_page, zone):
    page = new_page(timezone_id=zone)
    page.goto("/courses/")
    # The name the browser reports (Chromium says Asia/Calcutta for Asia/Kolkata: the same zone).
    reported = page.evaluate("Intl.DateTimeFormat().resolvedOptions().timeZone")
    assert reported in {zone, "Asia/Calcutta"}
    expect(page.locator("footer")).to_contain_text(f"Times are shown in {reported}.")
    # The next page is rendered in the zone straight away.
    page.goto("/teachers/")
    expect(page.locator("html")).to_have_attribute("data-visitor-time-zone", reported)
