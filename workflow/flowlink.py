"""The link between items and their viewflow processes.

Each item kind names its Flow (``flow_path``) and, per transition, the nodes whose
open task that transition completes (``flow_tasks``). viewflow decides who acts
next and puts the task in their inbox; the policy table decides who may act,
so a task is handed to whoever the service has already allowed to run the
transition. All of it runs inside the transition's transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.module_loading import import_string
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

OPEN = (STATUS.NEW, STATUS.ASSIGNED)


def flow_of(item: models.Model) -> Any:
    path = getattr(item, "flow_path", "")
    return import_string(path) if path else None


def start_process(item: models.Model, user: Any) -> Any:
    """Start the item's process; its first human task lands in the right inbox."""
    flow = flow_of(item)
    if flow is None:
        return None
    return flow.start.run(item=item)


def open_tasks(item: models.Model, nodes: Iterable[str]) -> models.QuerySet[Task]:
    flow = flow_of(item)
    ct = ContentType.objects.get_for_model(item, for_concrete_model=False)
    return Task.objects.filter(
        process__artifact_content_type=ct,
        process__artifact_object_id=item.pk,
        flow_task__in=[getattr(flow, n) for n in nodes],
        status__in=OPEN,
    ).order_by("created", "pk")


def complete_tasks(item: models.Model, nodes: Iterable[str], user: Any) -> int:
    done = 0
    for task in open_tasks(item, nodes):
        _complete(task, user)
        done += 1
    return done


def on_transition(item: models.Model, name: str, user: Any) -> None:
    nodes = getattr(item, "flow_tasks", {}).get(name)
    if nodes:
        complete_tasks(item, nodes, user)


def _complete(task: Task, user: Any) -> None:
    node = task.flow_task
    if node.task_type != "HUMAN":
        node.run(task)
        return
    with task.activation() as activation:
        if activation.task.status == STATUS.NEW:
            activation.assign(user)
        elif activation.task.owner_id != user.pk:
            activation.reassign(user=user)
        activation.start(None)
        activation.execute()


@dataclass(frozen=True)
class TaskRow:
    id: int
    title: str
    node: str
    status: str  # "assigned" (in my inbox) or "queued" (available to my group)
    created: datetime
    item_kind: str
    item_id: int
    item: Any
    url: str


def user_tasks(user: Any) -> list[TaskRow]:
    """The user's open human tasks: assigned to them, or waiting in a queue they may take."""
    if not getattr(user, "is_authenticated", False):
        return []
    human = Task.objects.filter(flow_task_type="HUMAN")
    mine = list(human.filter(owner=user, status=STATUS.ASSIGNED).select_related("process"))
    queued = list(human.user_queue(user).filter(status=STATUS.NEW).select_related("process"))
    rows = []
    tasks = mine + queued
    artifacts = _artifacts(t.process for t in tasks)
    for task in tasks:
        item = artifacts.get((task.process.artifact_content_type_id, task.process.artifact_object_id))
        if item is None:
            continue
        rows.append(
            TaskRow(
                id=task.pk,
                title=str(task.flow_task.task_title),
                node=task.flow_task.name,
                status="assigned" if task.status == STATUS.ASSIGNED else "queued",
                created=task.created,
                item_kind=item._meta.label_lower,
                item_id=item.pk,
                item=item,
                url=item.get_absolute_url(),
            )
        )
    rows.sort(key=lambda r: r.created)
    return rows


def _artifacts(processes: Iterable[Any]) -> dict[tuple[int, int], Any]:
    """Load the items behind a set of processes with one query per kind."""
    wanted: dict[int, set[int]] = {}
    for p in processes:
        if p.artifact_content_type_id:
            wanted.setdefault(p.artifact_content_type_id, set()).add(p.artifact_object_id)
    out: dict[tuple[int, int], Any] = {}
    for ct_id, ids in wanted.items():
        model = ContentType.objects.get_for_id(ct_id).model_class()
        if model is None:
            continue
        for obj in model._default_manager.filter(pk__in=ids):
            out[(ct_id, obj.pk)] = obj
    return out
