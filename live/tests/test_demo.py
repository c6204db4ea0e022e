from io import StringIO

from live.models import LiveClass
from lms.management.commands.load_demo_data import Command


def test_demo_data_loads_twice_without_changes(db):
    Command().handle()
    counts = (LiveClass.objects.count(), LiveClass.objects.filter(status="pending").count())
    assert counts[0] >= 3 and counts[1] == 1
    Command(stdout=StringIO()).handle()
    assert (LiveClass.objects.count(), LiveClass.objects.filter(status="pending").count()) == counts
    assert LiveClass.objects.filter(kind="private").count() == 3
    assert LiveClass.objects.filter(kind="group").count() == 1
    assert LiveClass.objects.get(kind="group").participants.filter(status="registered").exists()
