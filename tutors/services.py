"""Writes of the tutor marketplace: what a teacher offers (prices, trial, packages), their
credentials and the Verified badge, the figures the directory ranks by, and their free hours.

Every function checks who may do it and validates before saving; bad input raises
`ValidationError` (a dict keyed by field where a field is at fault), which views show on
their form. Granting and revoking the badge is audited and the teacher is told.
"""

import statistics
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chat.attachments import AttachmentRejected, check_attachment
from courses.embeds import parse_video_url
from live import selectors as live_selectors
from lms.models import Role, User
from lms.services import audit_record, notify
from tutors.models import LESSON_LENGTHS, Credential, FreeHour, Package, Tutor
from tutors.times import hour_of_week

CURRENCIES = ("GBP", "EUR", "USD", "INR", "AED", "CAD", "AUD")


MAX_RATE = 10_000_00  # minor units: a sanity bound, not a business rule


PACKAGE_LESSONS = (2, 50)


PACKAGE_MAX_DISCOUNT = 50


# What a credential may be, told by its first bytes (the full check is chat.attachments).
CREDENTIAL_TYPES = {b"%PDF-": "application/pdf", b"\xff\xd8\xff": "image/jpeg", b"\x89PNG\r\n\x1a\n": "image/png"}


def _may_edit(actor: User, tutor: Tutor) -> None:
    if actor.pk != tutor.user_id and not actor.is_platform_staff:
        raise PermissionDenied(_("Only the teacher can change their marketplace profile."))


def _staff_only(actor: User) -> None:
    if not actor.is_platform_staff:
        raise PermissionDenied(_("Only staff can verify teachers."))


def tutor_ensure(*, user: User) -> Tutor:
    """The teacher's marketplace record, made (unlisted until priced) on first use."""
    if user.role != Role.TEACHER:
        raise PermissionDenied(_("Only teachers have a marketplace profile."))
    tutor, _created = Tutor.objects.get_or_create(user=user)
    return tutor


@transaction.atomic
def tutor_update(
    *,
    actor: User,
    tutor: Tutor,
    subjects,
    levels,
    languages,
    currency: str,
    rate_30: int | None,
    rate_45: int | None,
    rate_60: int | None,
    trial_price: int | None = None,
    trial_minutes: int = 30,
    intro_video_url: str = "",
    education: str = "",
    experience: str = "",
    is_listed: bool = True,
) -> Tutor:
    """Save what the teacher offers. Prices are minor units of `currency`."""
    _may_edit(actor, tutor)
    errors: dict[str, str] = {}
    currency = (currency or "").upper()
    if currency not in CURRENCIES:
        errors["currency"] = _("Choose one of the currencies offered.")
    rates = {30: rate_30, 45: rate_45, 60: rate_60}
    for minutes, rate in rates.items():
        if rate is not None and not 0 < rate <= MAX_RATE:
            errors[f"rate_{minutes}"] = _("Enter a price above zero.") if rate <= 0 else _("That price is too high.")
    if is_listed and rate_60 is None:
        errors["rate_60"] = _("Set your price for 60 minutes to be listed in the directory.")
    if trial_price is not None:
        if trial_minutes not in LESSON_LENGTHS:
            errors["trial_minutes"] = _("Choose a lesson length.")
        else:
            full = rates[trial_minutes]
            if full is None:
                errors["trial_price"] = _("Set your price for a lesson of that length first.")
            elif not 0 <= trial_price < full:
                errors["trial_price"] = _("A trial lesson costs less than a normal lesson of the same length.")
    intro_video_url = (intro_video_url or "").strip()
    if intro_video_url and parse_video_url(intro_video_url) is None:
        errors["intro_video_url"] = _("Use a YouTube or Vimeo video link.")
    if errors:
        raise ValidationError(errors)
    tutor = Tutor.objects.select_for_update().get(pk=tutor.pk)
    tutor.currency = currency
    tutor.rate_30, tutor.rate_45, tutor.rate_60 = rate_30, rate_45, rate_60
    tutor.trial_price = trial_price
    tutor.trial_minutes = trial_minutes if trial_minutes in LESSON_LENGTHS else 30
    tutor.intro_video_url = intro_video_url
    tutor.education = (education or "").strip()[:4000]
    tutor.experience = (experience or "").strip()[:4000]
    tutor.is_listed = is_listed
    tutor.save()
    tutor.subjects.set(subjects)
    tutor.levels.set(levels)
    tutor.languages.set(languages)
    return tutor


