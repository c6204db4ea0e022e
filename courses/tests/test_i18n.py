"""The courses app's texts are translatable: notifications go out lazy (lms.services.notify
renders them in the recipient's language), and counts are written with plurals."""

from unittest import mock

import pytest
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from courses import moderation, services
from courses.models import Enrollment
from courses.tests.factories import QUIZ_ANSWERS_RIGHT, lessons_of, make_course
from lms.services import notify

pytestmark = pytest.mark.django_db


def _lazy_texts(calls) -> list[bool]:
    return [isinstance(call.kwargs[key], Promise) for call in calls for key in ("title", "body")]


def test_course_notifications_are_lazy_so_each_recipient_reads_them_in_their_language(student, teacher):
    course = make_course(teacher)
    with mock.patch.object(services, "notify", wraps=notify) as sent:
        enrollment = services.course_enroll(student=student, course=course)
        *plain, quiz_lesson = lessons_of(course)
        for lesson in plain:
            services.lesson_complete(student=student, lesson=lesson)
        services.quiz_submit(student=student, lesson=quiz_lesson, answers=QUIZ_ANSWERS_RIGHT)
        services.enrollment_end(enrollment=enrollment, reason=gettext_lazy("Ended by staff."), actor=teacher)
    assert len(sent.call_args_list) == 3  # enrolled, completed, ended
    assert all(_lazy_texts(sent.call_args_list))
    assert Enrollment.objects.get(pk=enrollment.pk).end_reason == "Ended by staff."


def test_moderation_notifications_are_lazy(teacher, staff_user):
    course = make_course(teacher, publish=False)
    with mock.patch.object(moderation, "notify", wraps=notify) as sent:
        course.get_workflow().start(course, teacher)
        course.refresh_from_db()
        task_state = course.current_workflow_task_state
        task_state.task.specific.on_action(task_state, staff_user, "reject", comment="Add a summary, please.")
    assert len(sent.call_args_list) >= 2
    assert all(_lazy_texts(sent.call_args_list))
    assert "Add a summary, please." in str(sent.call_args_list[-1].kwargs["body"])


def test_counts_are_written_with_plurals(client, teacher):
    one = make_course(teacher, title="Only Course", modules=1, lessons=1, quiz_in_last=False)
    html = client.get("/courses/").content.decode()
    assert "1 course<" in html
    assert 'name="language"' in html and "Any language" in html  # the filter by the language a course is written in
    html = client.get(one.url).content.decode()
    assert "1 lesson ·" in html and "1 lessons" not in html
    make_course(teacher, title="Second Course")
    assert "2 courses<" in client.get("/courses/").content.decode()
