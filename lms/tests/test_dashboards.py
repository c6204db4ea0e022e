"""What each dashboard shows a person: progress as a labelled bar, notifications as a card
with its newest items and a way to all of them, and people counted under plain labels."""

import re

import pytest

from courses import services as course_services
from courses.tests.factories import lessons_of, make_course
from lms.models import Role
from lms.services import notify
from lms.tests.factories import make_user

pytestmark = pytest.mark.django_db


def _html(client, user, url: str) -> str:
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_progress_is_a_labelled_bar_in_the_brand_colour(client, student, teacher):
    course = make_course(teacher, title="Algebra", modules=1, lessons=4, quiz_in_last=False)
    enrollment = course_services.course_enroll(student=student, course=course)
    course_services.lesson_complete(student=student, lesson=lessons_of(course)[0])
    html = _html(client, student, "/dashboard/student/")
    bar = re.search(r'<progress id="progress-(\d+)" class="progress-bar"[^>]*value="(\d+)"', html)
    assert bar and bar.group(1) == str(enrollment.pk) and bar.group(2) == "25"
    # The bar's label is visible text that names the course for screen readers too.
    label = re.search(rf'<label for="progress-{enrollment.pk}"[^>]*>(.*?)</label>', html, re.S)
    assert label and "25% complete" in label.group(1) and "in Algebra" in label.group(1)


def test_notifications_card_lists_the_newest_and_links_to_all(client, student):
    for n in range(4):
        notify(user=student, kind="course", title=f"Update {n}", url="/courses/", email=False)
    html = _html(client, student, "/dashboard/student/")
    card = html.split('aria-labelledby="recent-notifications-heading"')[1].split("</section>")[0]
    assert "Update 3" in card and "Update 1" in card and "Update 0" not in card  # the newest three
    assert "See all notifications (4 unread)" in card and 'href="/notifications/"' in card
    assert "You have 4 unread" not in html


def test_notifications_card_without_notifications_says_what_will_come(client, teacher):
    html = _html(client, teacher, "/dashboard/teacher/")
    assert "Nothing new." in html and ">See all notifications</a>" in html


def test_staff_dashboard_counts_people_under_plain_plurals(client, staff_user, student, teacher):
    make_user(Role.STUDENT)
    html = _html(client, staff_user, "/dashboard/staff/")
    labels = re.findall(r'<dt class="text-sm font-medium text-slate-600">([^<]+)</dt>\s*<dd[^>]*>(\d+)</dd>', html)
    assert dict(labels) == {"Students": "2", "Teachers": "1", "Staff": "1"}
    assert "Staffs" not in html
