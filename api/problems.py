"""Errors as RFC 9457 problem details: {"type", "title", "status", "detail", "errors"}, served
as application/problem+json, with each invalid field named in "errors"."""

from http import HTTPStatus

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.views import exception_handler as drf_exception_handler

PROBLEM_TYPES = "https://lyceum.example/problems/"  # documented in docs/api.md, one per `code`


class Refused(exceptions.APIException):
    """The domain's rules refuse this (a closed lesson, a paid course, a full class): its
    message, as the site would show it."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "refused"

    def __init__(self, detail, *, code: str | None = None, status_code: int | None = None):
        super().__init__(detail, code)
        if status_code:
            self.status_code = status_code


def _field_errors(data, prefix: str = "") -> list[dict]:
    """DRF's nested {"field": ["message"]} as a flat list of {"field", "message", "code"}."""
    if isinstance(data, dict):
        return [error for key, value in data.items() for error in _field_errors(value, f"{prefix}{key}.")]
    if isinstance(data, list):
        if all(isinstance(item, exceptions.ErrorDetail) for item in data):
            field = prefix.rstrip(".") or None
            return [{"field": field, "message": str(item), "code": item.code} for item in data]
        return [error for i, item in enumerate(data) for error in _field_errors(item, f"{prefix}{i}.")]
    return [{"field": prefix.rstrip(".") or None, "message": str(data), "code": getattr(data, "code", "invalid")}]


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        # A domain service's own refusal of a field: the same message, as a 400.
        exc = exceptions.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages})
    if isinstance(exc, PermissionDenied) and str(exc):
        exc = exceptions.PermissionDenied(str(exc))
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a bug: Django's 500, logged and reported as any other
    code = getattr(exc, "get_codes", lambda: "error")()
    problem = {"status": response.status_code, "title": HTTPStatus(response.status_code).phrase}
    if isinstance(exc, exceptions.ValidationError):
        problem.update(
            type=PROBLEM_TYPES + "invalid",
            title=_("Your request has invalid fields."),
            detail=_("Correct the fields in “errors” and send it again."),
            errors=[
                {**error, "field": error["field"] if error["field"] not in ("", "non_field_errors") else None}
                for error in _field_errors(response.data)
            ],
        )
    else:
        code = code if isinstance(code, str) else "error"
        problem.update(type=PROBLEM_TYPES + code, detail=str(response.data.get("detail", "")))
    response.data = problem
    response.content_type = "application/problem+json"
    return response
