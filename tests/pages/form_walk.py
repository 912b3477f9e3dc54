"""Finding the product's HTML forms the way a person meets them: GET every page of the app URL
patterns (their parameters filled with the ids of a world's objects), and read each
``<form method="post">`` with its fields, their types and the values the page filled in.

Used by tests/pages/test_form_inputs.py; nothing here knows any particular form.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from django.urls import resolve
from django.urls.exceptions import Resolver404

from tests.urlwalk import named_patterns, urls_of

# Mounted by config.urls besides the pages: the admin site, the API and set_language have
# their own tests (tests/test_admin.py, tests/api/).
NOT_PAGES = ("admin/", "api/", "i18n/")
TEXT_TYPES = {"text", "textarea", "email", "search", "tel", "url", "password"}
CJK = re.compile(r"[\u4e00-\u9fff]")


@dataclass
class Field:
    name: str
    type: str  # an <input> type, or "textarea", "select", "select-multiple"
    values: list[str] = field(default_factory=list)  # what the page submits as it stands
    options: list[str] = field(default_factory=list)  # select options, radio/checkbox values
    required: bool = False
    disabled: bool = False
    attrs: dict[str, str] = field(default_factory=dict)
    # Inside <fieldset data-kind="K">: shown (static/js/welfare_form.js) when the form's
    # select "kind" is K, so that is what a person filling it in has chosen.
    kind_of: str = ""


@dataclass
class Form:
    page: str
    action: str
    enctype: str
    fields: dict[str, Field] = field(default_factory=dict)
    errors: list[tuple[str, str]] = field(default_factory=list)  # (the error element's id, its text)
    invalid: set[str] = field(default_factory=set)  # names of fields marked aria-invalid

    def field_errors(self, name: str) -> list[str]:
        """The error texts rendered for this field (``<ul class="errorlist" id="<its id>_error">``)."""
        f = self.fields.get(name)
        ids = {f.attrs.get("id", ""), re.sub(r"_0$", "", f.attrs.get("id", ""))} if f else set()
        return [text for owner, text in self.errors if owner and owner.removesuffix("_error") in ids]


class _FormParser(HTMLParser):
    """Every <form>, its fields and the texts of the error markup Django and our templates
    render (``<ul class="errorlist">``, ``<div class="alert error">``)."""

    def __init__(self, page: str):
        super().__init__(convert_charrefs=True)
        self.page = page
        self.forms: list[tuple[str, Form]] = []  # (method, form)
        self.page_errors: list[str] = []
        self._form: Form | None = None
        self._method = ""
        self._textarea: Field | None = None
        self._select: Field | None = None
        self._option: dict[str, str] | None = None
        self._option_text = ""
        self._error_depth = 0  # >0 inside an error element
        self._error_tag_stack: list[str] = []
        self._error_text: list[str] = []
        self._error_for = ""
        self._fieldset_kind: list[str] = []

    def handle_starttag(self, tag: str, attrs_list: list[tuple[str, str | None]]) -> None:
        attrs = {k: (v if v is not None else "") for k, v in attrs_list}
        classes = set(attrs.get("class", "").split())
        if self._error_depth:
            self._error_tag_stack.append(tag)
            self._error_depth += 1
        elif "errorlist" in classes or {"alert", "error"} <= classes:
            self._error_depth = 1
            self._error_tag_stack = [tag]
            self._error_text = []
            # Django's field errors: <ul class="errorlist" id="id_<name>_error">.
            self._error_for = attrs.get("id", "")
        if tag == "form":
            self._method = attrs.get("method", "get").lower()
            self._form = Form(self.page, attrs.get("action", ""), attrs.get("enctype", ""))
            self.forms.append((self._method, self._form))
            return
        form = self._form
        if form is None:
            return
        if tag == "fieldset":
            self._fieldset_kind.append(attrs.get("data-kind", ""))
        kind_of = next((k for k in reversed(self._fieldset_kind) if k), "")
        name = attrs.get("name", "")
        if tag == "input" and name:
            kind = attrs.get("type", "text").lower()
            if kind in {"submit", "button", "reset", "image"}:
                return
            f = form.fields.setdefault(
                name, Field(name, kind, required="required" in attrs, disabled="disabled" in attrs, attrs=attrs)
            )
            f.kind_of = kind_of
            if attrs.get("aria-invalid") == "true":
                form.invalid.add(name)
            if kind in {"checkbox", "radio"}:
                f.options.append(attrs.get("value", "on"))
                if "checked" in attrs:
                    f.values.append(attrs.get("value", "on"))
                if kind == "checkbox" and len(f.options) > 1:
                    f.type = "checkbox-multiple"
            else:
                f.values = [attrs.get("value", "")]
        elif tag == "textarea" and name:
            self._textarea = form.fields.setdefault(
                name,
                Field(name, "textarea", [""], required="required" in attrs, disabled="disabled" in attrs, attrs=attrs),
            )
            self._textarea.kind_of = kind_of
            if attrs.get("aria-invalid") == "true":
                form.invalid.add(name)
        elif tag == "select" and name:
            kind = "select-multiple" if "multiple" in attrs else "select"
            self._select = form.fields.setdefault(
                name, Field(name, kind, required="required" in attrs, disabled="disabled" in attrs, attrs=attrs)
            )
            self._select.kind_of = kind_of
            if attrs.get("aria-invalid") == "true":
                form.invalid.add(name)
        elif tag == "option" and self._select is not None:
            self._option = attrs
            self._option_text = ""

    def _close_option(self) -> None:
        if self._option is not None and self._select is not None:
            value = self._option.get("value", self._option_text.strip())
            self._select.options.append(value)
            if "selected" in self._option:
                self._select.values.append(value)
        self._option = None

    def handle_endtag(self, tag: str) -> None:
        if self._error_depth:
            self._error_tag_stack.pop()
            self._error_depth -= 1
            if not self._error_depth:
                text = " ".join("".join(self._error_text).split())
                if self._form is not None:
                    self._form.errors.append((self._error_for, text))
                else:
                    self.page_errors.append(text)
        if tag == "fieldset" and self._fieldset_kind:
            self._fieldset_kind.pop()
        if tag == "textarea":
            self._textarea = None
        elif tag == "option":
            self._close_option()
        elif tag == "select":
            self._close_option()
            if self._select is not None and not self._select.values and self._select.options:
                if self._select.type == "select":  # a browser submits the first option
                    self._select.values = [self._select.options[0]]
            self._select = None
        elif tag == "form":
            self._form = None

    def handle_data(self, data: str) -> None:
        if self._error_depth:
            self._error_text.append(data)
        if self._textarea is not None:
            # A textarea's first newline is not part of its value (HTML's parsing rule).
            current = self._textarea.values[0] if self._textarea.values else ""
            if not current and data.startswith("\n"):
                data = data[1:]
            self._textarea.values = [current + data]
        elif self._option is not None:
            self._option_text += data


def parse_forms(page: str, html: str) -> tuple[list[Form], list[str]]:
    """The page's POST forms, and the error texts outside any form."""
    parser = _FormParser(page)
    parser.feed(html)
    parser.close()
    return [f for method, f in parser.forms if method == "post"], parser.page_errors


def view_name(path: str) -> str:
    try:
        return resolve(path.split("?", 1)[0]).view_name
    except Resolver404:
        return ""


def form_kind(path: str) -> tuple[str, ...]:
    """What a form posting to ``path`` is: its view and the URL's words (a transition's
    name), not the ids of the object it is about."""
    try:
        match = resolve(path.split("?", 1)[0])
    except Resolver404:
        return ()
    return (match.view_name, *(str(v) for v in match.kwargs.values() if not str(v).isdigit()))


def page_urls(values: list[str]) -> dict[str, list[str]]:
    """URL name -> every URL of that page pattern with its parameters taken from ``values``."""
    urls: dict[str, list[str]] = {}
    for name, params, text in named_patterns():
        if text.startswith(NOT_PAGES):
            continue
        for url in urls_of(name, params, values):
            if url not in urls.setdefault(name, []):
                urls[name].append(url)
    return urls


def body_text(response: Any) -> str:
    if getattr(response, "streaming", False):
        return ""
    if not response.get("Content-Type", "").startswith("text/html"):
        return ""
    return response.content.decode("utf-8", "replace")
