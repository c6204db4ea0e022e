"""Browser tests of the courses app: Debian's chromium, driven by Playwright, against uvicorn."""

import re

import pytest
from wagtail.models import Page, Site

from courses import services
from courses.models import Certificate, CoursePage
from courses.tests.factories import make_course
from lms.models import HomePage
from lms.tests.e2e import answer_quiz_correctly, login

pytestmark = pytest.mark.browser


def _site_ensure() -> None:
    """A transactional test starts from an empty database: give it the home page and catalog."""
    if not HomePage.objects.exists():
        root = Page.get_first_root_node()
        home = root.add_child(instance=HomePage(title="Lyceum", slug="home"))
        Site.objects.update_or_create(
            is_default_site=True, defaults={"hostname": "localhost", "port": 80, "root_page": home}
        )
    services.course_permissions_ensure()


def test_student_finds_enrolls_learns_and_verifies_the_certificate(new_page, asgi_server, student, teacher):
    _site_ensure()
    course = make_course(teacher, title="Graph Theory", modules=1, lessons=2)
    make_course(teacher, title="Poetry Workshop", modules=1, lessons=1)

    page = new_page()
    login(page, student.email)
    page.goto("/courses/")
    page.get_by_role("searchbox", name="Search courses").fill("graph")
    # HTMX swaps the results and keeps the filter in the address bar.
    page.wait_for_url(re.compile(r"/courses/\?.*q=graph"))
    results = page.get_by_role("region", name="Courses")
    results.get_by_text("1 course").wait_for()
    assert results.get_by_role("link", name="Poetry Workshop").count() == 0
    results.get_by_role("link", name="Graph Theory").click()

    page.get_by_role("button", name="Enroll for free").click()
    page.get_by_role("heading", name="Lesson 1").wait_for()
    page.get_by_role("button", name="Mark as complete").click()
    page.get_by_role("status").filter(has_text="Lesson complete").wait_for()
    page.get_by_role("navigation", name="Lesson navigation").get_by_role("link", name="Lesson 2").click()

    page.get_by_role("heading", name="Lesson 2").wait_for()
    answer_quiz_correctly(page)
    page.get_by_role("region", name="Check").get_by_text("Passed with 100%").wait_for()
    page.get_by_role("status").filter(has_text="Lesson complete").wait_for()

    page.goto(course.url)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download certificate").click()
    assert download.value.suggested_filename.endswith(".pdf")
    page.get_by_role("link", name="Verification page").click()
    page.get_by_text("Genuine certificate").wait_for()
    certificate = Certificate.objects.get(student=student, course=course)
    assert certificate.code in page.content()


def test_teacher_submits_a_course_and_staff_approve_it(new_page, asgi_server, teacher, staff_user):
    _site_ensure()
    course = make_course(teacher, title="Draft Course", modules=1, lessons=1, publish=False)

    teacher_page = new_page()
    login(teacher_page, teacher.email)
    teacher_page.goto(f"/cms/pages/{course.pk}/edit/")
    teacher_page.get_by_role("button", name="More actions").click()
    teacher_page.get_by_role("button", name=re.compile("Submit to Course review")).click()
    teacher_page.get_by_text("has been submitted for moderation").wait_for()

    staff_page = new_page()
    login(staff_page, staff_user.email)
    staff_page.goto(f"/cms/pages/{course.pk}/edit/")
    staff_page.get_by_role("button", name="More actions").click()
    staff_page.get_by_role("button", name="Approve and Publish").click()
    staff_page.get_by_text("Page 'Draft Course' has been updated.").wait_for()

    course = CoursePage.objects.get(pk=course.pk)
    assert course.live
    teacher_page.goto("/notifications/")
    teacher_page.get_by_role("link", name="“Draft Course” was approved").wait_for()


def test_a_scheduled_lesson_opens_at_its_time(new_page, asgi_server, student, teacher):
    import time
    from datetime import timedelta

    from django.utils import timezone

    from courses.models import LessonPage
    from courses.tests.factories import lessons_of

    _site_ensure()
    course = make_course(teacher, title="Timed Course", modules=1, lessons=2, quiz_in_last=False)
    services.enrollment_create(student=student, course=course, source="free")
    lesson = lessons_of(course)[1]
    lesson.release, lesson.release_at = LessonPage.Release.ON_DATE, timezone.now() + timedelta(seconds=8)
    lesson.save_revision(user=teacher).publish()

    page = new_page()
    login(page, student.email)
    page.goto(lesson.url)
    page.get_by_text("This lesson opens on").wait_for()
    assert page.get_by_role("button", name="Mark as complete").count() == 0
    time.sleep(max(0.0, (lesson.release_at - timezone.now()).total_seconds()) + 0.5)
    page.reload()
    page.get_by_role("heading", name="Lesson 2").wait_for()
    page.get_by_role("button", name="Mark as complete").click()
    page.get_by_role("status").filter(has_text="Lesson complete").wait_for()
