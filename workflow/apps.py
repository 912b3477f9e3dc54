from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkflowConfig(AppConfig):
    name = "workflow"
    verbose_name = _("流程引擎")

    def ready(self) -> None:
        from config.inputs import bound_form_dates

        from . import checks  # noqa: F401  (registers the deploy check of HISTORY_HMAC_KEY)

        bound_form_dates()  # every form's dates in the years the product means (config/inputs.py)
