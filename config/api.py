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
from django.views.decorators.csrf import csrf_exempt
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


@csrf_exempt
def not_found(request: Any, *args: Any, **kwargs: Any) -> JsonResponse:
    """Unknown URLs under /api/ answer in the API's error shape, not Django's HTML page.
    Whatever the method: an API client signs in with a token and sends no CSRF token, so
    without the exemption a POST to an unknown URL would get Django's HTML 403 page instead."""
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


# The schema's error responses ------------------------------------------------


def _error_response(description: str) -> dict[str, Any]:
    schema = {"$ref": "#/components/schemas/Error"}
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def document_errors(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: the errors any operation can answer, in the API's
    error shape, added to every operation where they can happen (a view's own declaration of
    the same status is kept):

    - 400: a NUL in the query string is refused on every path (config/inputs.py), and so is a
      bad body or filter value;
    - 401: without a valid token, wherever signing in is needed;
    - 403: a caller without the right (or a write signed in by session cookie without its
      CSRF token);
    - 404: an id in the path that names nothing the caller may see, or a page past the last;
    - 415: a body in a media type the operation does not parse.
    """
    general = {
        400: _("请求无效：参数、请求体或其中的字符不被接受。"),
        401: _("未登录，或令牌无效。"),
        403: _("无权执行此操作。"),
        404: _("对象不存在或无权查看，或页码超出范围。"),
        415: _("不支持请求体的媒体类型。"),
    }
    for path, operations in result.get("paths", {}).items():
        for operation in operations.values():
            signed_in = bool(operation.get("security"))
            params = {p.get("name") for p in operation.get("parameters", []) if p.get("in") == "query"}
            applies = {
                400: True,
                401: signed_in,
                403: signed_in,
                404: "{" in path or "page" in params,
                415: "requestBody" in operation,
            }
            responses = operation.setdefault("responses", {})
            for status, description in general.items():
                if applies[status]:
                    responses.setdefault(str(status), _error_response(str(description)))
    return result


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
