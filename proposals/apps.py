from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def grant_role_permissions(sender, **kwargs):  # type: ignore[no-untyped-def]
    """Model-level permissions each role group holds, so viewflow queues match the policy."""
    from django.contrib.auth.models import Permission

    from org.roles import role_group

    triage = Permission.objects.filter(content_type__app_label="proposals", codename="triage_proposal").first()
    if triage is not None:
        role_group("committee").permissions.add(triage)


class ProposalsConfig(AppConfig):
    name = "proposals"
    verbose_name = _("提案")

    def ready(self) -> None:
        from . import flows  # noqa: F401  (registers the flows' nodes before any task is read)

        post_migrate.connect(grant_role_permissions, sender=self)
