"""The engine's own tables: the append-only, hash-chained history."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pgtrigger
from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from .calendar import Due, parse_pending_years, pending_years_text, provisional_note


class AppendOnlyError(Exception):
    pass


class HistoryQuerySet(models.QuerySet):
    def update(self, **kwargs):  # type: ignore[no-untyped-def]
        raise AppendOnlyError("history rows are never updated")

    def delete(self):  # type: ignore[no-untyped-def]
        raise AppendOnlyError("history rows are never deleted")

    def for_item(self, item: models.Model) -> HistoryQuerySet:
        ct = ContentType.objects.get_for_model(item, for_concrete_model=False)
        return self.filter(content_type=ct, object_id=item.pk)


class HashScheme(models.TextChoices):
    """How a history row's `hash` was computed (workflow.history.entry_hash)."""

    # Plain sha256, before the chain was keyed: anyone could recompute it. Only rows that were
    # already in the database when migration 0008 added the marker carry it.
    SHA256 = "sha256", _("SHA-256（未加密钥，旧记录）")
    # HMAC-SHA256 with settings.HISTORY_HMAC_KEY: every row written since.
    HMAC_SHA256 = "hmac-sha256", _("HMAC-SHA256")


class HistoryEntry(models.Model):
    """One row per transition or audited action. Each row carries the hash of
    the previous row of the same item, so an edited or removed row breaks the chain.

    On PostgreSQL the table is append-only in the database too: a trigger refuses every
    UPDATE and DELETE, whoever sends it (raw SQL, another program, psql). It does not stop
    TRUNCATE (the test suite's flush needs it), nor the table's owner, who can drop the
    trigger or set `pgtrigger.ignore`; that is what the keyed hash and the seals
    (ChainSeal) are for."""

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.PositiveBigIntegerField()
    item = GenericForeignKey("content_type", "object_id")
    seq = models.PositiveIntegerField(_("序号"))
    at = models.DateTimeField(_("时间"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("操作人")
    )
    action = models.CharField(_("动作"), max_length=100)
    transition = models.CharField(_("流转"), max_length=50, blank=True)
    from_state = models.CharField(_("原状态"), max_length=32, blank=True)
    to_state = models.CharField(_("新状态"), max_length=32, blank=True)
    comment = models.TextField(_("说明"), blank=True)
    payload = models.JSONField(_("内容"), default=dict, blank=True)
    payload_digest = models.CharField(max_length=64)
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64, unique=True)
    # New rows are always keyed; migration 0008 marks the rows it found as SHA256 without touching them.
    scheme = models.CharField(_("哈希算法"), max_length=16, choices=HashScheme.choices, default=HashScheme.HMAC_SHA256)

    objects = HistoryQuerySet.as_manager()

    class Meta:
        verbose_name = _("流转记录")
        verbose_name_plural = _("流转记录")
        ordering = ["content_type_id", "object_id", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["content_type", "object_id", "seq"], name="history_one_row_per_seq"),
        ]
        indexes = [models.Index(fields=["at"])]
        triggers = [
            pgtrigger.Protect(name="history_entry_append_only", operation=pgtrigger.Update | pgtrigger.Delete),
        ]

    def __str__(self) -> str:
        return f"{self.action} #{self.object_id}.{self.seq}"

    def save(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        if not self._state.adding:
            raise AppendOnlyError("history rows are never updated")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise AppendOnlyError("history rows are never deleted")


# The head may only ever name the newest row of its own chain, and move forward. The check
# reads the history table, which a trigger's WHEN condition cannot, hence a function.
HISTORY_HEAD_FORWARD_ONLY = """
    IF TG_OP = 'UPDATE' AND (
        NEW.id <> OLD.id
        OR NEW.content_type_id <> OLD.content_type_id
        OR NEW.object_id <> OLD.object_id
        OR NEW.seq <= OLD.seq
    ) THEN
        RAISE EXCEPTION 'pgtrigger: a history head only moves forward along its own chain (% seq % -> %)',
            TG_TABLE_NAME, OLD.seq, NEW.seq;
    END IF;
    IF NOT EXISTS (
        SELECT 1 FROM workflow_historyentry e
        WHERE e.content_type_id = NEW.content_type_id AND e.object_id = NEW.object_id
            AND e.seq = NEW.seq AND e.hash = NEW.hash
    ) OR EXISTS (
        SELECT 1 FROM workflow_historyentry e
        WHERE e.content_type_id = NEW.content_type_id AND e.object_id = NEW.object_id AND e.seq > NEW.seq
    ) THEN
        RAISE EXCEPTION 'pgtrigger: a history head must name the newest row of its chain (% seq %)',
            TG_TABLE_NAME, NEW.seq;
    END IF;
    RETURN NEW;
"""


class HistoryHead(models.Model):
    """The newest row of each item's chain. Without it, deleting the last rows of a
    chain would leave a shorter chain that still verifies.

    `history.record` moves it forward after each appended row, so it cannot be simply
    read-only. On PostgreSQL two triggers make that the only change it accepts:
    DELETE is refused; an INSERT or UPDATE must name an existing history row of the same
    item (same seq and hash) with no newer row after it, and an UPDATE must keep the item
    and raise the seq. So the head can only follow rows that were appended (which their own
    trigger keeps unchanged); it can never be moved back to hide the newest rows, nor point
    at a hash that no row has."""

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.PositiveBigIntegerField()
    seq = models.PositiveIntegerField()
    hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("流转记录链尾")
        verbose_name_plural = _("流转记录链尾")
        constraints = [models.UniqueConstraint(fields=["content_type", "object_id"], name="one_head_per_item")]
        triggers = [
            pgtrigger.Protect(name="history_head_no_delete", operation=pgtrigger.Delete),
            pgtrigger.Trigger(
                name="history_head_forward_only",
                when=pgtrigger.Before,
                operation=pgtrigger.Insert | pgtrigger.Update,
                func=HISTORY_HEAD_FORWARD_ONLY,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.content_type_id}:{self.object_id}@{self.seq}"


class ClosedDay(models.Model):
    """A day the union office declares non-working on top of the statutory calendar
    (e.g. a campus-wide closure); `workflow.calendar` skips it when counting working days."""

    date = models.DateField(_("日期"), unique=True)
    reason = models.CharField(_("原因"), max_length=200)

    class Meta:
        verbose_name = _("额外休息日")
        verbose_name_plural = _("额外休息日")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date.isoformat()} {self.reason}"


class MakeUpWorkday(models.Model):
    """A weekend day worked to make up for a holiday (调休上班), entered by the union office
    for a year the holiday data does not cover yet."""

    date = models.DateField(_("日期"), unique=True)
    reason = models.CharField(_("原因"), max_length=200)

    class Meta:
        verbose_name = _("调休上班日")
        verbose_name_plural = _("调休上班日")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date.isoformat()} {self.reason}"


