"""The database itself refuses a double booking: 50 students race for one slot, each on
its own PostgreSQL connection, through the real booking service."""

import threading

import pytest
from django.db import connection

from live import services
from live.models import LiveClass
from live.services import SLOT_TAKEN, BookingError
from live.tests.conftest import SLOT
from lms.models import Role
from lms.tests.factories import make_user

RACERS = 50


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_fifty_students_race_for_one_slot(london_teacher):
    students = [make_user(Role.STUDENT, email=f"racer{i}@example.com") for i in range(RACERS)]
    barrier = threading.Barrier(RACERS)
    booked, refused, crashed = [], [], []

    def race(student):
        try:
            barrier.wait(timeout=60)
            booked.append(services.booking_request(student=student, teacher=london_teacher, start=SLOT))
        except BookingError as exc:
            refused.append(str(exc))
        except Exception as exc:
            crashed.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=race, args=(s,)) for s in students]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert crashed == []
    assert len(booked) == 1
    assert refused == [SLOT_TAKEN] * (RACERS - 1)
    assert LiveClass.objects.filter(teacher=london_teacher).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_exclusion_constraint_refuses_overlaps_written_around_the_service(london_teacher, student):
    from datetime import timedelta

    from django.db import IntegrityError, transaction

    first = LiveClass.objects.create(teacher=london_teacher, start=SLOT, end=SLOT + timedelta(hours=1))
    with pytest.raises(IntegrityError, match="live_class_no_overlap"), transaction.atomic():
        LiveClass.objects.create(
            teacher=london_teacher, start=SLOT + timedelta(minutes=30), end=SLOT + timedelta(minutes=90)
        )
    # Back to back is fine ([) ranges), and a cancelled class holds nothing.
    LiveClass.objects.create(teacher=london_teacher, start=SLOT + timedelta(hours=1), end=SLOT + timedelta(hours=2))
    first.status = LiveClass.Status.CANCELLED
    first.save()
    LiveClass.objects.create(teacher=london_teacher, start=SLOT, end=SLOT + timedelta(hours=1), status="confirmed")
