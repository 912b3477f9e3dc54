"""Who may do what on a welfare request: rows for workflow.policy, registered from
WelfareConfig.ready() so the engine's own table never names this kind.

Object grants (django-guardian, direct foreign-key tables), made by welfare.services:
- the applicant holds AS_APPLICANT on their request (withdraw; submit when filing for themselves);
- the union office user who files on someone's behalf (代录) holds AS_FILER (submit);
- the unit's group (every member of the applicant's unit, ``dept:<id>``) holds AS_UNIT_REVIEWER;
  with the subunion_chair role that makes exactly the unit's sub-union chair the reviewer, and
  it follows the chair's role and department as they change, with no grant to move;
- the handler the union office assigns holds AS_HANDLER (answer).
"""

from __future__ import annotations

from org.models import Role
from workflow import policy
from workflow.policy import ANY_STATE, Rule, rule

W = "welfare.welfarerequest"
AS_APPLICANT = "welfare.act_as_applicant"
AS_FILER = "welfare.file_welfarerequest"
AS_UNIT_REVIEWER = "welfare.review_welfarerequest"
AS_HANDLER = "welfare.handle_welfarerequest"
# Model-level: held by the union office's role group; it keys viewflow's union office queue.
OFFICE_QUEUE = "welfare.manage_welfarerequest"

MEMBER, CHAIR, OFFICE = Role.MEMBER.value, Role.SUBUNION_CHAIR.value, Role.UNION_OFFICE.value
AUDITOR, ADMIN = Role.AUDITOR.value, Role.ADMIN.value
# The access log of sensitive fields served unmasked (welfare.models.SensitiveAccess).
ACCESS_LOG = "welfare.sensitiveaccess"

RULES: list[Rule] = [
    # Filing, asked with the empty state of a request not yet written: members for
    # themselves, the union office on behalf of a member (代录).
    rule(W, "create", states=[""], roles=[MEMBER]),
    rule(W, "file_for_other", states=[""], roles=[OFFICE]),
    rule(W, "submit", states=["draft"], roles=[MEMBER], object_perm=AS_APPLICANT),
    rule(W, "submit", states=["draft"], roles=[OFFICE], object_perm=AS_FILER),
    # 分工会审核: the chair of the applicant's unit.
    rule(W, "review", states=["submitted"], roles=[CHAIR], object_perm=AS_UNIT_REVIEWER),
    rule(W, "reject", states=["submitted"], roles=[CHAIR], object_perm=AS_UNIT_REVIEWER),
    # ...or the union office, for a chair's own request or a unit without a chair: the grant is
    # then made to the office's group on that request only (welfare.services).
    rule(W, "review", states=["submitted"], roles=[OFFICE], object_perm=AS_UNIT_REVIEWER),
    rule(W, "reject", states=["submitted"], roles=[OFFICE], object_perm=AS_UNIT_REVIEWER),
    # 校工会: refuses a reviewed request or assigns it to one of its handlers; the handler answers.
    rule(W, "reject", states=["reviewed"], roles=[OFFICE]),
    rule(W, "assign", states=["reviewed"], roles=[OFFICE]),
    rule(W, "answer", states=["assigned"], roles=[OFFICE], object_perm=AS_HANDLER),
    rule(W, "close", states=["answered"], roles=[OFFICE]),
    # The applicant may withdraw until the request is answered.
    rule(W, "withdraw", states=["submitted", "reviewed", "assigned"], roles=[MEMBER], object_perm=AS_APPLICANT),
    # Reading the sensitive fields (diagnosis, income, ID number, family situation) unmasked,
    # in any state: the applicant, the reviewing chair of the request's unit and the union
    # office that handles it.
    # Everyone else who may see the request (auditors, admins) sees them masked unless an admin
    # granted them the model permission welfare.view_sensitive_welfarerequest (welfare.privacy).
    rule(W, "view_sensitive", states=[ANY_STATE], roles=[MEMBER], object_perm=AS_APPLICANT),
    rule(W, "view_sensitive", states=[ANY_STATE], roles=[CHAIR], object_perm=AS_UNIT_REVIEWER),
    rule(W, "view_sensitive", states=[ANY_STATE], roles=[OFFICE]),
    # Who read what: auditors and admins read the access log.
    rule(ACCESS_LOG, "view", states=[ANY_STATE], roles=[AUDITOR, ADMIN]),
    # The pages' lists (welfare/views.py), asked with the empty state: a member's own
    # requests, the sub-union chair's review queue, the union office's queue (read-only for
    # auditors and admins: what they may do on a request is still the rows above).
    rule(W, "view_mine", states=[""], roles=[MEMBER]),
    rule(W, "view_review_queue", states=[""], roles=[CHAIR]),
    rule(W, "view_office_queue", states=[""], roles=[OFFICE, AUDITOR, ADMIN]),
    # 疗休养名额与批次, 慰问标准: the union office sets them on its pages; auditors and admins
    # read those pages (with who is allotted to which batch). Anyone who files may read the
    # year's quota and batches (places, dates, destinations, no names) through the API.
    rule(W, "view_recuperation", states=[""], roles=[OFFICE, AUDITOR, ADMIN]),
    rule(W, "manage_quota", states=[""], roles=[OFFICE]),
    rule(W, "manage_batches", states=[""], roles=[OFFICE]),
    rule(W, "view_recuperation_plan", states=[""], roles=[MEMBER, OFFICE, AUDITOR, ADMIN]),
    rule(W, "view_standards", states=[""], roles=[OFFICE, AUDITOR, ADMIN]),
    rule(W, "manage_standards", states=[""], roles=[OFFICE]),
]


