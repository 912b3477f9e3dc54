"""The welfare pages: a member's requests and the filing form, the sub-union chair's review
queue, the union office's queue, and a request's page with its actions, decision, timeline
and masked or unmasked sensitive fields."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from tests.factories import fresh
from tests.welfare.conftest import ID_X, request_fields
from tests.welfare.publicity_support import after_publicity
from welfare.models import SensitiveAccess, WelfareRequest
from workflow.services import transition

pytestmark = pytest.mark.django_db

MAX_QUERIES = 10


def _post_data(kind: str = "hardship", **extra):
    return {k: ("" if v is None else str(v)) for k, v in request_fields(kind, **extra).items()}


# Who may open which page -------------------------------------------------------------
@pytest.mark.parametrize(
    ("url_name", "right", "wrong"),
    [
        ("welfare:mine", ["dave", "chair"], [("office", 403), ("auditor", 403), ("committee", 403)]),
        ("welfare:create", ["dave", "office"], [("auditor", 403), ("committee", 403), ("handler", 403)]),
        ("welfare:review_queue", ["chair"], [("dave", 403), ("office", 403), ("auditor", 403)]),
        ("welfare:office_queue", ["office", "auditor", "admin"], [("dave", 403), ("chair", 403), ("committee", 403)]),
    ],
)
def test_each_list_page_answers_its_roles_and_refuses_the_others(client, wp, url_name, right, wrong):
    url = reverse(url_name)
    for who in right:
        client.force_login(wp[who])
        assert client.get(url).status_code == 200, who
    for who, status in wrong:
        client.force_login(wp[who])
        assert client.get(url).status_code == status, who


def test_a_request_page_is_seen_by_those_concerned_and_hidden_from_everyone_else(client, wp, file_request):
    r = file_request()
    url = reverse("welfare:detail", args=[r.pk])
    for who in ("dave", "chair", "office", "office2", "auditor"):
        client.force_login(wp[who])
        assert client.get(url).status_code == 200, who
    for who in ("alice", "other_chair", "committee", "handler"):
        client.force_login(wp[who])
        assert client.get(url).status_code == 404, who


def test_an_action_is_refused_to_the_wrong_role_and_hidden_from_strangers(client, wp, file_request):
    r = file_request()
    url = reverse("welfare:transition", args=[r.pk, "review"])
    client.force_login(wp["dave"])
    assert client.post(url, {"comment": "好"}).status_code == 403
    client.force_login(wp["alice"])
    assert client.post(url, {"comment": "好"}).status_code == 404
    client.force_login(wp["office"])
    assert client.post(url, {"comment": "好"}).status_code == 403
    assert WelfareRequest.objects.get(pk=r.pk).status == "submitted"


# Filing ------------------------------------------------------------------------------
def test_a_member_files_a_request_through_the_page(client, wp):
    client.force_login(wp["dave"])
    page = client.get(reverse("welfare:create")).content.decode()
    assert 'name="applicant"' not in page  # filing for oneself: no applicant to pick
    assert 'data-kind="must_visit"' in page and "五必访：补充信息" in page
    r = client.post(reverse("welfare:create"), _post_data())
    filed = WelfareRequest.objects.get()
    assert r.status_code == 302 and r.url == reverse("welfare:detail", args=[filed.pk])
    assert (filed.applicant, filed.filed_by, filed.status) == (wp["dave"], wp["dave"], "submitted")
    assert filed.income == Decimal("900.00") and filed.family_situation


def test_a_bad_filing_shows_the_errors_next_to_their_fields_and_keeps_the_input(client, wp):
    client.force_login(wp["dave"])
    data = _post_data(family_situation="", id_number="110105194912310021", title="申请困难补助一")
    r = client.post(reverse("welfare:create"), data)
    assert r.status_code == 400
    page = r.content.decode()
    assert "此类申请须填写此项。" in page
    assert 'value="申请困难补助一"' in page and "110105194912310021" in page
    form = r.context["form"]
    assert "family_situation" in form.errors and "id_number" in form.errors
    assert not WelfareRequest.objects.exists()


def test_the_union_office_files_on_a_members_behalf(client, wp):
    client.force_login(wp["office"])
    page = client.get(reverse("welfare:create")).content.decode()
    assert 'name="applicant"' in page and "刘伟（信息工程学院）" in page
    r = client.post(reverse("welfare:create"), {**_post_data(), "applicant": wp["dave"].pk})
    filed = WelfareRequest.objects.get()
    assert r.status_code == 302
    assert (filed.applicant, filed.filed_by, filed.unit.name) == (wp["dave"], wp["office"], "信息工程学院")


def test_the_union_office_must_pick_a_member_to_file_for(client, wp):
    client.force_login(wp["office"])
    r = client.post(reverse("welfare:create"), {**_post_data(), "applicant": wp["committee"].pk})
    assert r.status_code == 400
    assert "applicant" in r.context["form"].errors
    r = client.post(reverse("welfare:create"), _post_data())  # not a member: cannot file for themselves
    assert r.status_code == 400 and "applicant" in r.context["form"].errors
    assert not WelfareRequest.objects.exists()


# The lifecycle -----------------------------------------------------------------------
def test_a_request_goes_from_filing_to_closing_through_the_pages(client, wp):
    client.force_login(wp["dave"])
    client.post(reverse("welfare:create"), _post_data())
    r = WelfareRequest.objects.get()
    go = lambda action: reverse("welfare:transition", args=[r.pk, action])  # noqa: E731

    client.force_login(wp["chair"])
    assert r.title in client.get(reverse("welfare:review_queue")).content.decode()
    assert client.post(go("review"), {"comment": "情况属实，同意上报。"}).status_code == 302
    client.force_login(wp["office"])
    page = client.get(reverse("welfare:detail", args=[r.pk])).content.decode()
    assert "分派经办人" in page and "何静" in page  # the handler is picked by name
    assert client.post(go("assign"), {"handler": wp["office2"].pk}).status_code == 302
    client.force_login(wp["office2"])
    answer = {"approved": "true", "amount": "2000.00", "answer": "同意补助2000元。"}
    assert client.post(go("answer"), answer).status_code == 302
    client.force_login(wp["office"])
    with after_publicity(r):  # an approved hardship request is closed after its publicity (公示)
        assert client.post(go("close")).status_code == 302

    r.refresh_from_db()
    assert (r.status, r.handler, r.approved, r.amount_approved) == ("closed", wp["office2"], True, Decimal("2000.00"))
    client.force_login(wp["dave"])
    page = client.get(reverse("welfare:detail", args=[r.pk])).content.decode()
    assert "2000.00" in page and "同意补助2000元。" in page and "情况属实，同意上报。" in page
    for step in ("提交申请", "分工会审核通过", "分派经办人", "答复", "办结"):
        assert step in page, step


def test_the_chair_rejects_with_a_reason_and_a_missing_reason_is_shown_on_the_page(client, wp, file_request):
    r = file_request()
    client.force_login(wp["chair"])
    url = reverse("welfare:transition", args=[r.pk, "reject"])
    bad = client.post(url, {"reason": ""})
    assert bad.status_code == 400
    assert 'id="id_reject_reason"' in bad.content.decode()
    assert bad.context["actions"][1]["form"].errors["reason"]
    assert client.post(url, {"reason": "不符合困难补助条件。"}).status_code == 302
    assert WelfareRequest.objects.get(pk=r.pk).reject_reason == "不符合困难补助条件。"


def test_approving_without_an_amount_is_refused_with_the_answer_kept(client, wp, file_request):
    r = transition(file_request(), "review", fresh(wp["chair"]), comment="")
    r = transition(r, "assign", fresh(wp["office"]), handler=wp["office2"].pk)
    client.force_login(wp["office2"])
    url = reverse("welfare:transition", args=[r.pk, "answer"])
    bad = client.post(url, {"approved": "true", "amount": "", "answer": "同意补助。"})
    assert bad.status_code == 400
    page = bad.content.decode()
    assert "批准时须填写批准金额。" in page and "同意补助。" in page
    assert WelfareRequest.objects.get(pk=r.pk).status == "assigned"


def test_only_the_applicant_is_offered_the_withdrawal(client, wp, file_request):
    r = file_request()
    url = reverse("welfare:detail", args=[r.pk])
    client.force_login(wp["dave"])
    assert "撤回申请" in client.get(url).content.decode()
    client.force_login(wp["chair"])
    page = client.get(url).content.decode()
    assert "撤回申请" not in page and "审核通过" in page
    client.force_login(wp["auditor"])
    assert "可执行的操作" not in client.get(url).content.decode()
    client.force_login(wp["dave"])
    assert client.post(reverse("welfare:transition", args=[r.pk, "withdraw"])).status_code == 302
    assert WelfareRequest.objects.get(pk=r.pk).status == "withdrawn"


# Sensitive fields ------------------------------------------------------------------------
def test_the_applicant_reads_the_sensitive_fields_and_the_reading_is_logged(client, wp, file_request):
    r = file_request()
    client.force_login(wp["dave"])
    page = client.get(reverse("welfare:detail", args=[r.pk])).content.decode()
    assert ID_X in page and "900.00" in page
    log = SensitiveAccess.objects.get()
    assert (log.user, log.request_id, log.channel) == (wp["dave"], r.pk, "page")
    assert set(log.fields) == {"income", "id_number", "family_situation"}


def test_an_auditor_sees_the_sensitive_fields_masked_and_nothing_is_logged(client, wp, file_request):
    r = file_request("must_visit")
    client.force_login(wp["auditor"])
    page = client.get(reverse("welfare:detail", args=[r.pk])).content.decode()
    assert ID_X not in page and "急性阑尾炎" not in page
    assert page.count("***") == 3
    assert "提交申请" in page  # the timeline is there
    assert not SensitiveAccess.objects.exists()


def test_a_hardship_requests_family_situation_is_masked_for_auditors_on_the_page_and_in_the_api(
    client, wp, file_request, client_for
):
    r = file_request("hardship")
    situation = r.family_situation
    client.force_login(wp["auditor"])
    page = client.get(reverse("welfare:detail", args=[r.pk])).content.decode()
    assert situation not in page and "家庭困难情况" in page
    body = client_for("auditor").get(f"/api/v1/welfare-requests/{r.pk}/").json()
    assert body["family_situation"] == "***"
    for who in ("dave", "chair", "office"):
        client.force_login(wp[who])
        assert situation in client.get(reverse("welfare:detail", args=[r.pk])).content.decode(), who
        assert client_for(who).get(f"/api/v1/welfare-requests/{r.pk}/").json()["family_situation"] == situation


# Lists ---------------------------------------------------------------------------------
def test_the_review_queue_shows_only_the_chairs_unit_waiting_requests(client, wp, file_request):
    mine = file_request(title="本单位的申请")
    other = file_request(user=wp["office"], applicant=wp["other_chair"], title="人事处的申请")
    done = transition(file_request(title="已审核的申请"), "review", fresh(wp["chair"]), comment="")
    client.force_login(wp["chair"])
    page = client.get(reverse("welfare:review_queue")).content.decode()
    assert mine.title in page and other.title not in page and done.title not in page
    page = client.get(reverse("welfare:review_queue") + "?tab=all").content.decode()
    assert mine.title in page and done.title in page and other.title not in page


def test_the_office_queue_filters_by_kind_state_and_unit_and_counts_each_kind(client, wp, file_request):
    file_request("hardship", title="困难补助一")
    file_request("must_visit", title="住院慰问一")
    transition(file_request("must_visit", title="住院慰问二"), "review", fresh(wp["chair"]), comment="")
    file_request(user=wp["office"], applicant=wp["other_chair"], title="人事处的申请")
    client.force_login(wp["office"])
    r = client.get(reverse("welfare:office_queue") + "?kind=must_visit")
    page = r.content.decode()
    assert "住院慰问一" in page and "住院慰问二" in page and "困难补助一" not in page
    counts = {k["key"]: k["count"] for k in r.context["kinds"]}
    assert counts == {"hardship": 2, "must_visit": 2, "recuperation": 0, "child_medical": 0, "other": 0}
    page = client.get(reverse("welfare:office_queue") + "?kind=must_visit&status=reviewed").content.decode()
    assert "住院慰问二" in page and "住院慰问一" not in page
    unit = WelfareRequest.objects.get(title="人事处的申请").unit_id
    page = client.get(reverse("welfare:office_queue") + f"?unit={unit}").content.decode()
    assert "人事处的申请" in page and "困难补助一" not in page


def test_the_auditor_reads_the_office_queue_without_actions(client, wp, file_request):
    file_request(title="困难补助一")
    client.force_login(wp["auditor"])
    page = client.get(reverse("welfare:office_queue")).content.decode()
    assert "困难补助一" in page and "代录福利申请" not in page and '<form method="post"' not in page


def _grow(wp, file_request, n):
    for i in range(n):
        r = file_request(title=f"申请{i}")
        if i % 2 == 0:
            r = transition(r, "review", fresh(wp["chair"]), comment="")
            transition(r, "assign", fresh(wp["office"]), handler=wp["office2"].pk)


@pytest.mark.parametrize(
    ("who", "url_name"),
    [("dave", "welfare:mine"), ("chair", "welfare:review_queue"), ("office", "welfare:office_queue")],
)
def test_list_pages_take_a_constant_number_of_queries(
    client, wp, file_request, who, url_name, django_assert_max_num_queries
):
    client.force_login(wp[who])
    url = reverse(url_name) + ("?tab=all" if url_name == "welfare:review_queue" else "")
    _grow(wp, file_request, 2)
    with django_assert_max_num_queries(MAX_QUERIES):
        assert client.get(url).status_code == 200
    _grow(wp, file_request, 6)
    with django_assert_max_num_queries(MAX_QUERIES):
        r = client.get(url)
    assert r.status_code == 200 and "申请5" in r.content.decode()


# Home and header -------------------------------------------------------------------------
@pytest.mark.parametrize(("who", "lands_on"), [("dave", "welfare:mine"), ("chair", "welfare:review_queue")])
def test_members_land_on_their_welfare_page(client, wp, who, lands_on):
    client.force_login(wp[who])
    r = client.get(reverse("home"))
    assert r.status_code == 302 and r.url == reverse(lands_on)


def test_the_header_links_to_the_welfare_pages_of_the_role(client, wp):
    client.force_login(wp["dave"])
    page = client.get(reverse("welfare:mine")).content.decode()
    assert reverse("welfare:mine") in page and reverse("welfare:office_queue") not in page
    client.force_login(wp["office"])
    page = client.get(reverse("welfare:office_queue")).content.decode()
    assert f'href="{reverse("welfare:create")}"' in page and f'href="{reverse("welfare:mine")}"' not in page
