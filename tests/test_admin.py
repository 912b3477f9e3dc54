"""The Django admin: every model is there, pages take a fixed number of queries
however many rows there are, and no admin form can change a status."""

from __future__ import annotations

import datetime
import io

import pytest
from django import forms
from django.apps import apps
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from guardian.shortcuts import assign_perm

from notifications.models import WebhookChannel
from org.models import Delegation, Profile
from proposals.models import Assignment, Attachment, Proposal
from proposals.services import proposal_cosign, proposal_invite
from tests.factories import draft, make_user
from workflow.history import chain_check_request, chain_check_run, chain_seal_day
from workflow.models import CalendarNotice, ClosedDay, Deadline, EnteredYear, HistoryEntry, MakeUpWorkday, Reminder
from workflow.services import transition

pytestmark = pytest.mark.django_db

OUR_APPS = ("org", "workflow", "notifications", "proposals")
# Edited inline on the user's page rather than on a page of their own.
INLINE_ONLY = {Profile}


@pytest.fixture
def more_people(people, departments):
    return {
        **people,
        "erin": make_user("erin", "郑洁", ["delegate"], departments["cs"]),
        "lib_handler": make_user("lib_handler", "钱敏", ["department_handler"], departments["library"]),
    }


def closed_proposal(people, session, category, departments, *, title, cosigners=("bob", "carol"), co=("hr",)):
    """A proposal carried from draft to closed through the services, with co-departments."""
    handlers = {"hr": "hr_handler", "library": "lib_handler"}
    p = draft(people["alice"], session, category, title=title)
    proposal_invite(proposal=p, user=people["alice"], delegates=[people[u] for u in cosigners])
    for u in cosigners:
        proposal_cosign(proposal=p, user=people[u])
    p = transition(p, "submit", people["alice"])
    p = transition(p, "accept", people["committee"])
    p = transition(
        p,
        "assign",
        people["committee"],
        lead_department=departments["logistics"].pk,
        co_departments=[departments[c].pk for c in co],
    )
    for a in Assignment.objects.filter(proposal=p).select_related("department"):
        handler = people["handler"] if a.role == "lead" else people[handlers[_key(departments, a.department)]]
        transition(a, "accept", handler)
        transition(a, "answer", handler, answer="已按提案意见办理。", answer_class="A" if a.role == "lead" else "")
    transition(Assignment.objects.get(proposal=p, role="lead"), "approve", people["head"])
    return transition(Proposal.objects.get(pk=p.pk), "feedback", people["alice"], satisfaction="satisfied", comment="")


def _key(departments, department):
    return next(k for k, d in departments.items() if d.pk == department.pk)


def our_models():
    for label in OUR_APPS:
        for model in apps.get_app_config(label).get_models():
            if not model._meta.proxy and model not in INLINE_ONLY:
                yield model


def admin_url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def count_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx)


def attach(proposal, user):
    a = Attachment(proposal=proposal, name="方案.pdf", content_type="application/pdf", size=9, uploaded_by=user)
    a.file.save("方案.pdf", ContentFile(b"%PDF-1.4\n"), save=False)
    a.save()