# Confidential files and children's medical claims (welfare.attachments, welfare.claims).
# Attaching a medical certificate or another supporting file, while the request is open: the
# applicant, and the union office (its assigned handler among them).
_OPEN = ["submitted", "reviewed", "assigned", "answered"]
RULES += [
    rule(W, "attach", states=_OPEN, roles=[MEMBER], object_perm=AS_APPLICANT),
    rule(W, "attach", states=_OPEN, roles=[OFFICE]),
    # 子女医疗统筹报销: claims against an approved enrolment (answered or closed; the service
    # refuses the rest with ``not_enrolled``), filed by the applicant or by the union office for
    # them (代录), decided by the union office.
    rule(W, "file_claim", states=["answered", "closed"], roles=[MEMBER], object_perm=AS_APPLICANT),
    rule(W, "file_claim", states=["answered", "closed"], roles=[OFFICE]),
    rule(W, "decide_claim", states=["answered", "closed"], roles=[OFFICE]),
    # The union office's page of claims waiting for a decision, asked with the empty state.
    rule(W, "view_claims_queue", states=[""], roles=[OFFICE]),
]

# Payouts, exports and yearly figures (welfare.payouts, welfare.figures), asked with the empty
# state: the union office's business, which auditors and admins read. Serving them never
# unmasks more than welfare.privacy allows the viewer on each request.
RULES += [
    # 福利发放清单: the approved sums of a period, for the finance office (page, API and xlsx).
    rule(W, "view_payouts", states=[""], roles=[OFFICE, AUDITOR, ADMIN]),
    # Spreadsheets of requests (the office queue as xlsx, the payout list as xlsx).
    rule(W, "export", states=[""], roles=[OFFICE, AUDITOR, ADMIN]),
    # 年度统计: requests, approvals and sums by kind and unit. Not the proposal committee:
    # welfare is the union's business, not the congress's.
    rule(W, "view_figures", states=[""], roles=[OFFICE, AUDITOR, ADMIN]),
]

# 公示 (welfare.publicity): an approved hardship request is made known to the members before it
# is paid. The notice (name, unit, kind, sum, dates, nothing sensitive) is deliberately public
# to members, asked with the empty state; any member, or the union office recording one received
# by phone or letter, may object (the service checks the notice is up, and refuses the applicant).
RULES += [
    rule(W, "view_publicity", states=[""], roles=[MEMBER, OFFICE, AUDITOR, ADMIN]),
    rule(W, "raise_objection", states=[ANY_STATE], roles=[MEMBER, OFFICE]),
    # The union office decides objections; upheld, it sends the request back to its handler.
    rule(W, "resolve_objection", states=[ANY_STATE], roles=[OFFICE]),
    rule(W, "reconsider", states=["answered"], roles=[OFFICE]),
    # The objections themselves (text, who objected, the resolution): the union office, and
    # auditors and admins read-only. Everyone else who sees the request learns only how many.
    rule(W, "view_objections", states=[ANY_STATE], roles=[OFFICE, AUDITOR, ADMIN]),
]


def register() -> None:
    """Add the rows to the policy table once per process."""
    if not policy.actions_for(W):
        policy.register(*RULES)
