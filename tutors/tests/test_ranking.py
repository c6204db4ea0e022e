"""The "Recommended" order: each factor counts, ratings are Bayesian-averaged, the reasons
name what matched, and students' times of day are read in their own zone."""

from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from lms.models import Role
from lms.tests.factories import make_user
from tutors.models import FreeHour, SpokenLanguage, Subject, Tutor
from tutors.ranking import Candidate, Wanted, bayesian_rating, score
from tutors.selectors import candidates_for
from tutors.times import PERIODS_BY_KEY, periods_hours, utc_hours

MATHS, PHYSICS, BEGINNER = 1, 2, 10


def tutor(**changes) -> Candidate:
    values = {
        "subjects": frozenset({MATHS}),
        "levels": frozenset({BEGINNER}),
        "languages": frozenset({"en"}),
        "free_hours": frozenset(),
        "rate": 3000,
        "rating_average": Decimal("4.5"),
        "rating_count": 20,
        "response_rate": Decimal("0.9"),
        "reliability": Decimal("0.95"),
    }
    return Candidate(**(values | changes))


def reasons(result) -> list[str]:
    with translation.override("en-gb"):
        return [str(reason) for reason in result.reasons]


def test_a_tutor_of_the_wanted_subject_outranks_one_without_it():
    wanted = Wanted(subject=MATHS)
    assert score(tutor(), wanted).total > score(tutor(subjects=frozenset({PHYSICS})), wanted).total
    assert "Teaches your subject" in reasons(score(tutor(), wanted))


def test_few_perfect_reviews_do_not_outrank_many_very_good_ones():
    few = tutor(rating_average=Decimal("5.0"), rating_count=2)
    many = tutor(rating_average=Decimal("4.9"), rating_count=120)
    assert bayesian_rating(Decimal("5.0"), 2) < bayesian_rating(Decimal("4.9"), 120)
    assert score(many, Wanted()).total > score(few, Wanted()).total
    assert "4.9 from 120 reviews" in reasons(score(many, Wanted()))


def test_free_hours_at_the_students_times_count_and_are_named():
    evenings = periods_hours(["weekday-evening"], ZoneInfo("Europe/London"), date(2026, 12, 7))
    free = tutor(free_hours=evenings["weekday-evening"])
    busy = tutor()
    wanted = Wanted(times=evenings)
    assert score(free, wanted).total > score(busy, wanted).total
    assert reasons(score(free, wanted))[0] == "Free on your weekday evenings"
    assert not any("Free on" in text for text in reasons(score(busy, wanted)))


def test_over_budget_loses_points_smoothly_and_within_budget_says_so():
    wanted = Wanted(budget=3000)
    within, above, far_above = tutor(rate=2500), tutor(rate=4500), tutor(rate=7000)
    assert score(within, wanted).total > score(above, wanted).total > score(far_above, wanted).total
    assert "Within your budget" in reasons(score(within, wanted))


def test_weights_come_from_settings(settings):
    settings.TUTOR_RANKING = settings.TUTOR_RANKING | {"language": 100.0}
    wanted = Wanted(language="es", subject=MATHS)
    spanish_physics = tutor(languages=frozenset({"es"}), subjects=frozenset({PHYSICS}))
    assert score(spanish_physics, wanted).total > score(tutor(), wanted).total


def test_weekday_evenings_in_new_york_are_late_utc_hours_and_follow_dst():
    # 17:00–22:00 in New York is 22:00–03:00 UTC in winter (UTC−5) and 21:00–02:00 in summer.
    period = PERIODS_BY_KEY["weekday-evening"]
    winter = utc_hours(period, ZoneInfo("America/New_York"), date(2026, 12, 7))
    summer = utc_hours(period, ZoneInfo("America/New_York"), date(2026, 7, 6))
    monday_22_utc, tuesday_02_utc, monday_21_utc = 22, 24 + 2, 21
    assert monday_22_utc in winter and tuesday_02_utc in winter and monday_21_utc not in winter
    assert monday_21_utc in summer and 24 + 3 not in summer
    assert len(winter) == 5 * 5


def test_a_week_crossing_the_dst_change_uses_each_days_own_offset():
    # London leaves summer time on Sunday 25 October 2026: Saturday 09:00 is 08:00 UTC, Sunday 09:00 is 09:00 UTC.
    mornings = utc_hours(PERIODS_BY_KEY["weekend-morning"], ZoneInfo("Europe/London"), date(2026, 10, 20))
    saturday, sunday = 5 * 24, 6 * 24
    assert saturday + 8 in mornings and saturday + 5 in mornings
    assert sunday + 9 in mornings and sunday + 5 not in mornings


@pytest.mark.django_db
def test_candidates_for_reads_every_tutor_in_four_queries(django_assert_num_queries):
    maths = Subject.objects.create(name="Mathematics", slug="mathematics")
    spanish = SpokenLanguage.objects.create(code="es", name="Spanish")
    tutors = []
    for index in range(5):
        tutor = Tutor.objects.create(user=make_user(Role.TEACHER), rate_60=3000 + index)
        tutor.subjects.add(maths)
        tutor.languages.add(spanish)
        FreeHour.objects.create(tutor=tutor, hour=index)
        tutors.append(tutor)
    with django_assert_num_queries(4):
        found = candidates_for(tutors)
    assert found[tutors[2].pk].subjects == {maths.pk}
    assert found[tutors[2].pk].languages == {"es"}
    assert found[tutors[2].pk].free_hours == {2}
    assert found[tutors[2].pk].rate == 3002
