"""Chinese titles for each event, through i18n."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

EVENT_TITLES = {
    "proposal.invite": gettext_noop("您被邀请附议提案《{item}》"),
    "proposal.cosign": gettext_noop("{item}：有代表附议"),
    "proposal.submit": gettext_noop("提案《{item}》已提交，待审查"),
    "proposal.withdraw": gettext_noop("提案《{item}》已撤回"),
    "proposal.accept": gettext_noop("您的提案《{item}》已立案"),
    "proposal.reject": gettext_noop("您的提案《{item}》未予立案"),
    "proposal.merge": gettext_noop("您的提案《{item}》已并案处理"),
    "proposal.convert": gettext_noop("您的提案《{item}》已转为意见建议"),
    "proposal.assign": gettext_noop("提案《{item}》已交办"),
    "proposal.receive_answer": gettext_noop("提案《{item}》已答复，请反馈意见"),
    "proposal.feedback": gettext_noop("提案《{item}》已收到代表反馈"),
    "proposal.close": gettext_noop("提案《{item}》已办结"),
    "assignment.accept": gettext_noop("{item} 已签收"),
    "assignment.return": gettext_noop("{item} 被退回，需重新交办"),
    "assignment.answer": gettext_noop("{item} 已答复，待负责人审核"),
    "assignment.approve": gettext_noop("{item} 的答复已审核通过"),
    "assignment.send_back": gettext_noop("{item} 的答复被负责人退回修改"),
    "assignment.request_extension": gettext_noop("{item} 申请延期，待审批"),
    "assignment.grant_extension": gettext_noop("{item} 的延期申请已批准"),
    "assignment.refuse_extension": gettext_noop("{item} 的延期申请未获批准"),
    "assignment.lapse": gettext_noop("{item}：本轮办理已结束，记为未反馈"),
    "proposal.supervise": gettext_noop("提案《{item}》的督办状态已更新"),
    "welfarerequest.submit": gettext_noop("福利申请《{item}》已提交，待分工会审核"),
    "welfarerequest.review": gettext_noop("福利申请《{item}》已通过分工会审核，待校工会分派"),
    "welfarerequest.reject": gettext_noop("您的福利申请《{item}》未获通过"),
    "welfarerequest.assign": gettext_noop("福利申请《{item}》已分派经办人办理"),
    "welfarerequest.answer": gettext_noop("您的福利申请《{item}》已有办理结果"),
    "welfarerequest.close": gettext_noop("福利申请《{item}》已办结"),
    "welfarerequest.withdraw": gettext_noop("福利申请《{item}》已被申请人撤回"),
    "welfarerequest.objection_raised": gettext_noop("福利申请《{item}》公示期间收到异议，请核实处理"),
    "welfarerequest.reconsider": gettext_noop("福利申请《{item}》已退回经办人重新答复"),
    "welfarerequest.claim_decided": gettext_noop("您在《{item}》下提交的医疗费用报销已审核"),
    "reminder.before": gettext_noop("提醒：{item} 即将到期，请抓紧办理"),
    "reminder.due": gettext_noop("提醒：{item} 今日到期"),
    "reminder.overdue": gettext_noop("催办：{item} 已逾期，请尽快办理"),
    "reminder.escalate_head": gettext_noop("督办：{item} 已逾期，请负责人督促办理"),
    "reminder.escalate_office": gettext_noop("督办：{item} 逾期未办，已报校工会和提案工作委员会"),
    "reminder.due_moved": gettext_noop("{item} 的期限已按新录入的放假安排重新计算"),
    "calendar.year_missing": gettext_noop("{item}尚未录入：跨年的办理期限暂按预估计算，请及时录入"),
    "history.chain_broken": gettext_noop("流转记录校验发现记录链断裂，请立即核查（{item}）"),
}


def event_title(event: str, item: models.Model) -> str:
    # An item kind may word an event itself (a welfare request's reminders name the step and
    # the due date); it returns None to keep the title below.
    own = getattr(item, "notification_title", None)
    if own is not None and (text := own(event)):
        return str(text)
    template = EVENT_TITLES.get(event)
    if template is None:
        return _fit(_("事项有新进展：{item}"), item)
    return _fit(_(template), item)


TITLE_MAX = 200  # Notification.title


def _fit(template: str, item: models.Model) -> str:
    """The template with the item's name, shortened so the title fits its column (a welfare
    request's or a proposal's own title may take all 200 characters)."""
    name = str(item)
    text = template.format(item=name)
    if len(text) > TITLE_MAX:
        name = name[: max(len(name) - (len(text) - TITLE_MAX) - 1, 0)] + "…"
        text = template.format(item=name)
    return text


def event_body(event: str, item: models.Model) -> str:
    """The notification's body, when the item kind has one for this event (else empty)."""
    own = getattr(item, "notification_body", None)
    return str(own(event) or "") if own is not None else ""
