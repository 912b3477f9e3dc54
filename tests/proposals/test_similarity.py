"""The duplicate finder: proposals about the same problem, worded differently, find each other first."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from proposals.models import Category, CongressSession, Proposal
from proposals.similarity import normalise, similar_proposals, similarity_matrix, weighted_ngrams

pytestmark = pytest.mark.django_db

# (key, title, 案由, 建议及办法). The pairs are the same problem raised by two
# delegates in their own words; the singles are the rest of a session's topics.
PAIRS: list[tuple[tuple[str, str, str, str], tuple[str, str, str, str]]] = [
    (
        (
            "parking_a",
            "关于缓解教工停车位紧张的建议",
            "近年来教职工私家车数量快速增长，主楼、图书馆周边停车位严重不足，上班高峰期经常找不到车位，"
            "车辆乱停乱放现象普遍，既影响通行也存在安全隐患。",
            "建议在东区空地新建立体停车场，重新规划地面停车位，实行教职工车辆登记、校外车辆收费管理。",
        ),
        (
            "parking_b",
            "校园机动车停放难问题亟待解决",
            "校内机动车越来越多，早上八点以后各教学楼附近基本没有空余车位，不少老师只能把车停在消防通道"
            "或道路两侧，安全隐患较大。外来车辆随意进入校园占用车位的情况也很突出。",
            "挖潜增加停车位，建设立体停车库；对外来车辆实行限时收费，优先保障教职工停车。",
        ),
    ),
    (
        (
            "expenses_a",
            "简化科研经费报销流程",
            "目前科研经费报销要填写多张单据，经过课题负责人、学院、科研处、财务处层层签字，一笔报销往往要跑好几趟，"
            "耗费教师大量时间和精力。",
            "推行网上报销系统，实行电子签批，减少签字环节；财务处在报销高峰期增开窗口。",
        ),
        (
            "expenses_b",
            "科研经费报账手续复杂",
            "老师们普遍反映科研项目经费报账手续繁琐，票据粘贴要求严格，审批签字环节多，财务处排队时间长，"
            "严重挫伤科研积极性。",
            "财务处优化报账流程，开通网上预约和线上审批，落实国家对科研经费“放管服”的要求。",
        ),
    ),
    (
        (
            "schooling_a",
            "解决教职工子女入学难问题",
            "青年教职工子女上幼儿园、上小学难的问题日益突出：附属幼儿园学位有限，每年报名都要抽签，"
            "附近的公办小学也不接收非本学区的孩子。",
            "与所在区教育局协商，争取附近优质小学和幼儿园为教职工子女提供入学名额，扩大附属幼儿园规模。",
        ),
        (
            "schooling_b",
            "关于教工子女入园入学的建议",
            "附属幼儿园招生名额太少，很多引进人才和青年教师的孩子无法入园，孩子上小学也要到处托关系，"
            "后顾之忧得不到解决，不利于人才稳定。",
            "扩建附属幼儿园，与地方政府共建附属小学，保障教工子女就近入学。",
        ),
    ),
    (
        (
            "checkup_a",
            "提高教职工年度体检标准",
            "现行教职工体检项目多年未调整，仍以血常规、B超、胸透等基础项目为主，缺少肿瘤标志物、胃肠镜、"
            "心脏彩超等项目，难以早期发现重大疾病。",
            "增加体检经费，增设肿瘤筛查和心脑血管检查项目，40岁以上教职工每年可自选部分项目。",
        ),
        (
            "checkup_b",
            "关于增加体检项目的建议",
            "近两年我校有多位中青年教师因病早逝或确诊时已是癌症晚期，反映出现有健康体检项目过于简单，"
            "对重大疾病筛查不足。",
            "与三甲医院合作，提高体检费用标准，增加癌症早筛、心脑血管等检查项目，建立教职工健康档案。",
        ),
    ),
    (
        (
            "library_a",
            "延长图书馆开放时间",
            "图书馆周末及寒暑假开放时间较短，平时晚上九点半就闭馆，教师和研究生在假期查阅资料很不方便。",
            "图书馆自习区和阅览室全年开放，工作日开放至晚上十一点，假期保持正常开放。",
        ),
        (
            "library_b",
            "寒暑假期间图书馆闭馆影响科研",
            "每到寒暑假，图书馆大部分阅览室闭馆，只保留一个借还窗口，很多老师利用假期做科研，却用不上馆藏资源和阅览空间。",
            "假期延长阅览室开放时间，安排馆员轮流值班，满足师生假期学习和科研需要。",
        ),
    ),
]

SINGLES: list[tuple[str, str, str, str]] = [
    (
        "canteen",
        "提升教工食堂饭菜质量",
        "教工食堂菜品品种单一、口味较差，价格却逐年上涨，中午就餐高峰排队时间长，不少教职工只能点外卖。",
        "引入竞争机制，定期开展就餐满意度调查，增加菜品种类，增设自选窗口，公开食材采购价格。",
    ),
    (
        "titles",
        "完善专业技术职务评聘办法",
        "现行职称评审条件过分看重论文和科研项目数量，对教学工作量和教学效果重视不够，长期从事一线教学的教师晋升困难。",
        "修订职称评审条件，设立教学为主型岗位，把教学业绩、教学成果奖作为同等条件，评审过程公开透明。",
    ),
    (
        "housing",
        "缓解青年教师住房困难",
        "近年新引进的青年教师大多在外租房，市区房租高、离学校远，周转公寓数量少、排队时间长，生活压力很大。",
        "加快建设人才周转公寓，提高租房补贴标准，与周边小区合作团购或统一租赁一批房源。",
    ),
    (
        "network",
        "提升校园网速度和稳定性",
        "办公楼和宿舍区的无线网络信号弱，晚上网速很慢，经常掉线，访问外文数据库和上传教学视频都很困难。",
        "扩容出口带宽，增加无线接入点，实现教学区和宿舍区无线信号全覆盖，信息中心开通故障报修热线。",
    ),
    (
        "shuttle",
        "增开新老校区之间的通勤班车",
        "新校区启用后，大量教师需要往返新老校区上课，现有班车班次少、发车时间不合理，上午第一节课经常赶不上。",
        "根据课表增开早晚高峰班次，错峰安排发车时间，开通手机预约乘车和实时查询班车位置。",
    ),
    (
        "sports",
        "增加教职工文体活动场地",
        "教职工健身活动场所不足，体育馆对教职工开放时段少，羽毛球、乒乓球场地常被校外人员占用。",
        "划定教职工专用活动时段，在各校区建设教工之家活动室，配备健身器材。",
    ),
]

PAIR_KEYS = [(a[0], b[0]) for a, b in PAIRS]


def _user(username: str):
    return get_user_model().objects.create_user(username=username, password="pw")


def _session(name: str, code: str) -> CongressSession:
    now = timezone.now()
    return CongressSession.objects.create(
        name=name, code=code, collection_opens=now - timedelta(days=10), collection_closes=now + timedelta(days=20)
    )


def _proposal(session, proposer, fields: tuple[str, str, str, str], status: str = "submitted") -> Proposal:
    _, title, reason, suggestion = fields
    p = Proposal.objects.create(
        session=session,
        proposer=proposer,
        category=Category.objects.get(name="后勤保障"),
        title=title,
        reason=reason,
        suggestion=suggestion,
    )
    # status is a protected FSM field: tests set the state behind the transitions' back.
    if status != "draft":
        Proposal.objects.filter(pk=p.pk).update(status=status)
    return Proposal.objects.get(pk=p.pk)


@pytest.fixture
def corpus() -> dict[str, Proposal]:
    """Sixteen proposals of one session, in a mix of the statuses that count as candidates."""
    session = _session("第六届第二次", "6-2")
    proposer = _user("delegate")
    statuses = ["submitted", "reviewed", "assigned", "answered", "closed", "converted", "rejected"]
    rows = [fields for pair in PAIRS for fields in pair] + SINGLES
    return {
        fields[0]: _proposal(session, proposer, fields, statuses[i % len(statuses)]) for i, fields in enumerate(rows)
    }


def _ranking(proposal: Proposal, **kwargs) -> list[tuple[str, float]]:
    return [(p.title, score) for p, score in similar_proposals(proposal, **kwargs)]


@pytest.mark.parametrize(("key", "partner"), PAIR_KEYS + [(b, a) for a, b in PAIR_KEYS])
def test_each_member_of_a_pair_ranks_its_partner_first_by_a_clear_margin(corpus, key, partner):
    ranked = similar_proposals(corpus[key], limit=20, min_score=0.0)
    (first, best), (_, runner_up) = ranked[:2]
    assert first == corpus[partner], _ranking(corpus[key], limit=5, min_score=0.0)
    # "Clearly above": at least twice the best unrelated proposal's score...
    assert best >= 2 * runner_up, _ranking(corpus[key], limit=5, min_score=0.0)
    # ...and still first with the defaults, i.e. above the default min_score.
    assert similar_proposals(corpus[key])[0] == (first, best)


def test_scores_are_between_zero_and_one_and_sorted(corpus):
    for proposal in corpus.values():
        ranked = similar_proposals(proposal, limit=50, min_score=0.0)
        scores = [score for _, score in ranked]
        assert all(0.0 <= s <= 1.0 for s in scores)
        assert scores == sorted(scores, reverse=True)
        assert proposal not in [p for p, _ in ranked]


def test_an_identical_text_scores_one(corpus):
    twin = _proposal(corpus["canteen"].session, _user("twin"), SINGLES[0])
    (first, score), *_ = similar_proposals(twin)
    assert first == corpus["canteen"]
    assert score == pytest.approx(1.0)


def test_limit_and_min_score_cut_the_list(corpus):
    proposal = corpus["parking_a"]
    assert len(similar_proposals(proposal, limit=3, min_score=0.0)) == 3
    assert similar_proposals(proposal, limit=0) == []
    everything = similar_proposals(proposal, limit=50, min_score=0.0)
    assert len(everything) == len(corpus) - 1
    above = similar_proposals(proposal, limit=50, min_score=0.03)
    assert above == [(p, s) for p, s in everything if s >= 0.03]
    assert 0 < len(above) < len(everything)


def test_drafts_withdrawn_merged_and_other_sessions_are_not_candidates(corpus):
    session = corpus["checkup_a"].session
    proposer = _user("copycat")
    # Word-for-word copies of checkup_b would outrank it if they were candidates.
    copy = PAIRS[3][1]
    hidden = [_proposal(session, proposer, copy, status) for status in ("draft", "withdrawn", "merged")]
    elsewhere = _proposal(_session("第六届第一次", "6-1"), proposer, copy)

    ranked = [p for p, _ in similar_proposals(corpus["checkup_a"], limit=50, min_score=0.0)]
    assert ranked[0] == corpus["checkup_b"]
    assert not set(ranked) & {*hidden, elsewhere}
    assert not set(similarity_matrix(session)) & {p.pk for p in [*hidden, elsewhere]}

    # In its own session the copy has no one to resemble.
    assert similar_proposals(elsewhere, min_score=0.0) == []


def test_a_draft_can_look_for_its_duplicates_before_it_is_submitted(corpus):
    draft = _proposal(
        corpus["network"].session,
        _user("newcomer"),
        (
            "wifi",
            "关于改善办公区无线网络的建议",
            "办公楼无线网络经常掉线，网速慢，影响上课和科研。",
            "增加无线接入点。",
        ),
        status="draft",
    )
    (first, _), *_ = similar_proposals(draft)
    assert first == corpus["network"]
    # An unsaved proposal works too: the form's preview can call it.
    unsaved = Proposal(session=draft.session, title=draft.title, reason=draft.reason, suggestion=draft.suggestion)
    assert [p for p, _ in similar_proposals(unsaved)] == [p for p, _ in similar_proposals(draft)]


def test_shared_boilerplate_alone_does_not_make_proposals_similar(monkeypatch):
    """Two "关于进一步加强……管理的建议" on different subjects lose to a plainly worded one on the same subject."""
    session = _session("第七届第一次", "7-1")
    proposer = _user("formulaic")
    canteen = _proposal(
        session,
        proposer,
        (
            "canteen",
            "关于进一步加强食堂管理的建议",
            "目前学校食堂管理存在问题，饭菜价格偏高，卫生状况不佳，教职工意见较大。",
            "建议学校进一步加强食堂管理，切实提高教职工就餐满意度。",
        ),
    )
    network = _proposal(
        session,
        proposer,
        (
            "network",
            "关于进一步加强校园网管理的建议",
            "目前学校校园网管理存在问题，网速慢、经常断线，教职工意见较大。",
            "建议学校进一步加强校园网管理，切实提高教职工上网体验。",
        ),
    )
    prices = _proposal(
        session,
        proposer,
        ("prices", "食堂饭菜太贵", "饭菜价格逐年上涨，分量却越来越少。", "公开食堂采购价格，接受监督。"),
    )
    ranked = dict(similar_proposals(canteen, min_score=0.0))
    assert ranked[prices] > 2 * ranked[network]

    # Without the stock-phrase weighting the shared formula wins.
    monkeypatch.setattr("proposals.similarity.STOP_WEIGHT", 1.0)
    ranked = dict(similar_proposals(canteen, min_score=0.0))
    assert ranked[network] > ranked[prices]


def test_similarity_matrix_agrees_with_similar_proposals(corpus):
    session = corpus["parking_a"].session
    matrix = similarity_matrix(session, limit=5, min_score=0.05)
    assert set(matrix) == {p.pk for p in corpus.values()}
    for proposal in corpus.values():
        expected = [(p.pk, score) for p, score in similar_proposals(proposal, limit=5, min_score=0.05)]
        assert matrix[proposal.pk] == expected
    for key, partner in PAIR_KEYS:
        assert matrix[corpus[key].pk][0][0] == corpus[partner].pk
    # Cosine is symmetric: a listed pair carries the same score both ways.
    scores = {(pk, other): score for pk, top in matrix.items() for other, score in top}
    assert all(scores[other, pk] == score for (pk, other), score in scores.items() if (other, pk) in scores)
    # A session id does as well as the session.
    assert similarity_matrix(session.pk, limit=5, min_score=0.05) == matrix


def test_each_function_runs_one_query(corpus, django_assert_num_queries):
    session = corpus["parking_a"].session
    with django_assert_num_queries(1):
        similarity_matrix(session)
    proposal = Proposal.objects.get(pk=corpus["parking_a"].pk)
    with django_assert_num_queries(1):
        ranked = similar_proposals(proposal)
    with django_assert_num_queries(0):
        [(p.number, p.title, p.status) for p, _ in ranked]


def test_similarity_matrix_of_an_empty_session_is_empty():
    assert similarity_matrix(_session("第八届第一次", "8-1")) == {}


def test_text_is_normalised_and_ngrams_do_not_cross_punctuation_or_digits():
    assert normalise("ＷｉＦｉ信号差！3号楼\n无线网络 不稳定") == ["wifi信号差", "号楼", "无线网络", "不稳定"]
    grams = weighted_ngrams("停车难，车位少")
    assert "难车" not in grams and "车难车" not in grams
    assert grams["停车"] == 1.0 and grams["车位少"] == 1.0
    # Wholly inside stock phrases: down-weighted; reaching into the content: full weight.
    boiler = weighted_ngrams("建议学校加强食堂")
    assert boiler["建议"] < 1.0 and boiler["议学校"] < 1.0
    assert boiler["强食"] == 1.0 and boiler["食堂"] == 1.0


def test_a_kept_matrix_is_recomputed_when_the_candidates_or_their_texts_change(corpus):
    session = corpus["parking_a"].session
    before = similarity_matrix(session, limit=3)
    assert similarity_matrix(session, limit=3) == before  # kept: same corpus, same answer
    # A new near-copy of a proposal enters the candidates: it must show up at once.
    fields = next(f for pair in PAIRS for f in pair if f[0] == "parking_a")
    twin = _proposal(session, _user("twin"), ("twin", *fields[1:]))
    after = similarity_matrix(session, limit=3)
    assert twin.pk in after and after[corpus["parking_a"].pk][0] == (twin.pk, 1.0)
    # A candidate's text changes (an admin's correction): its scores follow.
    Proposal.objects.filter(pk=twin.pk).update(
        title="完全无关的标题", reason="图书馆座位不足。", suggestion="增加座位。"
    )
    assert all(other != twin.pk for other, _ in similarity_matrix(session, limit=3)[corpus["parking_a"].pk])
    # A candidate leaves (withdrawn): it is no longer listed.
    Proposal.objects.filter(pk=twin.pk).update(status="withdrawn")
    assert similarity_matrix(session, limit=3) == before