class EnteredYear(models.Model):
    """A year whose holiday schedule the union office entered by hand (from the State
    Council's notice) because the installed holiday data does not cover it: its weekdays
    work and its weekends rest, except the closed days and make-up workdays entered."""

    year = models.PositiveSmallIntegerField(_("年份"), unique=True)
    note = models.CharField(_("依据"), max_length=200, help_text=_("例如：国务院办公厅关于2027年部分节假日安排的通知"))
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("录入人"),
    )
    entered_at = models.DateTimeField(_("录入时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("已录入节假日的年份")
        verbose_name_plural = _("已录入节假日的年份")
        ordering = ["year"]

    def __str__(self) -> str:
        return str(self.year)


# The columns that say when a row is due and how that was counted (CountedDue).
DUE_FIELDS = ("due", "due_provisional", "due_counted_from", "due_working_days", "due_pending_years")


class CountedDue(models.Model):
    """How a row's `due` was counted, next to the `due` field the row declares itself.

    A due date counted in working days keeps its start and length, so it can be counted
    again; one counted through a year whose holiday schedule we do not have yet is
    provisional until that year is entered (workflow.calendar_years). A date someone chose
    (an agreed extension, the admin's correction) has neither and is never recounted."""

    due_provisional = models.BooleanField(_("期限暂定"), default=False)
    due_counted_from = models.DateTimeField(_("期限起算时间"), null=True, blank=True, editable=False)
    due_working_days = models.PositiveSmallIntegerField(_("期限工作日数"), null=True, blank=True, editable=False)
    due_pending_years = models.CharField(_("待录入放假安排的年份"), max_length=40, blank=True, editable=False)

    due: Any

    class Meta:
        abstract = True

    def set_due(self, value: Due | datetime | None) -> None:
        if isinstance(value, Due):
            self.due = value.at
            self.due_counted_from, self.due_working_days = value.start, value.working_days
            self.due_pending_years = pending_years_text(value.pending_years)
        else:
            self.due = value
            self.due_counted_from, self.due_working_days, self.due_pending_years = None, None, ""
        self.due_provisional = bool(self.due_pending_years)

    @property
    def due_value(self) -> Due | None:
        if self.due is None:
            return None
        return Due(
            self.due, self.due_counted_from, self.due_working_days, tuple(parse_pending_years(self.due_pending_years))
        )

    def deadline_recounted(self, step: str, old: Due, new: Due) -> None:
        """The engine recounted this row's open deadline (workflow.calendar_years): a row that
        holds the same date takes the new count."""
        if self.due_value == old:
            self.set_due(new)
            self.save(update_fields=list(DUE_FIELDS))

    @property
    def due_note(self) -> str:
        """The words shown beside a provisional date (empty for a settled one)."""
        return provisional_note(parse_pending_years(self.due_pending_years)) if self.due_provisional else ""


class Deadline(CountedDue):
    """One step of one item that waits on someone until `due` (审查, 办理, 反馈 ...).

    Opened and closed by the transition service; the reminder sweep reads only the rows
    whose `next_check_at` has come, through a partial index, so its cost follows what is
    due, not what is open."""

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.PositiveBigIntegerField()
    item = GenericForeignKey("content_type", "object_id")
    step = models.CharField(_("环节"), max_length=32)
    due = models.DateTimeField(_("期限"))
    supervised = models.BooleanField(_("督办"), default=False)
    opened_at = models.DateTimeField(_("开始时间"))
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    next_check_at = models.DateTimeField(null=True, blank=True)
    escalation_level = models.PositiveSmallIntegerField(_("升级级别"), default=0)

    class Meta:
        verbose_name = _("办理期限")
        verbose_name_plural = _("办理期限")
        indexes = [
            models.Index(
                fields=["next_check_at"], condition=models.Q(closed_at__isnull=True), name="deadline_sweep_idx"
            ),
            models.Index(fields=["content_type", "object_id"], name="deadline_item_idx"),
            # What entering a year's schedule recounts (workflow.calendar_years).
            models.Index(
                fields=["due"],
                condition=models.Q(closed_at__isnull=True, due_working_days__isnull=False),
                name="deadline_counted_idx",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "step"],
                condition=models.Q(closed_at__isnull=True),
                name="one_open_deadline_per_step",
            )
        ]

    def __str__(self) -> str:
        return f"{self.step} #{self.object_id} → {self.due:%Y-%m-%d}"


class Reminder(models.Model):
    """A reminder or escalation that went out. The unique key (deadline, rule, due) is what
    makes each one go out once, however many sweeps overlap."""

    deadline = models.ForeignKey(Deadline, on_delete=models.CASCADE, related_name="reminders")
    rule = models.CharField(_("规则"), max_length=32)
    due = models.DateTimeField(_("期限"))
    level = models.PositiveSmallIntegerField(_("升级级别"), default=0)
    fired_at = models.DateTimeField(_("发送时间"))

    class Meta:
        verbose_name = _("催办提醒")
        verbose_name_plural = _("催办提醒")
        constraints = [models.UniqueConstraint(fields=["deadline", "rule", "due"], name="reminder_once")]

    def __str__(self) -> str:
        return f"{self.rule} {self.deadline}"


class ChainCheck(models.Model):
    """One run of the history chain check (校验): when, by whom, how much it read and where
    the chains were broken. Auditors read these on the check page; the check itself is
    `workflow.history.chain_check_run`."""

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("发起人"),
    )
    requested_at = models.DateTimeField(_("发起时间"))
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    rows_checked = models.PositiveBigIntegerField(_("校验记录数"), default=0)
    items_checked = models.PositiveBigIntegerField(_("校验事项数"), default=0)
    # [{"content_type_id", "object_id", "seq", "code", "detail"}], at most CHAIN_CHECK_MAX_BREAKS rows.
    breaks = models.JSONField(_("断点"), default=list, blank=True)
    break_count = models.PositiveIntegerField(_("断点数"), default=0)

    class Meta:
        verbose_name = _("流转记录校验")
        verbose_name_plural = _("流转记录校验")
        ordering = ["-requested_at", "-id"]

    def __str__(self) -> str:
        return f"{self.requested_at:%Y-%m-%d %H:%M} ({self.break_count})"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("history_check")

    @property
    def ok(self) -> bool | None:
        """True when finished without a break, False when broken, None while running."""
        return None if self.finished_at is None else self.break_count == 0

    def notification_body(self, event: str) -> str | None:
        """The alert's body (notifications.texts.event_body): where the first break is."""
        from .history import break_text

        if event != "history.chain_broken" or not self.breaks:
            return None
        return break_text(self.breaks[0], self.break_count)


