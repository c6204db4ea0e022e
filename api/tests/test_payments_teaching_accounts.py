"""Payments, receipts and checkout; teaching (students, analytics, availability); and staff's
accounts — over the API, on the site's own rules."""

import json

import pytest
from allauth.account.models import EmailAddress
from django.test import Client

from api.services import personal_token_create
from api.tests.helpers import bearer
from billing.models import Payment
from courses import services as course_services
from courses.tests.factories import make_course
from live.models import WeeklyHours
from lms.models import AuditLogEntry, User
from lms.tests.factories import PASSWORD


def _api(user, scope="write") -> Client:
    return Client(**bearer(personal_token_create(user=user, name="Tests", scope=scope)[1]))


def _post(client, url, data=None, **headers):
    return client.post(url, json.dumps(data or {}), content_type="application/json", **headers)


@pytest.fixture
def test_provider(settings):
    """No Stripe key: the built-in test payment provider (its page is on this site)."""
    settings.STRIPE_SECRET_KEY = ""
    settings.STRIPE_WEBHOOK_SECRET = ""


def test_a_student_buys_a_course_and_downloads_the_receipt(test_provider, student, teacher, other_teacher, staff_user):
    course = make_course(teacher, title="Paid Python", price="25")
    api = _api(student)
    checkout = _post(api, f"/api/v1/courses/{course.pk}/checkout/", HTTP_IDEMPOTENCY_KEY="buy-1")
    assert checkout.status_code == 201, checkout.content
    url = checkout.json()["checkout_url"]
    assert url.startswith("http://testserver/billing/test-checkout/")
    again = _post(api, f"/api/v1/courses/{course.pk}/checkout/", HTTP_IDEMPOTENCY_KEY="buy-1")
    assert again.json() == checkout.json() and Payment.objects.count() == 1
    assert api.get("/api/v1/payments/").json()["results"] == []  # not paid yet: nothing to show

    browser = Client()  # the student pays on the provider's page, in a browser
    browser.login(email=student.email, password=PASSWORD)
    browser.post(url.removeprefix("http://testserver"), {"action": "pay"})

    payments = api.get("/api/v1/payments/").json()["results"]
    assert [(p["description"], p["status"], p["amount"], p["currency"]) for p in payments] == [
        ("Paid Python", "succeeded", 2500, "GBP")
    ]
    receipt_url = payments[0]["receipt"]["pdf"]
    pdf = api.get(receipt_url)
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert _api(other_teacher).get(receipt_url).status_code == 404
    assert _api(staff_user).get(receipt_url).status_code == 200
    assert Client().get(receipt_url).status_code == 401

    owned = _post(api, f"/api/v1/courses/{course.pk}/checkout/")
    assert owned.status_code == 409 and "already have access" in owned.json()["detail"]


def test_a_free_course_is_not_bought(test_provider, student, teacher):
    course = make_course(teacher, title="Free")
    refused = _post(_api(student), f"/api/v1/courses/{course.pk}/checkout/")
    assert refused.status_code == 409 and Payment.objects.count() == 0


def test_teachers_see_their_courses_students_and_analytics(student, teacher, other_teacher, staff_user):
    course = make_course(teacher, title="Algebra")
    course_services.course_enroll(student=student, course=course)
    api = _api(teacher)
    teaching = api.get("/api/v1/teaching/").json()
    assert [(c["title"], c["students"]) for c in teaching["courses"]] == [("Algebra", 1)]
    assert teaching["classes_held"] == 0

    students = api.get(f"/api/v1/courses/{course.pk}/students/").json()
    assert [(s["name"], s["lessons_done"], s["lessons_total"], s["percent"]) for s in students] == [
        ("Sam Student", 0, 4, 0)
    ]
    analytics = api.get(f"/api/v1/courses/{course.pk}/analytics/").json()
    assert (analytics["enrolments"], analytics["active"], len(analytics["weekly"])) == (1, 1, 12)
    for outsider in (student, other_teacher):
        refused = _api(outsider).get(f"/api/v1/courses/{course.pk}/students/")
        assert refused.status_code == 403 and refused.json()["detail"] == "You do not teach this course."
    assert _api(staff_user).get(f"/api/v1/courses/{course.pk}/analytics/").status_code == 200


