from io import StringIO

from lms.management.commands.load_demo_data import Command
from lms.models import User
from reviews.models import Review
from tutors.models import Tutor


def test_demo_reviews_load_twice_without_changes(db):
    Command(stdout=StringIO()).handle()
    ada = User.objects.get(email="teacher@lyceum.test")
    assert Review.objects.filter(teacher=ada).exists()  # the attended demo class
    # A marketplace tutor with bookable hours and no reviews gets some, after past classes.
    grace = User.objects.get(email="grace@lyceum.test")
    Tutor.objects.get_or_create(user=grace)
    Command(stdout=StringIO()).handle()
    assert Review.objects.filter(teacher=grace).exists()
    grace.tutor.refresh_from_db()
    assert grace.tutor.rating_count == Review.objects.filter(teacher=grace).count()
    count = Review.objects.count()
    Command(stdout=StringIO()).handle()
    assert Review.objects.count() == count