class CalendarNotice(models.Model):
    """One warning to the union office that next year's holiday schedule is missing. The
    unique (year, day) makes two overlapping runs send it once; "weekly" is read from the
    newest row (workflow.calendar_years.calendar_warn_missing_year)."""

    year = models.PositiveSmallIntegerField(_("年份"))
    sent_on = models.DateField(_("提醒日期"))

    class Meta:
        verbose_name = _("放假安排缺失提醒")
        verbose_name_plural = _("放假安排缺失提醒")
        constraints = [models.UniqueConstraint(fields=["year", "sent_on"], name="calendar_notice_once_a_day")]

    def __str__(self) -> str:
        return str(_("%(year)s年放假安排")) % {"year": self.year}

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("calendar_years")


class ChainSeal(models.Model):
    """The state of the whole history at the end of one day, published to the auditors
    (/audit/history/): an HMAC (settings.HISTORY_HMAC_KEY) over every history row written since
    the previous seal, and over the previous seal's digest. Written each night by the beat task
    `workflow.tasks.seal_history_chains` (workflow.history.chain_seal_day); every check recomputes
    them all. A rewrite of an old row, even by someone who has the key and reseals the chain,
    changes the digest of the day the row was sealed in; someone who also rewrites the seals
    changes every later digest, which the auditors hold copies of."""

    date = models.DateField(_("日期"), unique=True)
    since = models.DateTimeField(_("起始时间"), null=True, blank=True)  # the previous seal's `until`; None: the first
    until = models.DateTimeField(_("截止时间"))
    rows = models.PositiveBigIntegerField(_("记录数"))
    digest = models.CharField(_("封存值"), max_length=64)
    sealed_at = models.DateTimeField(_("封存时间"))

    class Meta:
        verbose_name = _("记录链封存值")
        verbose_name_plural = _("记录链封存值")
        ordering = ["-date"]
        triggers = [
            pgtrigger.Protect(name="chain_seal_append_only", operation=pgtrigger.Update | pgtrigger.Delete),
        ]

    def __str__(self) -> str:
        return self.date.isoformat()

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return f"{reverse('history_check')}#seal-{self.date.isoformat()}"
