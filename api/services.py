"""Personal access tokens: made, found and revoked only here."""

import hashlib
import secrets
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from api.models import PersonalAccessToken
from lms.services import audit_record

TOKEN_PREFIX = "lyc_pat_"  # recognisable in a leaked file or a secret scanner's rules
MAX_ACTIVE_TOKENS = 20
# Writing "last used" on every request would make every read a write: once a minute is enough.
LAST_USED_PRECISION = timedelta(minutes=1)


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def personal_token_create(
    *, user, name: str, scope: str, expires_in_days: int | None = None
) -> tuple[PersonalAccessToken, str]:
    """A new token for `user`, and the token itself, which is never shown again."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Give the token a name, so you know later what uses it.")})
    if scope not in PersonalAccessToken.Scope.values:
        raise ValidationError({"scope": _("Choose read only, or read and write.")})
    if expires_in_days is not None and not 1 <= expires_in_days <= 366:
        raise ValidationError({"expires_in_days": _("A token lasts between 1 and 366 days, or until revoked.")})
    with transaction.atomic():
        # One at a time per person, so two requests at once cannot pass the limit together.
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
        active = PersonalAccessToken.objects.filter(user=user, revoked_at__isnull=True).count()
        if active >= MAX_ACTIVE_TOKENS:
            raise ValidationError(
                _("You have %(count)d tokens: revoke one you no longer use first.") % {"count": active}
            )
        raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
        token = PersonalAccessToken.objects.create(
            user=user,
            name=name[:100],
            scope=scope,
            digest=_digest(raw),
            prefix=raw[: len(TOKEN_PREFIX) + 4],
            expires_at=timezone.now() + timedelta(days=expires_in_days) if expires_in_days else None,
        )
        audit_record(actor=user, action="api.token_created", target=token, changes={"scope": ("", scope)})
    return token, raw


def personal_token_revoke(*, actor, token: PersonalAccessToken) -> PersonalAccessToken:
    """Revoke one of `actor`'s own tokens (staff: anyone's). Revoking twice changes nothing."""
    if token.user_id != actor.pk and not actor.is_platform_staff:
        raise PermissionDenied(_("That token is not yours."))
    updated = PersonalAccessToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    token.refresh_from_db()
    if updated:
        audit_record(actor=actor, action="api.token_revoked", target=token)
    return token


def personal_token_user(raw: str) -> PersonalAccessToken | None:
    """The active token `raw` is, with its (active) user, or None."""
    if not raw.startswith(TOKEN_PREFIX):
        return None
    token = (
        PersonalAccessToken.objects.select_related("user")
        .filter(digest=_digest(raw), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None or not token.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_PRECISION:
        PersonalAccessToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token
