"""In chromium: the API's docs page (Swagger UI from this server) shows the operations, with
the site's Content-Security-Policy on, and lets a reader try the catalog."""

import pytest

from courses.tests.factories import make_course
from lms.tests.test_e2e_csp import visit, watched_page

pytestmark = pytest.mark.browser


def test_the_docs_page_lists_the_api_and_tries_it(new_page, teacher):
    make_course(teacher, title="Statistics for Everyone", modules=1, lessons=1)
    page, console = watched_page(new_page)
    violations = visit(page, "/api/v1/docs/", console)
    page.get_by_text("Lyceum API").first.wait_for()
    operation = page.locator("#operations-courses-courses_list")
    operation.wait_for()
    assert violations == []

    operation.get_by_role("button").first.click()
    page.get_by_role("button", name="Try it out").click()
    page.get_by_role("button", name="Execute").click()
    page.locator(".live-responses-table").get_by_text("Statistics for Everyone").first.wait_for()
