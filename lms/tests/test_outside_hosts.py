"""The site and its admin load nothing from outside hosts (issue 16.14): no gravatar, no
Wagtail release check, no CDN fonts or scripts — it must work with no network at all."""

import re

from django.test import Client

from lms.models import Role
from lms.tests.factories import make_user

# Anything the browser would fetch by itself: scripts, styles, images, frames, fonts.
FETCHED = re.compile(
    r"<(?:script|img|iframe|source|video|audio)\b[^>]*\bsrc=\"([^\"]+)\""
    r"|<link\b[^>]*\bhref=\"([^\"]+)\""
    r"|url\(['\"]?([^'\")]+)",
    re.IGNORECASE,
)


def outside_fetches(html: str) -> list[str]:
    urls = [next(filter(None, match.groups())) for match in FETCHED.finditer(html)]
    return [url for url in urls if url.startswith(("http:", "https:", "//"))]


def test_the_cms_dashboard_calls_no_outside_host(superuser):
    client = Client()
    client.force_login(superuser)
    html = client.get("/cms/").content.decode()
    assert "gravatar" not in html
    assert 'data-controller="w-upgrade' not in html  # the release check's panel
    assert outside_fetches(html) == []
    for path in ("/cms/pages/", "/cms/documents/", "/cms/images/", "/cms/account/"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "gravatar" not in response.content.decode() and outside_fetches(response.content.decode()) == [], path


def test_the_site_and_staff_portal_call_no_outside_host(superuser, db):
    student = make_user(Role.STUDENT)
    for user, paths in (
        (None, ("/", "/accounts/login/", "/accounts/signup/", "/teachers/", "/billing/plans/")),
        (student, ("/dashboard/student/", "/notifications/", "/profile/", "/chat/")),
        (superuser, ("/admin/", "/admin/lms/user/")),
    ):
        client = Client()
        if user is not None:
            client.force_login(user)
        for path in paths:
            response = client.get(path, follow=True)
            assert response.status_code == 200, path
            assert outside_fetches(response.content.decode()) == [], path
