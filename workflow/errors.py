"""Domain errors. Each carries a machine-readable code; the API maps the class to a status."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    status = 400
    code = "invalid"
    default_message: Any = _("请求无效。")

    def __init__(self, message: Any = None, *, code: str | None = None, fields: dict[str, list[str]] | None = None):
        self.message = message if message is not None else self.default_message
        if code:
            self.code = code
        self.fields = fields or {}
        super().__init__(str(self.message))


class InvalidPayload(DomainError):
    status = 400
    code = "invalid"
    default_message = _("提交的内容有误，请检查。")


class NotPermitted(DomainError):
    status = 403
    code = "permission_denied"
    default_message = _("您没有执行此操作的权限。")


class NotVisible(DomainError):
    status = 404
    code = "not_found"
    default_message = _("未找到该事项。")


class UnknownAction(DomainError):
    """An action name the item kind does not have (or only the engine may run): nothing to find."""

    status = 404
    code = "unknown_transition"
    default_message = _("没有这个操作。")


class Conflict(DomainError):
    status = 409
    code = "conflict"
    default_message = _("操作与当前状态冲突。")


class TransitionNotAllowed(Conflict):
    code = "transition_not_allowed"
    default_message = _("当前状态下不能执行此操作。")
