"""In chromium, with the Content-Security-Policy on: the main pages of the site, the CMS and
the staff portal report no violation (issue 16.12)."""

import pytest

from billing.tests.factories import course_create
from chat.services import conversation_start
from courses.services import enrollment_create
from lms.tests.e2e import login

pytestmark = pytest.mark.browser

# Each violation the page reports is kept on `window` until the test reads it.
LISTEN = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
});
"""


def visit(page, path: str, console: list[str]) -> list[str]:
    page.goto(path)
    page.wait_for_load_state("networkidle")
    return [f"{path}: {v}" for v in page.evaluate("window.__cspViolations")] + [
        f"{path}: {m}" for m in console if "Content Security Policy" in m
    ]


def watched_page(new_page):
    page = new_page()
    page.add_init_script(LISTEN)
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    return page, console


def test_main_pages_report_no_csp_violation(new_page, student, teacher, superuser):
    course = course_create(teacher=teacher, price="0")
    enrollment_create(student=student, course=course, source="staff")
    conversation = conversation_start(user=student, other=teacher)
    lesson = course.get_descendants().live().last().specific

    violations = []
    page, console = watched_page(new_page)
    for path in ("/", "/accounts/login/", "/accounts/signup/", "/teachers/", "/billing/plans/", course.url):
        violations += visit(page, path, console)
    login(page, student.email)
    for path in (
        "/dashboard/student/",
        lesson.url,
        conversation.get_absolute_url(),
        "/notifications/",
        "/profile/",
        "/live/settings/",
        "/accounts/2fa/",
        f"/teachers/{teacher.teacher_profile.slug}/",
    ):
        violations += visit(page, path, console)

    staff, staff_console = watched_page(new_page)
    login(staff, superuser.email)
    cms = ("/cms/", "/cms/pages/", f"/cms/pages/{course.pk}/edit/", "/cms/documents/")
    for path in (*cms, "/admin/", "/admin/lms/user/"):
        violations += visit(staff, path, staff_console)
    assert violations == []


def test_an_injected_inline_script_is_refused(new_page, student):
    page, _console = watched_page(new_page)
    page.goto("/accounts/login/")
    page.evaluate(
        """() => {
        const script = document.createElement("script");
        script.textContent = "window.__injected = true";
        document.head.appendChild(script);
        }"""
    )
    assert page.evaluate("window.__injected") is None
    assert any(v.startswith("script-src") for v in page.evaluate("window.__cspViolations"))
