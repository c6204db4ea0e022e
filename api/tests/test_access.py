"""Who may call what: every endpoint of /api/v1/, as each role (the API's own access matrix,
decided by the same domain functions as the site's pages)."""

import json

import pytest
from django.test import Client

from api.services import personal_token_create
from api.tests.helpers import bearer
from chat import services as chat_services
from courses import services as course_services
from courses.tests.factories import QUIZ_ANSWERS_RIGHT, lessons_of, make_course
from live import selectors as live_selectors
from live import services as live_services
from live.tests.factories import availability_set
from lms.models import Role
from lms.services import notify
from lms.tests.factories import make_user
from push import services as push_services

ROLES = ("anonymous", "student", "enrolled", "owning_teacher", "other_teacher", "staff")


@pytest.fixture
def world(student, teacher, other_teacher, staff_user, settings):
    settings.STRIPE_SECRET_KEY = ""  # the built-in test payment provider
    course = make_course(teacher)
    enrolled = make_user(Role.STUDENT, email="enrolled@example.com", display_name="Erin Enrolled")
    course_services.course_enroll(student=enrolled, course=course)
    lessons = lessons_of(course)
    users = {
        "student": student,
        "enrolled": enrolled,
        "owning_teacher": teacher,
        "other_teacher": other_teacher,
        "staff": staff_user,
    }
    tokens = {role: personal_token_create(user=user, name="Matrix", scope="write")[1] for role, user in users.items()}
    paid = make_course(teacher, title="Paid", price="20")
    return {"course": course, "paid": paid, "lessons": lessons, "users": users, "tokens": tokens}


def _pending_class(world):
    """A request from the (unenrolled) student to the owning teacher, answered by nobody yet."""
    teacher = world["users"]["owning_teacher"]
    availability_set(teacher, zone="UTC", hours=[(day, "00:00", "23:30") for day in range(7)], class_minutes=30)
    start = live_selectors.teacher_free_slots(teacher=teacher)[0].start
    return live_services.booking_request(student=world["users"]["student"], teacher=teacher, start=start)


def call(world, role, method, url, data=None):
    headers = bearer(world["tokens"][role]) if role != "anonymous" else {}
    if method in ("post", "patch"):
        return getattr(Client(), method)(url, json.dumps(data or {}), content_type="application/json", **headers)
    return getattr(Client(), method)(url, **headers)


# (method, url template, expected status per role in ROLES order)
MATRIX = [
    ("get", "/api/v1/courses/", (200, 200, 200, 200, 200, 200)),
    ("get", "/api/v1/courses/{course}/", (200, 200, 200, 200, 200, 200)),
    ("get", "/api/v1/courses/{unpublished}/", (404, 404, 404, 404, 404, 404)),
    # Only students (and staff) enrol; enrolling again answers with the same enrolment.
    ("post", "/api/v1/courses/{course}/enrolment/", (401, 201, 200, 409, 409, 201)),
    ("post", "/api/v1/courses/{paid}/enrolment/", (401, 409, 409, 409, 409, 409)),
    ("get", "/api/v1/lessons/{preview}/", (200, 200, 200, 200, 200, 200)),
    ("get", "/api/v1/lessons/{lesson}/", (401, 403, 200, 200, 403, 200)),
    ("post", "/api/v1/lessons/{lesson}/completion/", (401, 409, 200, 409, 409, 409)),
    ("post", "/api/v1/lessons/{quiz}/quiz-attempts/", (401, 409, 201, 409, 409, 409)),
    ("get", "/api/v1/me/", (401, 200, 200, 200, 200, 200)),
    ("patch", "/api/v1/me/", (401, 200, 200, 200, 200, 200)),
    ("get", "/api/v1/enrolments/", (401, 200, 200, 200, 200, 200)),
    ("get", "/api/v1/certificates/", (401, 200, 200, 200, 200, 200)),
    ("get", "/api/v1/notifications/", (401, 200, 200, 200, 200, 200)),
    ("post", "/api/v1/notifications/{students_notification}/read/", (401, 200, 404, 404, 404, 404)),
    ("post", "/api/v1/realtime/ticket/", (401, 201, 201, 201, 201, 201)),
    ("get", "/api/v1/notification-preferences/", (401, 200, 200, 200, 200, 200)),
    ("patch", "/api/v1/notification-preferences/", (401, 200, 200, 200, 200, 200)),
    # Web push: the key is public; each person manages only their own devices.
    ("get", "/api/v1/push/", (200, 200, 200, 200, 200, 200)),
    ("get", "/api/v1/push-subscriptions/", (401, 200, 200, 200, 200, 200)),
    ("post", "/api/v1/push-subscriptions/", (401, 201, 201, 201, 201, 201)),
    ("delete", "/api/v1/push-subscriptions/{students_device}/", (401, 204, 404, 404, 404, 404)),
    # Conversations: a student and a teacher who share a course, or staff, may talk; a
    # conversation is its two people's only.
    ("get", "/api/v1/conversations/", (401, 200, 200, 200, 200, 200)),
    ("post", "/api/v1/conversations/", (401, 403, 201, 403, 403, 201)),
    ("get", "/api/v1/conversations/{conversation}/messages/", (401, 404, 200, 200, 404, 404)),
    ("post", "/api/v1/conversations/{conversation}/messages/", (401, 404, 201, 201, 404, 404)),
    ("post", "/api/v1/conversations/{conversation}/read/", (401, 404, 200, 200, 404, 404)),
    # Live classes: anyone sees a teacher's free times; only students book; a class is its people's.
    ("get", "/api/v1/teachers/", (200, 200, 200, 200, 200, 200)),
    ("get", "/api/v1/teachers/{teacher_slug}/slots/", (200, 200, 200, 200, 200, 200)),
    ("post", "/api/v1/bookings/", (401, 409, 409, 409, 409, 409)),
    ("get", "/api/v1/classes/", (401, 200, 200, 200, 200, 200)),
    # (in order: once the teacher approved or the student cancelled, the next answer is a refusal)
    ("post", "/api/v1/classes/{pending_class}/approve/", (401, 409, 404, 200, 404, 409)),
    ("post", "/api/v1/classes/{pending_class}/cancel/", (401, 200, 404, 409, 404, 409)),
    ("post", "/api/v1/classes/{pending_class}/decline/", (401, 409, 404, 200, 404, 409)),
    ("post", "/api/v1/classes/{pending_class}/reschedule/", (401, 409, 404, 409, 404, 409)),
    # Money: anyone signed in buys a paid course they cannot open yet (its teacher and staff can).
    ("get", "/api/v1/payments/", (401, 200, 200, 200, 200, 200)),
    ("post", "/api/v1/courses/{paid}/checkout/", (401, 201, 201, 409, 201, 409)),
    # Teaching: a course's students and figures are its teachers' and staff's; availability is a teacher's.
    ("get", "/api/v1/teaching/", (401, 200, 200, 200, 200, 200)),
    ("get", "/api/v1/courses/{course}/students/", (401, 403, 403, 200, 403, 200)),
    ("get", "/api/v1/courses/{course}/analytics/", (401, 403, 403, 200, 403, 200)),
    ("get", "/api/v1/availability/", (401, 403, 403, 200, 200, 403)),
    ("post", "/api/v1/availability/hours/", (401, 403, 403, 201, 201, 403)),
    # Accounts: staff only.
    ("get", "/api/v1/users/", (401, 403, 403, 403, 403, 200)),
    ("post", "/api/v1/users/", (401, 403, 403, 403, 403, 201)),
    ("post", "/api/v1/users/{student_id}/deactivate/", (401, 403, 403, 403, 403, 200)),
    # Tokens are managed by a signed-in person, never with a token.
    ("get", "/api/v1/tokens/", (401, 403, 403, 403, 403, 403)),
    ("delete", "/api/v1/tokens/{students_token}/", (401, 403, 403, 403, 403, 403)),
    ("get", "/api/v1/schema/", (200, 200, 200, 200, 200, 200)),
    ("get", "/api/v1/docs/", (200, 200, 200, 200, 200, 200)),
    ("get", "/api/v1/no-such-thing/", (404, 404, 404, 404, 404, 404)),
]


