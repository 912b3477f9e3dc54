"""manage.py seed_demo and demo_logins, on PostgreSQL.

Seeding drives ~40 proposals through the real services, so it runs once for the
module inside a transaction that is rolled back at the end; each test runs in a
savepoint on top of it.
"""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import models, transaction
from django.test import override_settings

from notifications.models import Notification
from org.demo import DEMO_LOGINS, DEMO_PASSWORD, DEMO_SESSION_CODE, department_staff_logins
from org.models import Department, DepartmentKind, Role
from org.roles import user_roles
from proposals.models import Assignment, AssignmentStatus, CongressSession, Proposal, ProposalStatus
from workflow.models import HistoryEntry

User = get_user_model()


@pytest.fixture(scope="module")
def seed_output(django_db_setup, django_db_blocker):
    # The same hasher as the per-test settings in conftest, so check_password works.
    fast = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
    with django_db_blocker.unblock(), fast:
        with transaction.atomic():
            out = io.StringIO()
            call_command("seed_demo", stdout=out)
            yield out.getvalue()
            transaction.set_rollback(True)


@pytest.fixture
def seeded(seed_output, db):
    return seed_output


def _proposals():
    return Proposal.objects.filter(session__code=DEMO_SESSION_CODE)


def test_it_prints_the_logins_table(seeded):
    for login in DEMO_LOGINS:
        assert login.username in seeded
    assert DEMO_PASSWORD in seeded
    assert "后勤管理处经办人" in seeded


def test_it_opens_the_session_for_collection_now(seeded):
    session = CongressSession.objects.get(code=DEMO_SESSION_CODE)
    assert session.name == "第六届第一次"
    assert session.is_collecting()
    assert session.cosign_threshold == 2


def test_it_creates_departments_with_their_kind(seeded):
    assert Department.objects.count() >= 20
    assert Department.objects.get(name="后勤管理处").kind == DepartmentKind.OFFICE
    assert Department.objects.get(name="信息工程学院").kind == DepartmentKind.COLLEGE
    assert Department.objects.get(name="研究生院").kind == DepartmentKind.OFFICE


def test_it_creates_proposals_in_every_status(seeded):
    statuses = set(_proposals().values_list("status", flat=True))
    assert statuses == set(ProposalStatus.values)
    assert 35 <= _proposals().count() <= 50


def test_it_creates_assignments_in_every_status(seeded):
    statuses = set(
        Assignment.objects.filter(proposal__session__code=DEMO_SESSION_CODE).values_list("status", flat=True)
    )
    assert statuses == set(AssignmentStatus.values)


def test_it_covers_the_second_round_and_the_committees_close(seeded):
    assert _proposals().filter(status=ProposalStatus.ASSIGNED, round=2).exists()
    assert _proposals().filter(status=ProposalStatus.CLOSED, round=2).exists()
    assert _proposals().filter(status=ProposalStatus.CLOSED, round=1).exists()
    assert HistoryEntry.objects.filter(action="proposal.close").exists()


def test_it_numbers_only_accepted_proposals(seeded):
    numbered = _proposals().exclude(number="")
    assert set(numbered.values_list("status", flat=True)) <= {"reviewed", "assigned", "answered", "closed"}
    assert numbered.filter(number=f"{DEMO_SESSION_CODE}-001").exists()
    assert not _proposals().filter(status=ProposalStatus.SUBMITTED).exclude(number="").exists()


def test_it_leaves_reasons_on_rejected_merged_and_returned_items(seeded):
    assert not _proposals().filter(status=ProposalStatus.REJECTED, reject_reason="").exists()
    assert not _proposals().filter(status=ProposalStatus.MERGED, merged_into=None).exists()
    assert not Assignment.objects.filter(status=AssignmentStatus.RETURNED, return_reason="").exists()


def test_it_keeps_a_returned_lead_waiting_for_reassignment(seeded):
    waiting = [
        p
        for p in _proposals().filter(status=ProposalStatus.ASSIGNED)
        if p.current_assignments().filter(role="lead").exclude(status="returned").count() == 0
    ]
    assert waiting


