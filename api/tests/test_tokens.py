"""How apps and integrations sign in to the API, and how their tokens end."""

import time_machine
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.test import Client
from django.utils import timezone

from api.models import PersonalAccessToken
from api.services import personal_token_create
from api.tests.helpers import LOGIN, REFRESH, SESSION, TWO_FACTOR, app_sign_in, bearer, post_json
from lms.models import AuditLogEntry
from lms.tests.factories import PASSWORD

ME = "/api/v1/me/"


def test_an_app_signs_in_with_a_password_and_reads_with_its_access_token(student):
    client = Client()
    tokens = app_sign_in(client, student)
    response = Client().get(ME, **bearer(tokens["access_token"]))
    assert response.status_code == 200
    assert response.json()["email"] == student.email


def test_a_wrong_password_gets_no_tokens(student):
    response = post_json(Client(), LOGIN, {"email": student.email, "password": "wrong-password-1"})
    assert response.status_code == 400
    assert "access_token" not in response.content.decode()


def test_the_access_token_expires_after_five_minutes(student):
    tokens = app_sign_in(Client(), student)
    with time_machine.travel(timezone.now() + timezone.timedelta(minutes=6)):
        response = Client().get(ME, **bearer(tokens["access_token"]))
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"


def test_a_refresh_token_turns_into_a_new_pair_once(student):
    tokens = app_sign_in(Client(), student)
    response = post_json(Client(), REFRESH, {"refresh_token": tokens["refresh_token"]})
    assert response.status_code == 200
    fresh = response.json()["data"]
    assert fresh["refresh_token"] != tokens["refresh_token"]
    assert Client().get(ME, **bearer(fresh["access_token"])).status_code == 200


def test_a_spent_refresh_token_used_again_revokes_every_token_of_that_sign_in(student):
    tokens = app_sign_in(Client(), student)
    fresh = post_json(Client(), REFRESH, {"refresh_token": tokens["refresh_token"]}).json()["data"]

    # Someone replays the first refresh token (it was copied): refused, and the family ends.
    replay = post_json(Client(), REFRESH, {"refresh_token": tokens["refresh_token"]})
    assert replay.status_code != 200
    assert Client().get(ME, **bearer(fresh["access_token"])).status_code == 401
    assert post_json(Client(), REFRESH, {"refresh_token": fresh["refresh_token"]}).status_code != 200
    assert AuditLogEntry.objects.filter(action="api.refresh_token_replayed", actor=student).count() == 1


def test_another_sign_in_survives_a_replay_in_this_one(student):
    phone, tablet = app_sign_in(Client(), student), app_sign_in(Client(), student)
    post_json(Client(), REFRESH, {"refresh_token": phone["refresh_token"]})
    post_json(Client(), REFRESH, {"refresh_token": phone["refresh_token"]})
    assert Client().get(ME, **bearer(tablet["access_token"])).status_code == 200


def test_signing_out_ends_both_tokens(student):
    tokens = app_sign_in(Client(), student)
    response = Client().delete(SESSION, **bearer(tokens["access_token"]))
    assert response.status_code == 401  # allauth: "not signed in any more"
    assert Client().get(ME, **bearer(tokens["access_token"])).status_code == 401
    assert post_json(Client(), REFRESH, {"refresh_token": tokens["refresh_token"]}).status_code != 200


def test_a_password_change_ends_the_app_tokens(student):
    tokens = app_sign_in(Client(), student)
    student.set_password("a-brand-new-passphrase")
    student.save()
    assert Client().get(ME, **bearer(tokens["access_token"])).status_code == 401
    assert post_json(Client(), REFRESH, {"refresh_token": tokens["refresh_token"]}).status_code != 200


def test_deactivation_ends_app_tokens_and_personal_tokens(student):
    tokens = app_sign_in(Client(), student)
    _token, raw = personal_token_create(user=student, name="Sync", scope="read")
    student.is_active = False
    student.save()
    assert Client().get(ME, **bearer(tokens["access_token"])).status_code == 401
    assert post_json(Client(), REFRESH, {"refresh_token": tokens["refresh_token"]}).status_code != 200
    assert Client().get(ME, **bearer(raw)).status_code == 401


