"""Browser test of coursework: two students hand in (one late), the teacher grades both from
the queue with the keyboard and releases the grades, a student reads grade and feedback."""

from datetime import timedelta

import pytest
from django.utils import timezone

from courses.services import enrollment_create
from courses.tests.factories import make_course
from courses.tests.test_e2e import _site_ensure
from coursework.models import Submission
from coursework.tests.factories import make_assignment, make_rubric
from lms.tests.e2e import login
from lms.tests.factories import make_user

pytestmark = pytest.mark.browser


def hand_in(new_page, student, assignment, text: str) -> None:
    page = new_page()
    login(page, student.email)
    page.goto(assignment.url)
    page.get_by_label("Your answer").fill(text)
    page.get_by_role("button", name="Hand in", exact=True).click()
    page.get_by_role("status").filter(has_text="Handed in.").wait_for()


def test_students_hand_in_and_the_teacher_grades_from_the_queue_by_keyboard(new_page, asgi_server, teacher, student):
    _site_ensure()
    course = make_course(teacher, title="Essay Writing", modules=1, lessons=1, quiz_in_last=False)
    assignment = make_assignment(
        course,
        teacher,
        title="Persuasive essay",
        points=20,
        due_at=timezone.now() + timedelta(hours=1),
        rubric=make_rubric(teacher),
    )
    late_student = make_user(email="late@example.com", display_name="Lara Late")
    for who in (student, late_student):
        enrollment_create(student=who, course=course, source="free")

    hand_in(new_page, student, assignment, "Cities should plant more trees.")
    # The teacher moves the due date to an hour ago (no cut-off): Lara's work is a day late,
    # 10 % of the 20 points off.
    assignment.due_at = timezone.now() - timedelta(hours=1)
    assignment.save_revision(user=teacher).publish()
    hand_in(new_page, late_student, assignment, "Homework should be optional.")
    assert Submission.objects.filter(submitted_at__isnull=False).count() == 2

    page = new_page()
    login(page, teacher.email)
    page.goto(f"/coursework/teach/{course.pk}/grading/")
    page.get_by_role("link", name="Grade Sam Student").click()
    page.get_by_role("heading", name="Sam Student · Persuasive essay").wait_for()
    page.get_by_text("Cities should plant more trees.").wait_for()
    # By keyboard: J moves to the next submission, K back (once the page's script has run: a
    # heading can show before it, and no one types within those milliseconds).
    page.wait_for_load_state("load")
    page.keyboard.press("j")
    page.get_by_role("heading", name="Lara Late · Persuasive essay").wait_for()
    page.wait_for_load_state("load")
    page.keyboard.press("k")
    page.get_by_role("heading", name="Sam Student · Persuasive essay").wait_for()
    # A level per criterion: focus the first radio of a group, arrow keys choose within it.
    argument = page.get_by_role("group", name="Argument")
    argument.get_by_role("radio").first.focus()
    page.keyboard.press("Space")
    style = page.get_by_role("group", name="Style")
    style.get_by_role("radio").first.focus()
    page.keyboard.press("ArrowRight")  # "Good"
    page.get_by_label("Feedback").fill("Strong opening; cite a study.")
    page.get_by_label("Feedback").press("Tab")
    page.keyboard.press("Tab")  # past the feedback file to "Save"
    page.keyboard.press("Enter")
    # Saved: the next in the queue opens.
    page.get_by_role("heading", name="Lara Late · Persuasive essay").wait_for()
    for name in ("Argument", "Style"):
        page.get_by_role("group", name=name).get_by_role("radio").first.check()
    page.get_by_role("button", name="Save", exact=True).click()
    page.get_by_text("Nothing to grade here.").wait_for()

    page.get_by_label("Assignment").select_option(label="Persuasive essay")
    page.get_by_role("button", name="Show", exact=True).click()
    page.get_by_role("button", name="Release the grades of “Persuasive essay”").click()
    page.get_by_text("Released 2 grades.").wait_for()

    sam = new_page()
    login(sam, student.email)
    sam.goto(assignment.url)
    sam.get_by_text("Grade: 16 / 20").wait_for()  # (10 + 6) of 20 rubric points
    sam.get_by_text("Strong opening; cite a study.").wait_for()
    lara = new_page()
    login(lara, late_student.email)
    lara.goto(assignment.url)
    lara.get_by_text("Grade: 18 / 20").wait_for()  # 20 less 2 for a day late
    lara.get_by_text("Late: 2 points off.").wait_for()
