"""The engine knows no item kind: welfare was added without touching workflow/, and rows
registered for a kind the engine has never seen are honoured like its own."""

from __future__ import annotations

import ast
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.test.utils import isolate_apps

from workflow import policy
from workflow.errors import NotPermitted, TransitionNotAllowed
from workflow.fsm import WorkflowItem, status_field
from workflow.services import available_transitions

WORKFLOW = Path(__file__).resolve().parents[2] / "workflow"
KIND_APPS = {"proposals", "welfare"}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) in {
            "import_module",
            "import_string",
            "__import__",
        }:
            found.update(a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str))
    return found


def test_no_module_under_workflow_imports_an_item_kind():
    sources = sorted(WORKFLOW.rglob("*.py"))
    assert len(sources) > 10
    offenders = {
        f"{path.relative_to(WORKFLOW)}: {module}"
        for path in sources
        for module in imported_modules(path)
        if module.split(".")[0] in KIND_APPS
    }
    assert offenders == set()


def test_the_import_check_would_catch_an_import(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import welfare.models\nfrom proposals import flows\nimport_string('welfare.flows.WelfareFlow')\n",
        encoding="utf-8",
    )
    assert imported_modules(sample) == {"welfare.models", "proposals", "welfare.flows.WelfareFlow"}


def test_the_engine_never_names_the_welfare_kind_yet_holds_its_rules():
    assert not [p for p in WORKFLOW.rglob("*.py") if "welfare" in p.read_text(encoding="utf-8").lower()]
    assert {"submit", "review", "reject", "assign", "answer", "close", "withdraw"} <= set(
        policy.actions_for("welfare.welfarerequest")
    )


def policy_transition(action, *, source, target):
    from django_fsm import transition

    return transition(field="status", source=source, target=target, permission=policy.permission(action))


@contextmanager
def throwaway_kind():
    """A kind defined here, in an app registry of its own, with rows registered for it;
    the rows are taken out again afterwards."""
    with isolate_apps("workflow"):

        class Ticket(WorkflowItem):
            status = status_field(choices=[("open", "open"), ("fixed", "fixed")], default="open")

            class Meta:
                app_label = "workflow"
                managed = False

            @policy_transition("fix", source="open", target="fixed")
            def fix(self, *, user):
                pass

        kind = Ticket._meta.label_lower
        rows = [
            policy.rule(kind, "fix", states=["open"], roles=["auditor"]),
            policy.rule(kind, "inspect", states=[policy.ANY_STATE], roles=["committee", "auditor"]),
        ]
        before = list(policy.RULES)
        policy.register(*rows)
        try:
            yield Ticket
        finally:
            policy.RULES[:] = before
            for r in rows:
                policy._BY_KEY[(r.kind, r.action)].remove(r)


@pytest.mark.django_db
def test_rows_registered_for_an_unknown_kind_are_honoured(people):
    with throwaway_kind() as Ticket:
        kind = Ticket._meta.label_lower
        assert kind not in {r.kind for r in policy.RULES[:-2]}  # nothing but the registered rows name it
        ticket = Ticket()
        assert ticket.status == "open"
        policy.check(ticket, "fix", people["auditor"])
        policy.check(ticket, "inspect", people["committee"])
        with pytest.raises(NotPermitted):
            policy.check(ticket, "fix", people["committee"])
        with pytest.raises(NotPermitted):
            policy.check(ticket, "inspect", people["dave"])
        with pytest.raises(TransitionNotAllowed):
            policy.check(ticket, "fix", people["auditor"], state="fixed")
        with pytest.raises(NotPermitted):  # no row names it: nobody may, whatever the state
            policy.check(ticket, "close", people["auditor"])
        assert available_transitions(ticket, people["auditor"]) == ["fix"]
        assert available_transitions(ticket, people["committee"]) == []
    assert policy.actions_for(kind) == []
    assert not policy.allows(ticket, "fix", people["auditor"])
