"""Chinese titles for each event, through i18n."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_

EVENT_TITLES = {
    "proposal.invite": N_("您被邀请附议提案《{item}》"),
    "proposal.cosign": N_("{item}：有代表附议"),
    "proposal.submit": N_("提案《{item}》已提交，待审查"),
    "proposal.withdraw": N_("提案《{item}》已撤回"),
    "proposal.accept": N_("您的提案《{item}》已立案"),
    "proposal.reject": N_("您的提案《{item}》未予立案"),
    "proposal.merge": N_("您的提案《{item}》已并案处理"),
    "proposal.convert": N_("您的提案《{item}》已转为意见建议"),
    "proposal.assign": N_("提案《{item}》已交办"),
    "proposal.receive_answer": N_("提案《{item}》已答复，请反馈意见"),
    "proposal.feedback": N_("提案《{item}》已收到代表反馈"),
    "proposal.close": N_("提案《{item}》已办结"),
    "assignment.accept": N_("{item} 已签收"),
    "assignment.return": N_("{item} 被退回，需重新交办"),
    "assignment.answer": N_("{item} 已答复，待负责人审核"),
    "assignment.approve": N_("{item} 的答复已审核通过"),
}


def event_title(event: str, item: models.Model) -> str:
    template = EVENT_TITLES.get(event)
    if template is None:
        return _("事项有新进展：{item}").format(item=item)
    return _(template).format(item=item)