def test_a_teacher_edits_availability_and_weekly_hours(teacher, other_teacher, student):
    api = _api(teacher)
    current = api.get("/api/v1/availability/").json()
    assert current["weekly_hours"] == [] and current["time_zone"] == teacher.time_zone
    settings_ = {
        "accepting": True,
        "class_minutes": 45,
        "buffer_minutes": 10,
        "min_notice_hours": 12,
        "max_days_ahead": 30,
    }
    changed = api.put("/api/v1/availability/", json.dumps(settings_), content_type="application/json")
    assert changed.status_code == 200 and changed.json()["class_minutes"] == 45
    bad = api.put(
        "/api/v1/availability/", json.dumps({**settings_, "class_minutes": 17}), content_type="application/json"
    )
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "class_minutes"
    notice = api.put(
        "/api/v1/availability/", json.dumps({**settings_, "min_notice_hours": 1}), content_type="application/json"
    )
    assert notice.status_code == 409 and "minimum notice" in notice.json()["detail"]

    added = _post(api, "/api/v1/availability/hours/", {"weekday": 0, "start_time": "09:00", "end_time": "12:00"})
    assert added.status_code == 201
    overlap = _post(api, "/api/v1/availability/hours/", {"weekday": 0, "start_time": "11:00", "end_time": "13:00"})
    assert overlap.status_code == 409 and "overlap" in overlap.json()["detail"]
    assert [h["start_time"] for h in api.get("/api/v1/availability/").json()["weekly_hours"]] == ["09:00:00"]

    hours_url = f"/api/v1/availability/hours/{added.json()['id']}/"
    assert _api(other_teacher).delete(hours_url).status_code == 404
    assert api.delete(hours_url).status_code == 204
    assert not WeeklyHours.objects.exists()
    assert _api(student).get("/api/v1/availability/").status_code == 403


def test_staff_provision_an_account_who_is_emailed_and_chooses_a_password(
    staff_user, mailoutbox, django_capture_on_commit_callbacks
):
    api = _api(staff_user)
    with django_capture_on_commit_callbacks(execute=True):
        made = _post(
            api, "/api/v1/users/", {"email": "New.Pupil@School.example", "name": "Nia Pupil", "role": "student"}
        )
    assert made.status_code == 201, made.content
    user = User.objects.get(email__iexact="new.pupil@school.example")
    assert (user.role, user.has_usable_password(), user.is_active) == ("student", False, True)
    assert EmailAddress.objects.get(user=user).verified
    assert AuditLogEntry.objects.filter(action="user.provision", actor=staff_user).count() == 1
    assert [m.to for m in mailoutbox] == [[user.email]] and "Forgot password" in mailoutbox[0].body

    duplicate = _post(api, "/api/v1/users/", {"email": "new.pupil@school.example", "name": "Again", "role": "student"})
    assert duplicate.status_code == 409
    assert duplicate.json()["detail"] == "There is already an account with this address."
    staff = _post(api, "/api/v1/users/", {"email": "boss@school.example", "name": "Boss", "role": "staff"})
    assert staff.status_code == 400 and User.objects.filter(email="boss@school.example").count() == 0
    found = api.get("/api/v1/users/?email=NEW.PUPIL@school.example").json()["results"]
    assert [account["id"] for account in found] == [user.pk]


def test_deactivating_an_account_ends_its_tokens_at_once(staff_user, student, teacher):
    students_api = _api(student)
    assert students_api.get("/api/v1/me/").status_code == 200
    assert _post(_api(teacher), f"/api/v1/users/{student.pk}/deactivate/").status_code == 403

    done = _post(_api(staff_user), f"/api/v1/users/{student.pk}/deactivate/")
    assert done.status_code == 200 and done.json()["is_active"] is False
    assert students_api.get("/api/v1/me/").status_code == 401
    own = _post(_api(staff_user), f"/api/v1/users/{staff_user.pk}/deactivate/")
    assert own.status_code == 403 and User.objects.get(pk=staff_user.pk).is_active


def test_the_teacher_directory_finds_tutors_as_teachers_page_does(teacher, other_teacher, student):
    from tutors.tests.factories import offer, taxonomy

    found = taxonomy()
    offer(teacher)
    offer(other_teacher, subjects=[found["physics"]], rate_60=5000)
    everyone = Client().get("/api/v1/teachers/?sort=price").json()
    assert [(t["name"], t["rate_60"], t["currency"]) for t in everyone["results"]] == [
        ("Tess Teacher", 3500, "GBP"),
        ("Otto Other", 5000, "GBP"),
    ]
    assert everyone["count"] == 2 and everyone["next"] is None
    tess = everyone["results"][0]
    assert tess["subjects"] == ["Mathematics"] and tess["trial_price"] == 1000
    assert tess["url"] == f"http://testserver/teachers/{tess['slug']}/"
    assert Client().get(f"/api/v1/teachers/{tess['slug']}/slots/").status_code == 200

    physics = _api(student).get("/api/v1/teachers/?subject=physics").json()["results"]
    assert [t["name"] for t in physics] == ["Otto Other"]
    assert physics[0]["reasons"]  # "recommended" explains itself
    cheap = Client().get("/api/v1/teachers/?price_max=40").json()["results"]
    assert [t["name"] for t in cheap] == ["Tess Teacher"]
    bad = Client().get("/api/v1/teachers/?when=midnight&sort=cheapest")
    assert bad.status_code == 400 and {e["field"] for e in bad.json()["errors"]} == {"when", "sort"}
