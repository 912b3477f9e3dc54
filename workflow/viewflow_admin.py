"""viewflow's Process and Task in the admin, labelled in our words.

viewflow registers an admin for both, but heads some columns with bare method names
(Pk, Participants, Brief: no gettext), shows flows and nodes as code references
(``proposals/flows.ProposalFlow``, ``Sign``), leaves several fields unnamed and prints
tasks as ``<assignment.Sign/14> - NEW``. These subclasses keep its queries and read-only
rules and give every column, filter and field a label that goes through a catalog.
Imported by workflow/admin.py.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.formats import localize
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _
from viewflow.workflow import admin as viewflow_admin  # registers viewflow's own admin first
from viewflow.workflow.fields import get_flow_ref
from viewflow.workflow.models import Process, Task

# Nodes without a title of their own (``.Annotation(title=...)``) are named by their kind;
# viewflow would show the attribute name, title-cased ("Start", "After Draft").
NODE_KINDS = {
    "START": _("开始"),
    "HUMAN_START": _("开始"),
    "END": _("结束"),
    "HUMAN": _("人工办理"),
    "FUNCTION": _("自动处理"),
    "EXCLUSIVE_GATEWAY": _("条件判断"),
    "SWITCH": _("条件判断"),
    "PARALLEL_GATEWAY": _("并行分支"),
    "JOIN": _("汇合"),
    "TIMER": _("定时"),
    "CONDITION": _("等待条件"),
    "EVENT": _("事件"),
    "JOB": _("后台作业"),
    "OBSOLETE": _("已停用的环节"),
}

UNNAMED_FIELDS = {
    "data": _("数据"),
    "seed_content_type": _("发起对象类型"),
    "seed_object_id": _("发起对象编号"),
    "artifact_content_type": _("关联事项类型"),
    "artifact_object_id": _("关联事项编号"),
    "owner_permission_content_type": _("权限对象类型"),
    "owner_permission_obj_pk": _("权限对象编号"),
}


# Raw fields on both models that link them to their data and objects; editable, as in viewflow's admin.
LINK_FIELDS = ["data", "seed_content_type", "seed_object_id", "artifact_content_type", "artifact_object_id"]


def node_title(node: Any) -> str:
    """The node's title in the user's language: its own annotation if it has one, else its kind."""
    if node is None:
        return "-"
    generated = (node.name or "").replace("_", " ").title()
    if node.task_title and str(node.task_title) != generated:
        return str(node.task_title)
    return str(NODE_KINDS.get(node.task_type, node.task_type))


def flow_title(flow_class: Any) -> str:
    return str(flow_class.process_title) if flow_class is not None else "-"


def _when(value: Any) -> str:
    return localize(timezone.localtime(value)) if value else "-"


def _item(content_type_id: int | None, object_id: int | None) -> str:
    """Like "提案 #12": the kind comes from the (cached) content type, so a list costs no query a row."""
    if not content_type_id:
        return "-"
    model = ContentType.objects.get_for_id(content_type_id).model_class()
    kind = model._meta.verbose_name if model is not None else "?"
    return f"{kind} #{object_id}"


class ProcessForm(forms.ModelForm):
    class Meta:
        model = Process
        fields = ["created", *LINK_FIELDS]
        labels = {name: label for name, label in UNNAMED_FIELDS.items() if not name.startswith("owner_")}


class TaskForm(forms.ModelForm):
    class Meta:
        model = Task
        fields = [
            "flow_task_type",
            "owner_permission",
            "owner_permission_content_type",
            "owner_permission_obj_pk",
            "created",
            "assigned",
            "scheduled",
            "external_task_id",
            *LINK_FIELDS,
        ]
        labels = UNNAMED_FIELDS


class TaskFlowFilter(viewflow_admin.FlowClassListFilter):
    """Tasks by their process's flow, named by the flow's title rather than its code path."""

    parameter_name = "process__flow_class"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        flows = Process._default_manager.order_by("flow_class").values_list("flow_class", flat=True).distinct()
        return [(get_flow_ref(f), flow_title(f)) for f in flows if f is not None]

    def queryset(self, request: HttpRequest, queryset: Any) -> Any:
        value = self.value()
        return queryset.filter(process__flow_class=value) if value else queryset


class ProcessAdmin(viewflow_admin.ProcessAdmin):
    form = ProcessForm
    list_display = ["number", "created", "flow", "status", "item", "participant_names"]
    list_display_links = ["number", "created", "flow"]
    fields = [
        "flow",
        "status",
        "created",
        "finished",
        "item",
        "parent",
        "task_table",
        "data",
        "seed_content_type",
        "seed_object_id",
        "artifact_content_type",
        "artifact_object_id",
    ]
    readonly_fields = ["flow", "status", "finished", "item", "parent", "task_table"]
    inlines: list[Any] = []  # the tasks are listed by task_table, with node titles instead of task reprs

    @admin.display(description=_("编号"), ordering="pk")
    def number(self, obj: Process) -> int:
        return obj.pk

    @admin.display(description=_("流程类型"), ordering="flow_class")
    def flow(self, obj: Process) -> str:
        return flow_title(obj.flow_class)

    @admin.display(description=_("关联事项"))
    def item(self, obj: Process) -> str:
        return _item(obj.artifact_content_type_id, obj.artifact_object_id)

    @admin.display(description=_("参与人"))
    def participant_names(self, obj: Process) -> str:
        return self.participants(obj)

    @admin.display(description=_("上级任务"))
    def parent(self, obj: Process) -> str:
        task = obj.parent_task
        return f"{node_title(task.flow_task)} #{task.pk}" if task else "-"

    @admin.display(description=_("任务"))
    def task_table(self, obj: Process) -> SafeString:
        tasks = obj.task_set.select_related("owner").order_by("created", "pk")
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (node_title(t.flow_task), t.get_status_display(), t.owner or "-", _when(t.started), _when(t.finished))
                for t in tasks
            ),
        )
        return format_html(
            "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead>"
            "<tbody>{}</tbody></table>",
            _("环节"),
            _("状态"),
            _("处理人"),
            _("开始时间"),
            _("完成时间"),
            rows,
        )


class TaskAdmin(viewflow_admin.TaskAdmin):
    form = TaskForm
    list_display = [
        "number",
        "created",
        "process",
        "node",
        "status",
        "owner",
        "owner_permission",
        "started",
        "finished",
    ]
    list_display_links = ["number", "created", "process"]
    list_select_related = ["process", "owner"]  # Django's default skips the nullable owner: a query a row
    list_filter = ["status", TaskFlowFilter]
    fields = [
        "process",
        "node",
        "status",
        "flow_task_type",
        "owner",
        "owner_permission",
        "owner_permission_content_type",
        "owner_permission_obj_pk",
        "created",
        "assigned",
        "scheduled",
        "started",
        "finished",
        "previous_tasks",
        "token",
        "external_task_id",
        "data",
        "seed_content_type",
        "seed_object_id",
        "artifact_content_type",
        "artifact_object_id",
    ]
    readonly_fields = ["process", "node", "status", "started", "finished", "previous_tasks", "token", "owner"]

    @admin.display(description=_("编号"), ordering="pk")
    def number(self, obj: Task) -> int:
        return obj.pk

    @admin.display(description=_("环节"))
    def node(self, obj: Task) -> str:
        return node_title(obj.flow_task)

    @admin.display(description=_("前序任务"))
    def previous_tasks(self, obj: Task) -> str:
        return "、".join(f"{node_title(t.flow_task)} #{t.pk}" for t in obj.previous.all()) or "-"

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        # The page heading and breadcrumb (templates/admin/viewflow/task/change_form.html)
        # name the task by its node, not by viewflow's "<flow.Node/pk> - STATUS".
        task = self.get_object(request, object_id)
        if task is not None:
            extra_context = {**(extra_context or {}), "subtitle": f"{node_title(task.flow_task)} #{task.pk}"}
        return super().change_view(request, object_id, form_url, extra_context)


for model, model_admin in ((Process, ProcessAdmin), (Task, TaskAdmin)):
    if admin.site.is_registered(model):
        admin.site.unregister(model)
    admin.site.register(model, model_admin)
