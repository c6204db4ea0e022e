"""Reading the marketplace: what the ranking needs of many tutors, in a fixed number of
queries, and the tutor directory's search."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.core.paginator import Page, Paginator
from django.db.models import Exists, OuterRef, Prefetch, QuerySet

from lms.models import Role
from tutors.models import LESSON_LENGTHS, Credential, FreeHour, Package, Tutor
from tutors.ranking import Candidate, Score, Wanted, score
from tutors.times import periods_hours

# What the ranking reads of a tutor's own row.
RANKED_FIELDS = ("pk", "rate_60", "rating_average", "rating_count", "response_rate", "reliability")


def candidates_for(tutors: QuerySet[Tutor] | list[Tutor], *, wanted: Wanted | None = None) -> dict[int, Candidate]:
    """{tutor id: Candidate} for `tutors`, in at most five queries however many there are.

    A queryset is read as a few values per tutor (no model instances), and the related
    rows through a subquery of it. With `wanted`, only what `score(…, wanted)` reads is
    loaded — the subject, level and language it asks about, the free hours within its
    times — so thousands of tutors are scored from a small read, to the same totals and
    reasons as from everything."""
    if isinstance(tutors, QuerySet):
        rows = list(tutors.order_by().values_list(*RANKED_FIELDS))
        ids = tutors.order_by().values("pk")
    else:
        rows = [tuple(getattr(tutor, name) for name in RANKED_FIELDS) for tutor in tutors]
        ids = [row[0] for row in rows]
    subjects, levels, languages, hours = (defaultdict(set) for _ in range(4))
    if rows:
        through = Tutor.subjects.through.objects.filter(tutor_id__in=ids)
        if wanted is None or wanted.subject is not None:
            if wanted is not None:
                through = through.filter(subject_id=wanted.subject)
            for tutor_id, subject_id in through.values_list("tutor_id", "subject_id"):
                subjects[tutor_id].add(subject_id)
        through = Tutor.levels.through.objects.filter(tutor_id__in=ids)
        if wanted is None or wanted.level is not None:
            if wanted is not None:
                through = through.filter(level_id=wanted.level)
            for tutor_id, level_id in through.values_list("tutor_id", "level_id"):
                levels[tutor_id].add(level_id)
        through = Tutor.languages.through.objects.filter(tutor_id__in=ids)
        if wanted is None or wanted.language:
            if wanted is not None:
                through = through.filter(spokenlanguage__code=wanted.language)
            for tutor_id, code in through.values_list("tutor_id", "spokenlanguage__code"):
                languages[tutor_id].add(code)
        free = FreeHour.objects.filter(tutor_id__in=ids)
        if wanted is None or wanted.times:
            if wanted is not None:
                free = free.filter(hour__in=set().union(*wanted.times.values()))
            for tutor_id, hour in free.values_list("tutor_id", "hour"):
                hours[tutor_id].add(hour)
    none = frozenset()
    return {
        pk: Candidate(
            subjects=frozenset(subjects[pk]) if pk in subjects else none,
            levels=frozenset(levels[pk]) if pk in levels else none,
            languages=frozenset(languages[pk]) if pk in languages else none,
            free_hours=frozenset(hours[pk]) if pk in hours else none,
            rate=rate,
            rating_average=rating_average,
            rating_count=rating_count,
            response_rate=response_rate,
            reliability=reliability,
        )
        for pk, rate, rating_average, rating_count, response_rate, reliability in rows
    }


SORTS = ("recommended", "price", "rating", "newest")


PAGE_SIZE = 20


@dataclass(frozen=True)
class DirectoryQuery:
    """What a visitor asked the directory for (tutors.forms.DirectoryForm reads it from the URL)."""

    subject: int | None = None
    level: int | None = None
    language: str = ""
    currency: str = "GBP"
    price_min: int | None = None  # minor units of `currency`, for 60 minutes
    price_max: int | None = None
    periods: tuple[str, ...] = ()  # tutors.times period keys, in the viewer's zone
    rating_min: Decimal | None = None
    verified: bool = False
    sort: str = "recommended"


@dataclass
class DirectoryResult:
    page: Page  # of Tutor, with user, teacher profile, subjects and languages loaded
    scores: dict[int, Score] = field(default_factory=dict)  # tutor id → score, for the page's tutors


def directory_tutors() -> QuerySet[Tutor]:
    """Every tutor the directory may show: listed (as a tutor and on their public page), with a
    price, still a teacher."""
    return Tutor.objects.listed().filter(user__role=Role.TEACHER, user__teacher_profile__is_listed=True)


def directory_search(*, query: DirectoryQuery, zone: ZoneInfo, page_number=1) -> DirectoryResult:
    """One page of the directory, and the scores (with their reasons) of its tutors.

    Filters run in the database. "Recommended" scores every matching tutor with
    `tutors.ranking.score` from a few columns and the related rows it asks about
    (candidates_for with `wanted`), sorts the ids and loads only the page's tutors; the
    other orders are the database's. A constant number of queries however many tutors."""
    times = periods_hours(query.periods, zone)
    wanted = Wanted(
        subject=query.subject,
        level=query.level,
        language=query.language,
        budget=query.price_max,
        times=times,
    )
    tutors = directory_tutors()
    if query.subject is not None:
        tutors = tutors.filter(
            Exists(Tutor.subjects.through.objects.filter(tutor_id=OuterRef("pk"), subject_id=query.subject))
        )
    if query.level is not None:
        tutors = tutors.filter(
            Exists(Tutor.levels.through.objects.filter(tutor_id=OuterRef("pk"), level_id=query.level))
        )
    if query.language:
        tutors = tutors.filter(
            Exists(Tutor.languages.through.objects.filter(tutor_id=OuterRef("pk"), spokenlanguage__code=query.language))
        )
    if query.price_min is not None or query.price_max is not None:
        tutors = tutors.filter(currency=query.currency)
        if query.price_min is not None:
            tutors = tutors.filter(rate_60__gte=query.price_min)
        if query.price_max is not None:
            tutors = tutors.filter(rate_60__lte=query.price_max)
    if times:
        hours = set().union(*times.values())
        tutors = tutors.filter(Exists(FreeHour.objects.filter(tutor_id=OuterRef("pk"), hour__in=hours)))
    if query.rating_min is not None:
        tutors = tutors.filter(rating_count__gt=0, rating_average__gte=query.rating_min)
    if query.verified:
        tutors = tutors.filter(verified_at__isnull=False)

    scores: dict[int, Score] = {}
    if query.sort == "recommended":
        candidates = candidates_for(tutors, wanted=wanted)
        scores = {pk: score(candidate, wanted) for pk, candidate in candidates.items()}
        # Best first; among equals, more reviews, then the newer tutor (the higher id).
        ranked = sorted(scores, key=lambda pk: (-scores[pk].total, -candidates[pk].rating_count, -pk))
        page = Paginator(ranked, PAGE_SIZE).get_page(page_number)
        loaded = {tutor.pk: tutor for tutor in _for_cards(Tutor.objects.filter(pk__in=list(page.object_list)))}
        page.object_list = [loaded[pk] for pk in page.object_list if pk in loaded]
        return DirectoryResult(page=page, scores={tutor.pk: scores[tutor.pk] for tutor in page.object_list})

    order = {
        "price": ("rate_60", "pk"),
        "rating": ("-rating_average", "-rating_count", "-pk"),
        "newest": ("-created_at", "-pk"),
    }[query.sort]
    page = Paginator(_for_cards(tutors.order_by(*order)), PAGE_SIZE).get_page(page_number)
    page.object_list = list(page.object_list)
    candidates = candidates_for(page.object_list, wanted=wanted)
    return DirectoryResult(page=page, scores={pk: score(candidate, wanted) for pk, candidate in candidates.items()})


