"""公示: the publicity period of an approved hardship request, objections raised in it, and
the reconsideration an upheld objection starts (welfare.publicity).

The suite's clock starts on Monday 16 March 2026, 09:00 Asia/Shanghai; tests that need
another day travel there (tests/welfare/publicity_support.py).
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse
from guardian.shortcuts import assign_perm
from viewflow.workflow.models import Process
from viewflow.workflow.status import PROCESS

from notifications.models import Notification
from tests.api.conftest import assert_error
from tests.factories import fresh, make_user
from welfare.models import PublicityObjection, WelfareRequest
from welfare.publicity import (
    PUBLICITY_WORKING_DAYS,
    objection_raise,
    objection_resolve,
    publicity_window,
)
from welfare.rules import AS_HANDLER
from workflow import flowlink
from workflow.errors import Conflict, DomainError, InvalidPayload, NotPermitted
from workflow.models import HistoryEntry
from workflow.services import available_transitions, transition

from .publicity_support import after_publicity, on

pytestmark = pytest.mark.django_db

API = "/api/v1"
# What the notice must never show (all of them on every request made here).
TITLE = "刘家困难补助申请甲"
DESCRIPTION = "家庭突发变故乙，生活困难。"
FAMILY = "配偶长期患病丙，子女在读。"
DIAGNOSIS = "慢性肾病丁，需长期透析"
INCOME = "987.65"
ID_NUMBER = "11010519491231002X"
SECRETS = (TITLE, DESCRIPTION, FAMILY, DIAGNOSIS, INCOME, ID_NUMBER)


@pytest.fixture
def answered(wp, file_request):
    """``answered()``: a request of dave's filed, reviewed, assigned to office2 and answered
    (approved with 800.00 unless told otherwise), at the current (travelled) time."""

    def make(kind: str = "hardship", *, approved: bool = True, applicant: Any = None, **extra: Any) -> Any:
        fields: dict[str, Any] = {"title": TITLE, "description": DESCRIPTION, "diagnosis": DIAGNOSIS}
        if kind == "hardship":
            fields |= {"family_situation": FAMILY, "income": Decimal(INCOME)}
        if kind == "must_visit":
            fields |= {"amount_requested": Decimal("500.00")}
        user = applicant or wp["dave"]
        r = file_request(kind, user=user, **{**fields, **extra})
        chair = wp["chair"] if user.profile.department_id == wp["chair"].profile.department_id else wp["other_chair"]
        r = transition(r, "review", fresh(chair), comment="情况属实。")
        r = transition(r, "assign", fresh(wp["office"]), handler=wp["office2"].pk)
        payload: dict[str, Any] = {"approved": approved, "amount": "800.00" if approved else None, "answer": "同意。"}
        if kind == "must_visit" and approved:
            payload["amount"] = "500.00"
        return transition(r, "answer", fresh(wp["office2"]), **payload)

    return make


def in_publicity(answered: Any, **kw: Any) -> Any:
    """An approved hardship request, answered on Mon 16 March (publicity 17-23 March); the
    caller travels into the period."""
    return answered(**kw)


def codes(exc: pytest.ExceptionInfo) -> tuple[int, str]:
    err: DomainError = exc.value  # type: ignore[assignment]
    return err.status, err.code


# The window ------------------------------------------------------------------------------


def test_an_approved_hardship_request_is_on_the_notice_five_working_days_from_the_next_one(answered):
    r = answered()  # Monday 16 March 2026
    # Tue 17 - Fri 20, the weekend skipped, Mon 23: the fifth working day, inclusive.
    assert (r.publicity_starts, r.publicity_ends) == (date(2026, 3, 17), date(2026, 3, 23))
    assert PUBLICITY_WORKING_DAYS == 5


def test_the_notice_skips_a_public_holiday_and_counts_its_make_up_saturday(answered):
    # Answered Thu 30 April; 1-5 May is the Labour Day holiday, Sat 9 May a make-up working day.
    with on(date(2026, 4, 30), 15):
        r = answered()
    assert (r.publicity_starts, r.publicity_ends) == (date(2026, 5, 6), date(2026, 5, 11))


def test_the_notice_of_a_request_answered_before_qingming_starts_after_it(db):
    # Fri 3 April, then 4-6 April off: Tue 7 to Mon 13 April.
    assert publicity_window(date(2026, 4, 3)) == (date(2026, 4, 7), date(2026, 4, 13))
    # Answered on a Saturday: from Monday, five working days.
    assert publicity_window(date(2026, 3, 21)) == (date(2026, 3, 23), date(2026, 3, 27))


def test_a_refused_hardship_request_has_no_notice_and_closes_at_once(wp, answered):
    r = answered(approved=False)
    assert (r.publicity_starts, r.publicity_ends) == (None, None)
    assert transition(r, "close", fresh(wp["office"])).status == "closed"


def test_other_kinds_have_no_notice(wp, answered):
    r = answered("must_visit")
    assert (r.approved, r.publicity_starts) == (True, None)
    assert transition(r, "close", fresh(wp["office"])).status == "closed"


# Closing -----------------------------------------------------------------------------------


def test_closing_is_refused_on_the_last_day_of_the_notice_and_allowed_the_next_day(wp, answered):
    r = answered()
    with on(date(2026, 3, 23), 23, 59), pytest.raises(Conflict) as refused:
        transition(r, "close", fresh(wp["office"]))
    assert codes(refused) == (409, "publicity_running")
    assert "2026-03-23" in str(refused.value.message)
    r.refresh_from_db()
    assert r.status == "answered"
    with on(date(2026, 3, 24), 0, 1):
        assert transition(r, "close", fresh(wp["office"])).status == "closed"


def test_closing_is_refused_while_an_objection_is_open_and_allowed_once_it_is_dismissed(wp, answered):
    r = answered()
    with on(date(2026, 3, 18)):
        objection = objection_raise(user=fresh(wp["alice"]), request=r, text="申请人家中另有商铺出租收入。")
    with after_publicity(r):
        with pytest.raises(Conflict) as refused:
            transition(r, "close", fresh(wp["office"]))
        assert codes(refused) == (409, "objection_open")
        objection_resolve(
            user=fresh(wp["office"]), objection=objection, upheld=False, resolution="经核实，商铺已于去年转让。"
        )
        assert transition(r, "close", fresh(wp["office"])).status == "closed"


def test_an_upheld_objection_sends_the_request_back_and_the_new_answer_opens_a_new_notice(wp, answered):
    r = answered()
    with on(date(2026, 3, 18)):
        objection = objection_raise(user=fresh(wp["alice"]), request=r, text="申请人配偶已重新就业。")
        objection_resolve(
            user=fresh(wp["office"]), objection=objection, upheld=True, resolution="经核实属实，重新核定补助金额。"
        )
        r.refresh_from_db()
        assert (r.status, r.approved, r.amount_approved, r.publicity_starts, r.publicity_ends) == (
            "assigned",
            None,
            None,
            None,
            None,
        )
        assert r.handler_id == wp["office2"].pk
        # viewflow: the close task is done and the handler has the answer task again.
        assert not flowlink.open_tasks(r, ["close"]).exists()
        task = flowlink.open_tasks(r, ["answer"]).get()
        assert task.owner_id == wp["office2"].pk
        assert available_transitions(r, fresh(wp["office2"])) == ["answer"]
        r = transition(r, "answer", fresh(wp["office2"]), approved=True, amount="500.00", answer="核减后同意。")
    # Answered on Wed 18 March: Thu 19 - Wed 25 March.
    assert (r.publicity_starts, r.publicity_ends, r.amount_approved) == (
        date(2026, 3, 19),
        date(2026, 3, 25),
        Decimal("500.00"),
    )
    with on(date(2026, 3, 25)), pytest.raises(Conflict):
        transition(r, "close", fresh(wp["office"]))
    with on(date(2026, 3, 26)):
        assert transition(r, "close", fresh(wp["office"])).status == "closed"
    assert not flowlink.open_tasks(r, ["review", "assign", "answer", "close"]).exists()
    assert list(Process.objects.values_list("status", flat=True)) == [PROCESS.DONE]
    objection.refresh_from_db()
    assert (objection.status, objection.resolved_by_id) == ("upheld", wp["office"].pk)


def test_a_second_objection_upheld_while_the_request_is_back_with_its_handler_only_records_it(wp, answered):
    r = answered()
    with on(date(2026, 3, 18)):
        first = objection_raise(user=fresh(wp["alice"]), request=r, text="收入情况不实。")
        second = objection_raise(user=fresh(wp["other_chair"]), request=r, text="同一情况。")
        objection_resolve(user=fresh(wp["office"]), objection=first, upheld=True, resolution="属实。")
        objection_resolve(user=fresh(wp["office"]), objection=second, upheld=True, resolution="同上。")
    r.refresh_from_db()
    assert r.status == "assigned"
    assert [e.action for e in HistoryEntry.objects.for_item(r).order_by("seq")].count("welfarerequest.reconsider") == 1


# Raising -----------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["alice", "other_chair", "office"])
def test_a_member_a_chair_of_another_unit_and_the_union_office_may_object(wp, answered, who):
    r = answered()
    with on(date(2026, 3, 20)):
        objection = objection_raise(user=fresh(wp[who]), request=r, text="  有异议。  ")
    assert (objection.raised_by_id, objection.text, objection.status) == (wp[who].pk, "有异议。", "open")


@pytest.mark.parametrize(
    ("who", "code"),
    [
        ("dave", "own_request"),  # the applicant: disagreeing with one's own answer is not an objection
        ("bob", "permission_denied"),  # a delegate who is not a union member
        ("committee", "permission_denied"),
        ("auditor", "permission_denied"),
        ("hr_handler", "permission_denied"),
    ],
)
def test_others_may_not_object(wp, answered, who, code):
    r = answered()
    with on(date(2026, 3, 20)), pytest.raises(NotPermitted) as refused:
        objection_raise(user=fresh(wp[who]), request=r, text="有异议。")
    assert codes(refused) == (403, code)
    assert not PublicityObjection.objects.exists()


def test_an_anonymous_visitor_may_not_object(answered):
    r = answered()
    with on(date(2026, 3, 20)), pytest.raises(NotPermitted):
        objection_raise(user=AnonymousUser(), request=r, text="有异议。")


def test_an_objection_needs_words(wp, answered):
    r = answered()
    with on(date(2026, 3, 20)), pytest.raises(InvalidPayload) as refused:
        objection_raise(user=fresh(wp["alice"]), request=r, text="   ")
    assert "text" in refused.value.fields


@pytest.mark.parametrize(
    "when",
    [
        date(2026, 3, 16),  # answered today: the notice goes up tomorrow
        date(2026, 3, 24),  # the day after it came down
    ],
)
def test_no_objection_outside_the_notice(wp, answered, when):
    r = answered()
    with on(when, 10), pytest.raises(Conflict) as refused:
        objection_raise(user=fresh(wp["alice"]), request=r, text="有异议。")
    assert codes(refused) == (409, "not_in_publicity")


@pytest.mark.parametrize("kw", [{"approved": False}, {"kind": "must_visit"}])
def test_no_objection_to_a_request_that_is_never_on_the_notice(wp, answered, kw):
    r = answered(**kw)
    with on(date(2026, 3, 20)), pytest.raises(Conflict) as refused:
        objection_raise(user=fresh(wp["alice"]), request=r, text="有异议。")
    assert codes(refused) == (409, "not_in_publicity")


def test_a_new_objection_is_told_to_the_union_office_and_recorded_without_its_author(wp, answered):
    r = answered()
    with on(date(2026, 3, 20)):
        objection = objection_raise(user=fresh(wp["alice"]), request=r, text="收入情况不实。")
    told = set(Notification.objects.filter(event="welfarerequest.objection_raised").values_list("recipient", flat=True))
    assert told == {wp["office"].pk, wp["office2"].pk}
    entry = HistoryEntry.objects.for_item(r).get(action="welfarerequest.objection_raised")
    assert (entry.actor_id, entry.payload, entry.comment) == (None, {"objection": objection.pk}, "")


def test_a_resolution_is_recorded_by_the_union_office_without_the_objection(wp, answered):
    r = answered()
    with on(date(2026, 3, 20)):
        objection = objection_raise(user=fresh(wp["alice"]), request=r, text="收入情况不实。")
        objection_resolve(user=fresh(wp["office"]), objection=objection, upheld=False, resolution="经核实，情况属实。")
    entry = HistoryEntry.objects.for_item(r).get(action="welfarerequest.objection_resolved")
    assert (entry.actor_id, entry.payload, entry.comment) == (
        wp["office"].pk,
        {"objection": objection.pk, "upheld": False},
        "经核实，情况属实。",
    )
    # Nothing in the request's history names the objector or repeats their words.
    for e in HistoryEntry.objects.for_item(r):
        assert e.actor_id != wp["alice"].pk
        assert "收入情况不实" not in json.dumps(e.payload, ensure_ascii=False) + e.comment


# Resolving ---------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["dave", "alice", "chair", "auditor", "admin", "committee"])
def test_only_the_union_office_resolves_an_objection(wp, answered, who):
    r = answered()
    with on(date(2026, 3, 20)):
        objection = objection_raise(user=fresh(wp["other_chair"]), request=r, text="有异议。")
        with pytest.raises(NotPermitted):
            objection_resolve(user=fresh(wp[who]), objection=objection, upheld=False, resolution="不成立。")
        objection_resolve(user=fresh(wp["office2"]), objection=objection, upheld=False, resolution="不成立。")
    objection.refresh_from_db()
    assert (objection.status, objection.resolved_by_id) == ("dismissed", wp["office2"].pk)


def test_a_resolution_needs_reasons_and_is_made_once(wp, answered):
    r = answered()
    with on(date(2026, 3, 20)):
        objection = objection_raise(user=fresh(wp["alice"]), request=r, text="有异议。")
        with pytest.raises(InvalidPayload) as refused:
            objection_resolve(user=fresh(wp["office"]), objection=objection, upheld=True, resolution=" ")
        assert "resolution" in refused.value.fields
        objection_resolve(user=fresh(wp["office"]), objection=objection, upheld=False, resolution="不成立。")
        with pytest.raises(Conflict) as again:
            objection_resolve(user=fresh(wp["office"]), objection=objection, upheld=True, resolution="成立。")
    assert codes(again) == (409, "objection_resolved")
    r.refresh_from_db()
    assert r.status == "answered"


# reconsider ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "outcome"),
    [
        ("office", "ok"),
        ("office2", "ok"),  # the handler is of the union office
        ("handler_only", 403),  # holds the handler's grant on the request, but not the role
        ("dave", 403),
        ("chair", 403),
        ("auditor", 403),
        ("admin", 403),
        ("committee", 403),
    ],
)
def test_only_the_union_office_sends_an_answered_hardship_request_back(wp, answered, who, outcome):
    r = answered()
    if who == "handler_only":
        user = make_user("handler_only", "卫东", ["member"], wp["dave"].profile.department)
        assign_perm(AS_HANDLER, user, r)
    else:
        user = wp[who]
    try:
        done = transition(r, "reconsider", fresh(user), reason="重新核定。")
    except DomainError as err:
        assert (outcome, err.code) == (err.status, "permission_denied")
    else:
        assert (outcome, done.status) == ("ok", "assigned")


def test_reconsider_is_for_answered_hardship_requests_only(wp, answered):
    visit = answered("must_visit")
    assert "reconsider" not in available_transitions(visit, fresh(wp["office"]))
    with pytest.raises(Conflict) as refused:
        transition(visit, "reconsider", fresh(wp["office"]), reason="重新核定。")
    assert codes(refused) == (409, "reconsider_hardship_only")
    hardship = answered()
    assert "reconsider" in available_transitions(hardship, fresh(wp["office"]))
    back = transition(hardship, "reconsider", fresh(wp["office"]), reason="重新核定。")
    with pytest.raises(Conflict) as again:
        transition(back, "reconsider", fresh(wp["office"]), reason="重新核定。")
    assert codes(again) == (409, "transition_not_allowed")


def test_reconsider_needs_a_reason_and_tells_the_handler_and_the_applicant(wp, answered):
    r = answered()
    with pytest.raises(InvalidPayload):
        transition(r, "reconsider", fresh(wp["office"]))
    transition(r, "reconsider", fresh(wp["office"]), reason="重新核定。")
    told = set(Notification.objects.filter(event="welfarerequest.reconsider").values_list("recipient", flat=True))
    assert told == {wp["office2"].pk, wp["dave"].pk}
    entry = HistoryEntry.objects.for_item(r).get(action="welfarerequest.reconsider")
    assert (entry.from_state, entry.to_state, entry.comment) == ("answered", "assigned", "重新核定。")


# The page ------------------------------------------------------------------------------------


def _page(client, who: str, wp) -> Any:
    client.force_login(wp[who])
    return client.get(reverse("welfare:publicity"))


def test_members_read_the_notice_with_nothing_sensitive_on_it(client, wp, answered):
    r = answered()
    with on(date(2026, 3, 19)):
        page = _page(client, "alice", wp)
    assert page.status_code == 200
    html = page.content.decode()
    for shown in ("刘伟", "信息工程学院", "困难补助", "800.00", "2026-03-17", "2026-03-23"):
        assert shown in html, shown
    for secret in SECRETS:
        assert secret not in html, secret
    assert reverse("welfare:objection_raise", args=[r.pk]) in html


def test_the_applicant_sees_their_own_request_on_the_notice_without_an_objection_form(client, wp, answered):
    r = answered()
    with on(date(2026, 3, 19)):
        html = _page(client, "dave", wp).content.decode()
    assert "本人的申请" in html
    assert reverse("welfare:objection_raise", args=[r.pk]) not in html


def test_the_notice_lists_only_requests_on_it_today(client, wp, answered):
    answered()  # on the notice 17-23 March
    with on(date(2026, 3, 16), 15):
        assert "刘伟" not in _page(client, "alice", wp).content.decode()  # not up yet
    with on(date(2026, 3, 24)):
        assert "刘伟" not in _page(client, "alice", wp).content.decode()  # down


@pytest.mark.parametrize("who", ["committee", "bob", "hr_handler"])
def test_people_who_are_not_members_may_not_read_the_notice(client, wp, who):
    assert _page(client, who, wp).status_code == 403


def test_a_member_objects_on_the_page(client, wp, answered):
    r = answered()
    client.force_login(wp["alice"])
    url = reverse("welfare:objection_raise", args=[r.pk])
    with on(date(2026, 3, 19)):
        empty = client.post(url, {"text": ""})
        assert empty.status_code == 400
        assert "请填写异议内容" in empty.content.decode()
        done = client.post(url, {"text": "申请人另有收入。"})
        assert (done.status_code, done.url) == (302, reverse("welfare:publicity"))
    assert PublicityObjection.objects.get().raised_by_id == wp["alice"].pk
    with on(date(2026, 3, 24)):
        # Off the notice, the request is again one alice may not open.
        assert client.post(url, {"text": "申请人另有收入。"}).status_code == 404
        # The union office, who sees every request, is told why.
        client.force_login(wp["office"])
        late = client.post(url, {"text": "（电话反映）申请人另有收入。"})
    assert late.status_code == 409
    assert "不在公示期内" in late.content.decode()


def test_the_page_refuses_the_applicant_and_hides_the_request_from_non_members(client, wp, answered):
    r = answered()
    url = reverse("welfare:objection_raise", args=[r.pk])
    with on(date(2026, 3, 19)):
        client.force_login(wp["dave"])
        assert client.post(url, {"text": "有异议。"}).status_code == 403
        client.force_login(wp["committee"])
        assert client.post(url, {"text": "有异议。"}).status_code == 404


def test_the_union_office_sees_open_objections_and_upholds_one_on_the_page(client, wp, answered):
    r = answered()
    with on(date(2026, 3, 19)):
        objection = objection_raise(user=fresh(wp["alice"]), request=r, text="申请人另有收入戊。")
        page = _page(client, "office", wp).content.decode()
        assert "申请人另有收入戊" in page and "王丽" in page
        url = reverse("welfare:objection_resolve", args=[objection.pk])
        missing = client.post(url, {"upheld": "1", "resolution": ""})
        assert missing.status_code == 400
        assert "请填写处理意见" in missing.content.decode()
        done = client.post(url, {"upheld": "1", "resolution": "经核实属实。"})
        assert done.status_code == 302
    r.refresh_from_db()
    assert r.status == "assigned"
    # Members see no objections on the notice.
    client.force_login(wp["alice"])
    assert "申请人另有收入戊" not in _page(client, "alice", wp).content.decode()


@pytest.mark.parametrize(("who", "status"), [("dave", 403), ("chair", 403), ("alice", 404), ("auditor", 403)])
def test_only_the_union_office_resolves_on_the_page(client, wp, answered, who, status):
    r = answered()
    with on(date(2026, 3, 19)):
        objection = objection_raise(user=fresh(wp["other_chair"]), request=r, text="有异议。")
        client.force_login(wp[who])
        url = reverse("welfare:objection_resolve", args=[objection.pk])
        assert client.post(url, {"upheld": "0", "resolution": "不成立。"}).status_code == status
    objection.refresh_from_db()
    assert objection.status == "open"


def test_the_request_page_shows_the_notice_and_hides_the_objector_from_the_applicant(client, wp, answered):
    r = answered()
    with on(date(2026, 3, 19)):
        objection_raise(user=fresh(wp["alice"]), request=r, text="申请人另有收入戊。")
        url = reverse("welfare:detail", args=[r.pk])
        client.force_login(wp["office"])
        office = client.get(url).content.decode()
        client.force_login(wp["dave"])
        applicant = client.get(url).content.decode()
        client.force_login(wp["chair"])
        chair = client.get(url).content.decode()
    for html in (office, applicant, chair):
        assert "2026-03-17" in html and "2026-03-23" in html and "公示中" in html
        assert "其中 1 条待处理" in html
    assert "申请人另有收入戊" in office and "王丽" in office
    for html in (applicant, chair):
        assert "申请人另有收入戊" not in html and "王丽" not in html


def test_the_notice_costs_the_same_queries_for_many_rows(client, wp, answered, django_assert_max_num_queries):
    from tests.factories import make_user as mk

    colleagues = [mk(f"m{i}", f"成员{i}", ["member"], wp["dave"].profile.department) for i in range(4)]
    answered()
    answered(applicant=colleagues[0])
    with on(date(2026, 3, 19)):
        objection_raise(user=fresh(wp["alice"]), request=WelfareRequest.objects.first(), text="有异议。")
        client.force_login(wp["office"])
        with django_assert_max_num_queries(30) as few:
            client.get(reverse("welfare:publicity"))
    for c in colleagues[1:]:
        answered(applicant=c)
    with on(date(2026, 3, 19)):
        for req in WelfareRequest.objects.all()[:3]:
            objection_raise(user=fresh(wp["other_chair"]), request=req, text="有异议。")
        with django_assert_max_num_queries(len(few.captured_queries)):
            page = client.get(reverse("welfare:publicity"))
    assert page.content.decode().count('id="publicity-') == 5


# The API -------------------------------------------------------------------------------------


def test_the_api_lists_the_notice_with_nothing_sensitive(client_for, wp, answered):
    r = answered()
    with on(date(2026, 3, 19)):
        got = client_for("alice").get(f"{API}/welfare-publicity/")
    assert got.status_code == 200
    (row,) = got.json()["results"]
    assert set(row) == {
        "id",
        "applicant_name",
        "unit",
        "kind",
        "kind_display",
        "amount_approved",
        "publicity_starts",
        "publicity_ends",
    }
    assert (row["id"], row["applicant_name"], row["unit"]["name"], row["amount_approved"]) == (
        r.pk,
        "刘伟",
        "信息工程学院",
        "800.00",
    )
    assert (row["publicity_starts"], row["publicity_ends"]) == ("2026-03-17", "2026-03-23")
    text = got.content.decode("utf-8")
    for secret in SECRETS:
        assert secret not in json.dumps(got.json(), ensure_ascii=False) and secret not in text, secret


def test_the_api_notice_is_for_members(client_for, wp):
    assert_error(client_for("committee").get(f"{API}/welfare-publicity/"), 403, "permission_denied")
    from rest_framework.test import APIClient

    assert APIClient().get(f"{API}/welfare-publicity/").status_code in (401, 403)


def test_the_api_notice_costs_the_same_queries_for_many_rows(client_for, wp, answered, django_assert_max_num_queries):
    answered()
    alice = client_for("alice")
    with on(date(2026, 3, 19)):
        with django_assert_max_num_queries(20) as few:
            alice.get(f"{API}/welfare-publicity/")
    for i in range(4):
        answered(applicant=make_user(f"m{i}", f"成员{i}", ["member"], wp["dave"].profile.department))
    with on(date(2026, 3, 19)):
        with django_assert_max_num_queries(len(few.captured_queries)):
            assert alice.get(f"{API}/welfare-publicity/").json()["count"] == 5


def test_objecting_and_resolving_through_the_api(client_for, wp, answered):
    r = answered()
    url = f"{API}/welfare-requests/{r.pk}/objections/"
    with on(date(2026, 3, 19)):
        assert_error(client_for("alice").post(url, {"text": ""}, format="json"), 400, "invalid", "text")
        assert_error(client_for("dave").post(url, {"text": "有异议。"}, format="json"), 403, "own_request")
        assert_error(client_for("committee").post(url, {"text": "有异议。"}, format="json"), 404, "not_found")
        assert_error(client_for("alice").post(url, {"note": "有异议。"}, format="json"), 400, "unknown_field")
        made = client_for("alice").post(url, {"text": "申请人另有收入。"}, format="json")
        assert made.status_code == 201, made.content
        oid = made.json()["id"]
        assert made.json()["status"] == "open"

        # The applicant learns that there is one, not who raised it or what it says.
        mine = client_for("dave").get(f"{API}/welfare-requests/{r.pk}/").json()
        assert (mine["objections"], mine["objection_counts"]) == (None, {"total": 1, "open": 1})
        assert (mine["publicity_starts"], mine["publicity_ends"]) == ("2026-03-17", "2026-03-23")
        history = client_for("dave").get(f"{API}/welfare-requests/{r.pk}/history/").content.decode()
        assert "王丽" not in history and "申请人另有收入" not in history
        # The union office and auditors read it in full.
        for who in ("office", "auditor"):
            full = client_for(who).get(f"{API}/welfare-requests/{r.pk}/").json()["objections"]
            assert [(o["id"], o["raised_by"]["id"], o["text"]) for o in full] == [
                (oid, wp["alice"].pk, "申请人另有收入。")
            ]

        resolve = f"{url}{oid}/resolve/"
        assert_error(
            client_for("alice").post(resolve, {"upheld": False, "resolution": "x"}, format="json"), 404, "not_found"
        )
        assert_error(
            client_for("dave").post(resolve, {"upheld": False, "resolution": "x"}, format="json"),
            403,
            "permission_denied",
        )
        assert_error(client_for("office").post(resolve, {"resolution": "x"}, format="json"), 400, "invalid", "upheld")
        assert_error(client_for("office").post(resolve, {"upheld": True}, format="json"), 400, "invalid", "resolution")
        done = client_for("office").post(resolve, {"upheld": True, "resolution": "经核实属实。"}, format="json")
        assert done.status_code == 200, done.content
        assert (done.json()["status"], done.json()["resolution"]) == ("upheld", "经核实属实。")
        assert_error(
            client_for("office").post(resolve, {"upheld": False, "resolution": "x"}, format="json"),
            409,
            "objection_resolved",
        )
        assert_error(
            client_for("office").post(f"{url}999999/resolve/", {"upheld": True, "resolution": "x"}, format="json"),
            404,
            "not_found",
        )
    detail = client_for("office2").get(f"{API}/welfare-requests/{r.pk}/").json()
    assert (detail["status"], detail["available_transitions"]) == ("assigned", ["answer"])


def test_objecting_outside_the_notice_through_the_api(client_for, answered):
    r = answered()
    with on(date(2026, 3, 24)):
        got = client_for("office").post(
            f"{API}/welfare-requests/{r.pk}/objections/", {"text": "有异议。"}, format="json"
        )
    assert_error(got, 409, "not_in_publicity")
    # A member who may not open the request and it is not on the notice: nothing to see.
    with on(date(2026, 3, 24)):
        got = client_for("alice").post(
            f"{API}/welfare-requests/{r.pk}/objections/", {"text": "有异议。"}, format="json"
        )
    assert_error(got, 404, "not_found")


def test_closing_through_the_api_says_until_when_the_notice_runs(client_for, answered):
    r = answered()
    body = assert_error(
        client_for("office").post(f"{API}/welfare-requests/{r.pk}/transitions/close/"), 409, "publicity_running"
    )
    assert "2026-03-23" in body["message"]
    with after_publicity(r):
        assert client_for("office").post(f"{API}/welfare-requests/{r.pk}/transitions/close/").status_code == 200


def test_reconsider_through_the_api(client_for, answered):
    r = answered()
    url = f"{API}/welfare-requests/{r.pk}/transitions/reconsider/"
    assert_error(client_for("dave").post(url, {"reason": "x"}, format="json"), 403, "permission_denied")
    assert_error(client_for("office").post(url, {}, format="json"), 400, "invalid", "reason")
    done = client_for("office").post(url, {"reason": "重新核定。"}, format="json")
    assert (done.status_code, done.json()["status"], done.json()["publicity_ends"]) == (200, "assigned", None)