@transaction.atomic
def package_add(*, actor: User, tutor: Tutor, lessons: int, minutes: int, discount_percent: int) -> Package:
    """Offer `lessons` lessons of `minutes` at `discount_percent` off; offering a bundle the
    teacher withdrew before offers it again with the new discount."""
    _may_edit(actor, tutor)
    tutor = Tutor.objects.select_for_update().get(pk=tutor.pk)
    errors: dict[str, str] = {}
    low, high = PACKAGE_LESSONS
    if not low <= lessons <= high:
        errors["lessons"] = _("A package has between %(low)s and %(high)s lessons.") % {"low": low, "high": high}
    if minutes not in LESSON_LENGTHS:
        errors["minutes"] = _("Choose a lesson length.")
    elif tutor.rate_for(minutes) is None:
        errors["minutes"] = _("Set your price for a lesson of that length first.")
    if not 0 < discount_percent <= PACKAGE_MAX_DISCOUNT:
        errors["discount_percent"] = _("The discount is between 1 %% and %(max)s %%.") % {"max": PACKAGE_MAX_DISCOUNT}
    if errors:
        raise ValidationError(errors)
    package = Package.objects.filter(tutor=tutor, lessons=lessons, minutes=minutes).first()
    if package is not None and package.is_active:
        raise ValidationError({"lessons": _("You already offer that package.")})
    if package is None:
        package = Package(tutor=tutor, lessons=lessons, minutes=minutes)
    package.discount_percent = discount_percent
    package.is_active = True
    package.save()
    return package


@transaction.atomic
def package_remove(*, actor: User, tutor: Tutor, package_id: int) -> None:
    """Stop offering a package. Kept, withdrawn, so what students bought still names it;
    removing one already withdrawn (a second click) changes nothing."""
    _may_edit(actor, tutor)
    Package.objects.filter(tutor=tutor, pk=package_id).update(is_active=False)


def credential_max_bytes() -> int:
    return settings.TUTOR_CREDENTIAL_MAX_BYTES


