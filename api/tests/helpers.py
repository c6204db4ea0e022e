import json

from django.test import Client

from lms.tests.factories import PASSWORD

LOGIN = "/_allauth/app/v1/auth/login"
REFRESH = "/_allauth/app/v1/tokens/refresh"
SESSION = "/_allauth/app/v1/auth/session"
TWO_FACTOR = "/_allauth/app/v1/auth/2fa/authenticate"


def post_json(client: Client, url: str, data: dict | None = None, **headers):
    return client.post(url, json.dumps(data or {}), content_type="application/json", **headers)


def app_sign_in(client: Client, user, password: str = PASSWORD) -> dict:
    """Sign in as the mobile app does: the tokens allauth's headless API answers with."""
    response = post_json(client, LOGIN, {"email": user.email, "password": password})
    assert response.status_code == 200, response.content
    return response.json()["meta"]


def bearer(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}
