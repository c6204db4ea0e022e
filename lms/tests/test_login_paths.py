"""Every sign-in goes through allauth's flow: two-factor codes, rate limits and email
verification hold whichever login URL a password is posted to (issue 16.1)."""

import itertools
import json

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from allauth.socialaccount.providers import registry
from django.test import Client
from django.urls import URLResolver, get_resolver

from lms.models import Role
from lms.tests.factories import PASSWORD, make_user

_addresses = (f"198.51.100.{n}" for n in itertools.count(1))


def _routes(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern))
        else:
            yield prefix + str(pattern.pattern), pattern.name or ""


def login_urls() -> list[str]:
    """Every URL the site serves whose name or path says it signs someone in with a
    password. Not those with a URL argument (Wagtail's page and collection password gates)
    nor the social providers' redirects to Google or a school's OpenID server (no password
    is posted to us; those sign-ins run through allauth's flow)."""
    providers = tuple(f"{provider.id}_" for provider in registry.get_class_list())
    found = set()
    for route, name in _routes(get_resolver().url_patterns):
        text = f"{route} {name}".lower()
        if name.startswith(providers) or "<" in route or "^" in route:
            continue
        if "/mfa/authenticator/" in route or "cancelled" in route or "error" in route:
            continue  # the admin's list of authenticators; allauth's "you cancelled" pages
        if "login" in text or "authenticat" in text:
            found.add("/" + route)
    return sorted(found)


def test_the_login_urls_are_all_found():
    expected = {
        "/accounts/login/",
        "/cms/login/",
        "/admin/login/",
        "/_util/login/",
        "/accounts/2fa/authenticate/",
        "/_allauth/app/v1/auth/login",
    }
    assert expected <= set(login_urls())


# allauth's headless API, where the mobile app signs in for its API tokens (api/tokens.py): JSON.
HEADLESS = "/_allauth/"


def post_password(url: str, email: str, password: str, client: Client):
    # Each form's own field names: allauth's `login`, Django's and Wagtail's `username`.
    data = {"login": email, "username": email, "email": email, "password": password, "remember": "on"}
    if url.startswith(HEADLESS):
        return client.post(url, json.dumps(data), content_type="application/json")
    return client.post(url, data)


def assert_signed_out(client: Client, url: str):
    assert "_auth_user_id" not in client.session, url
    for area in ("/admin/", "/cms/"):
        # Sent on to allauth: its sign-in form, or the two-factor code it is waiting for.
        response = client.get(area, follow=True)
        assert response.redirect_chain, (url, area)
        final = response.redirect_chain[-1][0]
        assert final.startswith(("/accounts/login/", "/accounts/2fa/authenticate/")), (url, area, final)


@pytest.fixture
def staff_with_totp(db):
    user = make_user(Role.STAFF, email="mfa.staff@example.com", is_superuser=True)
    TOTP.activate(user, generate_totp_secret())
    return user


@pytest.mark.parametrize("url", login_urls())
def test_a_password_alone_never_signs_in_a_two_factor_account(url, staff_with_totp):
    client = Client(REMOTE_ADDR=next(_addresses))
    response = post_password(url, staff_with_totp.email, PASSWORD, client)
    assert_signed_out(client, url)
    assert b"access_token" not in response.content


def test_allauth_asks_the_two_factor_account_for_its_code(staff_with_totp):
    client = Client(REMOTE_ADDR=next(_addresses))
    response = post_password("/accounts/login/", staff_with_totp.email, PASSWORD, client)
    assert response.status_code == 302 and response["Location"] == "/accounts/2fa/authenticate/"
    assert_signed_out(client, "/accounts/login/")


@pytest.mark.parametrize("url", login_urls())
def test_wrong_passwords_are_throttled_or_never_checked(url, staff_user):
    client = Client(REMOTE_ADDR=next(_addresses))
    for n in range(40):
        response = post_password(url, staff_user.email, f"wrong-password-{n}", client)
        if url.startswith(HEADLESS):
            assert response.status_code in (400, 401, 403, 409, 429), url  # refused, in JSON
        elif url != "/accounts/login/":
            # A form that takes no password: it sends the visitor on to allauth.
            assert response.status_code == 302 and response["Location"].startswith("/accounts/"), url
    # After 40 wrong guesses the right password through this URL signs nobody in: allauth
    # holds the account's failures (5 per 5 minutes) and the address's attempts (30 a minute).
    response = post_password(url, staff_user.email, PASSWORD, client)
    assert_signed_out(client, url)
    assert b"access_token" not in response.content


def test_allauth_login_throttles_a_guesser(staff_user):
    client = Client(REMOTE_ADDR=next(_addresses))
    statuses = [
        post_password("/accounts/login/", staff_user.email, f"wrong-password-{n}", client).status_code
        for n in range(40)
    ]
    assert 429 in statuses
    assert post_password("/accounts/login/", staff_user.email, PASSWORD, client).status_code == 429
    assert_signed_out(client, "/accounts/login/")


@pytest.mark.parametrize("url", login_urls())
def test_an_unverified_account_cannot_sign_in_anywhere(url, db):
    user = make_user(Role.STAFF, email="unverified.staff@example.com", is_superuser=True)
    EmailAddress.objects.filter(user=user).update(verified=False)
    client = Client(REMOTE_ADDR=next(_addresses))
    response = post_password(url, user.email, PASSWORD, client)
    assert_signed_out(client, url)
    assert b"access_token" not in response.content


def test_the_old_login_urls_send_visitors_to_allauth(db):
    client = Client()
    assert client.get("/cms/login/?next=/cms/pages/")["Location"] == "/accounts/login/?next=/cms/pages/"
    assert client.get("/admin/login/?next=/admin/lms/user/")["Location"] == "/accounts/login/?next=/admin/lms/user/"
    assert client.get("/_util/login/?next=/private/")["Location"] == "/accounts/login/?next=/private/"
    # Somewhere else entirely is not a place to be sent back to.
    assert client.get("/cms/login/?next=https://evil.example/")["Location"] == "/accounts/login/?next=/cms/"


def test_a_verified_account_without_two_factor_still_signs_in_through_allauth(staff_user):
    client = Client(REMOTE_ADDR=next(_addresses))
    response = post_password("/accounts/login/?next=/admin/", staff_user.email, PASSWORD, client)
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200
    # Signed in, the old login URLs just pass through.
    assert client.get("/admin/login/?next=/admin/")["Location"] == "/admin/"
    assert client.get("/cms/login/")["Location"] == "/cms/"


@pytest.mark.parametrize("url", ["/accounts/google/login/", "/accounts/google/login/callback/"])
def test_a_sign_in_provider_that_is_not_configured_has_no_pages(client, db, url):
    # With no GOOGLE_CLIENT_ID the provider's pages were a 500 (no app to sign in with).
    assert client.get(url).status_code == 404
