"""Board state built the way users cause it: tutors set up as a teacher would, posts and
applications through the services."""

from decimal import Decimal

from board import services
from board.models import PostKind
from lms.models import Role
from lms.tests.factories import make_user
from tutors.models import FreeHour, Level, SpokenLanguage, Subject, Tutor


def subject(name="Mathematics") -> Subject:
    return Subject.objects.get_or_create(slug=name.lower(), defaults={"name": name})[0]


def level(name="Beginner") -> Level:
    return Level.objects.get_or_create(slug=name.lower(), defaults={"name": name})[0]


def make_tutor(user=None, *, subjects=("Mathematics",), rate_60=3000, hours=(), **fields) -> Tutor:
    user = user or make_user(Role.TEACHER)
    tutor = Tutor.objects.create(user=user, rate_60=rate_60, **fields)
    tutor.subjects.set([subject(name) for name in subjects])
    tutor.levels.set([level()])
    english = SpokenLanguage.objects.get_or_create(code="en", defaults={"name": "English"})[0]
    tutor.languages.set([english])
    FreeHour.objects.bulk_create([FreeHour(tutor=tutor, hour=hour) for hour in hours])
    return tutor


def make_request(author, **changes):
    values = {
        "kind": PostKind.REQUEST,
        "subject": subject(),
        "level": level(),
        "description": "GCSE algebra: I want to be confident with equations before May.",
        "times": ["weekday-evening"],
        "budget": 4000,
        "currency": "GBP",
        "lesson_minutes": 60,
    }
    return services.post_create(author=author, **(values | changes))


def make_position(author, **changes):
    values = {
        "kind": PostKind.POSITION,
        "title": "Physics teacher for our summer school",
        "subject": subject("Physics"),
        "description": "Teach small online groups, ages 14 to 16.",
        "hours": "10 hours a week",
        "budget": 3500,
    }
    return services.post_create(author=author, **(values | changes))


def apply(teacher, post, message="I teach algebra every day and would love to help.", rate=3500):
    return services.application_submit(applicant=teacher, post_id=post.pk, message=message, rate=rate)


RATING = Decimal("4.8")