def _device(world, push_service):
    device = push_service.subscribe("students-phone").subscription()
    return push_services.subscription_save(
        user=world["users"]["student"], endpoint=device["endpoint"], **device["keys"]
    )


def _conversation(world):
    """Between the enrolled student and the course's teacher."""
    return chat_services.conversation_start(user=world["users"]["enrolled"], other=world["users"]["owning_teacher"])


@pytest.mark.parametrize(("method", "template", "expected"), MATRIX, ids=[f"{m} {t}" for m, t, _ in MATRIX])
def test_access_matrix(world, push_service, method, template, expected):
    lessons = world["lessons"]
    notification = notify(user=world["users"]["student"], kind="announcement", title="Hello")
    unpublished = make_course(world["users"]["owning_teacher"], title="Draft", publish=False)
    url = template.format(
        course=world["course"].pk,
        paid=world["paid"].pk,
        unpublished=unpublished.pk,
        preview=lessons[0].pk,
        lesson=lessons[1].pk,
        quiz=lessons[-1].pk,
        students_notification=notification.pk,
        teacher_slug=world["users"]["owning_teacher"].teacher_profile.slug,
        pending_class=_pending_class(world).pk if "{pending_class}" in template else 0,
        students_device=_device(world, push_service).pk if "{students_device}" in template else 0,
        conversation=_conversation(world).pk if "{conversation}" in template else 0,
        students_token=world["users"]["student"].personal_access_tokens.get().pk,
        student_id=world["users"]["student"].pk,
    )
    data = {
        "/api/v1/lessons/{quiz}/quiz-attempts/": {"answers": QUIZ_ANSWERS_RIGHT},
        "/api/v1/me/": {"name": "Renamed"},
        "/api/v1/notification-preferences/": [{"kind": "chat", "push": False}],
        "/api/v1/push-subscriptions/": push_service.subscribe("any").subscription(),
        "/api/v1/conversations/": {"user": world["users"]["owning_teacher"].pk},
        "/api/v1/conversations/{conversation}/messages/": {"body": "Hello"},
        "/api/v1/conversations/{conversation}/read/": {"message": 1},
        "/api/v1/classes/{pending_class}/decline/": {"reason": "Busy"},
        "/api/v1/availability/hours/": {"weekday": 2, "start_time": "09:00", "end_time": "10:00"},
        "/api/v1/users/": {"email": "provisioned@example.com", "name": "New Person", "role": "student"},
        "/api/v1/classes/{pending_class}/reschedule/": {"start": "2001-01-01T10:00:00Z"},
    }.get(template, {})
    if url == "/api/v1/bookings/":  # a time the teacher does not offer: refused by the rules, after sign-in
        data = {"teacher": world["users"]["owning_teacher"].teacher_profile.slug, "start": "2001-01-01T10:00:00Z"}
    answers = {}
    for role in ROLES:
        response = call(world, role, method, url, data)
        answers[role] = response.status_code
        if response.status_code >= 400 and "docs" not in url:
            assert response["Content-Type"] == "application/problem+json", (role, response.content)
    assert answers == dict(zip(ROLES, expected, strict=True))
