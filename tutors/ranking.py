"""The directory's "Recommended" order, and why: one function, `score`, with its weights in
settings.TUTOR_RANKING, used by the directory and by the tutoring-request matcher.

Every factor is a number between 0 and 1 multiplied by its weight; the reasons shown to
the student are the factors that added most. The rating is a Bayesian average: each tutor
starts with `prior_reviews` imaginary reviews of `prior_mean` stars, so 5.0 from two
reviews does not outrank 4.9 from 120.
"""

from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property, partial

from django.conf import settings
from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from lms.formats import number
from tutors.times import PERIODS_BY_KEY


@dataclass(frozen=True)
class Wanted:
    """What a student is looking for; every field optional."""

    subject: int | None = None
    level: int | None = None
    language: str = ""
    budget: int | None = None  # the most they pay for 60 minutes, minor units
    # {period key: UTC hours of the week}, see tutors.times.periods_hours
    times: dict[str, frozenset[int]] = field(default_factory=dict)


@dataclass(frozen=True)
class Candidate:
    """What the ranking knows of one tutor (tutors.selectors builds these in bulk)."""

    subjects: frozenset[int]
    levels: frozenset[int]
    languages: frozenset[str]
    free_hours: frozenset[int]
    rate: int | None
    rating_average: Decimal
    rating_count: int
    response_rate: Decimal
    reliability: Decimal


@dataclass(frozen=True)
class Score:
    total: float
    # The reasons shown, most important first: lazy strings, or partials building one.
    shown: tuple = ()

    @cached_property
    def reasons(self) -> tuple:
        """Lazy strings, most important first. Built when read: the directory scores
        thousands of tutors a request and shows the reasons of twenty."""
        return tuple(reason() if isinstance(reason, partial) else reason for reason in self.shown)


def bayesian_rating(average, count: int, weights: dict | None = None) -> float:
    weights = weights or settings.TUTOR_RANKING
    prior_mean, prior_count = weights["prior_mean"], weights["prior_reviews"]
    return (prior_mean * prior_count + float(average) * count) / (prior_count + count)


TEACHES_SUBJECT = _("Teaches your subject")
TEACHES_LEVEL = _("Teaches your level")
SPEAKS_LANGUAGE = _("Speaks your language")
WITHIN_BUDGET = _("Within your budget")
ANSWERS_QUICKLY = _("Answers quickly")
RELIABLE = _("Reliable: rarely cancels")


def _rating_text(average, count: int) -> str:
    return ngettext("%(average)s from %(count)s review", "%(average)s from %(count)s reviews", count) % {
        "average": number(round(Decimal(average), 1)),
        "count": count,
    }


# Written in the language active when shown. (ngettext_lazy with a named count builds a
# class per call: too slow for a page of reasons.)
_rating_reason = lazy(_rating_text, str)


def score(candidate: Candidate, wanted: Wanted, weights: dict | None = None) -> Score:
    weights = weights or settings.TUTOR_RANKING
    # (points, reason or None); a reason that costs to build is a partial (see Score.reasons).
    parts: list[tuple[float, object]] = []

    if wanted.subject is not None:
        parts.append((weights["subject"] * (wanted.subject in candidate.subjects), TEACHES_SUBJECT))
    if wanted.level is not None:
        parts.append((weights["level"] * (wanted.level in candidate.levels), TEACHES_LEVEL))
    if wanted.times:
        overlaps = {key: len(hours & candidate.free_hours) / len(hours) for key, hours in wanted.times.items() if hours}
        if overlaps:
            best = max(overlaps, key=overlaps.get)
            share = sum(overlaps.values()) / len(overlaps)
            reason = partial(format_lazy, _("Free on your {times}"), times=PERIODS_BY_KEY[best].label)
            parts.append((weights["time"] * share, reason if overlaps[best] > 0 else None))
    if wanted.language:
        parts.append((weights["language"] * (wanted.language in candidate.languages), SPEAKS_LANGUAGE))
    if wanted.budget is not None and candidate.rate is not None:
        # Full points within budget, falling to none at twice the budget.
        fit = 1.0 if candidate.rate <= wanted.budget else max(0.0, 2 - candidate.rate / max(wanted.budget, 1))
        parts.append((weights["budget"] * fit, WITHIN_BUDGET if fit == 1.0 else None))

    rating = bayesian_rating(candidate.rating_average, candidate.rating_count, weights)
    rating_reason = None
    if candidate.rating_count:
        rating_reason = partial(_rating_reason, candidate.rating_average, candidate.rating_count)
    parts.append((weights["rating"] * rating / 5, rating_reason))
    parts.append((weights["response"] * float(candidate.response_rate), ANSWERS_QUICKLY))
    parts.append((weights["reliability"] * float(candidate.reliability), RELIABLE))

    total = sum(points for points, _reason in parts)
    ranked = sorted((p for p in parts if p[1] is not None and p[0] > 0), key=lambda p: -p[0])
    return Score(total=round(total, 4), shown=tuple(reason for _points, reason in ranked[: weights["reasons_shown"]]))
