"""What every API endpoint shares: one error shape, strict request bodies, one paginator, the docs page.

Every error leaves the API as ``{"code": ..., "message": ..., "fields": {...}}``
with the status that fits: DomainError subclasses carry their own code and
status; DRF's and Django's exceptions are mapped to fixed codes so clients can
branch on ``code`` and show ``message``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import DataError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from drf_spectacular.utils import inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.metadata import SimpleMetadata
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from workflow.errors import DomainError, InvalidPayload

from .inputs import BadInput

NON_FIELD = "non_field_errors"

# DRF exception class -> our code. Checked in order, so subclasses come first.
_CODES: list[tuple[type[exceptions.APIException], str]] = [
    (exceptions.ParseError, "malformed_json"),
    (exceptions.NotAuthenticated, "not_authenticated"),
    (exceptions.AuthenticationFailed, "not_authenticated"),
    (exceptions.PermissionDenied, "permission_denied"),
    (exceptions.NotFound, "not_found"),
    (exceptions.MethodNotAllowed, "method_not_allowed"),
    (exceptions.NotAcceptable, "not_acceptable"),
    (exceptions.UnsupportedMediaType, "unsupported_media_type"),
    (exceptions.Throttled, "throttled"),
    (exceptions.ValidationError, "invalid"),
]


# The shape of every error response, for the schema. Built with inline_serializer because a
# serializer class cannot declare a field named "fields" without shadowing Serializer.fields.
ErrorSerializer = inline_serializer(
    name="Error",
    fields={
        "code": serializers.CharField(help_text="machine-readable, e.g. transition_not_allowed"),
        "message": serializers.CharField(),
        "fields": serializers.DictField(child=serializers.ListField(child=serializers.CharField())),
    },
)


def error_body(code: str, message: Any, fields: dict[str, list[str]] | None = None) -> dict[str, Any]:
    return {"code": code, "message": str(message), "fields": fields or {}}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DomainError):
        set_rollback()
        fields = {(NON_FIELD if k == "__all__" else k): [str(m) for m in v] for k, v in exc.fields.items()}
        return Response(error_body(exc.code, exc.message, fields), status=exc.status)
    if isinstance(exc, DataError):
        # A value no column can hold that got past the checks of config/inputs.py.
        set_rollback()
        return Response(error_body("invalid_value", _("请求中的某个值无法保存，请检查。")), status=400)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    # DRF's own handler sets the WWW-Authenticate and Retry-After headers and rolls back.
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # not an API error: let Django answer 500 and log it
    assert isinstance(exc, exceptions.APIException)
    code = str(exc.default_code) if isinstance(exc, BadInput) else None
    code = code or next((c for cls, c in _CODES if isinstance(exc, cls)), None) or str(exc.default_code)
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(exc.detail)
        general = fields.get(NON_FIELD)
        message = general[0] if general else InvalidPayload.default_message
        response.data = error_body(code, message, fields)
    elif isinstance(exc, BadInput):
        response.data = error_body(code, exc.detail)
    elif isinstance(exc, exceptions.ParseError):
        # DRF's detail quotes the parser's English error; the client needs only to know the body is bad.
        response.data = error_body(code, _("请求体不是有效的 JSON。"))
    else:
        response.data = error_body(code, exc.detail)
    return response


def _flatten(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error detail as ``{"field": ["message", ...]}``; nested keys joined by dots."""
    out: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            for k, v in _flatten(value, name).items():
                out.setdefault(k, []).extend(v)
    elif isinstance(detail, list):
        for i, value in enumerate(detail):
            if isinstance(value, dict | list):
                for k, v in _flatten(value, f"{prefix}.{i}" if prefix else str(i)).items():
                    out.setdefault(k, []).extend(v)
            else:
                out.setdefault(prefix or NON_FIELD, []).append(str(value))
    else:
        out.setdefault(prefix or NON_FIELD, []).append(str(detail))
    return out


def not_found(request: Any, *args: Any, **kwargs: Any) -> JsonResponse:
    """Unknown URLs under /api/ answer in the API's error shape, not Django's HTML page."""
    return JsonResponse(error_body("not_found", exceptions.NotFound.default_detail), status=404)


# Request bodies ------------------------------------------------------------


def body_dict(data: Any) -> dict[str, Any]:
    """The request body as a dict; a JSON array or scalar is refused."""
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise InvalidPayload(_("请求体应为 JSON 对象。"))
    return dict(data)


def reject_unknown_fields(data: dict[str, Any], allowed: Iterable[str]) -> None:
    """A misspelt field would otherwise be ignored silently; name every one we don't know."""
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise InvalidPayload(
            _("请求包含未知字段：%(names)s。") % {"names": ", ".join(unknown)},
            code="unknown_field",
            fields={name: [_("未知字段。")] for name in unknown},
        )


def parse_body(serializer_class: type[serializers.Serializer], data: Any, **context: Any) -> dict[str, Any]:
    """Check a body's fields and their JSON types with a serializer; the rules are the services' job."""
    data = body_dict(data)
    reject_unknown_fields(data, serializer_class().fields)
    serializer = serializer_class(data=data, context=context)
    serializer.is_valid(raise_exception=True)
    # Only what the client sent: a PATCH must not reset fields it left out.
    return {k: v for k, v in serializer.validated_data.items() if k in data}


def reject_body(data: Any) -> None:
    """For actions that take no body: any field is an unknown field."""
    reject_unknown_fields(body_dict(data), ())


class Metadata(SimpleMetadata):
    """OPTIONS answers what the endpoint is and what it parses; the fields of each method are
    in the OpenAPI schema. (DRF's default would build the PUT form from `get_object()`, which an
    action without a primary key, like notifications/preferences/, does not have.)"""

    def determine_metadata(self, request: Any, view: Any) -> dict[str, Any]:
        data = super().determine_metadata(request, view)
        data.pop("actions", None)
        return data

    def determine_actions(self, request: Any, view: Any) -> dict[str, Any]:
        return {}


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 500


# The docs must work offline: Swagger UI's assets come from drf-spectacular-sidecar
# (SWAGGER_UI_DIST = "SIDECAR" in settings), never from a CDN.
