"""viewflow's own strings in Chinese: our catalog of them is complete and compiled, and no
page of the product shows one of viewflow's English labels under zh-hans.

The free viewflow wheel ships its zh_Hans catalog untranslated; locale_viewflow/ holds ours
(its header says how to refresh it after an upgrade). Like locale/, its .mo is git-ignored
and built by `make messages`.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import polib
import pytest
import viewflow
from django.conf import settings
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext, pgettext
from viewflow.workflow.models import Process, Task
from viewflow.workflow.status import PROCESS, STATUS

from proposals.models import Assignment
from tests.pages.conftest import assign, submit

CATALOG_DIR = Path(settings.BASE_DIR) / "locale_viewflow" / "zh_Hans" / "LC_MESSAGES"
PO_PATH = CATALOG_DIR / "django.po"
MO_PATH = CATALOG_DIR / "django.mo"
PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|\{[\w.]*\}")
HAN = re.compile(r"[\u4e00-\u9fff]")
COMPILE_HINT = "run `make messages` (or `.venv/bin/python manage.py compilemessages --ignore=.venv`)"


def _po() -> polib.POFile:
    assert PO_PATH.is_file(), f"{PO_PATH.relative_to(settings.BASE_DIR)} is missing"
    return polib.pofile(str(PO_PATH))


def _entries(po: polib.POFile) -> list[polib.POEntry]:
    return [e for e in po if not e.obsolete]


@pytest.fixture(scope="module", autouse=True)
def _compiled_catalog():
    """The catalog is compiled and the .mo matches the .po; otherwise nothing here is meaningful."""
    if not MO_PATH.is_file():
        pytest.fail(f"{MO_PATH.relative_to(settings.BASE_DIR)} is missing: {COMPILE_HINT}.", pytrace=False)
    compiled = {(e.msgctxt or "", e.msgid, e.msgid_plural or "") for e in polib.mofile(str(MO_PATH)) if e.msgid}
    source = {(e.msgctxt or "", e.msgid, e.msgid_plural or "") for e in _entries(_po()) if e.translated()}
    if source - compiled:
        pytest.fail(
            f"{MO_PATH.relative_to(settings.BASE_DIR)} is out of date "
            f"({len(source - compiled)} messages not compiled): {COMPILE_HINT}.",
            pytrace=False,
        )


# --- (a) the catalog is complete ---------------------------------------------------------


def test_every_viewflow_message_is_translated_and_none_is_fuzzy():
    po = _po()
    entries = _entries(po)
    assert len(entries) > 140, f"the viewflow catalog looks empty: {len(entries)} entries"
    assert not po.metadata_is_fuzzy, "the viewflow catalog header is still marked fuzzy"
    assert po.metadata.get("Plural-Forms", "").startswith("nplurals=1;"), po.metadata
    fuzzy = [e.msgid for e in entries if "fuzzy" in e.flags]
    untranslated = [e.msgid for e in entries if not e.translated()]
    assert not fuzzy, f"fuzzy entries in the viewflow catalog: {fuzzy}"
    assert not untranslated, f"untranslated entries in the viewflow catalog: {untranslated}"


def test_viewflow_translations_keep_the_placeholders():
    for e in _entries(_po()):
        # Chinese has one plural form: msgstr[0] stands for the plural text.
        source = e.msgid_plural or e.msgid
        strings = list(e.msgstr_plural.values()) if e.msgid_plural else [e.msgstr]
        for s in strings:
            assert sorted(PLACEHOLDER.findall(s)) == sorted(PLACEHOLDER.findall(source)), (e.msgid, s)


def test_the_catalog_holds_every_message_of_viewflow_s_own():
    """The shipped catalog is our base; a viewflow upgrade that adds strings shows up here."""
    shipped = polib.pofile(str(Path(viewflow.__file__).parent / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"))
    ours = {(e.msgctxt, e.msgid) for e in _entries(_po())}
    missing = [e.msgid for e in _entries(shipped) if (e.msgctxt, e.msgid) not in ours]
    assert not missing, f"viewflow messages missing from our catalog: {missing}"


# --- (b) viewflow's strings come out in Chinese --------------------------------------------


@pytest.fixture
def zh():
    with translation.override("zh-hans"):
        yield


@pytest.mark.parametrize("choices", [STATUS, PROCESS], ids=["task", "process"])
def test_every_status_label_is_chinese(zh, choices):
    for value, label in choices.choices:
        assert HAN.search(str(label)), (value, str(label))


def test_the_task_status_labels_use_our_words(zh):
    assert {str(label) for _, label in STATUS.choices} >= {"新建", "已分配", "进行中", "已完成", "已取消", "出错"}
    assert pgettext("STATUS", "Started") == "进行中"


@pytest.mark.parametrize(
    ("msgid", "chinese"),
    [
        ("Assign selected tasks", "认领所选任务"),
        ("Unassign selected tasks", "放弃认领所选任务"),
        ("Assign", "认领"),
        ("Process list", "流程列表"),
        ("Task {task} has been completed.", "已完成任务 {task}。"),
        ("Workflow", "工作流"),
    ],
)
def test_viewflow_template_strings_are_chinese(zh, msgid, chinese):
    assert gettext(msgid) == chinese


def test_viewflow_model_and_field_names_are_chinese(zh):
    for model in (Process, Task):
        assert HAN.search(str(model._meta.verbose_name)), model
        assert HAN.search(str(model._meta.verbose_name_plural)), model
        for field in model._meta.fields:
            if field.name == "id" or field.verbose_name == field.name.replace("_", " "):
                continue  # viewflow names none of these; the admin forms below do
            assert HAN.search(str(field.verbose_name)), (model.__name__, field.name, str(field.verbose_name))


@pytest.mark.parametrize("model", [Process, Task], ids=["process", "task"])
def test_the_admin_labels_every_field_viewflow_leaves_unnamed(zh, rf, model):
    form = admin.site._registry[model].get_form(rf.get("/"))
    for name, field in form.base_fields.items():
        assert HAN.search(str(field.label)), (model.__name__, name, str(field.label))


def test_nodes_without_a_title_are_named_by_their_kind(zh):
    from proposals.flows import AssignmentFlow, ProposalFlow
    from workflow.viewflow_admin import node_title

    assert node_title(ProposalFlow.start) == "开始"
    assert node_title(ProposalFlow.end) == "结束"
    assert node_title(ProposalFlow.after_draft) == "条件判断"
    assert node_title(AssignmentFlow.sign) == "签收交办"


def test_our_own_catalog_stays_in_front():
    """Where our catalog and viewflow's share a msgid, ours decides."""
    assert [Path(p).name for p in settings.LOCALE_PATHS] == ["locale", "locale_viewflow"]


