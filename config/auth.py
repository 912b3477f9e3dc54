"""Signing in again after the session expired, without losing one's place.

Django's `login_required` sends the visitor to the sign-in page with `next` set to the
requested URL. For a form's POST (the session expired while the page was open) that URL
is an action that answers only POST, so after signing in the user would land on a 405.
Here a POST goes back to the page the form was on (its same-site Referer), or home."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponseBase
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _


def _back_to(request: HttpRequest) -> str:
    """Where a signed-out POST came from, if it is a page of this site; else home."""
    referer = request.headers.get("referer", "")
    if referer and url_has_allowed_host_and_scheme(referer, {request.get_host()}, request.is_secure()):
        from urllib.parse import urlsplit

        parts = urlsplit(referer)
        return parts.path + (f"?{parts.query}" if parts.query else "")
    return reverse("home")


def login_required(view: Callable[..., Any]) -> Callable[..., HttpResponseBase]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.user.is_authenticated:
            return view(request, *args, **kwargs)
        if request.method == "GET" or request.method == "HEAD":
            return redirect_to_login(request.get_full_path())
        messages.warning(request, _("登录已过期，请重新登录；您提交的内容未保存，请重新提交。"))
        return redirect_to_login(_back_to(request))

    return wrapper
