"""Welfare requests (福利申请): hardship aid, the five must-visits, recuperation leave,
children's medical coverage and the like, on the same engine as proposals.

Status changes are django-fsm transitions here; who may call them is in welfare/rules.py
(registered with workflow.policy); the only caller is workflow.services.transition.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import transition
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase
from viewflow.workflow.models import Process

from config.storage import get_private_storage
from org.models import Department
from workflow import policy
from workflow.errors import InvalidPayload
from workflow.fsm import WorkflowItem, condition, status_field

from .validators import validate_resident_id


class WelfareKind(models.TextChoices):
    HARDSHIP = "hardship", _("困难补助")
    MUST_VISIT = "must_visit", _("五必访")
    RECUPERATION = "recuperation", _("疗休养")
    CHILD_MEDICAL = "child_medical", _("子女医疗统筹")
    OTHER = "other", _("其他")


class VisitReason(models.TextChoices):
    """The five occasions of 五必访."""

    ILLNESS = "illness", _("生病住院")
    MARRIAGE = "marriage", _("结婚")
    CHILDBIRTH = "childbirth", _("生育")
    BEREAVEMENT = "bereavement", _("直系亲属去世")
    RETIREMENT = "retirement", _("退休")


class WelfareStatus(models.TextChoices):
    # A request is filed and submitted in one transaction (welfare.services.welfare_request_file),
    # so `draft` is only ever seen inside it; the lifecycle people see starts at `submitted`.
    DRAFT = "draft", _("填写中")
    SUBMITTED = "submitted", _("待分工会审核")
    REVIEWED = "reviewed", _("待校工会分派")
    ASSIGNED = "assigned", _("办理中")
    ANSWERED = "answered", _("已答复")
    CLOSED = "closed", _("已办结")
    REJECTED = "rejected", _("未通过审核")
    WITHDRAWN = "withdrawn", _("已撤回")


S = WelfareStatus


class VisitStandard(models.Model):
    """慰问标准: the union's standard sum for each must-visit occasion, which the union office
    edits in the admin. A must-visit request may not ask for more than its occasion's
    standard, and the union office approves more only with a reason (``visit_standard_exceeded``).
    An occasion without a row here has no cap."""

    visit_reason = models.CharField(_("慰问事由"), max_length=16, choices=VisitReason.choices, unique=True)
    amount = models.DecimalField(
        _("慰问标准（元）"), max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    note = models.CharField(_("说明"), max_length=200, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("慰问标准")
        verbose_name_plural = _("慰问标准")
        ordering = ["visit_reason"]

    def __str__(self) -> str:
        return f"{self.get_visit_reason_display()} {self.amount:.2f}"

    def above_message(self) -> str:
        return _("超过慰问标准（%(reason)s %(amount)s 元）") % {
            "reason": self.get_visit_reason_display(),
            "amount": f"{self.amount:.2f}",
        }


def visit_standard_exceeded(kind: str, visit_reason: str, amount: Decimal | None) -> VisitStandard | None:
    """The one rule of 慰问标准: the standard a must-visit sum goes above, or None when it
    does not (another kind, no sum, or an occasion with no standard configured: no cap).
    Exactly the standard is within it."""
    if kind != WelfareKind.MUST_VISIT or amount is None or not visit_reason:
        return None
    standard = VisitStandard.objects.filter(visit_reason=visit_reason).first()
    return standard if standard is not None and amount > standard.amount else None


# Which of the kind-specific fields each kind asks for (required ones first in the form's check).
KIND_FIELDS: dict[str, tuple[str, ...]] = {
    WelfareKind.HARDSHIP: ("family_situation",),
    WelfareKind.MUST_VISIT: ("visit_reason", "event_date"),
    WelfareKind.RECUPERATION: ("years_of_service", "last_recuperation_year"),
    WelfareKind.CHILD_MEDICAL: ("child_name", "enrolment_year"),
    WelfareKind.OTHER: (),
}
ALL_KIND_FIELDS: tuple[str, ...] = tuple(dict.fromkeys(f for fs in KIND_FIELDS.values() for f in fs))
# The fields only some roles may read (shown as *** to the others): illness, income, the ID
# number, and a hardship request's account of the family (which names illnesses and debts).
SENSITIVE_FIELDS: tuple[str, ...] = ("diagnosis", "income", "id_number", "family_situation")
# Those of them every kind asks for (the others belong to one kind, KIND_FIELDS).
COMMON_SENSITIVE_FIELDS: tuple[str, ...] = tuple(f for f in SENSITIVE_FIELDS if f not in ALL_KIND_FIELDS)


def sensitive_fields_of(kind: str) -> tuple[str, ...]:
    """The sensitive fields a request of this kind has."""
    return tuple(f for f in SENSITIVE_FIELDS if f in COMMON_SENSITIVE_FIELDS or f in KIND_FIELDS.get(kind, ()))


_YEAR = [MinValueValidator(1950), MaxValueValidator(2100)]


@condition("reconsider_hardship_only", _("只有困难补助可以退回重新答复。"), offer_when_failing=False)
def _is_hardship(request: Any) -> bool:
    # Only hardship answers go through a publicity period that can overturn them; other kinds'
    # answers feed batches and payments that a second decision would leave behind.
    return bool(request.kind == WelfareKind.HARDSHIP)


class WelfareRequest(WorkflowItem):
    kind = models.CharField(_("申请类别"), max_length=16, choices=WelfareKind.choices, db_index=True)
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="welfare_requests", verbose_name=_("申请人")
    )
    # The applicant's unit when the request was filed: its sub-union reviews it, even if
    # the applicant moves later.
    unit = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="welfare_requests", verbose_name=_("所在单位")
    )
    # Differs from the applicant when the union office files on their behalf (代录).
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("录入人")
    )
    title = models.CharField(_("标题"), max_length=200)
    description = models.TextField(_("申请事由"), max_length=5000)
    amount_requested = models.DecimalField(
        _("申请金额（元）"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
    )

    # Sensitive: personal and medical information.
    diagnosis = models.TextField(_("病情诊断"), max_length=2000, blank=True)
    income = models.DecimalField(
        _("家庭人均月收入（元）"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    id_number = models.CharField(_("身份证号码"), max_length=18, blank=True, validators=[validate_resident_id])

    # must_visit (五必访)
    visit_reason = models.CharField(_("慰问事由"), max_length=16, choices=VisitReason.choices, blank=True)
    event_date = models.DateField(_("事由发生日期"), null=True, blank=True)
    # hardship (困难补助)
    family_situation = models.TextField(_("家庭困难情况"), max_length=5000, blank=True)
    # recuperation (疗休养)
    years_of_service = models.PositiveSmallIntegerField(
        _("工龄（年）"), null=True, blank=True, validators=[MaxValueValidator(70)]
    )
    last_recuperation_year = models.PositiveSmallIntegerField(
        _("上次疗休养年份"), null=True, blank=True, validators=_YEAR
    )
    # child_medical (子女医疗统筹)
    child_name = models.CharField(_("子女姓名"), max_length=64, blank=True)
    enrolment_year = models.PositiveSmallIntegerField(_("参保年度"), null=True, blank=True, validators=_YEAR)

    status = status_field(choices=WelfareStatus.choices, default=WelfareStatus.DRAFT)

    # The sub-union's review and the union office's decision.
    review_comment = models.TextField(_("分工会审核意见"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    reject_reason = models.TextField(_("不予通过的理由"), blank=True)
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="welfare_requests_handled",
        verbose_name=_("经办人"),
    )
    approved = models.BooleanField(_("是否批准"), null=True, blank=True)
    amount_approved = models.DecimalField(_("批准金额（元）"), max_digits=10, decimal_places=2, null=True, blank=True)
    answer = models.TextField(_("答复意见"), blank=True)
    # Why the union office approved a must-visit sum above its 慰问标准 (empty otherwise).
    standard_override_reason = models.TextField(_("超出慰问标准的理由"), blank=True)
    decided_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    # hardship: the publicity period (公示) an approved request goes through before it is paid
    # (welfare.publicity); both days inclusive, in Asia/Shanghai.
    publicity_starts = models.DateField(_("公示开始日期"), null=True, blank=True)
    publicity_ends = models.DateField(_("公示截止日期"), null=True, blank=True)
    # recuperation: the year the request is for (the filing year) and the batch it is allotted to.
    recuperation_year = models.PositiveSmallIntegerField(_("疗休养年度"), null=True, blank=True, validators=_YEAR)
    batch = models.ForeignKey(
        "RecuperationBatch",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="requests",
        verbose_name=_("疗休养批次"),
    )

    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)

    flow_path = "welfare.flows.WelfareFlow"
    transition_forms = {
        "review": "welfare.forms.ReviewForm",
        "reject": "welfare.forms.RejectForm",
        "assign": "welfare.forms.AssignForm",
        "answer": "welfare.forms.AnswerForm",
        "reconsider": "welfare.publicity_forms.ReconsiderForm",
    }
    flow_tasks = {
        "review": ("review",),
        "reject": ("review", "assign"),
        "assign": ("assign",),
        "answer": ("answer",),
        "close": ("close",),
        "withdraw": ("review", "assign", "answer"),
        # 退回重新答复 (welfare.publicity): the close task loops back to the handler's answer.
        "reconsider": ("close",),
    }

    class Meta:
        verbose_name = _("福利申请")
        verbose_name_plural = _("福利申请")
        ordering = ["-created_at", "-id"]
        permissions = [
            ("act_as_applicant", _("作为申请人办理")),
            ("file_welfarerequest", _("代为录入此福利申请")),
            ("review_welfarerequest", _("审核本单位的福利申请")),
            ("handle_welfarerequest", _("经办此福利申请")),
            ("manage_welfarerequest", _("分派、答复和办结福利申请")),
            # Model-level, granted by an admin (to an auditor): read the sensitive fields unmasked.
            ("view_sensitive_welfarerequest", _("查看福利申请中的敏感信息")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_approved__isnull=True) | Q(amount_approved__gt=0),
                name="welfare_amount_approved_positive",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    # Transitions ---------------------------------------------------------
    @transition(field=status, source=S.DRAFT, target=S.SUBMITTED, permission=policy.permission("submit"))
    def submit(self, *, user: Any) -> None:
        if self.kind == WelfareKind.RECUPERATION:
            from .recuperation import recuperation_check_eligible

            recuperation_check_eligible(self)  # Conflict (409) with a code when not eligible
        self.submitted_at = timezone.now()

    @transition(field=status, source=S.SUBMITTED, target=S.REVIEWED, permission=policy.permission("review"))
    def review(self, *, user: Any, comment: str = "") -> None:
        """分工会审核: the unit's sub-union chair passes the request on to the union office."""
        self.review_comment = comment
        self.reviewed_by, self.reviewed_at = user, timezone.now()

    @transition(
        field=status, source=[S.SUBMITTED, S.REVIEWED], target=S.REJECTED, permission=policy.permission("reject")
    )
    def reject(self, *, user: Any, reason: str) -> None:
        if self.status == S.SUBMITTED:
            self.reviewed_by, self.reviewed_at = user, timezone.now()
        self.reject_reason = reason
        self.decided_at = timezone.now()

    @transition(field=status, source=S.REVIEWED, target=S.ASSIGNED, permission=policy.permission("assign"))
    def assign(self, *, user: Any, handler: Any) -> None:
        self.handler = handler

    # `answer` is also the field holding the answer's text, hence the trailing underscore.
    @transition(field=status, source=S.ASSIGNED, target=S.ANSWERED, permission=policy.permission("answer"))
    def answer_(
        self,
        *,
        user: Any,
        approved: bool,
        amount: Decimal | None,
        answer: str,
        override_reason: str = "",
        batch: Any = None,
    ) -> None:
        above = visit_standard_exceeded(self.kind, self.visit_reason, amount) if approved else None
        if above is not None and not override_reason.strip():
            raise InvalidPayload(
                _("批准金额超过慰问标准，须填写超出标准的理由。"),
                code="above_standard",
                fields={"amount": [str(above.above_message())]},
            )
        self.approved = approved
        self.amount_approved = amount if approved else None
        self.standard_override_reason = override_reason.strip() if above is not None else ""
        self.answer = answer
        self.decided_at = timezone.now()
        if self.kind == WelfareKind.RECUPERATION:
            from .recuperation import recuperation_allot

            recuperation_allot(self, batch=batch if approved else None)
        if self.kind == WelfareKind.HARDSHIP:
            from .publicity import publicity_open

            publicity_open(self)

    @transition(field=status, source=S.ANSWERED, target=S.CLOSED, permission=policy.permission("close"))
    def close(self, *, user: Any) -> None:
        if self.kind == WelfareKind.HARDSHIP:
            from .publicity import publicity_check_closable

            publicity_check_closable(self)  # Conflict (409) while the publicity runs or an objection is open
        self.closed_at = timezone.now()

    @transition(
        field=status,
        source=S.ANSWERED,
        target=S.ASSIGNED,
        permission=policy.permission("reconsider"),
        conditions=[_is_hardship],
    )
    def reconsider(self, *, user: Any, reason: str) -> None:
        """退回重新答复: the union office sends an answered hardship request back to its
        handler (an objection upheld in its publicity, welfare.publicity); the decision and
        its publicity are cleared, the history keeps them."""
        from .publicity import publicity_clear

        self.approved = None
        self.amount_approved = None
        self.answer = ""
        self.standard_override_reason = ""
        self.decided_at = None
        publicity_clear(self)

    @transition(
        field=status,
        source=[S.SUBMITTED, S.REVIEWED, S.ASSIGNED],
        target=S.WITHDRAWN,
        permission=policy.permission("withdraw"),
    )
    def withdraw(self, *, user: Any) -> None:
        pass

    # Hooks for the transition service -------------------------------------
    def on_transitioned(self, name: str, user: Any, payload: dict[str, Any]) -> None:
        from . import services

        services.welfare_request_after_transition(request=self, name=name, user=user, payload=payload)

    def notification_recipients(self, name: str) -> list[Any]:
        from . import selectors

        return selectors.welfare_request_recipients(request=self, event=name)

    @classmethod
    def sweep_queryset(cls) -> models.QuerySet[WelfareRequest]:
        from .deadlines import welfare_sweep_queryset

        return welfare_sweep_queryset()

    # Deadlines, reminders and escalation (welfare.deadlines) ---------------------------------
    def deadline_specs(self) -> list[Any]:
        from .deadlines import welfare_deadline_specs

        return welfare_deadline_specs(self)

    def reminder_policy(self) -> Any:
        from .deadlines import welfare_reminder_policy

        return welfare_reminder_policy(self)

    def reminder_recipients(self, step: str, level: int) -> list[Any]:
        from .deadlines import welfare_reminder_recipients

        return welfare_reminder_recipients(self, step, level)

    def notification_title(self, event: str) -> str | None:
        """The wording of a reminder about this request (notifications.texts asks); None
        lets the event's own title stand."""
        from .deadlines import reminder_title

        return reminder_title(self, event)

    def notification_body(self, event: str) -> str:
        from .deadlines import reminder_body

        return reminder_body(self, event)

    def get_absolute_url(self) -> str:
        return reverse("welfare:detail", args=[self.pk])


