"""Browser tests: Debian's chromium, driven by Playwright, against uvicorn."""

import re
import time

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

from lms.models import AuditLogEntry, Role, User
from lms.tests.e2e import login

pytestmark = pytest.mark.browser


def totp_now(secret: str, *, fresh_after: int | None = None) -> tuple[str, int]:
    """The current code, waiting for a new 30 s window if `fresh_after` was already used."""
    counter = int(time.time()) // 30
    while fresh_after is not None and counter <= fresh_after:
        time.sleep(1)
        counter = int(time.time()) // 30
    return format_hotp_value(hotp_value(secret, counter)), counter


def test_sign_up_confirm_and_land_on_the_student_dashboard(new_page, asgi_server):
    page = new_page()
    page.goto("/")
    page.get_by_role("link", name="Sign up").click()
    page.get_by_label("Email").fill("ada@example.com")
    page.get_by_label("Your name").fill("Ada Student")
    page.get_by_label("Time zone").select_option("Europe/Paris")
    page.get_by_label(re.compile(r"^Password(?! \(again\))")).fill("a-Very-good-passphrase")
    page.get_by_label("Password (again)").fill("a-Very-good-passphrase")
    page.get_by_role("button", name="Sign up", exact=True).click()
    page.get_by_text("We have sent an email to you for verification").wait_for()

    [confirmation] = [m for m in asgi_server.emails() if "Confirm" in m["Subject"]]
    link = re.search(r"https?://[^\s]+/accounts/confirm-email/[^\s]+/", confirmation.get_payload()).group(0)
    page.goto(link.replace("http://testserver", asgi_server.url))
    page.get_by_role("button", name="Confirm").click()

    page.wait_for_url("**/dashboard/student/")
    assert page.get_by_role("heading", name="Welcome back, Ada Student").is_visible()
    user = User.objects.get(email="ada@example.com")
    assert (user.role, user.time_zone) == (Role.STUDENT, "Europe/Paris")
    assert any(m["Subject"] == "Welcome to Lyceum, Ada Student" for m in asgi_server.emails())


def test_enable_two_factor_and_log_in_with_a_code(new_page, student):
    page = new_page()
    login(page, student.email)
    page.goto("/accounts/2fa/")
    page.get_by_role("link", name="Activate").first.click()
    # allauth asks for the password again before a security change.
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Confirm").click()
    secret = page.get_by_label("Authenticator secret").input_value()
    code, used = totp_now(secret)
    page.get_by_label("Authenticator code").fill(code)
    page.get_by_role("button", name="Activate").click()
    page.get_by_text("Recovery Codes").first.wait_for()

    page.get_by_label(re.compile("Account menu")).click()
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(re.compile(r"/$"))

    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(student.email)
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Log in", exact=True).click()
    page.get_by_label("Code").fill("000000")
    page.get_by_role("button", name="Log in", exact=True).click()
    assert page.get_by_text("Incorrect code.").is_visible()

    code, _ = totp_now(secret, fresh_after=used)
    page.get_by_label("Code").fill(code)
    page.get_by_role("button", name="Log in", exact=True).click()
    page.wait_for_url("**/dashboard/student/")


def test_staff_promote_a_student_and_the_audit_log_shows_it(new_page, superuser, student):
    page = new_page()
    login(page, superuser.email)
    page.goto("/admin/lms/user/")
    page.get_by_role("row", name=re.compile(student.email)).get_by_role("checkbox").check()
    page.get_by_label("Action:").select_option(label="Make selected users teachers")
    page.get_by_role("button", name="Go").click()
    page.get_by_text("1 user is now a teacher.").wait_for()

    page.goto("/admin/lms/auditlogentry/")
    row = page.get_by_role("row", name=re.compile("role.change"))
    assert "'student' → 'teacher'" in row.inner_text()
    assert "Sam Student" in row.inner_text()
    student.refresh_from_db()
    assert student.role == Role.TEACHER
    assert AuditLogEntry.objects.filter(action="role.change", actor=superuser).count() == 1