def test_a_two_factor_account_needs_its_code_before_any_token(student):
    secret = generate_totp_secret()
    TOTP.activate(student, secret)
    client = Client()
    response = post_json(client, LOGIN, {"email": student.email, "password": PASSWORD})
    assert response.status_code == 401
    body = response.json()
    assert "access_token" not in body["meta"]
    assert any(flow["id"] == "mfa_authenticate" and flow.get("is_pending") for flow in body["data"]["flows"])

    wrong = post_json(client, TWO_FACTOR, {"code": "000000"}, HTTP_X_SESSION_TOKEN=body["meta"]["session_token"])
    assert wrong.status_code == 400
    code = format_hotp_value(hotp_value(secret, int(timezone.now().timestamp()) // 30))
    right = post_json(client, TWO_FACTOR, {"code": code}, HTTP_X_SESSION_TOKEN=body["meta"]["session_token"])
    assert right.status_code == 200
    assert Client().get(ME, **bearer(right.json()["meta"]["access_token"])).status_code == 200


# --- Personal access tokens -------------------------------------------------------------------


def test_a_personal_token_is_shown_once_and_kept_only_as_a_digest(student):
    client = Client()
    app = app_sign_in(client, student)
    response = post_json(
        Client(), "/api/v1/tokens/", {"name": "Grades sync", "scope": "write"}, **bearer(app["access_token"])
    )
    assert response.status_code == 201
    raw = response.json()["token"]
    assert raw.startswith("lyc_pat_")
    stored = PersonalAccessToken.objects.get()
    assert raw not in (stored.digest, stored.prefix) and stored.prefix == raw[:12]
    listed = Client().get("/api/v1/tokens/", **bearer(app["access_token"])).json()
    assert [token["name"] for token in listed] == ["Grades sync"] and "token" not in listed[0]
    assert Client().get(ME, **bearer(raw)).json()["id"] == student.pk


def test_a_read_only_token_reads_but_never_writes(student, teacher):
    from courses.tests.factories import make_course

    course = make_course(teacher)
    _token, raw = personal_token_create(user=student, name="Reader", scope="read")
    assert Client().get("/api/v1/enrolments/", **bearer(raw)).status_code == 200
    response = Client().post(f"/api/v1/courses/{course.pk}/enrolment/", **bearer(raw))
    assert response.status_code == 403
    assert "read only" in response.json()["detail"]
    assert not student.enrollments.exists()


def test_a_personal_token_cannot_make_or_revoke_tokens(student):
    token, raw = personal_token_create(user=student, name="Leaky", scope="write")
    assert post_json(Client(), "/api/v1/tokens/", {"name": "More"}, **bearer(raw)).status_code == 403
    assert Client().delete(f"/api/v1/tokens/{token.pk}/", **bearer(raw)).status_code == 403
    assert PersonalAccessToken.objects.filter(revoked_at=None).count() == 1


def test_revoked_and_expired_personal_tokens_stop_working(student):
    revoked, revoked_raw = personal_token_create(user=student, name="Old", scope="read")
    _expiring, expiring_raw = personal_token_create(user=student, name="Week", scope="read", expires_in_days=7)
    app = app_sign_in(Client(), student)
    assert Client().delete(f"/api/v1/tokens/{revoked.pk}/", **bearer(app["access_token"])).status_code == 204
    assert Client().get(ME, **bearer(revoked_raw)).status_code == 401
    assert Client().get(ME, **bearer(expiring_raw)).status_code == 200
    with time_machine.travel(timezone.now() + timezone.timedelta(days=8)):
        assert Client().get(ME, **bearer(expiring_raw)).status_code == 401
    assert AuditLogEntry.objects.filter(action="api.token_revoked", actor=student).count() == 1


def test_nobody_revokes_someone_elses_token(student, teacher):
    token, raw = personal_token_create(user=teacher, name="Teacher's", scope="read")
    app = app_sign_in(Client(), student)
    assert Client().delete(f"/api/v1/tokens/{token.pk}/", **bearer(app["access_token"])).status_code == 404
    assert Client().get(ME, **bearer(raw)).status_code == 200


def test_a_made_up_personal_token_is_refused(student):
    response = Client().get(ME, **bearer("lyc_pat_not-a-real-token"))
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"


def test_bad_token_requests_are_answered_with_field_errors(student):
    app = app_sign_in(Client(), student)
    response = post_json(Client(), "/api/v1/tokens/", {"name": "", "scope": "admin"}, **bearer(app["access_token"]))
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert {error["field"] for error in response.json()["errors"]} == {"name", "scope"}
    assert not PersonalAccessToken.objects.exists()
