"""How long the duplicate finder takes on a full session, against the cost of just reading it.

    DJANGO_SETTINGS_MODULE=config.settings DATABASE_URL=postgres://… python -m bench.similar [--runs N] [--size N]

Needs a migrated database (`manage.py migrate`). It writes a throwaway session of
synthetic proposals inside one transaction and rolls it back, so it leaves no rows.

Figures printed, each the best and the median wall-clock time and the best CPU
time of --runs runs after one warm-up:

* floor: the raw SQL fetching the session's candidate rows' text through
  `connection.cursor()`, i.e. what any implementation must pay;
* similarity_matrix(session): top-10 for every proposal, as the triage queue needs;
* similar_proposals(p): one proposal's list, as its detail page needs;

and each one's ratio to the floor (best wall-clock times). It also prints how often a proposal's best match
is one written about the same topic, a rough check that the speed is not bought
with nonsense.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from django.contrib.auth import get_user_model  # noqa: E402  (needs django.setup())
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from proposals.models import Category, CongressSession, Proposal, ProposalStatus  # noqa: E402
from proposals.similarity import EXCLUDED_STATUSES, similar_proposals, similarity_matrix  # noqa: E402

# Each topic: title variants, sentences of a 案由, sentences of a 建议及办法. A proposal
# picks one title and a few sentences of each, so proposals of one topic share some
# wording but rarely all of it, as two delegates raising the same problem do.
TOPICS: dict[str, tuple[list[str], list[str], list[str]]] = {
    "停车": (
        ["缓解教工停车位紧张", "校园机动车停放难问题", "规范校内车辆停放管理", "建设立体停车场"],
        [
            "教职工私家车数量快速增长，停车位严重不足。",
            "上班高峰期主楼周边经常找不到车位。",
            "车辆乱停乱放，占用消防通道，存在安全隐患。",
            "外来车辆随意进入校园占用车位。",
        ],
        ["新建立体停车库。", "重新规划地面停车位。", "对外来车辆实行限时收费。", "实行教职工车辆登记制度。"],
    ),
    "报销": (
        ["简化科研经费报销流程", "科研经费报账手续复杂", "推行网上报销", "改进财务报账服务"],
        [
            "科研经费报销要填写多张单据，层层签字。",
            "一笔报销往往要跑财务处好几趟。",
            "票据粘贴要求严格，审批环节多，排队时间长。",
            "报账耗费教师大量时间，挫伤科研积极性。",
        ],
        ["推行网上报销系统和电子签批。", "减少签字环节。", "报销高峰期增开窗口。", "落实科研经费放管服要求。"],
    ),
    "子女入学": (
        ["解决教职工子女入学难", "教工子女入园入学", "扩大附属幼儿园招生规模"],
        [
            "附属幼儿园学位有限，每年报名都要抽签。",
            "附近公办小学不接收非本学区的孩子。",
            "引进人才和青年教师的孩子入园难、上小学难。",
            "后顾之忧得不到解决，不利于人才稳定。",
        ],
        ["扩建附属幼儿园。", "与地方政府共建附属小学。", "争取优质小学为教工子女提供入学名额。"],
    ),
    "体检": (
        ["提高教职工年度体检标准", "增加体检项目", "完善教职工健康体检"],
        [
            "体检项目多年未调整，以血常规、B超等基础项目为主。",
            "缺少肿瘤标志物、胃肠镜、心脏彩超等检查。",
            "多位中青年教师确诊癌症时已是晚期。",
            "体检对重大疾病筛查不足。",
        ],
        ["增加体检经费。", "增设肿瘤筛查和心脑血管检查项目。", "建立教职工健康档案。", "与三甲医院合作体检。"],
    ),
    "图书馆": (
        ["延长图书馆开放时间", "寒暑假图书馆闭馆影响科研", "图书馆阅览室全年开放"],
        [
            "图书馆晚上九点半就闭馆。",
            "寒暑假期间大部分阅览室闭馆。",
            "假期查阅资料、使用馆藏资源很不方便。",
        ],
        ["阅览室全年开放。", "工作日开放至晚上十一点。", "安排馆员轮流值班。"],
    ),
    "食堂": (
        ["提升教工食堂饭菜质量", "改善食堂就餐环境", "控制食堂饭菜价格"],
        [
            "教工食堂菜品单一，口味较差。",
            "饭菜价格逐年上涨，分量越来越少。",
            "中午就餐高峰排队时间长，座位不够。",
            "食堂卫生状况有待改善。",
        ],
        ["增加菜品种类，增设自选窗口。", "公开食材采购价格。", "定期开展就餐满意度调查。"],
    ),
    "职称": (
        ["完善职称评审办法", "职称评聘向教学倾斜", "改革专业技术职务评聘"],
        [
            "职称评审过分看重论文和科研项目数量。",
            "长期从事一线教学的教师晋升困难。",
            "评审标准不透明，结果公示不充分。",
        ],
        ["设立教学为主型岗位。", "把教学成果奖作为同等条件。", "评审过程公开透明。"],
    ),
    "住房": (
        ["缓解青年教师住房困难", "增加人才周转公寓", "提高青年教师租房补贴"],
        [
            "新引进的青年教师大多在外租房，房租高、离学校远。",
            "周转公寓数量少，排队时间长。",
            "住房压力影响青年教师安心工作。",
        ],
        ["加快建设人才周转公寓。", "提高租房补贴标准。", "与周边小区合作统一租赁房源。"],
    ),
    "校园网": (
        ["提升校园网速度和稳定性", "改善办公区无线网络", "校园网经常掉线"],
        [
            "办公楼无线网络信号弱，晚上网速很慢。",
            "校园网经常掉线，访问外文数据库困难。",
            "上传教学视频速度慢，影响线上教学。",
        ],
        ["扩容出口带宽。", "增加无线接入点，实现全覆盖。", "开通网络故障报修热线。"],
    ),
    "班车": (
        ["增开新老校区通勤班车", "优化教职工班车发车时间", "班车班次不足"],
        [
            "新校区启用后大量教师往返新老校区上课。",
            "班车班次少，发车时间不合理。",
            "上午第一节课经常赶不上班车。",
        ],
        ["根据课表增开早晚高峰班次。", "开通手机预约乘车。", "实时查询班车位置。"],
    ),
    "文体": (
        ["增加教职工文体活动场地", "体育馆对教职工开放", "建设教工之家"],
        [
            "教职工健身活动场所不足。",
            "体育馆对教职工开放时段少。",
            "羽毛球、乒乓球场地常被校外人员占用。",
        ],
        ["划定教职工专用活动时段。", "建设教工之家活动室。", "配备健身器材。"],
    ),
    "绩效": (
        ["完善校内绩效工资分配办法", "提高一线教师课时津贴", "绩效分配向基层倾斜"],
        [
            "绩效工资分配向行政岗位倾斜，一线教师收入偏低。",
            "课时津贴标准多年未调整。",
            "实验技术人员绩效考核办法不合理。",
        ],
        ["提高课时津贴标准。", "绩效分配向教学科研一线倾斜。", "分配方案提交教代会审议。"],
    ),
    "退休": (
        ["关心退休教职工生活", "改善离退休活动中心条件", "完善退休教师慰问制度"],
        [
            "退休教职工人数逐年增加，活动场所狭小。",
            "部分退休教师身体不好、行动不便，缺少关爱。",
            "重大节日慰问覆盖面不够。",
        ],
        ["扩建离退休活动中心。", "建立退休教师定期走访制度。", "组织退休教师疗休养。"],
    ),
    "实验室安全": (
        ["加强实验室安全管理", "更新老化实验设备", "危化品管理亟待规范"],
        [
            "部分实验楼水电线路老化，存在火灾隐患。",
            "危险化学品存放不规范，台账不清。",
            "实验室安全培训流于形式。",
        ],
        ["更换老化线路和通风设备。", "建设危化品集中存储库。", "实行实验室安全准入考试。"],
    ),
    "教学楼": (
        ["改善教学楼空调设施", "更新多媒体教室设备", "教室照明不足"],
        [
            "夏季教室没有空调，师生汗流浃背。",
            "多媒体设备老化，上课经常黑屏。",
            "部分教室照明不足、黑板反光。",
        ],
        ["分批为教室加装空调。", "更新投影和扩音设备。", "建立多媒体设备快速报修机制。"],
    ),
    "校医院": (
        ["提升校医院诊疗水平", "校医院药品种类不足", "完善校医院医保报销"],
        [
            "校医院医生数量少，专科门诊缺乏。",
            "常用药品种类不全，慢性病用药经常断药。",
            "在校医院看病不能直接医保结算，需要垫付。",
        ],
        ["引进全科医生，开设专家门诊。", "增加慢性病常用药品种。", "开通医保实时结算。"],
    ),
    "疗休养": (
        ["扩大教职工疗休养覆盖面", "改进疗休养组织方式", "增加一线教师疗休养名额"],
        [
            "疗休养名额有限，很多教师工作多年从未参加过。",
            "疗休养时间集中在暑期，线路选择少。",
            "疗休养经费标准偏低。",
        ],
        ["按工龄轮流安排疗休养。", "提供多条线路供教职工自选。", "提高疗休养经费标准。"],
    ),
    "校务公开": (
        ["推进校务公开", "落实教代会民主管理职权", "重大事项听取教职工意见"],
        [
            "涉及教职工切身利益的重大事项未经教代会审议。",
            "校务公开内容不全，财务预决算公开不够。",
            "提案答复流于形式，落实情况无人跟踪。",
        ],
        ["重大改革方案提交教代会审议。", "完善校务公开目录。", "建立提案办理结果公开制度。"],
    ),
    "绿化环境": (
        ["改善校园环境卫生", "推进校园垃圾分类", "加强校园绿化养护"],
        [
            "部分区域垃圾桶数量不足，垃圾清运不及时。",
            "垃圾分类宣传不到位，混投现象普遍。",
            "绿化带缺乏养护，杂草丛生。",
        ],
        ["增设分类垃圾桶，定时清运。", "开展垃圾分类宣传。", "增加绿化养护经费。"],
    ),
    "新进教师": (
        ["加强青年教师培养", "完善新进教师入职培训", "给予青年教师科研启动支持"],
        [
            "新进青年教师教学任务重，缺少指导。",
            "科研启动经费少，申报课题难。",
            "入职培训内容单一，与实际工作脱节。",
        ],
        ["实行青年教师导师制。", "提高科研启动经费。", "改进入职培训内容。"],
    ),
}

# The register every proposal is written in: openings, context and closings that
# share nothing but formula, which the similarity measure has to see through.
OPENINGS = ["目前，", "近年来，", "据了解，", "广大教职工普遍反映，", "经调研发现，", "随着学校事业快速发展，", ""]
CONTEXT = [
    "这一问题在各学院普遍存在，教职工意见较大，多次在座谈会上提出。",
    "这不仅影响教职工的工作积极性和幸福感，也影响学校的整体形象。",
    "兄弟院校在这方面已有较成熟的做法，值得我校学习借鉴。",
    "上届教代会已有代表提出类似提案，但至今未得到根本解决。",
    "随着学校办学规模扩大和人员增加，这一矛盾日益突出。",
    "广大青年教师对此尤为关注，希望学校拿出切实可行的办法。",
    "有关职能部门虽做了一些工作，但效果不明显，群众满意度不高。",
    "该问题涉及多个部门，职责不清，相互推诿的情况时有发生。",
    "从工会组织的问卷调查看，超过六成的受访教职工对此表示不满。",
    "这与学校建设高水平大学的目标和以人为本的办学理念不相适应。",
]
CLOSINGS = [
    "希望学校高度重视，切实解决这一问题。",
    "这一问题已成为教职工关心的热点难点问题。",
    "恳请学校领导和相关部门予以关注。",
    "",
]
GENERIC_SUGGESTIONS = [
    "明确牵头部门和责任人，制定时间表和路线图。",
    "广泛听取教职工意见，定期通报进展情况。",
    "将落实情况纳入相关部门年度考核。",
    "安排专项经费予以保障。",
]


def synthetic_proposals(count: int, rng: random.Random) -> list[tuple[str, str, str, str]]:
    """(topic, title, 案由, 建议及办法) for `count` proposals spread over TOPICS.

    Texts run to 100-320 characters (median about 215), more than half of it the
    context and formula every proposal is wrapped in.
    """
    topics = list(TOPICS)
    out = []
    for i in range(count):
        topic = topics[i % len(topics)]
        titles, reasons, suggestions = TOPICS[topic]
        title = rng.choice(["关于", "", ""]) + rng.choice(titles) + rng.choice(["的建议", "的提案", ""])
        reason = rng.choice(OPENINGS) + "".join(rng.sample(reasons, k=rng.randint(2, len(reasons))))
        reason += "".join(rng.sample(CONTEXT, k=rng.randint(2, 5))) + rng.choice(CLOSINGS)
        picked = rng.sample(suggestions, k=rng.randint(1, len(suggestions)))
        picked += rng.sample(GENERIC_SUGGESTIONS, k=rng.randint(0, 2))
        suggestion = "".join(f"{n}. {text}" for n, text in enumerate(picked, 1))
        out.append((topic, title, reason, suggestion))
    return out


def timed(fn: Callable[[], Any], runs: int) -> tuple[list[float], list[float]]:
    """Wall-clock and this process's CPU milliseconds for each of `runs` calls of fn, after a warm-up call.

    CPU time is printed too because on a shared machine the wall clock also counts
    the time other processes held the CPU; for the SQL floor it leaves out the
    server's side, so the ratios use wall-clock time.
    """
    fn()
    wall, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return wall, cpu


def build_session(size: int, rng: random.Random) -> tuple[CongressSession, dict[int, str]]:
    now = timezone.now()
    stamp = f"{now:%H%M%S%f}"
    session = CongressSession.objects.create(
        name=f"基准测试{stamp}",
        code=f"B{stamp}"[:20],
        collection_opens=now - timedelta(days=10),
        collection_closes=now + timedelta(days=20),
    )
    proposer = get_user_model().objects.create_user(username=f"bench-{stamp}", password=None)
    category = Category.objects.order_by("order", "id").first() or Category.objects.create(name="其他")
    rows = synthetic_proposals(size, rng)
    created = Proposal.objects.bulk_create(
        Proposal(session=session, proposer=proposer, category=category, title=t, reason=r, suggestion=s)
        for _, t, r, s in rows
    )
    # status is a protected FSM field; spread the rows over the candidate statuses behind its back.
    candidates = [s for s in ProposalStatus.values if s not in EXCLUDED_STATUSES]
    for k, status in enumerate(candidates):
        Proposal.objects.filter(pk__in=[p.pk for p in created[k :: len(candidates)]]).update(status=status)
    return session, {p.pk: topic for p, (topic, *_) in zip(created, rows, strict=True)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=300, help="proposals in the session (default 300)")
    parser.add_argument("--runs", type=int, default=7, help="timed runs of each figure (default 7)")
    parser.add_argument("--seed", type=int, default=6)
    args = parser.parse_args()
    if Proposal._meta.db_table not in connection.introspection.table_names():
        raise SystemExit(f"{connection.settings_dict['NAME']} has no proposals table: run `manage.py migrate` first.")

    with transaction.atomic():
        session, topic_of = build_session(args.size, random.Random(args.seed))
        one = Proposal.objects.filter(session=session).order_by("pk").first()
        assert one is not None
        sql = (
            f"SELECT id, title, reason, suggestion FROM {Proposal._meta.db_table} "
            f"WHERE session_id = %s AND NOT (status = ANY(%s)) ORDER BY id"
        )
        if connection.vendor != "postgresql":
            placeholders = ", ".join(["%s"] * len(EXCLUDED_STATUSES))
            sql = sql.replace("NOT (status = ANY(%s))", f"status NOT IN ({placeholders})")
            params: list[Any] = [session.pk, *EXCLUDED_STATUSES]
        else:
            params = [session.pk, list(EXCLUDED_STATUSES)]

        def floor() -> None:
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                rows = cursor.fetchall()
            assert len(rows) == args.size

        matrix: dict[int, list[tuple[int, float]]] = {}

        def whole_session() -> None:
            matrix.update(similarity_matrix(session))

        figures = {
            "floor: raw SQL, the rows' text": timed(floor, args.runs),
            "similarity_matrix(session), top 10 each": timed(whole_session, args.runs),
            "similar_proposals(one proposal)": timed(lambda: similar_proposals(one), args.runs),
        }
        same_topic = sum(1 for pk, top in matrix.items() if top and topic_of[top[0][0]] == topic_of[pk])
        scores = [score for top in matrix.values() for _, score in top]
        transaction.set_rollback(True)

    floor_ms = min(figures["floor: raw SQL, the rows' text"][0])
    print(f"{args.size} proposals, {len(TOPICS)} topics, {connection.vendor}, {args.runs} runs each (ms)")
    print(f"  {'':42s} {'best':>9s} {'median':>9s} {'best cpu':>9s} {'vs floor':>9s}")
    for label, (wall, cpu) in figures.items():
        best, median = min(wall), statistics.median(wall)
        print(f"  {label:42s} {best:9.2f} {median:9.2f} {min(cpu):9.2f} {best / floor_ms:8.1f}x")
    print(
        f"  best match on the same topic: {same_topic}/{len(matrix)} proposals; "
        f"listed scores {min(scores):.2f}-{max(scores):.2f}, median {statistics.median(scores):.2f}"
    )


if __name__ == "__main__":
    main()
