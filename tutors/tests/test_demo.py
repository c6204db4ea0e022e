"""The marketplace demo: twenty tutors, the taxonomy, and nothing added the second time."""

import io

import pytest
from django.core.management import call_command

from live.models import WeeklyHours
from lms.models import AuditLogEntry
from tutors.models import Level, Package, SpokenLanguage, Subject, Tutor

pytestmark = pytest.mark.django_db


def _counts():
    return (
        Subject.objects.count(),
        Level.objects.count(),
        SpokenLanguage.objects.count(),
        Tutor.objects.count(),
        Package.objects.count(),
        WeeklyHours.objects.count(),
        AuditLogEntry.objects.filter(action="tutors.verification.grant").count(),
    )


def test_demo_makes_a_living_marketplace_once():
    from lms.management.commands.load_demo_data import DEMO_APPS, demo_user
    from lms.models import Role
    from lms.services import role_groups_sync
    from tutors import demo

    assert "tutors" in DEMO_APPS
    admin, _ = demo_user("admin@lyceum.test", "Platform Admin")
    admin.is_superuser = admin.is_staff = True
    admin.role = Role.STAFF
    admin.save()
    role_groups_sync(user=admin)
    out = io.StringIO()
    demo.load(stdout=out)
    first = _counts()
    subjects, levels, languages, tutors, packages, hours, verified = first
    assert (subjects, levels, languages, tutors) == (12, 5, 8, 20)
    assert packages > 10 and hours > 80 and 5 <= verified < 20
    listed = Tutor.objects.listed()
    assert listed.count() == 20
    assert len(set(listed.values_list("user__time_zone", flat=True))) >= 15
    assert listed.filter(trial_price__isnull=False).exists() and listed.filter(trial_price__isnull=True).exists()
    demo.load(stdout=out)
    assert _counts() == first


def test_the_demo_command_runs_twice(settings):
    call_command("load_demo_data", stdout=io.StringIO())
    first = _counts()
    assert first[3] >= 20
    call_command("load_demo_data", stdout=io.StringIO())
    assert _counts() == first
