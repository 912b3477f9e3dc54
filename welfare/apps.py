from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def grant_role_permissions(sender: Any, **kwargs: Any) -> None:
    """The union office's role group holds the model-level permission its viewflow queue is keyed on."""
    from django.contrib.auth.models import Permission

    from org.roles import role_group

    manage = Permission.objects.filter(content_type__app_label="welfare", codename="manage_welfarerequest").first()
    if manage is not None:
        role_group("union_office").permissions.add(manage)


class WelfareConfig(AppConfig):
    name = "welfare"
    verbose_name = _("福利申请")

    def ready(self) -> None:
        # Importing flows registers the flow's nodes before any task is read.
        from . import flows, rules  # noqa: F401

        rules.register()
        post_migrate.connect(grant_role_permissions, sender=self)
