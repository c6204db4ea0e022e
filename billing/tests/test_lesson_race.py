"""Two requests race for a student's last lesson credit, each on its own PostgreSQL
connection through the real booking service: exactly one wins."""

import threading

import pytest
from django.db import connection

from billing.models import CreditUse, LessonCredit
from billing.tests.lesson_helpers import LATER_SLOT, SLOT, credits_buy, tutor_make
from live import services
from live.models import LiveClass
from live.services import BookingError


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_requests_race_for_the_last_credit(student, teacher, settings, time_machine):
    from billing.tests.lesson_helpers import NOW

    time_machine.move_to(NOW, tick=False)
    settings.STRIPE_SECRET_KEY = ""
    tutor_make(teacher)
    credits_buy(student, teacher, trial=True)
    barrier = threading.Barrier(2)
    booked, refused, crashed = [], [], []

    def race(start):
        try:
            barrier.wait(timeout=60)
            booked.append(
                services.booking_request(student=student, teacher=teacher, start=start, minutes=30, use_credit=True)
            )
        except BookingError as exc:
            refused.append(str(exc))
        except Exception as exc:
            crashed.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=race, args=(start,)) for start in (SLOT, LATER_SLOT)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert crashed == []
    assert len(booked) == 1
    assert refused == ["You have no lesson credit left with this teacher."]
    assert LessonCredit.objects.get().remaining == 0
    assert CreditUse.objects.count() == 1
    assert LiveClass.objects.filter(teacher=teacher, status="pending").count() == 1
