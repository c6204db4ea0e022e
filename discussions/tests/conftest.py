import pytest

from courses.models import LessonPage
from courses.services import enrollment_create
from courses.tests.factories import make_course
from lms.tests.factories import make_user


@pytest.fixture
def world(teacher, other_teacher, staff_user, student):
    """A course with an enrolled student, and someone of every other role."""
    course = make_course(teacher, quiz_in_last=False)
    enrolled = make_user(email="enrolled@example.com", display_name="Enid Enrolled")
    enrollment_create(student=enrolled, course=course, source="free")
    classmate = make_user(email="classmate@example.com", display_name="Carla Classmate")
    enrollment_create(student=classmate, course=course, source="free")
    lesson = LessonPage.objects.live().descendant_of(course).order_by("path").first()
    return {
        "course": course,
        "lesson": lesson,
        "anonymous": None,
        "student": student,
        "enrolled": enrolled,
        "classmate": classmate,
        "teacher": teacher,
        "other_teacher": other_teacher,
        "staff": staff_user,
    }