# --- (c) no viewflow English on the product's pages ------------------------------------------

# Attributes a user reads (tooltips, placeholders, screen readers, button captions); all
# others hold identifiers (class names, URLs, field names) and are skipped.
READABLE_ATTRS = {"title", "placeholder", "aria-label", "alt"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _VisibleText(HTMLParser):
    """The text a sighted user reads: no scripts or styles, and nothing the page hides as
    ``visually-hidden`` (the admin's index heads its tables with Django's "Model name",
    "Add link", "Change or view list link", which Django 5.2 leaves untranslated in zh_Hans)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0  # depth inside a hidden element

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in VOID:
            if not self._hidden:
                self._read_attrs(tag, attrs)
            return
        hides = tag in ("script", "style", "template") or "visually-hidden" in (dict(attrs).get("class") or "").split()
        if self._hidden or hides:
            self._hidden += 1
            return
        self._read_attrs(tag, attrs)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if not self._hidden:
            self._read_attrs(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if self._hidden and tag not in VOID:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)

    def _read_attrs(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value and (name in READABLE_ATTRS or (tag == "input" and name == "value" and _is_button(attrs))):
                self.parts.append(value)


def _is_button(attrs: list[tuple[str, str | None]]) -> bool:
    return dict(attrs).get("type") in ("submit", "button", "reset")


def visible_text(html: str) -> str:
    parser = _VisibleText()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def _label_pattern(msgid: str) -> str:
    """The msgid as a whole-word pattern; its placeholders match any text."""
    text = " ".join(msgid.split())
    pieces = PLACEHOLDER.split(text)
    return r"(?<![A-Za-z])" + r".+?".join(re.escape(p) for p in pieces) + r"(?![A-Za-z])"


def viewflow_labels() -> dict[str, re.Pattern[str]]:
    """Every msgid (and plural) of viewflow's catalog with at least 4 letters."""
    labels = {}
    for e in _entries(_po()):
        for msgid in filter(None, (e.msgid, e.msgid_plural)):
            if len(re.findall(r"[A-Za-z]", PLACEHOLDER.sub("", msgid))) >= 4:
                labels[" ".join(msgid.split())] = re.compile(_label_pattern(msgid))
    return labels


def english_labels_in(html: str) -> list[str]:
    text = visible_text(html)
    return sorted(label for label, pattern in viewflow_labels().items() if pattern.search(text))


def test_the_checker_finds_a_viewflow_label_in_the_text_but_not_in_attributes():
    assert english_labels_in("<p>认领 <b>Assign selected tasks</b></p>") == ["Assign", "Assign selected tasks"]
    assert english_labels_in('<button title="Unassign">放弃</button>') == ["Unassign"]
    assert english_labels_in("<p>Task 42 has been completed.</p>") == ["Task", "Task {task} has been completed."]
    assert english_labels_in('<a class="Assign Process" href="/Tasks/">流程</a>') == []
    assert english_labels_in("<p>Reassigned</p><script>var Status = 1;</script>") == []
    assert english_labels_in('<table><thead class="visually-hidden"><tr><th>Change</th></tr></thead></table>') == []
    assert english_labels_in('<p class="visually-hidden"><br>Change</p><p>Change</p>') == ["Change"]


@pytest.fixture
def viewflow_admin_urls():
    """The admin changelists of viewflow's models, as far as they are registered."""
    return [
        reverse(f"admin:{m._meta.app_label}_{m._meta.model_name}_changelist")
        for m in (Process, Task)
        if admin.site.is_registered(m)
    ]


def test_viewflow_models_are_in_the_admin(viewflow_admin_urls):
    # If this changes, drop the admin pages from the page test below.
    assert len(viewflow_admin_urls) == 2


WAITING = "图书馆延长周末开放时间"
ASSIGNED = "食堂晚餐供应时间延长"


@pytest.fixture
def world(people, session, category, departments):
    """One proposal waiting for triage, one assigned to logistics (lead) and HR (co)."""
    waiting = submit(people, session, category, title=WAITING)
    assigned = assign(people, departments, submit(people, session, category, title=ASSIGNED))
    lead = Assignment.objects.get(proposal=assigned, role="lead")
    process = Process.objects.get(artifact_content_type__model="assignment", artifact_object_id=lead.pk)
    return {
        "waiting": waiting,
        "assigned": assigned,
        "lead": lead,
        "process": process,
        "task": Task.objects.get(process=process, flow_task_type="HUMAN"),
    }


# page: (persona, what the page must show, so the check runs on a page with items on it)
PAGES = {
    "tasks": ("handler", "签收交办"),
    "proposal_list": ("alice", ASSIGNED),
    "proposal_detail": ("alice", ASSIGNED),
    "assignment_list": ("handler", ASSIGNED),
    "assignment_detail": ("handler", ASSIGNED),
    "triage": ("committee", WAITING),
    "inbox": ("handler", ASSIGNED),
    "admin_index": ("admin", "流程列表"),
    "admin_processes": ("admin", "提案办理"),
    "admin_tasks": ("admin", "审查提案（立案）"),
    "admin_process": ("admin", "签收交办"),
    "admin_task": ("admin", "签收交办"),
}


def _url(page: str, world: dict) -> str:
    return {
        "tasks": lambda: reverse("tasks"),
        "proposal_list": lambda: reverse("proposals:list"),
        "proposal_detail": lambda: reverse("proposals:detail", args=[world["assigned"].pk]),
        "assignment_list": lambda: reverse("proposals:assignments"),
        "assignment_detail": lambda: reverse("proposals:assignment", args=[world["lead"].pk]),
        "triage": lambda: reverse("proposals:triage"),
        "inbox": lambda: reverse("notifications:inbox"),
        "admin_index": lambda: reverse("admin:index"),
        "admin_processes": lambda: reverse("admin:viewflow_process_changelist"),
        "admin_tasks": lambda: reverse("admin:viewflow_task_changelist"),
        "admin_process": lambda: reverse("admin:viewflow_process_change", args=[world["process"].pk]),
        "admin_task": lambda: reverse("admin:viewflow_task_change", args=[world["task"].pk]),
    }[page]()


@pytest.mark.django_db
@pytest.mark.parametrize("page", list(PAGES))
def test_pages_show_no_viewflow_english_label_in_chinese(client, admin_client, people, world, page):
    persona, shown = PAGES[page]
    if persona == "admin":
        client = admin_client
    else:
        client.force_login(people[persona])
    r = client.get(_url(page, world), headers={"accept-language": "zh-hans"})
    assert r.status_code == 200, (page, r.status_code)
    assert r.headers["Content-Language"] == "zh-hans"
    html = r.content.decode()
    text = visible_text(html)
    assert shown in text, (page, shown)
    assert english_labels_in(html) == [], (page, text[:3000])


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200, url
    return len(ctx)


@pytest.mark.django_db
def test_the_viewflow_changelists_take_the_same_number_of_queries_for_more_rows(
    admin_client, people, session, category, departments, world, viewflow_admin_urls
):
    for url in viewflow_admin_urls:
        _queries(admin_client, url)  # warm the caches (content types, site)
    before = {url: _queries(admin_client, url) for url in viewflow_admin_urls}
    for title in ("校园停车位不足", "教职工体检增加项目"):
        assign(people, departments, submit(people, session, category, title=title))
    after = {url: _queries(admin_client, url) for url in viewflow_admin_urls}
    assert after == before