def _for_cards(tutors: QuerySet[Tutor]) -> QuerySet[Tutor]:
    return tutors.select_related("user", "user__teacher_profile").prefetch_related("subjects", "languages")


def tutor_of(user) -> Tutor | None:
    """The teacher's marketplace record with what their page shows, or None."""
    return (
        Tutor.objects.filter(user=user)
        .select_related("user")
        .prefetch_related(
            "subjects",
            "levels",
            "languages",
            Prefetch("packages", queryset=Package.objects.filter(is_active=True), to_attr="offered_packages"),
        )
        .first()
    )


def next_free_times(*, teacher, limit: int = 5, now: datetime | None = None) -> list[datetime]:
    """The starts (UTC) of the teacher's next bookable slots, soonest first."""
    from live.selectors import teacher_free_slots

    return [slot.start for slot in teacher_free_slots(teacher=teacher, now=now)[:limit]]


def credential_for(*, user, credential_id: int) -> Credential | None:
    """The credential if `user` may see it (its teacher or staff), else None."""
    if not user.is_authenticated:
        return None
    credential = Credential.objects.select_related("tutor").filter(pk=credential_id).first()
    if credential is None:
        return None
    if credential.tutor.user_id == user.pk or user.is_platform_staff:
        return credential
    return None


def offer_of(tutor: Tutor) -> dict:
    """What the tutor charges, in major units of their currency for `|currency`: the price
    of each lesson length, the trial lesson, and the packages offered with their totals."""
    from billing.money import to_major

    def major(amount):
        return None if amount is None else to_major(amount, tutor.currency)

    packages = getattr(tutor, "offered_packages", None)
    if packages is None:
        packages = list(tutor.packages.filter(is_active=True))
    for package in packages:
        package.tutor = tutor  # price() reads the rates; no query per package
    return {
        "currency": tutor.currency,
        "prices": [
            {"minutes": minutes, "amount": major(tutor.rate_for(minutes))}
            for minutes in LESSON_LENGTHS
            if tutor.rate_for(minutes) is not None
        ],
        "trial": (
            {"minutes": tutor.trial_minutes, "amount": major(tutor.trial_price)}
            if tutor.trial_price is not None
            else None
        ),
        "packages": [
            {
                "lessons": package.lessons,
                "minutes": package.minutes,
                "discount": package.discount_percent,
                "amount": major(package.price()),
            }
            for package in packages
            if package.price() is not None
        ],
    }


def response_time(tutor: Tutor) -> tuple[str, int] | None:
    """The typical response time in the unit people say it in: ("minutes" | "hours" | "days", n)."""
    minutes = tutor.response_minutes
    if minutes is None:
        return None
    if minutes < 60:
        return "minutes", max(minutes, 1)
    if minutes < 48 * 60:
        return "hours", round(minutes / 60)
    return "days", round(minutes / (24 * 60))