@transaction.atomic
def credential_upload(*, actor: User, tutor: Tutor, kind: str, upload) -> Credential:
    """Store a document for staff to review, after checking its size and its real content
    (PDF, JPEG or PNG by its bytes, then chat.attachments' full check)."""
    if actor.pk != tutor.user_id:
        raise PermissionDenied(_("Only the teacher can upload their credentials."))
    if kind not in Credential.Kind.values:
        raise ValidationError({"kind": _("Choose what the document is.")})
    limit = credential_max_bytes()
    too_big = ValidationError({"file": _("The file is too big: at most %(n)s MB.") % {"n": limit // (1024 * 1024)}})
    if upload is None:
        raise ValidationError({"file": _("Choose a file.")})
    if (upload.size or 0) > limit:
        raise too_big
    upload.seek(0)
    head = upload.read(8)
    content_type = next((kind for magic, kind in CREDENTIAL_TYPES.items() if head.startswith(magic)), None)
    if content_type is None:
        raise ValidationError({"file": _("Upload a PDF, JPEG or PNG file.")})
    try:
        checked = check_attachment(upload, limit=limit)
    except AttachmentRejected as exc:
        raise ValidationError({"file": str(exc)}) from exc
    return Credential.objects.create(
        tutor=tutor,
        kind=kind,
        file=checked.content,
        original_name=checked.name,
        content_type=content_type,
        size=checked.size,
    )


@transaction.atomic
def credential_review(*, actor: User, credential: Credential, approve: bool, note: str = "") -> Credential:
    """Staff mark a credential approved or rejected (audited; the teacher is told)."""
    _staff_only(actor)
    credential = Credential.objects.select_for_update().select_related("tutor__user").get(pk=credential.pk)
    status = Credential.Status.APPROVED if approve else Credential.Status.REJECTED
    if credential.status == status:
        return credential
    before = credential.status
    credential.status = status
    credential.reviewed_by = actor
    credential.reviewed_at = timezone.now()
    credential.note = (note or "").strip()[:2000]
    credential.save()
    audit_record(
        actor=actor,
        action="tutors.credential.review",
        target=credential,
        changes={"status": (before, status)},
        message=credential.note,
    )
    title = (
        gettext_lazy("Your document “{name}” was approved")
        if approve
        else gettext_lazy("Your document “{name}” was not accepted")
    )
    notify(
        user=credential.tutor.user,
        kind="account",
        title=format_lazy(title, name=credential.original_name),
        body=credential.note,
        url="/tutors/credentials/",
    )
    return credential


@transaction.atomic
def verification_grant(*, actor: User, tutor: Tutor, note: str = "") -> Tutor:
    """Give the teacher the Verified badge: audited, the teacher told. Granting it twice
    changes nothing."""
    _staff_only(actor)
    tutor = Tutor.objects.select_for_update().select_related("user").get(pk=tutor.pk)
    if tutor.verified_at is not None:
        return tutor
    tutor.verified_at = timezone.now()
    tutor.save(update_fields=["verified_at"])
    audit_record(
        actor=actor,
        action="tutors.verification.grant",
        target=tutor,
        changes={"verified_at": (None, tutor.verified_at.isoformat())},
        message=note,
    )
    notify(
        user=tutor.user,
        kind="account",
        title=gettext_lazy("You are now a verified teacher"),
        body=note or gettext_lazy("Staff checked your credentials. The Verified badge now shows on your profile."),
        url=tutor.get_absolute_url(),
    )
    return tutor


@transaction.atomic
def verification_revoke(*, actor: User, tutor: Tutor, note: str = "") -> Tutor:
    """Take the Verified badge away (audited, the teacher told). The badge is drawn from
    `Tutor.verified_at` alone, so it is gone from every page on the next request."""
    _staff_only(actor)
    tutor = Tutor.objects.select_for_update().select_related("user").get(pk=tutor.pk)
    if tutor.verified_at is None:
        return tutor
    before = tutor.verified_at
    tutor.verified_at = None
    tutor.save(update_fields=["verified_at"])
    audit_record(
        actor=actor,
        action="tutors.verification.revoke",
        target=tutor,
        changes={"verified_at": (before.isoformat(), None)},
        message=note,
    )
    notify(
        user=tutor.user,
        kind="account",
        title=gettext_lazy("Your Verified badge was removed"),
        body=note or gettext_lazy("Contact staff if you think this is a mistake."),
        url="/tutors/credentials/",
    )
    return tutor


def tutor_stats_refresh(*, tutor: Tutor, now: datetime | None = None) -> Tutor:
    """Recompute the teacher's lessons taught, response rate and typical response time,
    and reliability from their classes (ratings belong to the reviews).

    - Lessons taught: past confirmed classes in which a student was marked attended.
    - Response: their one-to-one requests answered (confirmed or declined, even if later
      cancelled) against those that expired unanswered; the typical time is the median
      from the request to the answer (confirmation, or the decline's last change).
    - Reliability: of the lessons they confirmed, the share not cancelled by the teacher
      and not missed by them (a past class a student joined, the teacher never did, and
      nobody was marked attended).
    """
    from live.models import JoinClick, LiveClass, Participant

    now = now or timezone.now()
    teacher_id = tutor.user_id
    classes = LiveClass.objects.filter(teacher_id=teacher_id)
    attended = Participant.objects.filter(live_class=OuterRef("pk"), attendance=Participant.Attendance.ATTENDED)
    lessons_taught = classes.filter(status=LiveClass.Status.CONFIRMED, end__lte=now).filter(Exists(attended)).count()

    requests = classes.filter(kind=LiveClass.Kind.PRIVATE)
    waits = []
    for created, confirmed, updated in requests.filter(
        Q(confirmed_at__isnull=False) | Q(status=LiveClass.Status.REJECTED)
    ).values_list("created_at", "confirmed_at", "updated_at"):
        answered = confirmed or updated
        waits.append(max((answered - created).total_seconds(), 0))
    expired = requests.filter(status=LiveClass.Status.EXPIRED).count()
    asked = len(waits) + expired
    response_rate = Decimal(len(waits)) / asked if asked else Decimal(1)
    response_minutes = round(statistics.median(waits) / 60) if waits else None

    confirmed = classes.filter(confirmed_at__isnull=False)
    by_teacher = confirmed.filter(status=LiveClass.Status.CANCELLED, cancelled_by_id=teacher_id).count()
    student_joined = JoinClick.objects.filter(live_class=OuterRef("pk")).exclude(user_id=teacher_id)
    teacher_joined = JoinClick.objects.filter(live_class=OuterRef("pk"), user_id=teacher_id)
    missed = (
        confirmed.filter(status=LiveClass.Status.CONFIRMED, end__lte=now)
        .filter(Exists(student_joined), ~Exists(teacher_joined), ~Exists(attended))
        .count()
    )
    held_or_due = confirmed.count()
    reliability = Decimal(held_or_due - by_teacher - missed) / held_or_due if held_or_due else Decimal(1)

    Tutor.objects.filter(pk=tutor.pk).update(
        lessons_taught=lessons_taught,
        response_rate=response_rate.quantize(Decimal("0.001")),
        response_minutes=response_minutes,
        reliability=max(reliability, Decimal(0)).quantize(Decimal("0.001")),
    )
    tutor.refresh_from_db(fields=["lessons_taught", "response_rate", "response_minutes", "reliability"])
    return tutor


FREE_HOURS_DAYS = 14


@transaction.atomic
def free_hours_refresh(*, tutor: Tutor, now: datetime | None = None) -> set[int]:
    """Rebuild the tutor's `FreeHour` rows: the UTC hours of the week in which a slot of
    theirs is free (their availability minus their bookings) in the next 14 days. Returns
    the hours."""
    now = now or timezone.now()
    # Two refreshes of one tutor (a booking and the nightly run) take turns.
    list(Tutor.objects.select_for_update().filter(pk=tutor.pk).values_list("pk"))
    slots = live_selectors.teacher_free_slots(teacher=tutor.user, now=now, end=now + timedelta(days=FREE_HOURS_DAYS))
    hours = {hour_of_week(slot.start) for slot in slots}
    stored = set(FreeHour.objects.filter(tutor=tutor).values_list("hour", flat=True))
    if stored - hours:
        FreeHour.objects.filter(tutor=tutor, hour__in=stored - hours).delete()
    if hours - stored:
        FreeHour.objects.bulk_create([FreeHour(tutor=tutor, hour=hour) for hour in sorted(hours - stored)])
    return hours
