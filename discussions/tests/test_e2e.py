"""Browser test of discussions: a student asks on a lesson, the teacher answers, and the
student's open thread shows the answer live and the bell counts the notification."""

import pytest

from courses.services import enrollment_create
from courses.tests.factories import lessons_of, make_course
from courses.tests.test_e2e import _site_ensure
from discussions.models import Thread
from lms.models import Notification
from lms.tests.e2e import login

pytestmark = pytest.mark.browser


def test_a_question_on_a_lesson_is_answered_live(new_page, asgi_server, teacher, student):
    _site_ensure()
    course = make_course(teacher, title="Optics", modules=1, lessons=2, quiz_in_last=False)
    lesson = lessons_of(course)[1]
    enrollment_create(student=student, course=course, source="free")

    learner = new_page()
    login(learner, student.email)
    learner.goto(lesson.url)
    questions = learner.get_by_role("region", name="Questions on this lesson")
    questions.get_by_text("Ask a question").click()
    questions.get_by_label("Title").fill("Why is the sky blue?")
    questions.get_by_label("Your question or topic").fill("Is it **scattering**?")
    questions.get_by_role("button", name="Post the question").click()
    learner.get_by_role("heading", name="Why is the sky blue?", level=1).wait_for()
    learner.locator("strong", has_text="scattering").wait_for()  # the Markdown, rendered
    thread = Thread.objects.get(title="Why is the sky blue?")
    assert thread.lesson_id == lesson.pk
    bell = learner.locator("[data-bell-count]").first
    unread_before = int(bell.text_content() or 0)

    tutor = new_page()
    login(tutor, teacher.email)
    tutor.goto("/notifications/")
    tutor.get_by_text("New question on").first.click()
    tutor.get_by_role("heading", name="Why is the sky blue?", level=1).wait_for()
    tutor.get_by_label("Your reply").fill("Yes: *Rayleigh* scattering, @Sam Student.")
    tutor.get_by_role("button", name="Post the reply").click()
    tutor.get_by_role("status").filter(has_text="Your reply is posted.").wait_for()

    # The student's page, untouched since it loaded, shows the reply and the bell counts it.
    learner.locator("#posts em", has_text="Rayleigh").wait_for()
    learner.wait_for_function(
        f"() => Number(document.querySelector('[data-bell-count]').textContent) === {unread_before + 1}", polling=100
    )
    assert Notification.objects.filter(user=student, kind="discussion", title__contains="mentioned you").exists()

    tutor.get_by_role("button", name="Mark as the answer").click()
    tutor.get_by_text("Marked as the answer.").wait_for()
    learner.reload()
    learner.get_by_text("Answered").first.wait_for()