class PublicityObjection(models.Model):
    """异议: an objection raised against a hardship request during its publicity period
    (welfare.publicity). While one is open the request cannot be closed (paid); the union
    office dismisses it or upholds it, and upholding sends the request back to its handler
    (``reconsider``)."""

    class Status(models.TextChoices):
        OPEN = "open", _("待处理")
        DISMISSED = "dismissed", _("不成立")
        UPHELD = "upheld", _("成立")

    request = models.ForeignKey(
        WelfareRequest, on_delete=models.CASCADE, related_name="objections", verbose_name=_("福利申请")
    )
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("提出人")
    )
    text = models.TextField(_("异议内容"), max_length=2000)
    created_at = models.DateTimeField(_("提出时间"), default=timezone.now)
    status = models.CharField(_("处理状态"), max_length=10, choices=Status.choices, default=Status.OPEN)
    resolution = models.TextField(_("处理意见"), blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(_("处理时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("公示异议")
        verbose_name_plural = _("公示异议")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.request_id} {self.get_status_display()}"


class RecuperationQuota(models.Model):
    """疗休养名额: how many members may go in a year, and who is eligible (welfare.recuperation)."""

    year = models.PositiveSmallIntegerField(_("年度"), unique=True, validators=_YEAR)
    places = models.PositiveIntegerField(_("名额"))
    min_years_of_service = models.PositiveSmallIntegerField(_("工龄满（年）"), default=5)
    interval_years = models.PositiveSmallIntegerField(_("间隔年限"), default=3, help_text=_("上次疗休养后须满的年数"))
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("疗休养名额")
        verbose_name_plural = _("疗休养名额")
        ordering = ["-year"]

    def __str__(self) -> str:
        return f"{self.year} {self.places}"


class RecuperationBatch(models.Model):
    """疗休养批次: one group trip (dates, place, capacity) that approved requests are allotted to."""

    year = models.PositiveSmallIntegerField(_("年度"), validators=_YEAR, db_index=True)
    name = models.CharField(_("批次名称"), max_length=100)
    destination = models.CharField(_("疗休养地点"), max_length=200)
    starts_on = models.DateField(_("出发日期"))
    ends_on = models.DateField(_("返回日期"))
    capacity = models.PositiveIntegerField(_("人数上限"))
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("疗休养批次")
        verbose_name_plural = _("疗休养批次")
        ordering = ["year", "starts_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["year", "name"], name="welfare_batch_unique_name"),
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="welfare_batch_dates"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.destination}，{self.starts_on:%m-%d}—{self.ends_on:%m-%d}）"


class MedicalClaim(models.Model):
    """子女医疗统筹报销: a reimbursement claim, with receipts, against an approved enrolment
    (a child_medical request). Filed by the applicant (or the union office for them), decided
    by the union office (welfare.claims)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待审核")
        APPROVED = "approved", _("已核准")
        REJECTED = "rejected", _("不予报销")

    request = models.ForeignKey(
        WelfareRequest, on_delete=models.CASCADE, related_name="claims", verbose_name=_("子女医疗统筹")
    )
    visit_date = models.DateField(_("就诊日期"))
    hospital = models.CharField(_("就诊医院"), max_length=200)
    amount_claimed = models.DecimalField(
        _("报销金额（元）"), max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    description = models.TextField(_("说明"), max_length=2000, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    amount_approved = models.DecimalField(_("核准金额（元）"), max_digits=10, decimal_places=2, null=True, blank=True)
    decision_note = models.TextField(_("审核意见"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("录入人")
    )
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("医疗报销")
        verbose_name_plural = _("医疗报销")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_approved__isnull=True) | Q(amount_approved__gt=0),
                name="welfare_claim_amount_approved_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.hospital} {self.amount_claimed}"


def welfare_attachment_path(instance: Any, filename: str) -> str:
    return f"welfare/{instance.request_id}/{uuid.uuid4().hex}"


class WelfareAttachment(models.Model):
    """A confidential file of a request (a medical certificate, a receipt of a claim). Kept in
    private storage and served only by the permission-checked view (welfare.attachments)."""

    request = models.ForeignKey(
        WelfareRequest, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("福利申请")
    )
    claim = models.ForeignKey(
        MedicalClaim,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="receipts",
        verbose_name=_("医疗报销"),
    )
    file = models.FileField(_("文件"), upload_to=welfare_attachment_path, storage=get_private_storage, max_length=200)
    name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(_("文件类型"), max_length=100)
    size = models.PositiveBigIntegerField(_("大小（字节）"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("上传人")
    )
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("福利申请附件")
        verbose_name_plural = _("福利申请附件")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.name


class WelfareTimeLimit(models.Model):
    """办理时限: working days each step of a kind's requests may take before reminders and
    escalation (welfare.deadlines). A kind without a row uses the defaults there."""

    kind = models.CharField(_("申请类别"), max_length=16, choices=WelfareKind.choices, unique=True)
    review_days = models.PositiveSmallIntegerField(_("分工会审核（工作日）"), validators=[MinValueValidator(1)])
    assign_days = models.PositiveSmallIntegerField(_("校工会分派（工作日）"), validators=[MinValueValidator(1)])
    answer_days = models.PositiveSmallIntegerField(_("经办答复（工作日）"), validators=[MinValueValidator(1)])

    class Meta:
        verbose_name = _("办理时限")
        verbose_name_plural = _("办理时限")
        ordering = ["kind"]

    def __str__(self) -> str:
        return self.get_kind_display()


class AccessChannel(models.TextChoices):
    PAGE = "page", _("页面")
    API = "api", _("接口")
    EXPORT = "export", _("导出")


class SensitiveAccess(models.Model):
    """One row each time a request's sensitive fields were served unmasked (welfare.privacy):
    who saw which fields of which request, when, and through which channel. Append-only."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("查看人")
    )
    at = models.DateTimeField(_("查看时间"), default=timezone.now, db_index=True)
    request = models.ForeignKey(
        WelfareRequest, on_delete=models.PROTECT, related_name="sensitive_accesses", verbose_name=_("福利申请")
    )
    # A list of names from SENSITIVE_FIELDS (JSON, so it works on SQLite as on PostgreSQL).
    fields = models.JSONField(_("查看的字段"), default=list)
    channel = models.CharField(_("途径"), max_length=8, choices=AccessChannel.choices)
    path = models.CharField(_("请求路径"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("敏感信息查看记录")
        verbose_name_plural = _("敏感信息查看记录")
        ordering = ["-at", "-id"]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.user_id} {self.request_id} {self.at:%Y-%m-%d %H:%M}"


class WelfareProcess(Process):
    """One viewflow process per request. `manage` is declared because viewflow adds it at import."""

    class Meta:
        proxy = True
        default_permissions = ("add", "change", "delete", "view", "manage")
        verbose_name = _("福利申请办理流程")
        verbose_name_plural = _("福利申请办理流程")


# Direct foreign-key object permissions (django-guardian), as for proposals.
class WelfareRequestUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(WelfareRequest, on_delete=models.CASCADE)


class WelfareRequestGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(WelfareRequest, on_delete=models.CASCADE)
