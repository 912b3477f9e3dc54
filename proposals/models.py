"""Congress sessions, proposals, co-signatures, assignments and feedback.

Status changes live here as django-fsm transitions; who may call them is in
workflow/policy.py and the only caller is workflow.services.transition.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import RETURN_VALUE, transition
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase
from viewflow.workflow.models import Process

from config.storage import PrivateStorage, private_storage
from org.models import Department
from workflow import calendar, policy
from workflow.deadlines import DeadlineSpec, ReminderPolicy
from workflow.fsm import FollowUp, WorkflowItem, condition, status_field
from workflow.models import CountedDue


class Category(models.Model):
    name = models.CharField(_("名称"), max_length=50, unique=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("提案类别")
        verbose_name_plural = _("提案类别")
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.name


class CongressSession(models.Model):
    name = models.CharField(_("届次"), max_length=50, unique=True, help_text=_("例如：第六届第一次"))
    code = models.CharField(_("编号前缀"), max_length=20, unique=True, help_text=_("提案编号前缀，例如 6-1"))
    collection_opens = models.DateTimeField(_("征集开始"))
    collection_closes = models.DateTimeField(_("征集截止"))
    cosign_threshold = models.PositiveSmallIntegerField(_("附议人数下限"), default=2)
    # Deadline rules (the usual defaults): triage and feedback in calendar days, the
    # departments' answer in working days (工作日).
    triage_days = models.PositiveSmallIntegerField(_("审查期限（自然日）"), default=7)
    answer_days = models.PositiveSmallIntegerField(_("办理期限（工作日）"), default=30)
    feedback_days = models.PositiveSmallIntegerField(_("反馈期限（自然日）"), default=15)
    remind_before_days = models.PositiveSmallIntegerField(_("到期前提醒（工作日）"), default=3)
    overdue_every_days = models.PositiveSmallIntegerField(_("逾期后每隔几个工作日催办"), default=3)
    escalate_office_after_days = models.PositiveSmallIntegerField(_("逾期几个工作日后报校工会"), default=5)
    key_escalate_office_after_days = models.PositiveSmallIntegerField(_("重点提案逾期几个工作日后报校工会"), default=2)
    max_extensions = models.PositiveSmallIntegerField(_("每项交办最多批准延期次数"), default=1)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("教代会会议")
        verbose_name_plural = _("教代会会议")
        ordering = ["-collection_opens"]
        constraints = [
            models.CheckConstraint(
                condition=Q(collection_closes__gt=models.F("collection_opens")), name="session_window_ordered"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def is_collecting(self, now: Any = None) -> bool:
        now = now or timezone.now()
        return self.collection_opens <= now < self.collection_closes

    def answer_due(self, start: Any) -> calendar.Due:
        return calendar.working_due(start, self.answer_days)

    def reminder_policy(self) -> ReminderPolicy:
        return ReminderPolicy(
            before_days=self.remind_before_days,
            overdue_every_days=self.overdue_every_days,
            escalate_office_after_days=self.escalate_office_after_days,
            supervised_escalate_office_after_days=self.key_escalate_office_after_days,
        )


class ProposalStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("待审查")
    REVIEWED = "reviewed", _("已立案")
    REJECTED = "rejected", _("不予立案")
    MERGED = "merged", _("已并案")
    CONVERTED = "converted", _("转为意见建议")
    WITHDRAWN = "withdrawn", _("已撤回")
    ASSIGNED = "assigned", _("办理中")
    ANSWERED = "answered", _("已答复")
    CLOSED = "closed", _("已办结")


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASICALLY_SATISFIED = "basically_satisfied", _("基本满意")
    UNSATISFIED = "unsatisfied", _("不满意")


S = ProposalStatus
# The states in which no round of the proposal is open any more: the answer is out (the
# proposer rates it or the committee closes it), or the proposal ended.
ROUND_SETTLED = frozenset({S.ANSWERED, S.CLOSED, S.REJECTED, S.MERGED, S.WITHDRAWN})


@condition("collection_closed", _("不在本次会议的提案征集期内，不能提交。"))
def collection_open(proposal: Proposal) -> bool:
    return proposal.session.is_collecting()


@condition("cosign_threshold_not_met", _("附议人数不足，不能提交。"))
def cosign_threshold_met(proposal: Proposal) -> bool:
    return proposal.cosignatures.count() >= proposal.session.cosign_threshold


@condition("nothing_to_reassign", _("没有被退回的交办，无需重新交办。"), offer_when_failing=False)
def reassign_needed(proposal: Proposal) -> bool:
    if proposal.status != S.ASSIGNED:
        return True
    return proposal.current_assignments().filter(status=AssignmentStatus.RETURNED, reassigned_at__isnull=True).exists()


@condition("feedback_already_given", _("本轮答复已反馈。"), offer_when_failing=False)
def no_feedback_this_round(proposal: Proposal) -> bool:
    return not proposal.feedbacks.filter(round=proposal.round).exists()


class Proposal(CountedDue, WorkflowItem):
    session = models.ForeignKey(
        CongressSession, on_delete=models.PROTECT, related_name="proposals", verbose_name=_("会议")
    )
    number = models.CharField(_("提案编号"), max_length=20, blank=True)
    title = models.CharField(_("标题"), max_length=200)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, verbose_name=_("类别"))
    reason = models.TextField(_("案由"), max_length=5000)
    suggestion = models.TextField(_("建议及办法"), max_length=5000)
    proposer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="proposals", verbose_name=_("提案人")
    )
    co_proposers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="co_proposals", verbose_name=_("联名提案人")
    )
    status = status_field(choices=ProposalStatus.choices, default=ProposalStatus.DRAFT)
    round = models.PositiveSmallIntegerField(_("办理轮次"), default=1)
    is_key = models.BooleanField(_("重点提案"), default=False)
    is_suggestion = models.BooleanField(_("意见建议"), default=False)
    merged_into = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="merged", verbose_name=_("并入提案")
    )
    reject_reason = models.TextField(_("不立案理由"), blank=True)
    due = models.DateTimeField(_("当前环节期限"), null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)

    flow_path = "proposals.flows.ProposalFlow"
    transition_forms = {
        "reject": "proposals.forms.RejectForm",
        "merge": "proposals.forms.MergeForm",
        "assign": "proposals.forms.AssignForm",
        "feedback": "proposals.forms.FeedbackForm",
        "supervise": "proposals.forms.SuperviseForm",
    }
    flow_tasks = {
        "submit": ("draft",),
        "withdraw": ("draft", "triage"),
        "accept": ("triage",),
        "reject": ("triage",),
        "merge": ("triage",),
        "convert": ("triage",),
        "assign": ("assign",),
        "receive_answer": ("wait_answer",),
        "feedback": ("feedback",),
        # No feedback within the period: the committee closes it in the proposer's stead.
        "close": ("close", "feedback"),
    }
    internal_transitions = frozenset({"receive_answer"})

    class Meta:
        verbose_name = _("提案")
        verbose_name_plural = _("提案")
        ordering = ["-created_at", "-id"]
        permissions = [
            ("act_as_proposer", _("作为提案人办理")),
            ("triage_proposal", _("审查、交办和办结提案")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "number"], condition=~Q(number=""), name="proposal_number_unique_per_session"
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("proposals:detail", args=[self.pk])

    def current_assignments(self) -> models.QuerySet[Assignment]:
        return self.assignments.filter(round=self.round)

    # Transitions ---------------------------------------------------------
    @transition(
        field=status,
        source=S.DRAFT,
        target=S.SUBMITTED,
        permission=policy.permission("submit"),
        conditions=[collection_open, cosign_threshold_met],
    )
    def submit(self, *, user: Any) -> None:
        self.submitted_at = timezone.now()
        self.set_due(calendar.add_days(self.submitted_at, self.session.triage_days))

    @transition(
        field=status, source=[S.DRAFT, S.SUBMITTED], target=S.WITHDRAWN, permission=policy.permission("withdraw")
    )
    def withdraw(self, *, user: Any) -> None:
        self.set_due(None)

    @transition(field=status, source=S.SUBMITTED, target=S.REVIEWED, permission=policy.permission("accept"))
    def accept(self, *, user: Any) -> None:
        # The triage deadline runs on until the proposal is assigned.
        self.number = self._next_number()

    @transition(field=status, source=S.SUBMITTED, target=S.REJECTED, permission=policy.permission("reject"))
    def reject(self, *, user: Any, reason: str) -> None:
        self.reject_reason = reason
        self.set_due(None)

    @transition(field=status, source=S.SUBMITTED, target=S.MERGED, permission=policy.permission("merge"))
    def merge(self, *, user: Any, into: Proposal) -> None:
        self.merged_into = into
        self.set_due(None)

    @transition(field=status, source=S.SUBMITTED, target=S.CONVERTED, permission=policy.permission("convert"))
    def convert(self, *, user: Any) -> None:
        self.is_suggestion = True

    @transition(
        field=status,
        source=[S.REVIEWED, S.CONVERTED, S.ASSIGNED],
        target=S.ASSIGNED,
        permission=policy.permission("assign"),
        conditions=[reassign_needed],
    )
    def assign(self, *, user: Any, lead_department: Department, co_departments: list[Department], due: Any) -> None:
        self.set_due(due)

    @transition(field=status, source=S.ASSIGNED, target=S.ANSWERED)
    def receive_answer(self, *, user: Any) -> None:
        self.set_due(calendar.add_days(timezone.now(), self.session.feedback_days))

    @transition(
        field=status,
        source=S.ANSWERED,
        target=RETURN_VALUE(S.CLOSED, S.ASSIGNED, S.ANSWERED),
        permission=policy.permission("feedback"),
        conditions=[no_feedback_this_round],
    )
    def feedback(self, *, user: Any, satisfaction: str, comment: str) -> str:
        if satisfaction != Satisfaction.UNSATISFIED:
            self.closed_at = timezone.now()
            self.set_due(None)
            return S.CLOSED
        if self.round == 1:
            # One second round: the departments answer again.
            self.round = 2
            self.set_due(self.session.answer_due(timezone.now()))
            return S.ASSIGNED
        # After the second round the committee closes it.
        self.set_due(None)
        return S.ANSWERED

    @transition(
        field=status,
        source=[S.REVIEWED, S.CONVERTED, S.ASSIGNED, S.ANSWERED],
        target=None,
        permission=policy.permission("supervise"),
    )
    def supervise(self, *, user: Any, is_key: bool, comment: str = "") -> None:
        """督办: mark (or unmark) a key proposal; its deadlines escalate earlier."""
        self.is_key = is_key

    @transition(field=status, source=S.ANSWERED, target=S.CLOSED, permission=policy.permission("close"))
    def close(self, *, user: Any) -> None:
        self.closed_at = timezone.now()
        self.set_due(None)

    # Hooks for the transition service -------------------------------------
    def _next_number(self) -> str:
        # The session row is locked so two accepts can't take the same number.
        CongressSession.objects.select_for_update().filter(pk=self.session_id).first()
        taken = Proposal.objects.filter(session_id=self.session_id).exclude(number="").values_list("number", flat=True)
        last = max((int(n.rsplit("-", 1)[-1]) for n in taken), default=0)
        return f"{self.session.code}-{last + 1:03d}"

    def on_transitioned(self, name: str, user: Any, payload: dict[str, Any]) -> None:
        from . import services

        services.proposal_after_transition(proposal=self, name=name, user=user, payload=payload)

    def follow_ups(self, name: str) -> list[FollowUp]:
        """Whatever ends a round (the answer released, the proposal closed or ended) settles
        every assignment still waiting on its department: it lapses (未反馈), in its history,
        and leaves the deadlines, reminders and task lists."""
        if self.status not in ROUND_SETTLED:
            return []
        return [FollowUp(a, "lapse") for a in self.assignments.filter(status__in=[AS.ASSIGNED, AS.ACCEPTED])]

    def notification_recipients(self, name: str) -> list[Any]:
        from . import selectors

        return selectors.proposal_recipients(proposal=self, event=name)

    def deadline_specs(self) -> list[DeadlineSpec]:
        due = self.due_value
        if due is None:
            return []
        if self.status in (S.SUBMITTED, S.REVIEWED, S.CONVERTED):
            return [DeadlineSpec("triage", due, self.is_key)]
        if self.status == S.ANSWERED:
            # After the second round's feedback `due` is cleared: nothing waits on the proposer.
            return [DeadlineSpec("feedback", due, self.is_key)]
        return []

    def reminder_policy(self) -> ReminderPolicy:
        return self.session.reminder_policy()

    def reminder_recipients(self, step: str, level: int) -> list[Any]:
        from . import selectors

        return selectors.proposal_reminder_recipients(proposal=self, step=step, level=level)

    @classmethod
    def sweep_queryset(cls) -> models.QuerySet[Proposal]:
        return cls.objects.select_related("session", "proposer")


class CoSignature(models.Model):
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="cosignatures")
    delegate = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="cosignatures")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("附议")
        verbose_name_plural = _("附议")
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["proposal", "delegate"], name="cosign_once")]

    def __str__(self) -> str:
        return f"{self.delegate} → {self.proposal}"


class Invitation(models.Model):
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="invitations")
    delegate = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="cosign_invitations")
    created_at = models.DateTimeField(auto_now_add=True)
    # 谢绝: the invited delegate said no; the invitation stays (it is why they may see the draft).
    declined_at = models.DateTimeField(_("谢绝时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("附议邀请")
        verbose_name_plural = _("附议邀请")
        constraints = [models.UniqueConstraint(fields=["proposal", "delegate"], name="invite_once")]

    def __str__(self) -> str:
        return f"{self.delegate} ← {self.proposal}"


class Feedback(models.Model):
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="feedbacks")
    round = models.PositiveSmallIntegerField(_("轮次"))
    satisfaction = models.CharField(_("满意度"), max_length=24, choices=Satisfaction.choices)
    comment = models.TextField(_("意见"), blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("反馈")
        verbose_name_plural = _("反馈")
        ordering = ["round"]
        constraints = [models.UniqueConstraint(fields=["proposal", "round"], name="feedback_once_per_round")]

    def __str__(self) -> str:
        return f"{self.proposal} #{self.round}: {self.satisfaction}"


class AssignmentRole(models.TextChoices):
    LEAD = "lead", _("主办")
    CO = "co", _("协办")


class AssignmentStatus(models.TextChoices):
    ASSIGNED = "assigned", _("待签收")
    ACCEPTED = "accepted", _("已签收")
    RETURNED = "returned", _("已退回")
    ANSWERED = "answered", _("已答复")
    APPROVED = "approved", _("已审核")
    # Closed with the round it belonged to (the proposal was answered or ended) before the
    # department signed for it or answered it: recorded, and nothing waits on it any more.
    LAPSED = "lapsed", _("未反馈")


class AnswerClass(models.TextChoices):
    A = "A", _("A 已解决或采纳")
    B = "B", _("B 正在解决或列入计划")
    C = "C", _("C 因条件限制暂不能解决")
    D = "D", _("D 留作参考")


class ExtensionState(models.TextChoices):
    PENDING = "pending", _("待审批")
    GRANTED = "granted", _("已批准")
    REFUSED = "refused", _("未批准")


AS = AssignmentStatus


@condition("extension_pending", _("已有一项延期申请等待审批。"), offer_when_failing=False)
def no_pending_extension(assignment: Assignment) -> bool:
    return assignment.extension_state != ExtensionState.PENDING


@condition("extension_limit_reached", _("本交办的延期次数已用完，不能再申请延期。"))
def extension_left(assignment: Assignment) -> bool:
    return assignment.extensions_granted < assignment.proposal.session.max_extensions


@condition("no_extension_request", _("没有待审批的延期申请。"), offer_when_failing=False)
def extension_pending(assignment: Assignment) -> bool:
    return assignment.extension_state == ExtensionState.PENDING


@condition("not_lead", _("只有主办单位的答复需要负责人审核。"), offer_when_failing=False)
def is_lead(assignment: Assignment) -> bool:
    return assignment.role == AssignmentRole.LEAD


@condition("co_departments_pending", _("协办单位尚未全部答复，主办单位的答复暂不能审核通过。"))
def co_departments_done(assignment: Assignment) -> bool:
    now = timezone.now()
    pending = assignment.proposal.current_assignments().filter(
        role=AssignmentRole.CO, status__in=[AS.ASSIGNED, AS.ACCEPTED]
    )
    return not pending.filter(Q(due__isnull=True) | Q(due__gt=now)).exists()


class Assignment(CountedDue, WorkflowItem):
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="assignments", verbose_name=_("提案"))
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="assignments", verbose_name=_("承办单位")
    )
    role = models.CharField(_("承办方式"), max_length=8, choices=AssignmentRole.choices)
    round = models.PositiveSmallIntegerField(_("轮次"), default=1)
    status = status_field(choices=AssignmentStatus.choices, default=AssignmentStatus.ASSIGNED)
    due = models.DateTimeField(_("办理期限"), null=True, blank=True, db_index=True)
    return_reason = models.TextField(_("退回理由"), blank=True)
    reassigned_at = models.DateTimeField(_("重新交办时间"), null=True, blank=True)
    extension_state = models.CharField(_("延期申请"), max_length=16, choices=ExtensionState.choices, blank=True)
    extension_due = models.DateTimeField(_("申请延至"), null=True, blank=True)
    extension_reason = models.TextField(_("延期理由"), blank=True)
    # The head's note when sending the answer back for revision (退回修改); kept until the next one.
    revision_note = models.TextField(_("退回修改意见"), blank=True)
    extensions_granted = models.PositiveSmallIntegerField(_("已批准延期次数"), default=0)
    answer = models.TextField(_("答复内容"), blank=True)
    answer_class = models.CharField(_("答复类别"), max_length=1, choices=AnswerClass.choices, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    approved_at = models.DateTimeField(_("审核时间"), null=True, blank=True)

    flow_path = "proposals.flows.AssignmentFlow"
    transition_forms = {
        "return": "proposals.forms.ReturnForm",
        "answer": "proposals.forms.AnswerForm",
        "send_back": "proposals.forms.SendBackForm",
        "request_extension": "proposals.forms.ExtensionRequestForm",
        "refuse_extension": "proposals.forms.ExtensionRefuseForm",
    }
    flow_tasks = {
        "accept": ("sign",),
        "return": ("sign", "answer"),
        "answer": ("answer",),
        "approve": ("approve",),
        "send_back": ("approve",),
        "lapse": ("sign", "answer"),
    }
    internal_transitions = frozenset({"lapse"})

    class Meta:
        verbose_name = _("交办")
        verbose_name_plural = _("交办")
        ordering = ["proposal_id", "round", "role", "id"]
        permissions = [("handle_assignment", _("承办此交办"))]
        constraints = [
            models.UniqueConstraint(
                fields=["proposal", "round", "department"],
                condition=~Q(status="returned"),
                name="one_open_assignment_per_department",
            ),
            models.UniqueConstraint(
                fields=["proposal", "round"],
                condition=Q(role="lead") & ~Q(status="returned"),
                name="one_open_lead_per_round",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.proposal.number or self.proposal_id} · {self.department}（{self.get_role_display()}）"

    def get_absolute_url(self) -> str:
        return reverse("proposals:assignment", args=[self.pk])

    @transition(field=status, source=AS.ASSIGNED, target=AS.ACCEPTED, permission=policy.permission("accept"))
    def accept(self, *, user: Any) -> None:
        pass

    @transition(
        field=status, source=[AS.ASSIGNED, AS.ACCEPTED], target=AS.RETURNED, permission=policy.permission("return")
    )
    def return_(self, *, user: Any, reason: str) -> None:
        self.return_reason = reason

    @transition(field=status, source=AS.ACCEPTED, target=AS.ANSWERED, permission=policy.permission("answer"))
    def answer_(self, *, user: Any, answer: str, answer_class: str = "") -> None:
        self.answer = answer
        self.answer_class = answer_class
        self.answered_by = user
        self.answered_at = timezone.now()

    @transition(
        field=status,
        source=AS.ANSWERED,
        target=AS.APPROVED,
        permission=policy.permission("approve"),
        conditions=[is_lead, co_departments_done],
    )
    def approve(self, *, user: Any) -> None:
        self.approved_by = user
        self.approved_at = timezone.now()

    @transition(
        field=status,
        source=AS.ANSWERED,
        target=AS.ACCEPTED,
        permission=policy.permission("send_back"),
        conditions=[is_lead],
    )
    def send_back(self, *, user: Any, note: str) -> None:
        """The head sends the draft answer back to the handler for revision (退回修改)."""
        self.revision_note = note

    @transition(
        field=status,
        source=[AS.ASSIGNED, AS.ACCEPTED],
        target=None,
        permission=policy.permission("request_extension"),
        conditions=[no_pending_extension, extension_left],
    )
    def request_extension(self, *, user: Any, reason: str, new_due: Any) -> None:
        self.extension_state = ExtensionState.PENDING
        self.extension_due, self.extension_reason = new_due, reason

    @transition(
        field=status,
        source=[AS.ASSIGNED, AS.ACCEPTED, AS.ANSWERED],
        target=None,
        permission=policy.permission("grant_extension"),
        conditions=[extension_pending],
    )
    def grant_extension(self, *, user: Any) -> None:
        self.extension_state = ExtensionState.GRANTED
        self.set_due(self.extension_due)
        self.extensions_granted += 1

    @transition(
        field=status,
        source=[AS.ASSIGNED, AS.ACCEPTED, AS.ANSWERED],
        target=None,
        permission=policy.permission("refuse_extension"),
        conditions=[extension_pending],
    )
    def refuse_extension(self, *, user: Any, reason: str) -> None:
        self.extension_state = ExtensionState.REFUSED

    @transition(field=status, source=[AS.ASSIGNED, AS.ACCEPTED], target=AS.LAPSED)
    def lapse(self, *, user: Any) -> None:
        """未反馈: the round ended without this department's answer (Proposal.follow_ups)."""
        if self.extension_state == ExtensionState.PENDING:
            # Nothing is left to extend; the request is recorded as not granted.
            self.extension_state = ExtensionState.REFUSED

    @property
    def answer_released(self) -> bool:
        """The answer (答复) goes out when the head approves the lead department's answer: the
        proposal then moves to answered, and the co-departments' opinions go out with it. A
        second round leaves the first round's answers out. Until then the text, the class and
        the answer's attachments are the departments' working papers (selectors.AnswerReaders
        says who reads them). `RELEASED_ANSWER` below says the same in SQL."""
        if self.status not in (AS.ANSWERED, AS.APPROVED):
            return False
        proposal = self.proposal
        return self.round < proposal.round or proposal.status in (S.ANSWERED, S.CLOSED)

    @property
    def awaits_department(self) -> bool:
        """The department still owes something: signing for it, an answer, or (the lead) its
        head's approval. `OPEN_ASSIGNMENT` below says the same in SQL."""
        return self.status in (AS.ASSIGNED, AS.ACCEPTED) or (
            self.status == AS.ANSWERED and self.role == AssignmentRole.LEAD
        )

    def deadline_recounted(self, step: str, old: calendar.Due, new: calendar.Due) -> None:
        # The proposal shows the same 办理期限 while its departments work on it.
        super().deadline_recounted(step, old, new)
        proposal = Proposal.objects.select_for_update().get(pk=self.proposal_id)
        proposal.deadline_recounted("answer", old, new)

    def deadline_specs(self) -> list[DeadlineSpec]:
        waiting = self.awaits_department
        due = self.due_value
        return [DeadlineSpec("answer", due, self.proposal.is_key)] if waiting and due is not None else []

    def reminder_policy(self) -> ReminderPolicy:
        return self.proposal.session.reminder_policy()

    def reminder_recipients(self, step: str, level: int) -> list[Any]:
        from . import selectors

        return selectors.assignment_reminder_recipients(assignment=self, level=level)

    @classmethod
    def sweep_queryset(cls) -> models.QuerySet[Assignment]:
        return cls.objects.select_related("proposal__session", "department")

    def follow_ups(self, name: str) -> list[FollowUp]:
        if name == "approve":
            return [FollowUp(self.proposal, "receive_answer")]
        return []

    def notification_recipients(self, name: str) -> list[Any]:
        from . import selectors

        return selectors.assignment_recipients(assignment=self, event=name)