@pytest.fixture
def world(more_people, session, category, departments, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    p = closed_proposal(more_people, session, category, departments, title="食堂晚餐供应时间延长")
    attach(p, more_people["alice"])
    Delegation.objects.create(name="第一代表团")
    ClosedDay.objects.create(date=datetime.date(2030, 1, 2), reason="校园停电检修")
    MakeUpWorkday.objects.create(date=datetime.date(2030, 1, 5), reason="调休上班")
    WebhookChannel.objects.create(
        name="校工会企业微信群", kind="wecom", url="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k"
    )
    deadline = Deadline.objects.order_by("pk").first()
    Reminder.objects.create(deadline=deadline, rule="due", due=deadline.due, fired_at=deadline.due)
    chain_check_run(check=chain_check_request(user=more_people["handler"]))
    chain_seal_day()  # a ChainSeal row: yesterday's, sealed tonight
    EnteredYear.objects.create(year=2030, note="国务院办公厅关于2030年部分节假日安排的通知")
    CalendarNotice.objects.create(year=2031, sent_on=datetime.date(2030, 11, 1))
    # Grants normally go to department groups; one to a user, so that table has a row too.
    assign_perm("proposals.view_assignment", more_people["handler"], Assignment.objects.first())
    return more_people


def grow(people, session, category, departments):
    """Two more proposals, with more co-signers and co-departments than the first."""
    for title in ("图书馆延长开放时间", "校园停车位不足"):
        p = closed_proposal(
            people,
            session,
            category,
            departments,
            title=title,
            cosigners=("bob", "carol", "erin"),
            co=("hr", "library"),
        )
        attach(p, people["alice"])
    Delegation.objects.create(name="第二代表团")
    ClosedDay.objects.create(date=datetime.date(2030, 1, 3), reason="校园停电检修")


def test_every_model_of_our_apps_has_an_admin():
    missing = [m._meta.label for m in our_models() if not admin.site.is_registered(m)]
    assert missing == []
    assert admin.site.is_registered(get_user_model())


def test_changelists_take_the_same_number_of_queries_for_more_rows(admin_client, world, session, category, departments):
    urls = [admin_url(m, "changelist") for m in [*our_models(), get_user_model()]]
    for url in urls:
        count_queries(admin_client, url)  # warm caches (content types, site)
    before = {url: count_queries(admin_client, url) for url in urls}
    grow(world, session, category, departments)
    after = {url: count_queries(admin_client, url) for url in urls}
    assert after == before


def test_change_pages_render_for_every_model(admin_client, world, django_assert_max_num_queries):
    for model in [*our_models(), get_user_model()]:
        obj = model._default_manager.order_by("pk").first()
        assert obj is not None, model._meta.label
        with django_assert_max_num_queries(25):
            assert admin_client.get(admin_url(model, "change", obj.pk)).status_code == 200


def test_the_proposal_page_takes_the_same_queries_for_more_inline_rows(
    admin_client, world, session, category, departments
):
    small = Proposal.objects.get(title="食堂晚餐供应时间延长")
    grow(world, session, category, departments)
    big = Proposal.objects.get(title="校园停车位不足")
    assert big.assignments.count() > small.assignments.count()
    assert big.cosignatures.count() > small.cosignatures.count()
    count_queries(admin_client, admin_url(Proposal, "change", small.pk))
    assert count_queries(admin_client, admin_url(Proposal, "change", small.pk)) == count_queries(
        admin_client, admin_url(Proposal, "change", big.pk)
    )


def test_the_user_page_takes_the_same_queries_for_users_with_more_groups(admin_client, world):
    User = get_user_model()
    alice, head = User.objects.get(username="alice"), User.objects.get(username="head")
    assert alice.groups.count() != head.groups.count()
    count_queries(admin_client, admin_url(User, "change", alice.pk))
    assert count_queries(admin_client, admin_url(User, "change", alice.pk)) == count_queries(
        admin_client, admin_url(User, "change", head.pk)
    )


def form_data(response):
    """What a browser would post back from an admin change page, unchanged."""
    data = {}
    form = response.context["adminform"].form
    _add_form(data, form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        _add_form(data, formset.management_form)
        for f in formset.forms:
            _add_form(data, f)
    return data


def _add_form(data, form):
    for name, field in form.fields.items():
        if field.disabled:
            continue
        key, value = form.add_prefix(name), form[name].value()
        if isinstance(field.widget, forms.MultiWidget):
            for i, part in enumerate(field.widget.decompress(value)):
                if part is not None:
                    data[f"{key}_{i}"] = part.isoformat() if hasattr(part, "isoformat") else str(part)
        elif isinstance(value, bool):
            if value:
                data[key] = "on"
        elif isinstance(value, list | tuple):
            data[key] = [str(v) for v in value]
        elif value is not None:
            data[key] = str(value)


def test_posting_a_changed_status_leaves_the_proposal_status_alone(admin_client, world):
    p = Proposal.objects.get(title="食堂晚餐供应时间延长")
    url = admin_url(Proposal, "change", p.pk)
    data = form_data(admin_client.get(url))
    data.update(status="draft", number="6-1-999", title="关于延长食堂晚餐供应时间的提案")

    response = admin_client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    p = Proposal.objects.get(pk=p.pk)
    assert (p.status, p.number) == ("closed", "6-1-001")
    assert p.title == "关于延长食堂晚餐供应时间的提案"
    edit = HistoryEntry.objects.for_item(p).order_by("-seq").first()
    assert edit.action == "proposal.admin_edit"
    assert edit.payload == {"title": "关于延长食堂晚餐供应时间的提案"}
    call_command("verify_history", stdout=io.StringIO())


def test_posting_a_changed_status_leaves_the_assignment_status_alone(admin_client, world):
    a = Assignment.objects.get(role="lead")
    url = admin_url(Assignment, "change", a.pk)
    data = form_data(admin_client.get(url))
    data.update(status="returned", due_0="2030-06-30", due_1="17:00:00", answer="改过的答复")

    response = admin_client.post(url, data)

    assert response.status_code == 302
    a = Assignment.objects.get(pk=a.pk)
    assert a.status == "approved"
    assert a.answer == "已按提案意见办理。"
    assert a.due.date() == datetime.date(2030, 6, 30)
    assert HistoryEntry.objects.for_item(a).order_by("-seq").first().action == "assignment.admin_edit"


def test_the_status_is_shown_but_not_editable(admin_client, world):
    p = Proposal.objects.first()
    response = admin_client.get(admin_url(Proposal, "change", p.pk))
    assert "status" not in response.context["adminform"].form.fields
    assert "number" not in response.context["adminform"].form.fields
    assert "已办结" in response.content.decode()


def test_nobody_adds_proposals_or_assignments_in_the_admin(admin_client, world):
    assert admin_client.get(admin_url(Proposal, "add")).status_code == 403
    assert admin_client.get(admin_url(Assignment, "add")).status_code == 403


def test_history_is_read_only_even_for_a_superuser(admin_client, world):
    entry = HistoryEntry.objects.first()
    assert admin_client.get(admin_url(HistoryEntry, "add")).status_code == 403
    assert admin_client.post(admin_url(HistoryEntry, "change", entry.pk), {"action": "x"}).status_code == 403
    assert admin_client.post(admin_url(HistoryEntry, "delete", entry.pk), {"post": "yes"}).status_code == 403
    changelist = admin_client.get(admin_url(HistoryEntry, "changelist"))
    assert "delete_selected" not in changelist.content.decode()
    assert HistoryEntry.objects.filter(pk=entry.pk, action=entry.action).exists()


def test_the_user_page_edits_the_profile(admin_client, world):
    User = get_user_model()
    alice = User.objects.get(username="alice")
    url = admin_url(User, "change", alice.pk)
    data = form_data(admin_client.get(url))
    data["profile-0-full_name"] = "王丽华"

    response = admin_client.post(url, data)

    assert response.status_code == 302
    assert Profile.objects.get(user=alice).full_name == "王丽华"


def test_the_user_list_shows_names_departments_and_roles(admin_client, world):
    content = admin_client.get(admin_url(get_user_model(), "changelist")).content.decode()
    assert "王丽" in content and "信息工程学院" in content and "教代会代表" in content
