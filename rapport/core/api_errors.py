"""Errors as RFC 9457 problem details (application/problem+json) naming the fields."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

PROBLEM_CONTENT_TYPE = "application/problem+json"


def _django_validation_to_drf(exc: DjangoValidationError) -> exceptions.ValidationError:
    if hasattr(exc, "error_dict"):
        return exceptions.ValidationError(exc.message_dict)
    return exceptions.ValidationError({"non_field_errors": exc.messages})


def _flatten(detail, prefix: str = "") -> list[dict[str, str]]:
    errors: list[dict[str, str]] = []
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            errors += _flatten(value, name)
    elif isinstance(detail, list):
        for index, item in enumerate(detail):
            if isinstance(item, (dict, list)):
                errors += _flatten(item, f"{prefix}[{index}]" if prefix else str(index))
            else:
                errors.append({"field": prefix or "non_field_errors", "message": str(item)})
    else:
        errors.append({"field": prefix or "non_field_errors", "message": str(detail)})
    return errors


def problem_exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = _django_validation_to_drf(exc)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    response = exception_handler(exc, context)
    if response is None:
        return None
    problem = {
        "type": "about:blank",
        "title": _title(response.status_code),
        "status": response.status_code,
    }
    if isinstance(exc, exceptions.ValidationError):
        problem["detail"] = _("The request has invalid fields.")
        problem["errors"] = _flatten(exc.detail)
        problem["fields"] = sorted(
            {e["field"].split(".")[0].split("[")[0] for e in problem["errors"]}
        )
    elif isinstance(exc, exceptions.APIException):
        problem["detail"] = str(exc.detail)
    request = context.get("request")
    if request is not None:
        problem["instance"] = request.path
    result = Response(problem, status=response.status_code, headers=dict(response.items()))
    result.content_type = PROBLEM_CONTENT_TYPE
    return result


def _title(code: int) -> str:
    titles = {
        status.HTTP_400_BAD_REQUEST: _("Invalid input"),
        status.HTTP_401_UNAUTHORIZED: _("Not authenticated"),
        status.HTTP_403_FORBIDDEN: _("Forbidden"),
        status.HTTP_404_NOT_FOUND: _("Not found"),
        status.HTTP_405_METHOD_NOT_ALLOWED: _("Method not allowed"),
        status.HTTP_409_CONFLICT: _("Conflict"),
        status.HTTP_429_TOO_MANY_REQUESTS: _("Too many requests"),
    }
    return str(titles.get(code, _("Error")))
