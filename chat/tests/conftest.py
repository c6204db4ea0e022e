import pytest


def make_course(teacher, *, students: int = 0, slug: str = "algebra"):
    """A published course taught by `teacher`, with `students` new students enrolled."""
    from courses.models import CoursePage
    from courses.services import catalog_page_ensure, enrollment_create
    from lms.models import Role
    from lms.tests.factories import make_user

    index = catalog_page_ensure()
    page = CoursePage(title="Algebra", slug=slug, summary="Equations and more.", owner=teacher)
    index.add_child(instance=page)
    page.teachers.add(teacher)
    page.save_revision().publish()
    course = CoursePage.objects.get(pk=page.pk)
    enrolled = [make_user(Role.STUDENT) for _ in range(students)]
    for student in enrolled:
        enrollment_create(student=student, course=course, source="staff")
    return course, enrolled


@pytest.fixture
def course(db, teacher):
    return make_course(teacher)[0]


@pytest.fixture
def enrolled(course, student):
    """`student`, actively enrolled in `course`."""
    from courses.services import enrollment_create

    enrollment_create(student=student, course=course, source="staff")
    return student
