"""A class without its own title is named after the other side: the teacher reads
"Live class with <student>", the student "Live class with <teacher>" — on the dashboards,
the class list and the class page, without a query per class."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from live import services
from live.tests.conftest import SLOT
from lms.models import Role
from lms.tests.factories import make_user

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _book(student, teacher, start, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        live_class = services.booking_request(student=student, teacher=teacher, start=start)
        return services.booking_approve(actor=teacher, live_class_id=live_class.pk)


def test_the_teacher_reads_the_students_name_and_the_student_the_teachers(confirmed, student, london_teacher):
    for url in ("/dashboard/teacher/", reverse("live:my_classes"), reverse("live:class_detail", args=[confirmed.pk])):
        html = _client(london_teacher).get(url).content.decode()
        assert "Live class with Sam Student" in html, url
        assert "Live class with Tess Teacher" not in html, url
    for url in ("/dashboard/student/", reverse("live:my_classes"), reverse("live:class_detail", args=[confirmed.pk])):
        html = _client(student).get(url).content.decode()
        assert "Live class with Tess Teacher" in html, url
        assert "Live class with Sam Student" not in html, url


def test_the_class_page_title_names_the_student_for_the_teacher(confirmed, london_teacher):
    html = _client(london_teacher).get(reverse("live:class_detail", args=[confirmed.pk])).content.decode()
    assert "<title>Live class with Sam Student" in html


def test_a_title_given_to_the_class_wins(confirmed, london_teacher):
    confirmed.title = "Exam revision"
    confirmed.save(update_fields=["title"])
    html = _client(london_teacher).get("/dashboard/teacher/").content.decode()
    assert "Exam revision" in html and "Live class with" not in html


def test_the_teachers_dashboard_runs_no_query_per_class(
    confirmed, london_teacher, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    client = _client(london_teacher)
    with CaptureQueriesContext(connection) as one_class:
        assert client.get("/dashboard/teacher/").status_code == 200
    with CaptureQueriesContext(connection) as one_list:
        assert client.get(reverse("live:my_classes")).status_code == 200
    names = []
    for hour in (1, 2, 3):
        other = make_user(Role.STUDENT, display_name=f"Student {hour}")
        _book(other, london_teacher, SLOT + timedelta(hours=hour), django_capture_on_commit_callbacks)
        names.append(other.name)
    with django_assert_max_num_queries(len(one_class.captured_queries)):
        html = client.get("/dashboard/teacher/").content.decode()
    assert all(f"Live class with {name}" in html for name in names)
    with django_assert_max_num_queries(len(one_list.captured_queries)):
        assert client.get(reverse("live:my_classes")).status_code == 200


def test_reminders_name_the_other_side(confirmed, clock, student, london_teacher):
    from lms.models import Notification

    clock.move_to(SLOT - timedelta(minutes=59))
    services.reminders_send()
    assert Notification.objects.get(user=london_teacher, kind="reminder").title.startswith(
        "Reminder: Live class with Sam Student"
    )
    assert Notification.objects.get(user=student, kind="reminder").title.startswith(
        "Reminder: Live class with Tess Teacher"
    )
