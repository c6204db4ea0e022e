import pytest

from reviews.tests.factories import attended_class


@pytest.fixture
def attended(teacher, student):
    """The student attended a class with the teacher three days ago."""
    return attended_class(teacher, student)
