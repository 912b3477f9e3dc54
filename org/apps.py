from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    name = "org"
    verbose_name = _("人员与单位")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        user_logged_in.connect(remember_display_name, dispatch_uid="org.remember_display_name")


def remember_display_name(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    """Keep the signed-in person's name in the session, so the header shows 王丽 rather than
    a login name without a query on every page."""
    from .selectors import person_name

    if request is not None and hasattr(request, "session"):
        request.session["display_name"] = person_name(user)
