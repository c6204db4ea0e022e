import pytest

from board.tests.factories import make_request, make_tutor
from lms.models import Role
from lms.tests.factories import make_user


@pytest.fixture
def tutor(teacher):
    return make_tutor(teacher)


@pytest.fixture
def other_tutor(other_teacher):
    return make_tutor(other_teacher, rate_60=2500)


@pytest.fixture
def request_post(student, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return make_request(student)


@pytest.fixture
def other_student(db):
    return make_user(Role.STUDENT, email="other.student@example.com", display_name="Olive Other")
