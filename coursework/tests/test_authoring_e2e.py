"""Browser test: a teacher writes a rubric and an assignment graded with it in /cms/; staff publish it and
an enrolled student sees it with its rubric."""

import re

import pytest

from courses.models import ModulePage
from courses.services import enrollment_create
from courses.tests.factories import make_course
from courses.tests.test_e2e import _site_ensure
from coursework.models import AssignmentPage, Rubric
from lms.tests.e2e import login

pytestmark = pytest.mark.browser


def test_a_teacher_writes_a_rubric_and_an_assignment_in_the_cms(new_page, asgi_server, teacher, staff_user, student):
    _site_ensure()
    course = make_course(teacher, title="Essay Writing", modules=1, lessons=1, quiz_in_last=False)
    module = ModulePage.objects.child_of(course).get()

    page = new_page()
    login(page, teacher.email)
    page.goto("/cms/snippets/coursework/rubric/add/")
    page.get_by_label(re.compile("^Title")).fill("Essay rubric")
    page.get_by_role("button", name="Insert a block").first.click()  # one kind of block: a criterion
    page.get_by_label(re.compile("^Criterion")).first.fill("Argument")
    page.get_by_label(re.compile("^Level")).first.fill("Convincing")
    page.get_by_label(re.compile("^Points")).first.fill("10")
    page.get_by_role("button", name="Save", exact=True).click()
    page.get_by_text("created").first.wait_for()
    rubric = Rubric.objects.get(title="Essay rubric")
    assert rubric.owner == teacher
    assert [(row["title"], [level["label"] for level in row["levels"]]) for row in rubric.rows()] == [
        ("Argument", ["Convincing"])
    ]

    page.goto(f"/cms/pages/add/coursework/assignmentpage/{module.pk}/")
    page.get_by_label(re.compile("^Title")).first.fill("Persuasive essay")
    page.locator("#id_points").fill("20")
    page.get_by_role("button", name="Choose rubric").click()
    page.get_by_role("link", name="Essay rubric").click()
    page.locator("#id_rubric-title", has_text="Essay rubric").wait_for()
    page.get_by_role("button", name="Save draft").click()
    page.get_by_text("Page 'Persuasive essay' created.").wait_for()
    assignment = AssignmentPage.objects.get(title="Persuasive essay")
    assert assignment.get_parent().pk == module.pk
    draft = assignment.get_latest_revision_as_object()
    assert draft.rubric_id == rubric.pk and draft.points == 20

    # Staff publish it (teachers' changes go through the course review); a student sees the rubric.
    reviewer = new_page()
    login(reviewer, staff_user.email)
    reviewer.goto(f"/cms/pages/{assignment.pk}/edit/")
    reviewer.get_by_role("button", name="More actions").click()
    reviewer.get_by_role("button", name="Publish").click()
    reviewer.get_by_text("published").first.wait_for()
    enrollment_create(student=student, course=course, source="free")
    learner = new_page()
    login(learner, student.email)
    learner.goto(AssignmentPage.objects.get(pk=assignment.pk).url)
    learner.get_by_role("heading", name="Persuasive essay").wait_for()
    learner.get_by_text("Argument").first.wait_for()
    learner.get_by_text("Convincing").first.wait_for()
