"""What no request may carry, refused once here for every endpoint and page.

- NUL characters: PostgreSQL's text columns cannot hold them, so a NUL that reached a query
  or a row would be a server error. Query strings (every page and endpoint) are checked by
  `InputGuardMiddleware`; JSON bodies by `StrictJSONParser`; HTML forms by Django's own
  CharField validator (ProhibitNullCharactersValidator), beside the field, input kept.
- Nesting: a body nested deeper than `MAX_DEPTH` is refused before Python's recursion limit
  is anywhere near.
- Numbers: an integer outside PostgreSQL's bigint, or a NaN/Infinity, is refused from JSON;
  numbers typed into query filters are bounded by `BoundedFilterSet`.
- Dates: `SANE_YEARS` bounds every date the API accepts (`AwareDateTimeField`), and every date
  and date-time of an HTML form (`bound_form_dates`: every Django DateField and DateTimeField,
  so the pages, the payload forms the services validate with and the filters), so year 936 or
  9999 never reaches a calendar computation or a row.

Each refusal is a 400 with a precise `code` (`invalid_character`, `too_deep`, `out_of_range`)
in the API's error shape, or a Chinese 400 page.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, serializers
from rest_framework.parsers import JSONParser

MAX_DEPTH = 32
BIGINT = 2**63 - 1
SANE_YEARS = (2000, 2100)


class BadInput(exceptions.ParseError):
    """A body the API refuses as a whole; `default_code` is the error's `code`."""


class InvalidCharacter(BadInput):
    default_code = "invalid_character"
    default_detail = gettext_lazy("请求中含有不允许的字符（NUL）。")


class TooDeep(BadInput):
    default_code = "too_deep"
    default_detail = gettext_lazy("请求体嵌套层数过多（最多 %(depth)s 层）。") % {"depth": MAX_DEPTH}


class OutOfRange(BadInput):
    default_code = "out_of_range"
    default_detail = gettext_lazy("请求中的数值超出允许范围。")


def check_value(value: Any, depth: int = 0) -> None:
    """Raise a BadInput for the first thing in a parsed JSON value that no field may take."""
    if depth > MAX_DEPTH:
        raise TooDeep()
    if isinstance(value, str):
        if "\x00" in value:
            raise InvalidCharacter()
    elif isinstance(value, bool):
        return
    elif isinstance(value, int):
        if not -BIGINT - 1 <= value <= BIGINT:
            raise OutOfRange()
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise OutOfRange()
    elif isinstance(value, dict):
        for k, v in value.items():
            check_value(k, depth + 1)
            check_value(v, depth + 1)
    elif isinstance(value, list):
        for v in value:
            check_value(v, depth + 1)


def _no_constants(name: str) -> Any:
    raise OutOfRange()  # NaN, Infinity, -Infinity: not JSON, and no field takes them


class StrictJSONParser(JSONParser):
    """DRF's JSON parser, refusing NUL, deep nesting and numbers no column can hold."""

    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        encoding = (parser_context or {}).get("encoding", "utf-8")
        try:
            text = stream.read().decode(encoding)
            data = json.loads(text, parse_constant=_no_constants)
        except RecursionError as err:
            raise TooDeep() from err
        except BadInput:
            raise
        except ValueError as err:  # includes UnicodeDecodeError and JSONDecodeError
            raise exceptions.ParseError() from err
        check_value(data)
        return data


class InputGuardMiddleware:
    """Refuse a query string with a NUL in it, on every page and endpoint, before any view or
    filter turns it into a query."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path or any(
            "\x00" in key or any("\x00" in v for v in values) for key, values in request.GET.lists()
        ):
            return refuse(request, InvalidCharacter.default_code, str(InvalidCharacter.default_detail))
        return self.get_response(request)


def refuse(request: HttpRequest, code: str, message: str) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse({"code": code, "message": message, "fields": {}}, status=400)
    return render(request, "400.html", {"message": message}, status=400)


class AwareDateTimeField(serializers.DateTimeField):
    """ISO 8601 with an explicit offset (a bare local time is ambiguous for clients
    elsewhere), in the years the product can mean (`SANE_YEARS`)."""

    default_error_messages = {
        "naive": gettext_lazy("请使用带时区偏移的 ISO 8601 时间，例如 2025-03-01T09:00:00+08:00。"),
        "out_of_range": gettext_lazy("时间应在 {first} 年到 {last} 年之间。"),
    }

    def to_internal_value(self, value: Any) -> Any:
        if isinstance(value, str):
            try:
                parsed = parse_datetime(value.strip())
            except ValueError:
                # Well formed but impossible (month 13, 30 February): the field's own message.
                self.fail("invalid", format="YYYY-MM-DDThh:mm[:ss][+HH:MM]")
            if parsed is not None and timezone.is_naive(parsed):
                self.fail("naive")
        result = super().to_internal_value(value)
        if not SANE_YEARS[0] <= result.year <= SANE_YEARS[1]:
            self.fail("out_of_range", first=SANE_YEARS[0], last=SANE_YEARS[1])
        return result


def validate_sane_year(value: Any) -> None:
    """A date or date-time of a form in the years the product can mean (`SANE_YEARS`)."""
    if value is not None and not SANE_YEARS[0] <= value.year <= SANE_YEARS[1]:
        message = _("时间应在 {first} 年到 {last} 年之间。").format(first=SANE_YEARS[0], last=SANE_YEARS[1])
        raise ValidationError(message, code="out_of_range")


def bound_form_dates() -> None:
    """Give every Django form DateField and DateTimeField the `SANE_YEARS` check, beside the
    field with what was typed kept, as their own validators are (called once, at start-up)."""
    for field_class in (forms.DateField, forms.DateTimeField):
        if validate_sane_year not in field_class.default_validators:
            field_class.default_validators = [*field_class.default_validators, validate_sane_year]


class BoundedFilterSet(django_filters.FilterSet):
    """A FilterSet whose number filters take only what a bigint column can compare with:
    `?unit=-1.1e188` is a field error (400), not an overflow in the query."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for f in self.filters.values():
            if isinstance(f, django_filters.NumberFilter):
                f.extra.setdefault("min_value", -BIGINT - 1)
                f.extra.setdefault("max_value", BIGINT)
                f.extra.setdefault("max_digits", 19)
                f.extra.setdefault("decimal_places", 0)


def bad_request_page(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Django's 400 (e.g. a request it cannot read) as a Chinese page."""
    return render(request, "400.html", {"message": _("请求无效。")}, status=400)