# Assignment.awaits_department as a filter.
OPEN_ASSIGNMENT = Q(status__in=[AS.ASSIGNED, AS.ACCEPTED]) | Q(status=AS.ANSWERED, role=AssignmentRole.LEAD)

# Assignment.answer_released as a filter.
RELEASED_ANSWER = Q(status__in=[AS.ANSWERED, AS.APPROVED]) & (
    Q(round__lt=F("proposal__round")) | Q(proposal__status__in=[S.ANSWERED, S.CLOSED])
)


# viewflow processes: one per proposal, one child per assignment (the free wheel has no
# Subprocess). `manage` is declared here because viewflow adds it at import time.
class ProposalProcess(Process):
    class Meta:
        proxy = True
        default_permissions = ("add", "change", "delete", "view", "manage")
        verbose_name = _("提案办理流程")
        verbose_name_plural = _("提案办理流程")


class AssignmentProcess(Process):
    class Meta:
        proxy = True
        default_permissions = ("add", "change", "delete", "view", "manage")
        verbose_name = _("承办流程")
        verbose_name_plural = _("承办流程")


# Direct foreign-key object permissions (django-guardian): faster than the generic tables.
class ProposalUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Proposal, on_delete=models.CASCADE)


class ProposalGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Proposal, on_delete=models.CASCADE)


class AssignmentUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Assignment, on_delete=models.CASCADE)


class AssignmentGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Assignment, on_delete=models.CASCADE)


# Attachments (附件) ------------------------------------------------------------------
def _private_storage() -> PrivateStorage:
    # Named in migration 0001's FileField; the storage itself is config.storage's.
    return private_storage


def attachment_path(instance: Attachment, filename: str) -> str:
    # A random name with no extension: nothing about the path can be guessed or executed;
    # the original name is kept in `name` for display and download.
    return f"attachments/{uuid.uuid4().hex}"


class Attachment(models.Model):
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("提案"))
    # Set when the file belongs to a department's answer rather than to the proposal itself.
    assignment = models.ForeignKey(
        Assignment,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="attachments",
        verbose_name=_("交办"),
    )
    file = models.FileField(_("文件"), upload_to=attachment_path, storage=_private_storage, max_length=200)
    name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(_("文件类型"), max_length=100)
    size = models.PositiveBigIntegerField(_("大小（字节）"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("上传人")
    )
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("proposals:attachment_download", args=[self.pk])
