"""Idempotency keys on the POSTs that create bookings or money, as Stripe's API has them: the
first request with a key is answered and its answer kept; a retry with the same key (a lost
connection, a double tap) gets that answer again instead of doing it twice. The key is claimed
by a unique row before the work starts, so two copies racing each other cannot both do it."""

import hashlib
from datetime import timedelta
from functools import wraps

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.response import Response

from api.models import IdempotentRequest
from api.problems import Refused

HEADER = "Idempotency-Key"
KEPT_FOR = timedelta(hours=24)


def _fingerprint(request) -> str:
    return hashlib.sha256(b"\n".join([request.method.encode(), request.path.encode(), request.body])).hexdigest()


def _claim(user, key: str, fingerprint: str) -> tuple[bool, IdempotentRequest]:
    IdempotentRequest.objects.filter(user=user, key=key, created_at__lt=timezone.now() - KEPT_FOR).delete()
    try:
        with transaction.atomic():
            return True, IdempotentRequest.objects.create(user=user, key=key, fingerprint=fingerprint)
    except IntegrityError:
        return False, IdempotentRequest.objects.get(user=user, key=key)


def idempotent(view_method):
    """For an APIView's post(): honour an Idempotency-Key header when the caller sends one."""

    @wraps(view_method)
    def wrapper(view, request, *args, **kwargs):
        key = request.headers.get(HEADER, "")
        if not key:
            return view_method(view, request, *args, **kwargs)
        if len(key) > 255:
            raise Refused(_("An Idempotency-Key is at most 255 characters."), status_code=status.HTTP_400_BAD_REQUEST)
        fingerprint = _fingerprint(request)
        claimed, row = _claim(request.user, key, fingerprint)
        if not claimed:
            if row.fingerprint != fingerprint:
                raise Refused(
                    _("This Idempotency-Key was used for a different request."),
                    code="idempotency_key_reused",
                    status_code=status.HTTP_422_UNPROCESSABLE_ENTITY,
                )
            if row.status_code is None:
                raise Refused(_("A request with this Idempotency-Key is still being answered."), code="in_progress")
            return Response(row.response, status=row.status_code, headers={"Idempotent-Replayed": "true"})
        try:
            response = view_method(view, request, *args, **kwargs)
        except Exception:
            row.delete()  # refused or failed: nothing was done, so the same key may try again
            raise
        row.status_code, row.response = response.status_code, response.data
        row.save(update_fields=["status_code", "response"])
        return response

    return wrapper
