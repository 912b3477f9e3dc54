"""manage.py seed_demo: a realistic demo session with one login per role.

Everything goes through the real services (proposal_create, proposal_invite,
proposal_cosign, workflow.services.transition), so history chains, object
grants, notifications and viewflow processes are what the product itself
would have written. Nothing sets a status. A fixed random seed keeps the
output the same on every run; a second run finds the demo session and only
prints the logins.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, cast

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from org.demo import (
    DEMO_DEPARTMENTS,
    DEMO_LOGINS,
    DEMO_PASSWORD,
    DEMO_SESSION_CODE,
    DEMO_SESSION_NAME,
    HEAD_SUFFIX,
    write_logins,
)
from org.models import Delegation, Department, Profile, Role
from org.roles import user_roles, user_set_roles
from proposals.models import (
    Assignment,
    AssignmentRole,
    AssignmentStatus,
    Category,
    CongressSession,
    Proposal,
    ProposalStatus,
    Satisfaction,
)
from proposals.services import proposal_cosign, proposal_create, proposal_invite
from workflow import deadlines
from workflow.models import DUE_FIELDS
from workflow.services import transition

RANDOM_SEED = 20200414  # the date of the union's 2020 work plan
EXTRA_DELEGATES = 30
COMMITTEE = "tiwei"

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董"
    "袁潘蒋蔡余杜叶程苏魏吕丁沈姚卢钟陆汪金方钱顾邵俞"
)
GIVEN_NAMES = (
    "建华 秀英 晓明 海燕 志刚 丽娟 文杰 雪梅 国强 淑芬 晓峰 红梅 振宇 佳慧 俊杰 玉兰 伟民 静怡 新民 春燕 德明 慧敏 "
    "雅琴 立新 桂芳 永康 宏伟 晓丽 正阳 婷婷 学军 月华 思远 海涛 凤英 一鸣 素珍 鹏飞 欣然 世杰 玲玲 庆华 若兰 "
    "勇 敏 静 磊 洁 军 燕 涛 强 娜 斌 颖"
).split()

# 代表团 by where a delegate works.
DELEGATIONS = {
    "office": "第一代表团（机关、直属单位）",
    "humanities": "第二代表团（人文社科学院）",
    "science": "第三代表团（理工医学院）",
}
SCIENCE_COLLEGES = {"理学院", "信息工程学院", "医学院"}
# Where the other delegates work: mostly colleges, some offices.
DELEGATE_DEPARTMENTS = [
    "教师教育学院", "文学院", "理学院", "信息工程学院", "经济管理学院", "医学院", "艺术学院",
    "教师教育学院", "文学院", "理学院", "信息工程学院", "经济管理学院", "医学院",
    "图书馆", "教务处", "科研处", "后勤管理处", "学生处",
]  # fmt: skip

FEEDBACK_COMMENTS = {
    Satisfaction.SATISFIED: ["答复及时具体，问题已经解决，感谢相关部门。", "措施落实到位，教职工反映良好。"],
    Satisfaction.BASICALLY_SATISFIED: ["答复基本可行，希望尽快公布落实的时间表。", "部分问题已解决，请继续跟进落实。"],
    Satisfaction.UNSATISFIED: [
        "答复较笼统，没有具体措施和时间安排，请进一步研究。",
        "答复没有回应提案的核心问题，希望承办单位与提案人当面沟通。",
    ],
}
FEEDBACK_STEPS = {
    "fb.s": Satisfaction.SATISFIED,
    "fb.b": Satisfaction.BASICALLY_SATISFIED,
    "fb.u": Satisfaction.UNSATISFIED,
}


@dataclass(frozen=True)
class Demo:
    """One demo proposal and the script that brings it to its state.

    ``plan`` is how far it goes through triage; for ``assigned`` the ``steps``
    then play the departments' and proposer's part, one token at a time:
    sign / answer / approve / return (the current lead), co.sign / co.answer
    (every co-department), reassign (to ``reassign_to``), fb.s / fb.b / fb.u
    (feedback satisfied / basically / unsatisfied), close.
    """

    key: str
    title: str
    category: str
    reason: str
    suggestion: str
    plan: str
    proposer: str = ""
    invite: tuple[str, ...] = ()
    cosign: tuple[str, ...] = ()
    lead: str = ""
    co: tuple[str, ...] = ()
    steps: str = ""
    note: str = ""  # the reject or return reason, or the key of the proposal merged into
    answer: str = ""
    answer_class: str = ""
    answer2: str = ""
    answer2_class: str = ""
    co_answer: str = ""
    reassign_to: str = ""
    due_days: int | None = None


PROPOSALS: tuple[Demo, ...] = (
    # --- drafts -------------------------------------------------------------------------------
    Demo(
        "wsbs", "关于推行网上办事大厅“一网通办”的提案", "其他",
        "教职工办理请假、用印、证明开具、报销预约等事项仍需在多个部门之间往返、纸质签字，流程不透明，耗时较长。",
        "1. 由信息中心牵头建设网上办事大厅，梳理各部门高频事项并逐步实现线上办理；2. 推行电子签章，材料一次提交、"
        "多部门共享；3. 公布办事指南和办理时限，接受教职工监督。",
        "draft", proposer="daibiao", invite=("daibiao2", "daibiao3"), cosign=("daibiao2", "daibiao3"),
    ),
    Demo(
        "wuxiu", "关于改善教职工午休条件的提案", "后勤保障",
        "不少教师上午、下午均有课，中午无处休息，只能在办公室或教室趴桌小憩，影响下午的教学状态。",
        "1. 利用闲置用房在各教学区设立教职工休息室，配备简易午休床；2. 由工会“教工小家”统筹管理、预约使用。",
        "draft", proposer="daibiao", invite=("daibiao2", "daibiao3"), cosign=("daibiao3",),
    ),
    Demo(
        "ejjdh", "关于进一步完善二级教代会制度的提案", "民主管理",
        "部分学院二级教代会召开不规范，有的一年未召开，涉及教职工切身利益的分配方案未经二级教代会审议。",
        "1. 制定二级教代会工作细则，明确每年至少召开一次；2. 学院绩效分配等方案须经二级教代会审议通过；"
        "3. 将二级教代会工作纳入分工会量化考核。",
        "draft", proposer="daibiao2", invite=("daibiao", "daibiao3"),
    ),
    Demo(
        "pingjiao", "关于改进学生评教办法的提案", "教学科研",
        "现行学生评教以期末网上打分为主，部分学生随意填写，评教结果与教学质量相关性不高，"
        "却直接用于年度考核和职称评审。",
        "1. 评教改为期中、期末两次，增加开放式意见；2. 结合同行评议、督导听课综合评价；3. 评教结果先反馈教师改进，"
        "慎用于考核排名。",
        "draft",
    ),
    # --- waiting for triage (two near-duplicate pairs for the duplicate finder) -----------------
    Demo(
        "shitang2", "关于改善食堂晚餐供应、方便加班教职工就餐的建议", "后勤保障",
        "学校食堂晚餐供应在18:00前基本结束，晚上有课或在实验室加班的教职工经常吃不上热饭，只能点外卖。",
        "建议至少保留一个食堂的晚餐窗口供应到19:30，并开设夜宵窗口，方便加班教职工就餐。",
        "submitted",
    ),
    Demo(
        "tingche1", "关于增加校园教职工停车位的提案", "校园建设",
        "近年来教职工私家车数量快速增长，校内停车位严重不足，上班高峰期车辆占用消防通道、绿化带停放的现象时有发生，"
        "存在安全隐患。",
        "1. 在体育馆、图书馆周边规划建设立体停车场；2. 重新施划现有停车位，提高利用率；3. 实行教职工车辆登记、"
        "错峰停放。",
        "submitted", proposer="daibiao3",
    ),
    Demo(
        "tingche2", "关于缓解校园停车难问题的提案", "校园建设",
        "校园停车难问题日益突出，教职工上班高峰期找不到停车位，车辆乱停乱放占用消防通道，既不安全也影响校园环境。",
        "1. 新建或改建停车场，增加教职工停车位；2. 校外车辆限时停放并收费；3. 鼓励绿色出行，增设非机动车棚。",
        "submitted",
    ),
    Demo(
        "rzpx", "关于加强新进教师入职培训的提案", "人事人才",
        "新进教师多为刚毕业的博士，对学校教学管理规定、科研项目申报和财务报销流程不熟悉，入职后要花较长时间摸索。",
        "1. 人事处会同教务处、科研处、财务处编写《新教师工作手册》；2. 入职培训增加实务内容和校情介绍；"
        "3. 为每位新教师配备一名老教师作为联系人。",
        "submitted",
    ),
    Demo(
        "xinli", "关于加强学生心理健康教育工作的提案", "学生工作",
        "近年来大学生心理问题呈上升趋势，我校专职心理咨询教师配备不足，辅导员和班主任缺乏识别和干预心理危机的培训。",
        "1. 按师生比配齐专职心理咨询教师；2. 每年对辅导员、班主任开展心理危机识别培训；3. 完善学校、学院、"
        "班级三级预警网络。",
        "submitted",
    ),
    Demo(
        "waipin", "关于规范外聘教师管理的提案", "人事人才",
        "部分学院外聘教师数量较多，聘任、考核程序不统一，课酬标准各学院差别较大，教学质量难以保障。",
        "1. 出台外聘教师管理办法，统一聘任条件和审批程序；2. 统一课酬标准并按时发放；3. 将外聘教师纳入教学质量监控。",
        "submitted",
    ),
    # --- accepted, waiting to be assigned -----------------------------------------------------
    Demo(
        "jgxj", "关于建设“教工小家”活动场所的提案", "福利待遇",
        "校工会提出推进“教工小家”建设，但多数分工会没有固定活动场所，教职工开展文体活动和交流只能临时借用会议室。",
        "1. 统筹利用闲置用房，为各分工会建设“教工小家”；2. 配备必要的文体器材和书报；3. 制定场所开放和管理办法。",
        "reviewed",
    ),
    Demo(
        "xwgk", "关于加强校务公开工作的提案", "民主管理",
        "学校部分重大决策、经费预算执行情况和招标采购结果公开不及时，教职工了解渠道有限。",
        "1. 建立校务公开目录，明确公开内容和时限；2. 在校园网设立校务公开专栏；3. 每年向教代会报告校务公开情况。",
        "reviewed",
    ),
    Demo(
        "sysaq", "关于加强实验室安全管理的提案", "教学科研",
        "部分实验室危险化学品存放不规范、安全设施老化，学生进入实验室前的安全培训流于形式。",
        "1. 开展实验室安全隐患全面排查；2. 建立危险化学品全流程信息化管理；3. 实行实验室安全准入考试制度。",
        "reviewed",
    ),
    # --- not accepted, merged, converted, withdrawn ---------------------------------------------
    Demo(
        "gjj", "关于提高住房公积金缴存比例的提案", "福利待遇",
        "我校住房公积金缴存比例与周边兄弟院校相比偏低，青年教职工购房压力较大。",
        "建议学校将住房公积金缴存比例提高到12%。",
        "rejected",
        note="住房公积金缴存比例由国家和地方政策统一规定，不属于学校职权范围，不予立案。"
        "教职工的诉求已由校工会向上级工会反映。",
    ),
    Demo(
        "ktz", "关于为本课题组增加实验用房的提案", "教学科研",
        "我所在课题组新增两个国家级项目，现有实验用房仅30平方米，仪器设备无处摆放。",
        "建议学校为本课题组调配不少于60平方米的实验用房。",
        "rejected", note="属于个别课题组的具体工作诉求，不具有普遍性，不作为提案立案，请直接向资产管理处申请用房。",
    ),
    Demo(
        "banche2", "关于增开教职工通勤班车的提案", "后勤保障",
        "新校区距市区较远，教职工通勤班车班次少，早晚高峰车上拥挤，错过班车只能打车，通勤成本高。",
        "建议早晚高峰各增开一班通勤班车，并在周末增加往返班次。",
        "merged", note="banche1",
    ),
    Demo(
        "tsg2", "关于图书馆周末延长开放时间的提案", "教学科研",
        "图书馆周末闭馆较早，教师和学生周末查阅资料、自习不便。",
        "建议图书馆周末开放时间延长至22:00，与工作日一致。",
        "merged", note="tsg1",
    ),
    Demo(
        "lvhua", "关于加强校园绿化养护的建议", "校园建设",
        "校园部分绿地草坪裸露、树木缺少修剪，雨后积水严重，影响校园环境。",
        "建议加强日常养护，补种草皮，疏通绿地排水。",
        "converted",
    ),
    Demo(
        "yinshui", "关于在教学楼增设直饮水设备的提案", "后勤保障",
        "教学楼内开水供应点少，师生上课期间饮水不便。",
        "建议在各教学楼每层设置直饮水机，并定期检测和公示水质。",
        "converted",
    ),
    Demo(
        "dangao", "关于调整教职工生日蛋糕卡发放方式的提案", "福利待遇",
        "目前生日蛋糕卡只能在指定门店使用，部分门店距离较远，使用不便。",
        "建议增加可选门店，或改为电子券。",
        "withdrawn_draft",
    ),
    Demo(
        "shouhuoji", "关于增设校园自助售货机的提案", "后勤保障",
        "晚上校内超市关门后，师生购买饮料和简餐不便。",
        "建议在教学楼和宿舍区增设自助售货机。",
        "withdrawn",
    ),
    # --- assigned: the departments at work ----------------------------------------------------
    Demo(
        "shitang1", "关于延长食堂晚餐供应时间的提案", "后勤保障",
        "学校食堂晚餐供应时间为17:00—18:00，晚上有课、加班和在实验室工作的教职工经常错过晚餐，只能点外卖，"
        "既不卫生也不方便。",
        "建议至少一个食堂的晚餐供应延长至19:30，并增设夜宵窗口，满足加班教职工的就餐需求。",
        "assigned", proposer="daibiao2", lead="后勤管理处",
    ),
    Demo(
        "wangluo", "关于提升校园网速和无线网络覆盖的提案", "校园建设",
        "校园网出口带宽不足，晚上高峰时段网速明显变慢；部分教学楼、会议室无线信号弱，影响线上教学和学术会议。",
        "1. 扩容校园网出口带宽；2. 在教学楼、会议室、图书馆补设无线接入点；3. 公布网络故障报修电话和处理时限。",
        "assigned", lead="信息中心", due_days=20,
    ),
    Demo(
        "ruxue", "关于解决教职工子女入学问题的提案", "福利待遇",
        "学校新引进人才和青年教职工子女入托、入学难，附近优质中小学和幼儿园学位紧张，"
        "已成为影响人才引进和稳定的因素。",
        "1. 学校与属地教育局协商，争取附近学校定向学位；2. 研究举办或合作举办附属幼儿园；"
        "3. 将子女入学纳入引进人才服务清单。",
        "assigned", lead="校长办公室", co=("人事处",),
    ),
    Demo(
        "zhicheng", "关于进一步完善职称评审办法的提案", "人事人才",
        "现行职称评审办法对教学业绩的认定标准不够具体，评审过程和结果公开不充分，部分教师对评审结果有疑虑。",
        "1. 细化教学业绩认定标准，畅通教学型教师的晋升渠道；2. 评审前公示申报材料和评审规则；"
        "3. 建立评审结果申诉和反馈机制。",
        "assigned", lead="人事处", co=("教务处",), steps="sign answer co.sign co.answer",
        answer="我处已启动职称评审办法修订：增设教学为主型教授、副教授的评审条件，细化教学业绩认定标准；"
        "评审前公示申报材料和评审规则，设立评审结果申诉渠道。新办法将提交教代会执委会审议后实施。",
        answer_class="B",
        co_answer="教务处意见：同意细化教学业绩认定标准，我处将提供教学质量评价、教学获奖等认定依据。",
    ),
    Demo(
        "diandongche", "关于加强校园电动车管理的提案", "校园建设",
        "校园内电动自行车数量多，超速行驶、逆行和在楼道内充电的现象时有发生，存在交通和消防安全隐患。",
        "1. 实行电动车登记管理；2. 建设集中充电棚，严禁楼道充电；3. 在主干道设置限速标志。",
        "assigned", lead="保卫处", due_days=-3,
    ),
    Demo(
        "banche1", "关于优化教职工通勤班车线路和班次的提案", "后勤保障",
        "新校区启用后，教职工通勤班车线路和班次多年未调整，部分居住集中区域没有站点，早晚高峰车内拥挤。",
        "1. 开展教职工通勤需求问卷调查；2. 根据居住分布调整线路、增设站点；3. 早晚高峰增开班次，推行线上预约乘车。",
        "assigned", proposer="daibiao3", lead="后勤管理处", steps="sign",
    ),
    Demo(
        "baoxiao", "关于简化科研经费报销流程的提案", "教学科研",
        "科研经费报销手续繁琐，需要多人签字、多处跑腿，票据要求不统一，教师花大量时间在报销上。",
        "1. 推行网上预约报销和线上审批；2. 落实科研经费“放管服”政策，简化小额支出审批；3. 设立科研财务助理，"
        "为课题组代办报销。",
        "assigned", lead="财务处", co=("科研处",), steps="sign co.sign co.answer",
        co_answer="科研处意见：支持简化流程。我处将修订科研经费管理办法，下放小额支出审批权限，"
        "并配合财务处推行线上审批。",
    ),
    Demo(
        "zhufang", "关于加强青年教师住房保障的提案", "福利待遇",
        "青年教师收入不高，当地房价上涨较快，学校周转房数量少、申请条件严，不少青年教师只能在校外高价租房。",
        "1. 增加青年教师周转房房源；2. 放宽申请条件，延长租住期限；3. 对未入住周转房的青年教师发放租房补贴。",
        "assigned", lead="资产管理处", co=("人事处",), steps="co.sign co.answer",
        co_answer="人事处意见：同意对入职五年内的青年教师发放租房补贴，具体标准拟与资产管理处共同研究后报学校审定。",
    ),
    Demo(
        "tijian", "关于增加教职工年度体检项目的提案", "福利待遇",
        "目前教职工年度体检项目较少，缺少肿瘤标志物、颈椎和心血管等针对性检查，45岁以上教职工尤其需要。",
        "1. 增加肿瘤标志物、颈动脉彩超等项目；2. 实行“基础项目+自选项目”套餐；"
        "3. 女教职工妇科检查与年度体检同期安排。",
        "assigned", proposer="daibiao", lead="后勤管理处", co=("财务处",), steps="sign co.sign co.answer answer",
        answer="经研究，自今年起教职工体检实行“基础套餐+自选项目”方式，新增肿瘤标志物、颈动脉彩超等6个自选项目；"
        "女教职工妇科检查与年度体检同期安排。所需经费已列入下年度预算。",
        answer_class="A",
        co_answer="财务处意见：体检新增项目所需经费约18万元，同意列入下一年度预算。",
    ),
    Demo(
        "kuaidi", "关于规范校园快递收发管理的提案", "后勤保障",
        "校内快递网点分散，包裹堆放在路边，取件排队时间长，外来快递车辆在校园内随意穿行，存在安全隐患。",
        "1. 建设校园快递综合服务中心，统一收发；2. 设置智能快递柜；3. 规定快递车辆的行驶路线和时段。",
        "assigned", lead="后勤管理处", co=("保卫处",), steps="sign answer co.sign",
        answer="我处拟在东区建设快递综合服务中心，统一收发各快递公司包裹，并在教学区、宿舍区增设智能快递柜40组，"
        "预计下学期投入使用。",
        answer_class="B",
    ),
    Demo(
        "shutuoban", "关于举办教职工子女暑期托管班的提案", "福利待遇",
        "暑假期间双职工家庭的孩子无人照看，教职工带孩子上班或临时请假的情况较多。",
        "1. 利用暑期闲置教室举办教职工子女暑期托管班；2. 组织学生志愿者参与看护和辅导；3. 收费从低，"
        "工会给予适当补贴。",
        "assigned", lead="人事处", steps="return",
        note="暑期托管属于后勤服务和工会活动范畴，不在人事处职责范围内，建议改由后勤管理处主办、校工会协办。",
    ),
    Demo(
        "zhaoming", "关于改善校园道路夜间照明的提案", "校园建设",
        "校园部分道路路灯损坏后长期未修，湖边步道和停车场照明不足，师生夜间出行存在安全隐患。",
        "1. 全面排查路灯并及时维修；2. 在湖边步道、停车场补装照明；3. 建立路灯巡查和报修机制。",
        "assigned", lead="基建处", steps="return reassign sign", reassign_to="后勤管理处",
        note="校园既有道路路灯的维修养护由后勤管理处负责，我处只负责新建项目，建议改交后勤管理处办理。",
    ),
    Demo(
        "keshi", "关于调整课时费标准的提案", "福利待遇",
        "我校课时费标准多年未调整，与工作量和物价水平不相适应，也明显低于省内同类院校。",
        "1. 参照省内同类院校调整课时费标准；2. 建立与学校财力增长挂钩的动态调整机制。",
        "assigned", lead="教务处", co=("财务处",), steps="sign answer co.sign co.answer approve fb.u",
        answer="课时费标准调整涉及学校整体绩效分配方案，目前学校财力有限，暂不具备调整条件，"
        "将在下一轮绩效改革中统筹考虑。",
        answer_class="C",
    ),
    Demo(
        "sushe", "关于加快学生宿舍维修改造的提案", "学生工作",
        "部分老旧学生宿舍楼卫生间渗水、门窗损坏，夏季没有空调，学生反映强烈，也影响辅导员的日常工作。",
        "1. 制定老旧宿舍维修改造计划并分批实施；2. 利用暑假集中维修；3. 分步为宿舍安装空调。",
        "assigned", lead="后勤管理处", steps="sign answer approve fb.u sign",
        answer="我处已将3栋老旧宿舍列入维修计划，日常报修将在接报后48小时内处理。", answer_class="B",
    ),
    # --- answered, waiting for the proposer's feedback ---------------------------------------------
    Demo(
        "tsg1", "关于延长图书馆开放时间的提案", "教学科研",
        "图书馆目前工作日开放至21:30、周末开放至17:00，考试周期间自习座位紧张，教师晚间和周末查阅资料不便。",
        "1. 工作日和周末统一开放至22:00；2. 考试周设立通宵自习室；3. 增加自助借还设备。",
        "assigned", proposer="daibiao", lead="图书馆", co=("保卫处",), steps="sign co.sign co.answer answer approve",
        answer="自下学期起，图书馆工作日和周末均开放至22:00，考试周开放一楼通宵自习室，新增自助借还机4台。",
        answer_class="A",
        co_answer="保卫处意见：同意延长开放时间，我处将相应调整夜间巡逻安排，保障闭馆时段安全。",
    ),
    Demo(
        "duomeiti", "关于更新教室多媒体教学设备的提案", "教学科研",
        "部分教室多媒体设备使用超过十年，投影模糊、话筒杂音大、电脑运行缓慢，经常影响正常上课。",
        "1. 对教室多媒体设备进行全面检测；2. 分批更换老旧设备；3. 设立教学设备快速报修热线。",
        "assigned", proposer="daibiao", lead="教务处", co=("资产管理处",),
        steps="sign co.sign co.answer answer approve",
        answer="已完成全校212间教室的设备检测，其中68间列入今年更新计划，暑假期间完成更换；开通教学设备报修热线，"
        "承诺30分钟内到场。",
        answer_class="B",
        co_answer="资产管理处意见：设备采购已纳入年度采购计划，我处将配合教务处做好招标和验收。",
    ),
    Demo(
        "zhujiao", "关于提高研究生助教岗位津贴的提案", "学生工作",
        "研究生助教承担了较多辅导答疑和批改作业任务，但岗位津贴标准多年未变，学生参与积极性不高。",
        "建议将研究生助教岗位津贴提高到每月800元，并根据工作考核结果发放。",
        "assigned", lead="研究生院", co=("财务处",), steps="sign co.sign co.answer answer approve",
        answer="经研究，自今年秋季学期起，研究生助教岗位津贴由每月500元提高至700元，考核优秀者另发绩效奖励。",
        answer_class="B",
    ),
    Demo(
        "jixiao", "关于公开绩效工资分配方案的提案", "民主管理",
        "学校绩效工资分配方案制定过程中教职工参与不够，方案和各单位的分配结果未公开，教职工对分配是否合理存在疑虑。",
        "1. 绩效工资分配方案提交教代会审议；2. 各单位分配结果在单位内部公示；3. 建立分配争议申诉渠道。",
        "assigned", lead="人事处", co=("财务处",),
        steps="sign co.sign co.answer answer approve fb.u sign co.sign co.answer answer approve fb.u",
        answer="学校绩效工资分配方案已经校长办公会审议通过，下一步将在适当范围内通报。", answer_class="D",
        answer2="根据提案人意见，学校绩效工资分配方案修订后将提交教代会执委会审议，各单位二次分配结果在单位内公示"
        "不少于5个工作日。",
        answer2_class="B",
    ),
    # --- closed -------------------------------------------------------------------------------
    Demo(
        "laji", "关于完善校园垃圾分类设施的提案", "校园建设",
        "校园内分类垃圾桶设置不足，部分区域只有混装垃圾桶，分类标识不清，师生分类投放意识不强。",
        "1. 在教学区、宿舍区增设分类垃圾桶；2. 加强垃圾分类宣传；3. 建立分类收运制度。",
        "assigned", lead="后勤管理处", steps="sign answer approve fb.s",
        answer="已在全校增设四分类垃圾桶320组，更新分类标识，并与环卫公司签订分类收运协议，"
        "每学期开展垃圾分类宣传月活动。",
        answer_class="A",
    ),
    Demo(
        "fangxue", "关于加大教师出国访学资助力度的提案", "人事人才",
        "学校对教师出国访学的资助标准较低、名额有限，访学期间绩效待遇下降，影响教师出国研修的积极性。",
        "1. 提高访学资助标准，增加名额；2. 访学期间保留基础性绩效；3. 与国外高校建立稳定的访学合作渠道。",
        "assigned", proposer="daibiao", lead="国际交流处", co=("人事处",),
        # 人事处 never gave its opinion; once its time had passed the lead's answer went out (未反馈).
        steps="sign co.late answer approve fb.s",
        answer="学校已修订《教师出国访学资助办法》，资助名额由每年10名增至20名，资助标准提高30%，"
        "访学期间保留基础性绩效工资。",
        answer_class="A",
        co_answer="人事处意见：同意访学期间保留基础性绩效，已在修订后的办法中明确。",
    ),
    Demo(
        "yiqi", "关于建设大型仪器设备共享平台的提案", "教学科研",
        "学校大型仪器设备分散在各学院和课题组，使用率不高，其他单位教师需要使用时预约难、收费标准不统一。",
        "1. 建立全校大型仪器设备共享平台，实行网上预约；2. 统一收费标准；3. 将共享情况纳入设备使用效益考核。",
        "assigned", lead="科研处", co=("资产管理处",), steps="sign co.sign co.answer answer approve fb.b",
        answer="大型仪器共享平台已完成一期建设，首批52台（套）设备上线网上预约，收费标准统一公布，"
        "其余设备明年分批接入。",
        answer_class="B",
    ),
    Demo(
        "jianshen", "关于延长体育场馆对教职工开放时间的提案", "福利待遇",
        "学校体育馆和游泳馆对教职工开放的时间主要在工作时间，教职工下班后想锻炼却无场地可用，"
        "教工俱乐部活动也受影响。",
        "1. 工作日晚上和周末向教职工开放体育场馆；2. 为教工俱乐部安排固定活动时段；3. 教职工凭校园卡免费或优惠使用。",
        "assigned", lead="资产管理处", steps="sign answer approve fb.u sign answer approve fb.s",
        answer="体育场馆已安排专人管理，在保证教学的前提下尽量向教职工开放。", answer_class="C",
        answer2="自本月起，体育馆和游泳馆工作日18:00—21:00、周末全天向教职工开放，每周二、"
        "四晚为教工俱乐部固定活动时段，"
        "教职工凭校园卡免费使用。",
        answer2_class="A",
    ),
    Demo(
        "yongfang", "关于合理调配办公用房的提案", "校园建设",
        "部分学院教师办公用房紧张，四五位教师合用一间办公室，而部分机关部门办公用房超标，资源分配不均。",
        "1. 开展全校办公用房清查；2. 按标准重新核定各单位用房；3. 优先保障一线教师的办公用房。",
        "assigned", lead="资产管理处", steps="sign answer approve fb.u sign answer approve fb.u close",
        answer="我处将结合新校区建设统筹安排办公用房。", answer_class="C",
        answer2="已完成全校办公用房清查，核定超标用房1200平方米，将在新行政楼启用后分两批调整给教学单位，"
        "预计明年底前完成。",
        answer2_class="B",
    ),
)  # fmt: skip


class Command(BaseCommand):
    help = _("生成演示数据：单位、人员、第六届第一次会议和各个状态的提案；已生成时只列出演示账号。")

    def handle(self, *args: Any, **options: Any) -> None:
        if CongressSession.objects.filter(Q(code=DEMO_SESSION_CODE) | Q(name=DEMO_SESSION_NAME)).exists():
            self.stdout.write(_("演示数据已存在，未重复生成。"))
            write_logins(self.stdout)
            return
        with transaction.atomic():
            seeder = Seeder(out=self.stdout)
            seeder.run()
            from welfare.demo import seed_welfare_requests  # the union's side, by the same demo logins

            self.welfare_count = seed_welfare_requests()
        self._summary()
        write_logins(self.stdout)

    def _summary(self) -> None:
        session = CongressSession.objects.get(code=DEMO_SESSION_CODE)
        proposals = Counter(session.proposals.values_list("status", flat=True))
        assignments = Counter(Assignment.objects.filter(proposal__session=session).values_list("status", flat=True))
        self.stdout.write(
            self.style.SUCCESS(
                _("已生成演示数据：%(session)s（编号 %(code)s），%(people)d 人，%(count)d 件提案。")
                % {
                    "session": session.name,
                    "code": session.code,
                    "people": get_user_model().objects.count(),
                    "count": sum(proposals.values()),
                }
            )
        )
        self.stdout.write(
            _("提案：") + "，".join(f"{s.label} {proposals[s.value]}" for s in ProposalStatus if proposals[s.value])
        )
        self.stdout.write(
            _("交办：")
            + "，".join(f"{s.label} {assignments[s.value]}" for s in AssignmentStatus if assignments[s.value])
        )
        self.stdout.write(_("福利申请：%(count)d 件（五类申请各种状态）。") % {"count": self.welfare_count})
        self.stdout.write("")


class Seeder:
    """Builds the demo world in one go; ``run`` is called inside one transaction."""

    def __init__(self, *, out: Any) -> None:
        self.out = out
        self.rng = random.Random(RANDOM_SEED)
        self.now = timezone.now()
        self.password = make_password(DEMO_PASSWORD)  # hashed once: PBKDF2 per user would take seconds
        self.departments: dict[str, Department] = {}
        self.delegations: dict[str, Delegation] = {}
        self.delegates: list[str] = []  # usernames, in creation order
        self.extra_delegates: list[str] = []  # the ones without a demo login
        self.handler: dict[str, str] = {}  # department name -> username
        self.head: dict[str, str] = {}
        self.taken_names = {login.full_name for login in DEMO_LOGINS}

    def run(self) -> None:
        self._org()
        self._people()
        self.session = CongressSession.objects.create(
            name=DEMO_SESSION_NAME,
            code=DEMO_SESSION_CODE,
            collection_opens=self.now - timedelta(days=20),
            collection_closes=self.now + timedelta(days=30),
            cosign_threshold=2,
        )
        self.categories = {c.name: c for c in Category.objects.all()}
        # A merged proposal is played when the one it merges into has just been accepted.
        self.merged_into: dict[str, list[Demo]] = {}
        for d in PROPOSALS:
            if d.plan == "merged":
                self.merged_into.setdefault(d.note, []).append(d)
        for d in PROPOSALS:
            if d.plan != "merged":
                self._play(d)

    # --- people -------------------------------------------------------------------------------
    def _org(self) -> None:
        for d in DEMO_DEPARTMENTS:
            self.departments[d.name], _created = Department.objects.get_or_create(
                name=d.name, defaults={"kind": d.kind}
            )
        for name in DELEGATIONS.values():
            self.delegations[name], _created = Delegation.objects.get_or_create(name=name)

    def _delegation_for(self, department: str) -> Delegation:
        if department in SCIENCE_COLLEGES:
            return self.delegations[DELEGATIONS["science"]]
        if department.endswith("学院"):
            return self.delegations[DELEGATIONS["humanities"]]
        return self.delegations[DELEGATIONS["office"]]

    def _name(self) -> str:
        while True:
            name = self.rng.choice(SURNAMES) + self.rng.choice(GIVEN_NAMES)
            if name not in self.taken_names:
                self.taken_names.add(name)
                return name

    def _person(self, username: str, full_name: str, department: str, roles: Any, *, login: bool, **flags: Any) -> Any:
        user_model = get_user_model()
        user = user_model.objects.filter(username=username).first()
        if user is not None:
            # Someone already uses this name (say, an admin from createsuperuser): keep their
            # password and roles, add the demo's roles, say so.
            self.out.write(_("用户 %(username)s 已存在：保留原密码，只补充演示角色。") % {"username": username})
            roles = set(roles) | set(user_roles(user))
        else:
            user = user_model(username=username, email=f"{username}@example.edu.cn", **flags)
            if login:
                user.password = self.password
            else:
                # Like an imported roster: they would sign in by SSO.
                user.set_unusable_password()
            user.save()
        if not Profile.objects.filter(user=user).exists():
            is_delegate = Role.DELEGATE in roles
            Profile.objects.create(
                user=user,
                full_name=full_name,
                department=self.departments[department],
                delegation=self._delegation_for(department) if is_delegate else None,
                mobile=f"1{self.rng.choice('35789')}{self.rng.randrange(10**9):09d}",
            )
        user_set_roles(user=user, roles=roles)
        if Role.DELEGATE in roles:
            self.delegates.append(username)
        return user

    def _people(self) -> None:
        for login in DEMO_LOGINS:
            flags = {"is_staff": True, "is_superuser": True} if login.superuser else {}
            self._person(login.username, login.full_name, login.department, login.roles, login=True, **flags)
            if Role.DEPARTMENT_HANDLER in login.roles:
                self.handler[login.department] = login.username
            if Role.DEPARTMENT_HEAD in login.roles:
                self.head[login.department] = login.username
        for d in DEMO_DEPARTMENTS:
            if not d.slug:
                continue
            if d.name not in self.handler:
                self._person(d.slug, self._name(), d.name, [Role.DEPARTMENT_HANDLER, Role.MEMBER], login=True)
                self.handler[d.name] = d.slug
            if d.name not in self.head:
                head = d.slug + HEAD_SUFFIX
                self._person(head, self._name(), d.name, [Role.DEPARTMENT_HEAD, Role.MEMBER], login=True)
                self.head[d.name] = head
        for i in range(EXTRA_DELEGATES):
            # 工号: the year they joined and a sequence number, as on a real roster.
            username = f"{self.rng.randint(1996, 2019)}{i + 1:03d}"
            department = DELEGATE_DEPARTMENTS[i % len(DELEGATE_DEPARTMENTS)]
            self._person(username, self._name(), department, [Role.DELEGATE, Role.MEMBER], login=False)
            self.extra_delegates.append(username)
        # A few more members of the sub-union chair's unit, for the welfare side.
        for i in range(6):
            self._person(f"2020{i + 101}", self._name(), "信息工程学院", [Role.MEMBER], login=False)

    def _user(self, username: str) -> Any:
        # A fresh instance per action, so no permission cache outlives a grant.
        return get_user_model().objects.get(username=username)

    # --- proposals ----------------------------------------------------------------------------
    def _go(self, p: Proposal, name: str, username: str, **payload: Any) -> Proposal:
        """Run a proposal transition as ``username``; the service returns the fresh row."""
        return cast(Proposal, transition(p, name, self._user(username), **payload))

    def _create(self, d: Demo) -> tuple[Proposal, str]:
        proposer = d.proposer or self.rng.choice(self.extra_delegates)
        data = {
            "session": self.session.pk,
            "title": d.title,
            "category": self.categories[d.category].pk,
            "reason": d.reason,
            "suggestion": d.suggestion,
        }
        return proposal_create(user=self._user(proposer), data=data), proposer

    def _play(self, d: Demo) -> None:
        p, proposer = self._create(d)
        if d.plan == "withdrawn_draft":
            self._go(p, "withdraw", proposer)
            return
        if d.plan == "draft":
            self._sign(p, proposer, invite=list(d.invite), cosign=list(d.cosign))
            return
        others = [u for u in self.delegates if u != proposer]
        invite = self.rng.sample(others, self.rng.choice((2, 3, 3, 4, 5)))
        self._sign(p, proposer, invite=invite, cosign=invite[: max(2, len(invite) - 1)])
        p = self._go(p, "submit", proposer)
        if d.plan == "withdrawn":
            self._go(p, "withdraw", proposer)
        elif d.plan == "rejected":
            self._go(p, "reject", COMMITTEE, reason=d.note)
        elif d.plan == "converted":
            self._go(p, "convert", COMMITTEE)
        elif d.plan in ("reviewed", "assigned"):
            p = self._go(p, "accept", COMMITTEE)
            for child in self.merged_into.get(d.key, []):
                self._go(self._play_submitted(child), "merge", COMMITTEE, into=p.pk)
            if d.plan == "assigned":
                self._assign(p, d)
        elif d.plan != "submitted":
            raise ValueError(f"{d.key}: unknown plan {d.plan!r}")

    def _play_submitted(self, d: Demo) -> Proposal:
        p, proposer = self._create(d)
        invite = self.rng.sample([u for u in self.delegates if u != proposer], 2)
        self._sign(p, proposer, invite=invite, cosign=invite)
        return self._go(p, "submit", proposer)

    def _sign(self, p: Proposal, proposer: str, *, invite: list[str], cosign: list[str]) -> None:
        if invite:
            proposal_invite(proposal=p, user=self._user(proposer), delegates=[self._user(u) for u in invite])
        for username in cosign:
            proposal_cosign(proposal=p, user=self._user(username))

    def _assign(self, p: Proposal, d: Demo) -> None:
        # Nobody may set a deadline already past: an item overdue in the demo was assigned
        # long enough ago, so its deadline is moved back afterwards (below).
        late = d.due_days is not None and d.due_days <= 0
        due = self.now + timedelta(days=d.due_days) if d.due_days is not None and not late else None
        p = self._go(
            p,
            "assign",
            COMMITTEE,
            lead_department=self.departments[d.lead].pk,
            co_departments=[self.departments[c].pk for c in d.co],
            due=due,
        )
        if late:
            self._passed_due(p, self.now + timedelta(days=cast(int, d.due_days)))
        for step in d.steps.split():
            self._step(Proposal.objects.get(pk=p.pk), d, step)

    def _passed_due(self, p: Proposal, at: Any) -> None:
        """The proposal and its assignments as if assigned long ago: due at `at`, in the past."""
        for item in [Proposal.objects.get(pk=p.pk), *p.current_assignments()]:
            item.set_due(at)
            item.save(update_fields=list(DUE_FIELDS))
            deadlines.sync(item)

    def _current(self, p: Proposal, role: str) -> list[Assignment]:
        qs = p.current_assignments().filter(role=role).exclude(status=AssignmentStatus.RETURNED)
        return list(qs.select_related("department").order_by("id"))

    def _lead(self, p: Proposal, d: Demo) -> Assignment:
        leads = self._current(p, AssignmentRole.LEAD)
        if not leads:
            raise RuntimeError(f"{d.key}: no open lead assignment")
        return leads[0]

    def _step(self, p: Proposal, d: Demo, step: str) -> None:
        if step == "sign":
            lead = self._lead(p, d)
            transition(lead, "accept", self._handler(lead))
        elif step == "answer":
            lead = self._lead(p, d)
            text, cls = (d.answer2, d.answer2_class) if p.round == 2 else (d.answer, d.answer_class)
            transition(lead, "answer", self._handler(lead), answer=text, answer_class=cls)
        elif step == "approve":
            lead = self._lead(p, d)
            transition(lead, "approve", self._user(self.head[lead.department.name]))
        elif step == "return":
            lead = self._lead(p, d)
            transition(lead, "return", self._handler(lead), reason=d.note)
        elif step == "co.sign":
            for a in self._current(p, AssignmentRole.CO):
                transition(a, "accept", self._handler(a))
        elif step == "co.answer":
            for i, a in enumerate(self._current(p, AssignmentRole.CO)):
                text = d.co_answer if d.co_answer and i == 0 and p.round == 1 else self._co_opinion(a, p.round)
                transition(a, "answer", self._handler(a), answer=text)
        elif step == "co.late":
            # The co-departments' time passed without their opinion (assigned long ago).
            for a in self._current(p, AssignmentRole.CO):
                a.set_due(self.now - timedelta(days=1))
                a.save(update_fields=list(DUE_FIELDS))
                deadlines.sync(a)
        elif step == "reassign":
            self._go(p, "assign", COMMITTEE, lead_department=self.departments[d.reassign_to].pk, co_departments=[])
        elif step == "close":
            self._go(p, "close", COMMITTEE)
        elif step in FEEDBACK_STEPS:
            satisfaction = FEEDBACK_STEPS[step]
            comment = self.rng.choice(FEEDBACK_COMMENTS[satisfaction])
            self._go(p, "feedback", p.proposer.get_username(), satisfaction=satisfaction, comment=comment)
        else:
            raise ValueError(f"{d.key}: unknown step {step!r}")

    def _handler(self, a: Assignment) -> Any:
        return self._user(self.handler[a.department.name])

    @staticmethod
    def _co_opinion(a: Assignment, round_: int) -> str:
        if round_ == 2:
            return f"{a.department.name}意见：已按提案人的意见进一步研究，继续配合主办单位落实。"
        return f"{a.department.name}意见：同意主办单位的处理意见，我单位将在职责范围内积极配合落实。"
