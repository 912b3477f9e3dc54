"""People and departments: who someone is, where they work, which roles they hold.

A role is a Django group named by its code (``role:delegate``); holding a role
is membership of that group, so Django's own permission machinery and
viewflow's group queues see the same thing the policy table sees.
Each department has its own group (``dept:<id>``); object grants on an
assignment go to that group, never to individual users.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models
from django.utils.translation import gettext_lazy as _

ROLE_GROUP_PREFIX = "role:"
DEPARTMENT_GROUP_PREFIX = "dept:"


class Role(models.TextChoices):
    DELEGATE = "delegate", _("教代会代表")
    COMMITTEE = "committee", _("提案工作委员会")
    UNION_OFFICE = "union_office", _("校工会办公室")
    DEPARTMENT_HANDLER = "department_handler", _("承办单位经办人")
    DEPARTMENT_HEAD = "department_head", _("承办单位负责人")
    SUBUNION_CHAIR = "subunion_chair", _("分工会主席")
    MEMBER = "member", _("工会会员")
    AUDITOR = "auditor", _("审计监督")
    ADMIN = "admin", _("系统管理员")

    @property
    def group_name(self) -> str:
        return ROLE_GROUP_PREFIX + self.value


class DepartmentKind(models.TextChoices):
    OFFICE = "office", _("职能部门")
    COLLEGE = "college", _("学院")


class Department(models.Model):
    name = models.CharField(_("名称"), max_length=100, unique=True)
    kind = models.CharField(_("类型"), max_length=16, choices=DepartmentKind.choices, default=DepartmentKind.OFFICE)
    group = models.OneToOneField(Group, on_delete=models.PROTECT, editable=False, related_name="department")

    class Meta:
        verbose_name = _("单位")
        verbose_name_plural = _("单位")
        ordering = ["kind", "name"]
        permissions = [("act_for_department", _("代表本单位办理"))]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        creating = self.group_id is None
        if creating:
            # The group name only needs to be unique; it is renamed to the pk below.
            self.group = Group.objects.create(name=f"{DEPARTMENT_GROUP_PREFIX}new:{self.name}")
        super().save(*args, **kwargs)
        wanted = f"{DEPARTMENT_GROUP_PREFIX}{self.pk}"
        if self.group.name != wanted:
            self.group.name = wanted
            self.group.save(update_fields=["name"])
        if creating:
            # The department's task queue in viewflow is keyed on this object grant.
            from guardian.shortcuts import assign_perm

            assign_perm("org.act_for_department", self.group, self)


class Delegation(models.Model):
    """代表团: the group of delegates a delegate was elected in."""

    name = models.CharField(_("名称"), max_length=100, unique=True)

    class Meta:
        verbose_name = _("代表团")
        verbose_name_plural = _("代表团")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Profile(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    full_name = models.CharField(_("姓名"), max_length=64)
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, null=True, blank=True, related_name="members", verbose_name=_("部门")
    )
    delegation = models.ForeignKey(
        Delegation, on_delete=models.SET_NULL, null=True, blank=True, related_name="members", verbose_name=_("代表团")
    )
    mobile = models.CharField(_("手机"), max_length=32, blank=True)
    # Derived from full_name on every save (org.names), so people can be found by pinyin in SQL.
    name_pinyin = models.CharField(_("姓名拼音"), max_length=200, blank=True, editable=False)
    name_initials = models.CharField(_("姓名拼音首字母"), max_length=64, blank=True, editable=False)

    class Meta:
        verbose_name = _("人员资料")
        verbose_name_plural = _("人员资料")

    def __str__(self) -> str:
        return self.full_name

    def save(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        self.fill_pinyin()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "full_name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "name_pinyin", "name_initials"}
        super().save(*args, **kwargs)
        # Department membership is group membership, so grants to the group reach the user.
        stale = self.user.groups.filter(name__startswith=DEPARTMENT_GROUP_PREFIX)
        department = self.department
        if department is not None:
            stale = stale.exclude(pk=department.group_id)
            self.user.groups.add(department.group_id)
        self.user.groups.remove(*stale)

    def fill_pinyin(self) -> None:
        from .names import pinyin_full, pinyin_initials

        self.name_pinyin = pinyin_full(self.full_name)[:200]
        self.name_initials = pinyin_initials(self.full_name)[:64]
