"""The profile's API tokens page: make a token, see it once, use it, revoke it."""

import pytest
from django.test import Client

from api.models import PersonalAccessToken
from api.services import personal_token_create
from api.tests.helpers import bearer

URL = "/profile/api-tokens/"


@pytest.mark.parametrize("role", ["student", "teacher", "other_teacher", "staff_user"])
def test_every_signed_in_person_has_the_page(role, request):
    client = Client()
    client.force_login(request.getfixturevalue(role))
    response = client.get(URL)
    assert response.status_code == 200
    assert "Make a token" in response.content.decode()


def test_visitors_are_sent_to_sign_in(db):
    response = Client().get(URL)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert Client().post("/profile/api-tokens/1/revoke/").status_code == 302


def test_a_new_token_is_shown_once_and_works(student):
    client = Client()
    client.force_login(student)
    response = client.post(URL, {"name": "Gradebook sync", "scope": "read", "expires_in_days": "30"}, follow=True)
    page = response.content.decode()
    token = PersonalAccessToken.objects.get(user=student)
    raw = page.split('id="new-token"')[1].split('value="')[1].split('"')[0]
    assert raw.startswith("lyc_pat_") and token.prefix == raw[:12]
    assert "Copy it now" in page and "Gradebook sync" in page
    assert Client().get("/api/v1/me/", **bearer(raw)).json()["email"] == student.email
    # Reloading never shows it again (nor makes another).
    again = client.get(URL).content.decode()
    assert raw not in again and PersonalAccessToken.objects.count() == 1


def test_a_token_without_a_name_is_refused_with_a_message(student):
    client = Client()
    client.force_login(student)
    response = client.post(URL, {"name": "", "scope": "read"})
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert not PersonalAccessToken.objects.exists()


def test_revoking_ends_the_token_and_only_your_own(student, teacher):
    mine, raw = personal_token_create(user=student, name="Mine", scope="read")
    theirs, their_raw = personal_token_create(user=teacher, name="Theirs", scope="read")
    client = Client()
    client.force_login(student)
    assert client.post(f"/profile/api-tokens/{theirs.pk}/revoke/").status_code == 404
    response = client.post(f"/profile/api-tokens/{mine.pk}/revoke/", follow=True)
    assert "is revoked" in response.content.decode()
    assert Client().get("/api/v1/me/", **bearer(raw)).status_code == 401
    assert Client().get("/api/v1/me/", **bearer(their_raw)).status_code == 200


def test_the_forms_need_the_csrf_token(student):
    client = Client(enforce_csrf_checks=True)
    client.force_login(student)
    assert client.post(URL, {"name": "Sneaky", "scope": "write"}).status_code == 403
    assert not PersonalAccessToken.objects.exists()


def test_the_site_session_calls_the_api_with_csrf(student):
    """The site's own scripts use the API with the session, and CSRF guards their writes."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(student)
    assert client.get("/api/v1/tokens/").status_code == 200
    refused = client.post("/api/v1/tokens/", {"name": "X"}, content_type="application/json")
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]
