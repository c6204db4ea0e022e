from io import StringIO

from django.db.models import Count

from live.models import LiveClass
from lms.management.commands.load_demo_data import Command


def test_demo_data_loads_twice_without_changes(db):
    Command().handle()
    counts = (LiveClass.objects.count(), LiveClass.objects.filter(status="pending").count())
    assert counts[0] >= 3 and counts[1] == 1
    Command(stdout=StringIO()).handle()
    assert (LiveClass.objects.count(), LiveClass.objects.filter(status="pending").count()) == counts
    assert LiveClass.objects.filter(kind="private").count() == 3
    free, paid = LiveClass.objects.filter(kind="group").order_by("seat_price")
    assert free.seat_price == 0 and free.participants.filter(status="registered").exists()
    assert paid.seat_price == 900 and paid.seat_currency and not paid.participants.exists()


def test_demo_data_reads_well(db, client):
    """One person per name; a course page says its summary once; no lowercased lesson titles."""
    from courses.models import CoursePage, LessonPage
    from lms.models import User

    Command(stdout=StringIO()).handle()
    doubles = User.objects.values("display_name").annotate(n=Count("id")).filter(n__gt=1)
    assert list(doubles) == []
    assert User.objects.filter(display_name="Grace Hopper").count() == 1
    course = CoursePage.objects.get(slug="physics-of-motion")
    page = client.get(course.url).content.decode().split("<body", 1)[1]
    assert page.count(course.summary) == 1
    lesson = LessonPage.objects.get(title="Newton's laws")
    assert any("<strong>Newton's laws</strong>" in str(block["value"]) for block in lesson.body.raw_data)