def test_it_includes_drafts_with_invitations_and_cosignatures(seeded):
    drafts = _proposals().filter(status=ProposalStatus.DRAFT)
    assert drafts.filter(invitations__isnull=False).exists()
    assert drafts.filter(cosignatures__isnull=False).exists()
    assert drafts.filter(invitations__isnull=True).exists()


def test_it_went_through_the_services(seeded):
    # Every proposal starts its chain with proposal.create, and the transitions told people.
    for p in _proposals():
        first = HistoryEntry.objects.for_item(p).order_by("seq").first()
        assert first is not None and first.action == "proposal.create"
    assert Notification.objects.exists()


def test_it_creates_one_login_per_role(seeded):
    for role in Role:
        logins = [login for login in DEMO_LOGINS if role.value in login.roles]
        assert logins, f"no demo login for {role}"
        user = User.objects.get(username=logins[0].username)
        assert role.value in user_roles(user)
        assert user.check_password(DEMO_PASSWORD)
        assert user.profile.full_name


def test_it_makes_the_admin_login_a_superuser(seeded):
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff


def test_it_gives_other_departments_staff_logins(seeded):
    staff = department_staff_logins()
    assert "jiaowu" in staff and "jiaowu_fzr" in staff
    head = User.objects.get(username="jiaowu_fzr")
    assert Role.DEPARTMENT_HEAD in user_roles(head)
    assert head.profile.department.name == "教务处"


def test_it_creates_realistic_delegates(seeded):
    delegates = User.objects.filter(groups__name=Role.DELEGATE.group_name)
    assert delegates.count() >= 30
    assert all(len(u.profile.full_name) in (2, 3) for u in delegates.select_related("profile"))


def test_it_is_idempotent(seeded):
    counts = [m.objects.count() for m in (User, Department, Proposal, Assignment, HistoryEntry, Notification)]
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    assert counts == [m.objects.count() for m in (User, Department, Proposal, Assignment, HistoryEntry, Notification)]
    assert "daibiao" in out.getvalue()


def test_it_leaves_a_history_that_verifies(seeded):
    out = io.StringIO()
    call_command("verify_history", stdout=out)
    assert out.getvalue().startswith("OK")


def test_demo_logins_prints_the_table_once_seeded(seeded):
    out = io.StringIO()
    call_command("demo_logins", stdout=out)
    assert "houqin_fzr" in out.getvalue()
    assert DEMO_PASSWORD in out.getvalue()


@pytest.mark.django_db
def test_demo_logins_prints_only_a_hint_before_seeding():
    # A real deployment's "admin" must not be advertised with the demo password. (The
    # module's seeded data may be present under this test: hide its session.)
    CongressSession.objects.filter(code=DEMO_SESSION_CODE).update(code="5-3", name="第五届第三次")
    User.objects.get_or_create(username="admin")
    out = io.StringIO()
    call_command("demo_logins", stdout=out)
    assert "seed_demo" in out.getvalue()
    assert DEMO_PASSWORD not in out.getvalue()


def test_it_creates_welfare_requests_of_every_kind_in_every_state(seeded):
    from welfare.demo import STATES
    from welfare.models import WelfareKind, WelfareRequest

    have = set(WelfareRequest.objects.values_list("kind", "status"))
    assert have == {(k, s) for k in WelfareKind.values for s in STATES}
    # One of each kind was filed by the union office from a paper form (代录).
    on_paper = WelfareRequest.objects.exclude(filed_by=models.F("applicant"))
    assert sorted(on_paper.values_list("kind", flat=True)) == sorted(WelfareKind.values)
    # 35 = five kinds in seven states, plus two hardship requests for the 公示 (welfare.publicity).
    assert "福利申请：37 件" in seeded


def test_it_puts_one_hardship_request_on_the_notice_with_an_objection_and_one_ready_to_close(seeded):
    from django.utils import timezone

    from welfare.models import PublicityObjection, WelfareRequest
    from welfare.publicity import in_publicity
    from workflow.calendar import local_date

    today = local_date(timezone.now())
    answered = WelfareRequest.objects.filter(kind="hardship", status="answered", approved=True)
    on_notice = [r for r in answered if in_publicity(r, today=today)]
    assert len(on_notice) == 1
    assert PublicityObjection.objects.filter(request=on_notice[0], status="open").count() == 1
    assert answered.filter(publicity_ends__lt=today, objections__isnull=True).count() == 1
