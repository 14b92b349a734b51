"""A labelled evaluation corpus of synthetic Chinese clinical documents, with hard negatives.

Five document kinds (admission notes, discharge summaries, lab reports, follow-up records, insurance
claim forms) are assembled from fragments; every personal item is recorded with its span as it is
written. Hard negatives are woven in: clinical words that begin with surname characters (高血压,
白细胞, 黄疸, 周期, 王不留行, 金黄色葡萄球菌), numbers that look like identifiers (an 18-digit number
with a wrong check digit, lab values, batch, specimen and policy numbers, a non-Luhn card-like number)
and durations that look like dates. Deterministic by seed; everything is invented.
"""

from __future__ import annotations

import csv
import functools
import io
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib import resources

from connectors.samples import DISTRICTS, GIVEN, STREETS, SURNAMES
from node.anonymization.checksums import id_check_digit, luhn_ok

RARE_GIVEN = "翀彧祎玥昱炅甯赟犇淏昶暘曈婳嫚妤姞嫱毓琇瑭璠珺琰骞玙琤瑢璆昉晞"
CLINICAL_NEGATIVES = [
    "既往高血压病史10年，血压最高180/100mmHg。",
    "白细胞计数6.5×10^9/L，中性粒细胞百分比72%。",
    "否认黄疸、肝炎病史。",
    "月经周期规律，经期5天。",
    "中药方含王不留行10g、当归12g。",
    "痰培养提示金黄色葡萄球菌。",
    "左前臂石膏固定良好。",
    "血常规未见明显异常。",
    "周围血管征阴性。",
    "双肺呼吸音清，未闻及干湿啰音。",
    "予以常规护理。",
    "高血糖状态已纠正。",
    "治疗方案调整为二甲双胍0.5g tid。",
    "钟氏评分3分。",
    "病程约2年3个月。",
    "建议3月后复查。",
]
NUMBER_NEGATIVES = [
    "试剂批号20240305。",
    "标本号2024030511802。",
    "医嘱号 1103245567。",
    "保单号P2024000123456。",
    "金额12345.60元。",
    "检验编号 110105194912310021。",
    "床号12。",
    "病区5层。",
    "卡号以外的流水号4111111111111112。",
    "血小板 250×10^9/L。",
]


# Cue words (医师, 护士, 患者, 家属 ...) followed by ordinary words, many of them led by a surname
# character (查体, 于夜间, 曾建议, 向家属, 白班, 麻醉): none of them holds a name. Written against the
# recognizer's failures on realistic phrasing that the corpus templates never produced.
CUE_NEGATIVES = [
    "麻醉医师评估后同意手术。",
    "全科医生建议转诊。",
    "康复医师指导功能锻炼。",
    "白班护士交接班。",
    "高年资医师会诊。",
    "予常规护理。",
    "夜班医生巡视。",
    "管床医生告知病情。",
    "经治医师签字。",
    "骨科医生会诊后建议手术。",
    "温水擦浴降温。",
    "于今日出院。",
    "明日复查血常规。",
    "安排护士陪同检查。",
    "何时出院待定。",
    "应医生要求复查。",
    "由护士长负责。",
    "向家属交代病情。",
    "和家属沟通后同意。",
    "请示上级医师后处理。",
    "通知值班医生查看患者。",
    "患者诉头痛，医生查看后予止痛。",
    "家属同意手术。",
    "患者由家属陪同来院。",
    "药师审核处方。",
    "检验员复核结果。",
    "护士长查房时患者诉头痛。",
    "主管医师向患者交代病情。",
    "责任护士宣教。",
    "营养师会诊。",
    "麻醉师评估。",
    "主刀医生为副主任医师。",
    "方案由医师决定。",
    "严密观察生命体征。",
    "金黄色葡萄球菌感染。",
    "常温保存。",
    "温度38.5℃。",
    "包括血常规、尿常规。",
    "申请人签字。",
    "经办人签字。",
    "被保险人本人签字。",
    "汪洋般的渗液。",
    "护士发现患者血压下降。",
    "医生于查房时发现。",
    "医师查体：神清。",
    "康复科医生会诊。",
    "卫生员清洁病房。",
    "主任医师查房后指示加强抗感染。",
    "护士巡视病房。",
    "医生检查后认为。",
    "医师解释病情。",
    "护士于夜间巡视。",
    "家属签字同意。",
    "医生建议手术。",
    "护士协助翻身。",
    "医师开具医嘱。",
    "家属代诉病史。",
    "医生申请会诊。",
    "护士测量血压。",
    "医师查看伤口。",
    "医生曾建议手术。",
    "护工协助进食。",
    "医生告知家属。",
    "医师考虑肺炎。",
    "护士石膏护理。",
    "医生安排检查。",
    "患者易疲劳。",
    "医师嘱卧床。",
    "医生向家属说明。",
    "护士严格交接。",
    "医生于昨日会诊。",
    "患者常感乏力。",
    # form labels whose values begin with a surname character (江苏, 华为, 金华, 常规, 黄色, 左侧, 毛发)
    "籍贯：江苏  职业：工人",
    "单位：华为公司",
    "院区：金华路院区",
    "类型：常规",
    "颜色：黄色",
    "性状：黄色稠痰",
    "部位：左侧",
    "方位：左上",
    "毛发：正常",
    "时间：上午",
    "科别：康复科",
    "标本：全血",
    "程度：轻度",
    "范围：局限",
]


# Clinical sentences with no name in them, dense in characters that are also surnames (高, 明, 安, 方,
# 常, 时, 和, 于, 向, 应, 全, 程, 白, 黄, 金, 石, 马, 龙, 钟, 柴, 苏, 宁, 康, 管, 单, 连, 边, 施, 费,
# 解, 谷, 车, 房, 冷, 包, 毛, 甘, 田, 林, 江, 洪, 严, 雷 ...): the negatives for a name model that reads
# no cue, written in the styles of admission notes, progress notes, nursing records, operation notes,
# lab reports, discharge advice and claim forms.
NAMELESS_NOTES = [
    "患者神志清楚，精神可，饮食睡眠尚可，大小便正常。",
    "查体：体温36.8℃，脉搏82次/分，呼吸20次/分，血压135/85mmHg。",
    "双肺呼吸音粗，可闻及少量湿啰音，心率82次/分，律齐。",
    "腹平软，全腹无压痛及反跳痛，肝脾肋下未触及，移动性浊音阴性。",
    "双下肢无水肿，四肢肌力正常，病理征未引出。",
    "今日查房，患者诉胸闷较前明显好转，夜间可平卧。",
    "复查血常规示白细胞计数较前下降，继续抗感染治疗。",
    "予头孢曲松钠2g静滴qd抗感染，氨溴索化痰，对症支持治疗。",
    "患者于今晨安返病房，生命体征平稳，伤口敷料干燥。",
    "术中见胆囊大小约8×4cm，壁厚，与周围组织粘连明显。",
    "手术顺利，术中出血约50ml，未输血，术后安返病房。",
    "术后予禁食、补液、抑酸、预防感染等治疗。",
    "引流管通畅，引流出淡血性液体约30ml。",
    "向患者及家属交代病情，表示理解并配合治疗。",
    "告知患者低盐低脂饮食，适当运动，戒烟限酒。",
    "出院后继续口服阿司匹林肠溶片100mg qd，定期复查肝肾功能。",
    "如有胸痛、气促等不适，及时就诊。",
    "嘱患者卧床休息，避免剧烈活动，保持大便通畅。",
    "夜间患者睡眠欠佳，予艾司唑仑1mg口服后入睡。",
    "护理：一级护理，心电监护，低流量吸氧。",
    "晨间护理完成，协助患者翻身拍背，皮肤完好无压红。",
    "患者诉切口疼痛，疼痛评分4分，遵医嘱予止痛处理后缓解。",
    "留置导尿管通畅，尿色淡黄，量约1500ml。",
    "血糖监测：空腹6.8mmol/L，餐后2小时9.6mmol/L。",
    "心电图示窦性心律，ST段未见明显异常。",
    "胸部CT示右肺下叶炎症，较前吸收好转。",
    "头颅MRI未见明显异常，建议随访。",
    "腹部彩超提示脂肪肝，胆囊结石。",
    "肝功能：谷丙转氨酶56U/L，谷草转氨酶42U/L，总胆红素18.5umol/L。",
    "肾功能：肌酐88umol/L，尿素氮6.2mmol/L，尿酸420umol/L。",
    "凝血功能正常，D-二聚体0.3mg/L。",
    "尿常规：尿蛋白阴性，尿潜血弱阳性。",
    "大便常规及潜血均阴性。",
    "甲状腺功能未见异常。",
    "诊断明确，治疗方案合理，继续当前治疗。",
    "病情平稳，可考虑近日出院。",
    "患者目前一般情况良好，准予今日出院。",
    "既往体健，否认高血压、糖尿病、冠心病病史。",
    "否认肝炎、结核等传染病史，否认手术外伤史。",
    "否认药物及食物过敏史，预防接种史随当地。",
    "生于原籍，久居本地，无疫区居住史，无烟酒嗜好。",
    "适龄结婚，育有1子1女，均体健。",
    "月经规律，绝经5年，无异常阴道流血。",
    "父母已故，死因不详，否认家族遗传病史。",
    "全身皮肤黏膜无黄染，浅表淋巴结未触及肿大。",
    "头颅无畸形，双侧瞳孔等大等圆，对光反射灵敏。",
    "颈软，无抵抗，气管居中，甲状腺无肿大。",
    "脊柱四肢无畸形，关节活动自如。",
    "专科检查：右膝关节肿胀，压痛明显，浮髌试验阳性。",
    "左侧腰部叩击痛阳性，右侧阴性。",
    "康复训练每日两次，每次30分钟。",
    "管床医师每日查房两次，及时调整用药。",
    "单次剂量不超过0.5g，连续使用不超过7天。",
    "边缘清晰，内部回声均匀，未见明显血流信号。",
    "施行腹腔镜下胆囊切除术。",
    "费用由医保统筹支付，个人自付部分另行结算。",
    "解痉止痛后症状缓解。",
    "谷氨酰转肽酶轻度升高。",
    "车祸伤致右下肢疼痛2小时。",
    "房颤心律，心室率约110次/分。",
    "冷敷后肿胀减轻。",
    "包扎固定，定期换药。",
    "毛细血管充盈时间小于2秒。",
    "甘露醇125ml静滴q8h降颅压。",
    "田字格样改变，考虑间质性病变。",
    "林格液500ml静滴。",
    "江边受凉后出现发热。",
    "洪脉，舌红苔黄。",
    "严格无菌操作，防止感染。",
    "雷贝拉唑20mg口服qd。",
    "高龄，高危，手术风险大。",
    "明日复查电解质。",
    "安排明日上午行胃镜检查。",
    "方可拔除引流管。",
    "常规术前准备已完成。",
    "时有头晕，无视物旋转。",
    "和既往相比，咳嗽明显减轻。",
    "于门诊行冠脉CTA检查。",
    "向心性肥胖，满月脸。",
    "应用利尿剂后尿量增多。",
    "全程无不良反应。",
    "程序性死亡受体检测阴性。",
    "白天精神尚可，晚间偶有咳嗽。",
    "黄绿色脓痰，量中等。",
    "金属异物已取出。",
    "石膏托外固定。",
    "马来酸依那普利片10mg qd。",
    "龙胆泻肝汤加减。",
    "钟摆样运动，考虑膈肌麻痹。",
    "柴胡疏肝散口服。",
    "苏醒后拔除气管插管。",
    "宁心安神，养血柔肝。",
    "康复出院，门诊随访。",
    "连续监测三天，均正常。",
    "伍用抗生素需注意配伍禁忌。",
    "齐墩果酸片口服。",
    "华法林抗凝，监测INR。",
    "万古霉素1g静滴q12h。",
    "双侧胸廓对称，未见异常隆起。",
    "理赔申请书已收到，材料齐全。",
    "保险期间内发生的住院医疗费用按比例赔付。",
    "本次住院总费用12850.60元，其中统筹支付8230.20元。",
    "材料审核通过，同意赔付。",
    # a word led by a surname character right before a verb that takes a person (同意, 沟通, 反馈 ...)
    "全家同意转上级医院继续治疗。",
    "经与单位协商，同意延长病假。",
    "经与华山医院神经内科沟通，同意接收转诊。",
    "经与解放军总医院联系，暂无床位。",
    "科室成员均同意该治疗方案。",
    "双方同意按协议结算。",
    "经与检验科沟通，标本需重新采集。",
    "高年资医师查看患者后同意目前诊疗方案。",
    "白班护士已查看输液通路。",
    "经与营养科协商，改为低盐低脂糖尿病饮食。",
    "公司已反馈理赔进度。",
    "康复科会诊后表示可行早期康复训练。",
    "管理部门审核同意。",
    "经与和平医院沟通，患者可于明日转院。",
    "石家庄市疾控中心反馈流调结果阴性。",
    "金山区卫生健康委员会同意备案。",
    # three-character words jieba tags as names that are none (胡萝卜, 黄金周, 石家庄)
    "饮食以胡萝卜、青菜为主，少量多餐。",
    "国庆黄金周期间外出旅游后出现腹泻。",
    "患者长期居住于石家庄市，无疫区接触史。",
    "既往曾赴莫斯科工作两年。",
    # surname-led words before what a patient does (出院, 突发, 来诊), with and without a time word
    "病情平稳，明日出院。",
    "全家今日来诊。",
    "白天突发头晕，持续数分钟。",
    "周末出院，门诊随诊。",
    "安静状态下突发心悸。",
    # relatives and households after a word, not a name (同事一家四口, 平时由儿子陪同)
    "同事一家四口聚餐后出现腹泻。",
    "平时由儿子陪同就诊。",
    "常年由老伴照顾起居。",
]


@dataclass
class Document:
    kind: str
    text: str = ""
    entities: list[tuple[str, int, int]] = field(default_factory=list)

    def add(self, s: str) -> Document:
        self.text += s
        return self

    def ent(self, entity_type: str, s: str) -> Document:
        self.entities.append((entity_type, len(self.text), len(self.text) + len(s)))
        self.text += s
        return self


class _Fake:
    def __init__(self, rng: random.Random) -> None:
        self.r = rng

    def name(self) -> str:
        # one given character in ten comes from rarer name characters outside any common-character list
        given = "".join(
            self.r.choice(RARE_GIVEN if self.r.random() < 0.1 else GIVEN)
            for _ in range(self.r.choice([1, 2]))
        )
        return self.r.choice(SURNAMES) + given

    def id_card(self) -> str:
        code = self.r.choice(DISTRICTS)[0]
        first17 = (
            f"{code}{self.r.randint(1940, 2005)}{self.r.randint(1, 12):02d}{self.r.randint(1, 28):02d}"
            f"{self.r.randint(0, 999):03d}"
        )
        return first17 + id_check_digit(first17)

    def phone(self) -> str:
        n = f"1{self.r.choice('3589')}{self.r.randint(0, 999999999):09d}"
        return self.r.choice(
            [n, f"{n[:3]}-{n[3:7]}-{n[7:]}", f"+86 {n}", f"023-{self.r.randint(60000000, 69999999)}"]
        )

    def address(self) -> str:
        _, city, district = self.r.choice(DISTRICTS)
        return (
            f"{city}{district}{self.r.choice(STREETS)}{self.r.randint(1, 300)}号{self.r.randint(1, 30)}栋"
            f"{self.r.randint(1, 6)}单元{self.r.randint(101, 2505)}室"
        )

    def date(self) -> str:
        y, m, d = self.r.randint(2019, 2026), self.r.randint(1, 12), self.r.randint(1, 28)
        return self.r.choice(
            [
                f"{y}年{m}月{d}日",
                f"{y}-{m:02d}-{d:02d}",
                f"{y}/{m}/{d}",
                f"{y}年{m}月{d}日 {self.r.randint(8, 20)}:30",
            ]
        )

    def mrn(self) -> str:
        return (
            self.r.choice(["ZY", "MZ", ""]) + f"{self.r.randint(2019, 2026)}{self.r.randint(0, 999999):06d}"
        )

    def bank(self) -> str:
        body = "622202" + "".join(str(self.r.randint(0, 9)) for _ in range(12))
        return next(body + str(c) for c in range(10) if luhn_ok(body + str(c)))

    def email(self) -> str:
        return (
            f"{self.r.choice(['zhang', 'li', 'wang', 'chen', 'liu'])}{self.r.randint(1, 999)}@"
            f"{self.r.choice(['163.com', 'qq.com', 'hospital.cn', 'example.org'])}"
        )

    def plate(self) -> str:
        letters = "ABCDEFGHJKLMNPQRSTUVWXYZ"
        return (
            self.r.choice("渝川京沪粤")
            + self.r.choice(letters)
            + "".join(self.r.choice(letters + "0123456789") for _ in range(5))
        )

    def passport(self) -> str:
        return "E" + f"{self.r.randint(0, 99999999):08d}"

    def ip(self) -> str:
        return f"10.{self.r.randint(0, 255)}.{self.r.randint(0, 255)}.{self.r.randint(1, 254)}"


def _negatives(d: Document, f: _Fake, n: int = 2) -> None:
    for s in f.r.sample(CLINICAL_NEGATIVES, n) + f.r.sample(NUMBER_NEGATIVES, 1):
        d.add(s)


def admission(f: _Fake) -> Document:
    d = Document("admission_note")
    name = f.name()
    d.add("入院记录\n姓名：").ent("PERSON", name).add(
        f"  性别：{f.r.choice('男女')}  年龄：{f.r.randint(20, 90)}岁  住院号："
    )
    d.ent("MEDICAL_RECORD_NUMBER", f.mrn()).add("\n入院日期：").ent("DATE_TIME", f.date())
    d.add("  联系电话：").ent("CN_PHONE", f.phone()).add("\n现住址：").ent("LOCATION", f.address())
    d.add("\n主诉：反复胸闷3年，加重2天。现病史：患者").ent("PERSON", name).add("于").ent(
        "DATE_TIME", f.date()
    )
    d.add("无明显诱因出现胸闷，伴心悸。")
    _negatives(d, f)
    return d


def discharge(f: _Fake) -> Document:
    d = Document("discharge_summary")
    d.add("出院小结\n患者").ent("PERSON", f.name()).add(
        f"，{f.r.choice('男女')}，{f.r.randint(30, 85)}岁，因“2型糖尿病”于"
    )
    d.ent("DATE_TIME", f.date()).add("入院，于").ent("DATE_TIME", f.date()).add(
        "出院。住院期间予胰岛素降糖治疗。"
    )
    _negatives(d, f)
    d.add("主治医师：").ent("PERSON", f.name()).add("  住院医师：").ent("PERSON", f.name())
    d.add("。出院后2周于内分泌科门诊复诊，病案号").ent("MEDICAL_RECORD_NUMBER", f.mrn()).add("。")
    return d


def lab_report(f: _Fake) -> Document:
    d = Document("lab_report")
    d.add("检验报告单  姓名：").ent("PERSON", f.name()).add("  门诊号：").ent(
        "MEDICAL_RECORD_NUMBER", f.mrn()
    )
    d.add("  送检日期：").ent("DATE_TIME", f.date())
    d.add(
        f"\n葡萄糖 {f.r.uniform(4, 12):.1f} mmol/L；糖化血红蛋白 {f.r.uniform(5, 10):.1f} %；肌酐 {f.r.randint(50, 150)} umol/L。"
    )
    _negatives(d, f, 1)
    d.add("\n报告人：").ent("PERSON", f.name()).add("  审核人：").ent("PERSON", f.name())
    return d


def follow_up(f: _Fake) -> Document:
    d = Document("follow_up")
    d.add("随访记录  随访日期：").ent("DATE_TIME", f.date()).add("  随访方式：电话 ").ent(
        "CN_PHONE", f.phone()
    )
    d.add("\n家属").ent("PERSON", f.name()).add("代诉患者近期血糖控制可。患者通过 IP ").ent(
        "IP_ADDRESS", f.ip()
    )
    d.add(" 登录随访系统，邮箱 ").ent("EMAIL_ADDRESS", f.email()).add("。")
    _negatives(d, f)
    return d


def insurance_claim(f: _Fake) -> Document:
    d = Document("insurance_claim")
    d.add("理赔申请书\n被保险人：").ent("PERSON", f.name()).add("  身份证号：").ent("CN_ID_CARD", f.id_card())
    d.add("\n银行卡号：").ent("BANK_CARD", f.bank()).add("  开户行：中国工商银行").ent("LOCATION", "重庆")
    d.add("分行\n车牌号：")
    d.ent("LICENSE_PLATE", f.plate()).add("  护照号：").ent("CN_PASSPORT", f.passport())
    d.add("\n联系地址：").ent("LOCATION", f.address()).add("  申请日期：").ent("DATE_TIME", f.date())
    d.add("\n联系邮箱：").ent("EMAIL_ADDRESS", f.email()).add("  手机：").ent("CN_PHONE", f.phone())
    _negatives(d, f, 1)
    return d


def narrative(f: _Fake) -> Document:
    """Phrasings the recognizers were not written around: names without a label, month-day dates,
    an address without a city, a name after a preposition."""
    d = Document("progress_note")
    d.ent("PERSON", f.name()).add(f"，{f.r.choice('男女')}，{f.r.randint(20, 90)}岁，因咳嗽咳痰1周于")
    d.ent("DATE_TIME", f"{f.r.randint(1, 12)}月{f.r.randint(1, 28)}日").add("就诊。今日由")
    d.ent("PERSON", f.name()).add("陪同来院复查，与患者之女").ent("PERSON", f.name()).add(
        "沟通病情后，电话联系"
    )
    d.ent("PERSON", f.name()).add("女士。患者现住").ent(
        "LOCATION", f"{f.r.choice(STREETS)}{f.r.randint(1, 99)}号"
    )
    d.add("，Dr. ").ent("PERSON", f.r.choice(["John Smith", "Mary Johnson", "David Lee"])).add(" 会诊。")
    _negatives(d, f)
    return d


KINDS = (admission, discharge, lab_report, follow_up, insurance_claim, narrative)


def held_out(f: _Fake) -> Document:
    """Written after the recognizers and never tuned against: the honest part of the evaluation."""
    d = Document("held_out")
    d.add("病程记录：").ent("DATE_TIME", f.date()).add(" 查房，").ent("PERSON", f.name()).add(
        "主任查看患者后指出，"
    )
    d.add("患者血压控制欠佳。患者儿子").ent("PERSON", f.name()).add("（电话").ent("CN_PHONE", f.phone())
    d.add("）表示理解。送检标本已由护士").ent("PERSON", f.name()).add("送至检验科。患者原籍")
    d.ent("LOCATION", f.r.choice(["四川省南充市", "重庆市万州区", "贵州省遵义市", "湖北省恩施州"]))
    d.add("，身份证").ent("CN_ID_CARD", f.id_card()).add("，医保卡挂失后补办。次日即")
    d.ent("DATE_TIME", f"{f.r.randint(2020, 2026)}.{f.r.randint(1, 12):02d}.{f.r.randint(1, 28):02d}")
    d.add("复查，复查结果发送至").ent("EMAIL_ADDRESS", f.email()).add("。")
    _negatives(d, f)
    return d


def corpus(n: int, seed: int = 2026) -> Iterator[Document]:
    f = _Fake(random.Random(seed))  # noqa: S311 - synthetic evaluation data, not security
    for i in range(n):
        yield KINDS[i % len(KINDS)](f)


def evaluate(docs: list[Document], predict: object) -> dict[str, dict[str, float]]:
    """Per-type recall and precision; a prediction matches a gold span of its type overlapping it by
    at least half of their union."""
    gold_n: dict[str, int] = {}
    found: dict[str, int] = {}
    pred_n: dict[str, int] = {}
    correct: dict[str, int] = {}
    for d in docs:
        preds = predict(d.text)  # type: ignore[operator]
        for t, s, e in d.entities:
            gold_n[t] = gold_n.get(t, 0) + 1
            if any(p.type == t and _iou((s, e), (p.start, p.end)) >= 0.5 for p in preds):
                found[t] = found.get(t, 0) + 1
        for p in preds:
            pred_n[p.type] = pred_n.get(p.type, 0) + 1
            if any(t == p.type and _iou((s, e), (p.start, p.end)) >= 0.5 for t, s, e in d.entities):
                correct[p.type] = correct.get(p.type, 0) + 1
    out: dict[str, dict[str, float]] = {}
    for t in sorted(set(gold_n) | set(pred_n)):
        out[t] = {
            "gold": gold_n.get(t, 0),
            "predicted": pred_n.get(t, 0),
            "recall": round(found.get(t, 0) / gold_n[t], 4) if gold_n.get(t) else 1.0,
            "precision": round(correct.get(t, 0) / pred_n[t], 4) if pred_n.get(t) else 1.0,
        }
    total_pred = sum(pred_n.values())
    out["_overall"] = {
        "gold": sum(gold_n.values()),
        "predicted": total_pred,
        "recall": round(sum(found.values()) / max(1, sum(gold_n.values())), 4),
        "precision": round(sum(correct.values()) / total_pred, 4) if total_pred else 1.0,
    }
    return out


def _iou(a: tuple[int, int], b: tuple[int, int]) -> float:
    inter = max(0, min(a[1], b[1]) - max(a[0], b[0]))
    union = max(a[1], b[1]) - min(a[0], b[0])
    return inter / union if union else 0.0


def held_out_v2(f: _Fake) -> Document:
    """A second held-out set, written before the fixes prompted by the first one."""
    d = Document("held_out_v2")
    d.add("会诊记录 ").ent("DATE_TIME", f.date()).add("\n申请科室：心内科，会诊医师").ent("PERSON", f.name())
    d.add("到场。患者母亲").ent("PERSON", f.name()).add("反映患者夜间憋醒。护理记录由").ent(
        "PERSON", f.name()
    )
    d.add("完成，复核人").ent("PERSON", f.name()).add("。患者现居").ent(
        "LOCATION", f"{f.r.choice(['成都市', '重庆市'])}{f.r.choice(['武侯区', '渝北区', '江北区'])}"
    )
    d.add("，工作单位电话").ent("CN_PHONE", f"023-{f.r.randint(60000000, 69999999)}").add("；病历号")
    d.ent("MEDICAL_RECORD_NUMBER", f.mrn()).add("。")
    _negatives(d, f)
    return d


def held_out_v3(f: _Fake) -> Document:
    """A third held-out set, written before the given-name model; kept untouched as the honest figure."""
    d = Document("held_out_v3")
    d.add("术前讨论：主刀医生").ent("PERSON", f.name()).add("认为手术指征明确，麻醉医师")
    d.ent("PERSON", f.name()).add("评估ASA II级。术前谈话对象为患者配偶").ent("PERSON", f.name())
    d.add("，已签署知情同意书。").ent("DATE_TIME", f.date()).add("日随访时，患者女儿")
    d.ent("PERSON", f.name()).add("陪同就诊，家住").ent("LOCATION", f.address())
    d.add("。联系人手机").ent("CN_PHONE", f.phone()).add("。")
    _negatives(d, f)
    return d


REAL_STYLE_NAMES = [
    "王小明",
    "李大伟",
    "张二妹",
    "刘德华",
    "陈小红",
    "杨光",
    "赵本山",
    "周杰",
    "吴小燕",
    "黄大年",
    "孙立人",
    "马晓东",
    "朱自清",
    "胡适",
    "郭小四",
    "何以琛",
    "高圆圆",
    "林志玲",
    "罗大佑",
    "郑少秋",
]


def held_out_v4(f: _Fake) -> Document:
    """Written last and evaluated once: names in everyday styles (小/大/二 given names, famous-name look-alikes)."""
    d = Document("held_out_v4")
    d.add("护理交班：").ent("DATE_TIME", f.date()).add("夜班护士").ent("PERSON", f.r.choice(REAL_STYLE_NAMES))
    d.add("巡视病房，患者家属").ent("PERSON", f.r.choice(REAL_STYLE_NAMES)).add(
        "诉患者夜间咳嗽加重。值班医生"
    )
    d.ent("PERSON", f.r.choice(REAL_STYLE_NAMES)).add("查看后予雾化吸入。")
    _negatives(d, f, 1)
    return d


EVERYDAY_NAMES_V5 = [
    "孙小美",
    "周大勇",
    "吴二宝",
    "郑小龙",
    "陈一发",
    "林小雨",
    "许大茂",
    "范小勤",
    "田小娟",
    "邓超",
    "蒋大为",
    "韩小梅",
    "曹小雪",
    "彭于晏",
    "谢娜",
    "汪小菲",
    "邱大立",
    "沈小岑",
    "卢小军",
    "金大川",
]


def held_out_v5(f: _Fake) -> Document:
    """Written before the segmentation-assisted name rule and measured once after it."""
    d = Document("held_out_v5")
    d.add("门诊病历 就诊时间：").ent("DATE_TIME", f.date()).add("\n接诊医师").ent(
        "PERSON", f.r.choice(EVERYDAY_NAMES_V5)
    )
    d.add("询问病史：患者由丈夫").ent("PERSON", f.r.choice(EVERYDAY_NAMES_V5)).add("陪同，自述头晕3天。")
    d.add("药房发药人").ent("PERSON", f.r.choice(EVERYDAY_NAMES_V5)).add("核对处方无误。")
    _negatives(d, f, 1)
    return d


NAMES_V6 = [
    "王秀兰",
    "李桂英",
    "张志强",
    "刘海燕",
    "陈晓东",
    "杨丽娟",
    "黄小平",
    "赵铁柱",
    "吴德胜",
    "周春花",
    "徐卫东",
    "孙红梅",
    "马小军",
    "朱国庆",
    "胡建军",
    "郭晓燕",
    "何金凤",
    "高翠兰",
    "林大伟",
    "罗永红",
    "宋佳",
    "韩雪",
    "曹颖",
    "彭博",
    "曾毅",
    "欧阳夏丹",
    "上官云飞",
    "马力",
    "高峰",
    "文静",
    "金鑫",
    "江涛",
    "白雪",
    "石磊",
    "钱多多",
    "孔令辉",
    "雷小雨",
    "龙飞",
    "熊大",
    "谭晶",
    "邹凯",
    "苏有朋",
    "叶一茜",
    "蔡国庆",
    "潘长江",
    "余承东",
    "杜海涛",
    "夏雨",
    "姜文",
    "袁泉",
]
COMPLAINTS_V6 = ["胸痛2小时", "反复咳嗽1月", "发热伴腹泻3天", "右上腹痛半天", "头晕乏力1周"]


def _v6_fragment(d: Document, f: _Fake, k: int) -> None:
    def n() -> str:
        return f.r.choice(NAMES_V6)

    if k == 0:
        d.ent("PERSON", n()).add(f"，{f.r.choice('男女')}，{f.r.randint(18, 90)}岁，因“")
        d.add(f.r.choice(COMPLAINTS_V6)).add("”于").ent("DATE_TIME", f.date()).add("入院。")
    elif k == 1:
        d.add("上级医师").ent("PERSON", n()).add("查房后指示：继续目前治疗。")
    elif k == 2:
        d.add("手术者：").ent("PERSON", n()).add("  一助：").ent("PERSON", n()).add("  麻醉医师：")
        d.ent("PERSON", n()).add("\n")
    elif k == 3:
        d.add("患者之女").ent("PERSON", n()).add("代为签署知情同意书。")
    elif k == 4:
        d.add("出院带药由药师").ent("PERSON", n()).add("发放，嘱按时服用。")
    elif k == 5:
        d.add("检验者：").ent("PERSON", n()).add("    审核者：").ent("PERSON", n()).add("    报告日期：")
        d.ent("DATE_TIME", f.date()).add("\n")
    elif k == 6:
        d.add("今晨").ent("PERSON", n()).add("护士发现患者血氧下降至88%，立即通知值班医生")
        d.ent("PERSON", n()).add("。")
    elif k == 7:
        d.add("联系人：").ent("PERSON", n()).add("（配偶），电话：").ent("CN_PHONE", f.phone()).add("\n")
    elif k == 8:
        d.add("被保险人").ent("PERSON", n()).add("于").ent("DATE_TIME", f.date()).add(
            "在我院住院治疗，申请理赔。"
        )
    elif k == 9:
        d.add("随访员").ent("PERSON", n()).add("电话随访，患者诉恢复良好。")
    elif k == 10:
        d.add("转入").ent("PERSON", n()).add("主任医疗组。")
    else:
        d.add("病史由患者本人及其母亲").ent("PERSON", n()).add("提供，可靠。")


def _sampled_fragments(
    kind: str, f: _Fake, fragment: Callable[[Document, _Fake, int], None], n: int
) -> Document:
    """A document of three of the ``n`` fragments ``fragment`` writes, in random order, and one hard
    negative."""
    d = Document(kind)
    for k in f.r.sample(range(n), 3):
        fragment(d, f, k)
    _negatives(d, f, 1)
    return d


def held_out_v6(f: _Fake) -> Document:
    """Written before the recognizer changes that followed v5 and measured once after them: twelve
    note fragments (name first then sex and age, surgical team, lab report signatures, insurance
    claims, role words the recognizer had never seen) and names including ordinary words (马力, 高峰,
    文静, 白雪, 江涛)."""
    return _sampled_fragments("held_out_v6", f, _v6_fragment, 12)


NAMES_V7 = [
    "闫春生",
    "郝丽萍",
    "覃海波",
    "蓝天",
    "方圆",
    "林立",
    "金城",
    "高山",
    "牛小花",
    "苗翠花",
    "邢志刚",
    "尹秀珍",
    "岳云鹏",
    "贺军翔",
    "顾长卫",
    "毛阿敏",
    "龚琳娜",
    "邵兵",
    "万茜",
    "严屹宽",
    "钟汉良",
    "谭咏麟",
    "陆毅",
    "汪峰",
    "范伟",
    "方芳",
    "石头",
    "段奕宏",
    "雷佳音",
    "侯勇",
    "秦岚",
    "齐秦",
    "康辉",
    "崔永元",
    "孟非",
    "黎明",
    "常远",
    "温峥嵘",
    "施展",
    "薛之谦",
]


def _v7_fragment(d: Document, f: _Fake, k: int) -> None:
    def n() -> str:
        return f.r.choice(NAMES_V7)

    if k == 0:
        d.add("医师签名：").ent("PERSON", n()).add("  日期：").ent("DATE_TIME", f.date()).add("\n")
    elif k == 1:
        d.ent("PERSON", n()).add(f"（{f.r.randint(18, 90)}岁）今日门诊复诊，血压控制可。")
    elif k == 2:
        d.add("转诊医生：").ent("PERSON", n()).add("，联系电话：").ent("CN_PHONE", f.phone()).add("。")
    elif k == 3:
        d.add("术前与患者").ent("PERSON", n()).add("及其家属谈话，交代手术风险。")
    elif k == 4:
        d.add("请").ent("PERSON", n()).add("医生会诊，协助诊治。")
    elif k == 5:
        d.add("护士").ent("PERSON", n()).add("、").ent("PERSON", n()).add("共同核对输血信息。")
    elif k == 6:
        d.add("家属：").ent("PERSON", n()).add("（儿子）\n")
    elif k == 7:
        d.add("投保人").ent("PERSON", n()).add("与被保险人").ent("PERSON", n()).add("系夫妻关系。")
    elif k == 8:
        d.add("报告医生：").ent("PERSON", n()).add("  报告时间：").ent("DATE_TIME", f.date()).add("\n")
    elif k == 9:
        d.add("经").ent("PERSON", n()).add("副主任医师审核，同意出院。")
    else:
        d.add("患者丈夫").ent("PERSON", n()).add("今日来院探视。")


def held_out_v7(f: _Fake) -> Document:
    """Written after v6's first measurement and before the recognizer changes that followed it, then
    measured once: signature blocks, a name then its age in brackets, names in 、-lists, 请X医生,
    经X副主任医师, and names that are ordinary words (蓝天, 方圆, 林立, 金城, 高山, 石头, 黎明)."""
    return _sampled_fragments("held_out_v7", f, _v7_fragment, 11)


NAMES_V8 = [
    "车晓",
    "丁俊晖",
    "任贤齐",
    "付笛声",
    "董卿",
    "薛佳凝",
    "鲍蕾",
    "祁又一",
    "涂磊",
    "柯蓝",
    "吕良伟",
    "庞龙",
    "梁静茹",
    "萧亚轩",
    "程前",
    "魏晨",
    "沈腾",
    "贾玲",
    "杜江",
    "霍思燕",
    "葛优",
    "刘德凯",
    "陈道明",
    "张嘉译",
    "王志文",
    "李保田",
    "宁静",
    "胡歌",
    "唐嫣",
    "霍建华",
    "卢靖姗",
    "蒋欣",
    "袁弘",
    "秦海璐",
    "左小青",
    "印小天",
    "朱亚文",
    "刘涛",
    "杨紫",
    "何冰",
]


def _v8_fragment(d: Document, f: _Fake, k: int) -> None:
    def n() -> str:
        return f.r.choice(NAMES_V8)

    if k == 0:
        d.add("姓名 ").ent("PERSON", n()).add(f"  性别 {f.r.choice('男女')}  年龄 {f.r.randint(18, 90)}岁\n")
    elif k == 1:
        d.add("患者，").ent("PERSON", n()).add(f"，{f.r.choice('男女')}，{f.r.randint(18, 90)}岁，")
        d.add(f.r.choice(COMPLAINTS_V6)).add("。")
    elif k == 2:
        d.ent("PERSON", n()).add(f"（{f.r.randint(1, 40)}床）体温正常，夜间睡眠可。")
    elif k == 3:
        d.add("邀请心内科").ent("PERSON", n()).add("主任会诊，建议完善冠脉CTA。")
    elif k == 4:
        d.add("签字医师：").ent("PERSON", n()).add("/").ent("PERSON", n()).add("\n")
    elif k == 5:
        d.add("谈话时家属").ent("PERSON", n()).add("、").ent("PERSON", n()).add("在场。")
    elif k == 6:
        d.add("由").ent("PERSON", n()).add("护士长带领完成晨间护理。")
    elif k == 7:
        d.add("代理人").ent("PERSON", n()).add("持授权委托书办理出院手续。")
    elif k == 8:
        d.add("本人").ent("PERSON", n()).add("郑重声明以上信息属实。")
    else:
        d.add("负责医生 ").ent("PERSON", n()).add("  联系电话 ").ent("CN_PHONE", f.phone()).add("\n")


def held_out_v8(f: _Fake) -> Document:
    """Written after v7's first measurement and before the changes that followed it, then measured
    once: space-separated form fields (姓名 X  性别 男), 患者，X，女, a name then its bed number,
    科室X主任, X/Y signatures, 由X护士长, 本人X声明."""
    return _sampled_fragments("held_out_v8", f, _v8_fragment, 10)


# Ordinary patients' and staff names (the names a ward list holds) and a few that are also words
# (汪洋, 方舟, 丁宁, 魏来, 夏青, 田甜, 苏丹)
NAMES_V9 = [
    "王淑芬",
    "李建国",
    "张桂兰",
    "刘玉梅",
    "陈志明",
    "杨秀英",
    "赵德福",
    "黄美玲",
    "周国平",
    "吴春兰",
    "徐长江",
    "孙玉珍",
    "马文华",
    "朱桂芳",
    "胡永刚",
    "郭淑华",
    "何建平",
    "高玉兰",
    "林志华",
    "罗秀芳",
    "梁国栋",
    "宋丽萍",
    "郑海峰",
    "谢小燕",
    "韩冬梅",
    "唐建军",
    "冯淑英",
    "于凤霞",
    "董学文",
    "萧红",
    "程浩",
    "曹雪",
    "袁野",
    "邓林",
    "许晴",
    "傅强",
    "沈洁",
    "曾凡",
    "彭程",
    "吕婷",
    "汪洋",
    "方舟",
    "丁宁",
    "魏来",
    "夏青",
    "田甜",
    "苏丹",
    "蒋勤勤",
    "蔡明",
    "潘虹",
]


def _v9_fragment(d: Document, f: _Fake, k: int) -> None:
    def n() -> str:
        return f.r.choice(NAMES_V9)

    if k == 0:
        d.add("婚育史：适龄结婚，爱人").ent("PERSON", n()).add("体健，育有1子。")
    elif k == 1:
        d.ent("PERSON", n()).add("老人今晨起床后跌倒，家属发现后送至急诊。")
    elif k == 2:
        d.add("电话联系患者外甥").ent("PERSON", n()).add("，告知复查时间。")
    elif k == 3:
        d.add("嘱").ent("PERSON", n()).add("按时服药，低盐低脂饮食。")
    elif k == 4:
        d.add(f"{f.r.randint(1, 45)}床").ent("PERSON", n()).add("今晨空腹血糖7.8mmol/L，予调整胰岛素剂量。")
    elif k == 5:
        d.add("与").ent("PERSON", n()).add("通话，其表示理解并同意转院。")
    elif k == 6:
        d.add("交班者：").ent("PERSON", n()).add("    接班者：").ent("PERSON", n()).add("\n")
    elif k == 7:
        d.ent("PERSON", n()).add("的女儿反映患者近日食欲下降。")
    elif k == 8:
        d.ent("PERSON", n()).add(f"今年{f.r.randint(18, 90)}岁，因反复头痛就诊。")
    elif k == 9:
        d.ent("PERSON", n()).add("（住院号").ent("MEDICAL_RECORD_NUMBER", f.mrn()).add("）今日转入ICU。")
    elif k == 10:
        d.add("向").ent("PERSON", n()).add("及其配偶交代手术风险，签署同意书。")
    else:
        d.add("化验单上患者姓名为").ent("PERSON", n()).add("，与腕带信息一致。")


def held_out_v9(f: _Fake) -> Document:
    """Written after v8's tuning and before any change that followed it, to be measured once after
    them: ordinary ward-list names (王淑芬, 李建国) and a few that are words (汪洋, 方舟, 苏丹), in
    contexts no earlier set used: 爱人X, X老人, 外甥X, 嘱X, a bed number before the name, 与X通话,
    交班者/接班者, X的女儿, X今年N岁, X（住院号…）, 向X及其配偶, 姓名为X."""
    return _sampled_fragments("held_out_v9", f, _v9_fragment, 12)


# A development set: written after v9 and tuned against from the start (never an honest figure).
NAMES_DEV = """刘桂珍 张国强 李玉兰 王建华 陈秀珍 杨志刚 赵淑兰 黄建国 周丽华 吴海燕 徐建平 孙秀兰 马玉芳 朱春梅
胡志勇 郭玉英 何淑珍 高建军 林秀梅 罗志明 梁玉珍 宋建新 郑秀英 谢建军 韩玉梅 唐志华 冯建民 于秀芳 董玉华 程建华
曹淑芬 袁志强 邓丽 许晶 傅红 沈涛 曾静 彭勇 吕洁 苏明 卢敏 蒋华 蔡红 贾云 丁勇 魏强 薛丽 叶萍 阎军 余华 潘玲 杜鹃
戴宁 夏雪 钟华 汪静 田军 任芳 姜涛 范晓明 方丽 石岩 姚红 谭志强 廖春燕 邹建平 熊海涛 金玉 陆小红 郝建国""".split()


def _dev_fragment(d: Document, f: _Fake, k: int) -> None:
    def n() -> str:
        return f.r.choice(NAMES_DEV)

    if k == 0:
        d.add("患者").ent("PERSON", n()).add("因“反复咳嗽咳痰10年”入院。")
    elif k == 1:
        d.add("今日").ent("PERSON", n()).add("血压波动较大，予加用氨氯地平。")
    elif k == 2:
        d.add("侄子").ent("PERSON", n()).add("代为办理入院手续。")
    elif k == 3:
        d.add("通知").ent("PERSON", n()).add("前来护士站签字。")
    elif k == 4:
        d.add("已电话告知").ent("PERSON", n()).add("检查结果。")
    elif k == 5:
        d.add("监护人").ent("PERSON", n()).add("（母亲）签署知情同意书。")
    elif k == 6:
        d.ent("PERSON", n()).add("诉夜间睡眠差，予对症处理。")
    elif k == 7:
        d.add("床旁交接：").ent("PERSON", n()).add(" → ").ent("PERSON", n()).add("\n")
    elif k == 8:
        d.add("探视者").ent("PERSON", n()).add("自称为患者表弟。")
    elif k == 9:
        d.add("转运途中由").ent("PERSON", n()).add("全程陪同。")
    elif k == 10:
        d.add("术者").ent("PERSON", n()).add("，助手").ent("PERSON", n()).add("，器械护士").ent("PERSON", n())
        d.add("。")
    elif k == 11:
        d.add("患者及其儿媳").ent("PERSON", n()).add("均表示知情。")
    elif k == 12:
        d.add("门诊").ent("PERSON", n()).add("教授建议住院治疗。")
    elif k == 13:
        d.add("见证人：").ent("PERSON", n()).add("    日期：").ent("DATE_TIME", f.date()).add("\n")
    elif k == 14:
        d.add("据").ent("PERSON", n()).add("回忆，患者昨晚曾呕吐一次。")
    elif k == 15:
        d.add("护理组长").ent("PERSON", n()).add("检查后签名。")
    elif k == 16:
        d.ent("PERSON", n()).add("与").ent("PERSON", n()).add("系母子关系。")
    else:
        d.add("已将病情告知其姐").ent("PERSON", n()).add("。")


def development_set(f: _Fake) -> Document:
    """Eighteen fragments in contexts beyond v1-v9 (侄子X, 据X回忆, X与Y系母子关系 ...), tuned against."""
    return _sampled_fragments("development_set", f, _dev_fragment, 18)


# Names of v10: ward-list names whose given part is itself a common word (建国, 长江, 玉兰, 国庆) or
# holds a rarer character, and a few single-character given names
NAMES_V10 = """李长江 王玉兰 张国庆 刘建设 陈立新 杨卫东 赵红英 黄海洋 周建设 吴秋菊 徐桂花 孙建新 马春生 朱玉珍
胡秀云 郭春华 何丽君 高秀英 林丽珍 罗春兰 梁秀云 宋志红 郑玉霞 谢丽芳 韩春花 唐淑贞 冯兰英 于桂英 董淑敏
萧敏 程琳 曹颖 袁媛 邓华 许诺 傅聪 沈冰 曾黎 彭媛 吕萍 苏蕊 卢璐 蒋雯 蔡琴 贾玲玲 丁磊 魏巍 薛冰 叶倩""".split()


def _v10_fragment(d: Document, f: _Fake, k: int) -> None:
    def n() -> str:
        return f.r.choice(NAMES_V10)

    if k == 0:
        d.add("入院时由其表哥").ent("PERSON", n()).add("背入病房。")
    elif k == 1:
        d.add("联系不上").ent("PERSON", n()).add("，改由社区网格员转告。")
    elif k == 2:
        d.ent("PERSON", n()).add("，退休工人，既往有吸烟史30年。")
    elif k == 3:
        d.add("今晨").ent("PERSON", n()).add("自行拔除胃管，已重新置入。")
    elif k == 4:
        d.add("患方代表").ent("PERSON", n()).add("要求复印病历。")
    elif k == 5:
        d.add("根据").ent("PERSON", n()).add("提供的外院资料，患者曾行冠脉支架植入术。")
    elif k == 6:
        d.add("出院时交由").ent("PERSON", n()).add("接回家中照护。")
    elif k == 7:
        d.add("门诊随访（").ent("PERSON", n()).add("）：血压130/80mmHg。\n")
    elif k == 8:
        d.add("记账员").ent("PERSON", n()).add("核对费用清单无误。")
    elif k == 9:
        d.add("家访时见").ent("PERSON", n()).add("独居，生活能自理。")
    elif k == 10:
        d.add("质控员").ent("PERSON", n()).add("、科主任").ent("PERSON", n()).add("审阅病历。")
    else:
        d.add("被访者").ent("PERSON", n()).add("否认近期发热。")


def held_out_v10(f: _Fake) -> Document:
    """Written after v9's first measurement and before any change that followed it, to be measured
    once after them: 表哥X, 联系不上X, X，退休工人, 今晨X自行…, 患方代表X, 根据X提供, 交由X接回, (X) in
    brackets, 记账员/质控员/被访者 and names whose given part is a common word (长江, 玉兰, 国庆, 建设)."""
    return _sampled_fragments("held_out_v10", f, _v10_fragment, 12)


# Names of v11: a ward list of three generations (德明, 凤英 / 建明, 丽娟 / 子涵, 浩然), single-character
# given names, and a few that are ordinary words (雷鸣, 龙腾, 高原, 江海, 常青) as real rosters hold
NAMES_V11 = """陈淑华 王德明 李凤英 张宝山 刘金花 杨树林 赵德胜 黄丽霞 周凤兰 吴德华 徐国华 孙丽娟 马文斌 朱晓燕
胡建明 郭淑英 何秀兰 高玉珍 林志强 罗海燕 梁德富 宋美华 郑建华 张子涵 王梓萱 李浩然 刘一诺 陈思琪 杨雨桐
赵宇轩 黄诗涵 周俊杰 吴欣怡 孔亮 葛斌 施红 段平 雷鸣 龙腾 高原 江海 常青 邱玉梅 侯振华 秦桂兰 尹志华
钱晓东 严秀英 白玉凤 崔永胜""".split()


def _v11_fragment(d: Document, f: _Fake, k: int) -> None:
    def n() -> str:
        return f.r.choice(NAMES_V11)

    if k == 0:
        d.add("管床医生").ent("PERSON", n()).add("查看患者后嘱继续观察。")
    elif k == 1:
        d.add("患者之子").ent("PERSON", n()).add("拒绝行有创检查。")
    elif k == 2:
        d.ent("PERSON", n()).add("的爱人诉患者夜间多次起床。")
    elif k == 3:
        d.add("预约人：").ent("PERSON", n()).add("　预约时间：").ent("DATE_TIME", f.date()).add("\n")
    elif k == 4:
        d.add("本次住院期间").ent("PERSON", n()).add("共输注红细胞4U。")
    elif k == 5:
        d.add("请").ent("PERSON", n()).add("于下周一上午来院复诊。")
    elif k == 6:
        d.add("经与").ent("PERSON", n()).add("沟通，家属同意转入ICU。")
    elif k == 7:
        d.ent("PERSON", n()).add("（女，67岁）因“右髋部疼痛2小时”急诊就诊。")
    elif k == 8:
        d.add("签收人").ent("PERSON", n()).add("已领取出院带药。")
    elif k == 9:
        d.add("家属").ent("PERSON", n()).add("、").ent("PERSON", n()).add("已到场。")
    elif k == 10:
        d.add("社区医生").ent("PERSON", n()).add("反馈患者居家血糖控制欠佳。")
    elif k == 11:
        d.add("该患者由").ent("PERSON", n()).add("护士负责夜间巡视。")
    elif k == 12:
        d.add("回访电话由").ent("PERSON", n()).add("接听，诉伤口愈合良好。")
    elif k == 13:
        d.ent("PERSON", n()).add("主任查房后指出：诊断明确，可择期手术。")
    else:
        d.add("理赔申请人").ent("PERSON", n()).add("提交的发票共3张。")


def held_out_v11(f: _Fake) -> Document:
    """Written after v10's first measurement and before any change that followed it, to be measured
    once after them: 管床医生X, 患者之子X, X的爱人, 预约人：X, 住院期间X, 请X于, 经与X沟通, X（女，67岁）,
    签收人X, 家属X、Y, 社区医生X, 由X护士负责, 由X接听, X主任查房, 理赔申请人X."""
    return _sampled_fragments("held_out_v11", f, _v11_fragment, 15)


# Names of v12: another ward list (德顺, 桂芝 / 晓峰, 红梅 / 梓涵 generation's 思雨, 子墨), single-character
# given names, and ordinary words (金星, 夏天, 田野, 向阳, 安康). (Written as "about the share real rosters
# hold"; measured afterwards: 22 % of v12's name mentions are common words, against an estimated 1.5-4 %
# of real names, from ngender's characters and jieba's dictionary.)
NAMES_V12 = """韩德顺 彭桂芝 蒋凤琴 潘玉英 杜福林 戴秀珍 夏金凤 钟淑贞 汤永福 田桂芳 任长山 姜翠兰 范玉华 方桂荣
石凤英 姚福全 谭秀芬 廖金华 邹德才 熊翠英 金海波 陆晓峰 郝丽霞 孟庆华 龚建新 毛晓军 万丽华 顾建英 贺文军
邵红梅 柳思雨 章浩宇 罗一涵 苗欣悦 谷子墨 申强 付娟 包磊 祝敏 裴蕾 金星 夏天 田野 向阳 安康""".split()


def _v12_fragment(d: Document, f: _Fake, k: int) -> None:
    def n() -> str:
        return f.r.choice(NAMES_V12)

    if k == 0:
        d.ent("PERSON", n()).add("称其母亲近一周食欲减退。")
    elif k == 1:
        d.add("咨询者").ent("PERSON", n()).add("来电询问检查结果。")
    elif k == 2:
        d.ent("PERSON", n()).add("老伴诉其夜间打鼾明显。")
    elif k == 3:
        d.add("出院小结已交").ent("PERSON", n()).add("签收。")
    elif k == 4:
        d.add("今与").ent("PERSON", n()).add("及其女儿谈话，交代手术风险。")
    elif k == 5:
        d.add("陪诊：").ent("PERSON", n()).add("（女儿）\n")
    elif k == 6:
        d.ent("PERSON", n()).add("同志因工作需要要求提前出院。")
    elif k == 7:
        d.add("接诊护士").ent("PERSON", n()).add("测量生命体征后通知医生。")
    elif k == 8:
        d.add("病人").ent("PERSON", n()).add("今日情绪低落，拒绝进食。")
    elif k == 9:
        d.add("经").ent("PERSON", n()).add("同意后行腰椎穿刺术。")
    elif k == 10:
        d.add("紧急联系人：").ent("PERSON", n()).add("，电话").ent("CN_PHONE", f.phone()).add("。")
    elif k == 11:
        d.ent("PERSON", n()).add("一家三口均有类似症状。")
    elif k == 12:
        d.add("主任医师").ent("PERSON", n()).add("、主治医师").ent("PERSON", n()).add("参加讨论。")
    elif k == 13:
        d.add("向患者家属").ent("PERSON", n()).add("详细说明病情。")
    elif k == 14:
        d.ent("PERSON", n()).add("自诉右上腹隐痛3天。")
    else:
        d.add("本人").ent("PERSON", n()).add("自愿放弃治疗，后果自负。")


def held_out_v12(f: _Fake) -> Document:
    """Written after v11's tuning and before any change that followed it, to be measured once after
    them: X称其, 咨询者X, X老伴诉, 交X签收, 与X及其女儿, 陪诊：X（女儿）, X同志, 接诊护士X, 病人X, 经X同意,
    紧急联系人：X, X一家三口, 主任医师X、主治医师Y, 向患者家属X, X自诉, 本人X."""
    return _sampled_fragments("held_out_v12", f, _v12_fragment, 16)


# Names of v13 are drawn, not picked: a surname by its share (the recognizer's surname list, Zipf over
# its order), then a one-character given name (three in ten) by its share among 32 M real given-name
# characters, or a two-character one by 1/rank among the 5,346 given names names-dataset ranks for
# China (real names from an independent source: data/NOTICE-names-dataset.txt). Names that are common
# words turn up at their natural rate, not at the 15-22 % of v10-v12.
@functools.cache
def _v13_weights() -> dict[str, tuple[list[str], list[float]]]:
    """The three distributions v13's names are drawn from, read once: surnames, one-character given
    names (ngender's characters), two-character given names (names-dataset, 1/rank)."""
    from node.anonymization.recognizers.name_model import given_name_counts, surname_shares

    text = (resources.files("connectors") / "data" / "names_dataset_cn_given.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    shares, counts = surname_shares(), given_name_counts()
    return {
        "surname": (list(shares), list(shares.values())),
        "one": (list(counts), [float(n) for n in counts.values()]),
        "two": ([r["given_name"] for r in rows], [1.0 / int(r["cn_rank"]) for r in rows]),
    }


def v13_name(f: _Fake) -> str:
    weights = _v13_weights()
    surname = f.r.choices(*weights["surname"])[0]
    return surname + f.r.choices(*weights["one" if f.r.random() < 0.3 else "two"])[0]


def _v13_fragment(d: Document, f: _Fake, k: int) -> None:
    def n() -> str:
        return v13_name(f)

    if k == 0:
        d.add("转出科室负责人").ent("PERSON", n()).add("已电话交接病情。")
    elif k == 1:
        d.ent("PERSON", n()).add("女士于今晨8时空腹抽血。")
    elif k == 2:
        d.add("委托").ent("PERSON", n()).add("代为办理出院结算。")
    elif k == 3:
        d.add("入院宣教对象：").ent("PERSON", n()).add("（患者本人）\n")
    elif k == 4:
        d.ent("PERSON", n()).add("昨日下午突发胸痛，持续约20分钟。")
    elif k == 5:
        d.add("护士长").ent("PERSON", n()).add("检查病房后提出整改意见。")
    elif k == 6:
        d.add("呼吸治疗师").ent("PERSON", n()).add("调整呼吸机参数。")
    elif k == 7:
        d.ent("PERSON", n()).add("为本院职工，享受职工医保待遇。")
    elif k == 8:
        d.add("已将检查报告交予").ent("PERSON", n()).add("。")
    elif k == 9:
        d.ent("PERSON", n()).add("和").ent("PERSON", n()).add("为夫妻，共同签署知情同意书。")
    elif k == 10:
        d.ent("PERSON", n()).add("拨打120后由救护车送入我院。")
    elif k == 11:
        d.add("康复治疗师").ent("PERSON", n()).add("指导患者行床旁功能锻炼。")
    elif k == 12:
        d.ent("PERSON", n()).add("（证件号码").ent("CN_ID_CARD", f.id_card()).add("）已办理入院登记。")
    elif k == 13:
        d.add("投保人").ent("PERSON", n()).add("为被保险人").ent("PERSON", n()).add("之父。")
    elif k == 14:
        d.ent("PERSON", n()).add("出院后由社区卫生服务中心随访。")
    else:
        d.add("口述病史者").ent("PERSON", n()).add("，与患者关系：母子。")


def held_out_v13(f: _Fake) -> Document:
    """Written after v12's first measurement and its one change (repeated mentions), to be measured
    once: sixteen new contexts (X女士, 委托X代为, 宣教对象：X（患者本人）, X昨日下午, 交予X, X和Y为夫妻,
    X拨打120, 投保人X为被保险人Y之父, 口述病史者X ...) and names drawn from real-name statistics."""
    return _sampled_fragments("held_out_v13", f, _v13_fragment, 16)


def _v14_fragment(d: Document, f: _Fake, k: int) -> None:
    def n() -> str:
        return v13_name(f)

    if k == 0:
        d.add("手术医师：").ent("PERSON", n()).add("　麻醉方式：全身麻醉\n")
    elif k == 1:
        d.add("报告审核：").ent("PERSON", n()).add("　报告时间：").ent("DATE_TIME", f.date()).add("\n")
    elif k == 2:
        d.add("随访记录：电话联系患者配偶").ent("PERSON", n()).add("，诉患者恢复可。")
    elif k == 3:
        d.ent("PERSON", n()).add("于").ent("DATE_TIME", f.date()).add("在我院行腹腔镜胆囊切除术。")
    elif k == 4:
        d.add("出院前由").ent("PERSON", n()).add("负责核对带药。")
    elif k == 5:
        d.add("理赔经办人：").ent("PERSON", n()).add("\n")
    elif k == 6:
        d.ent("PERSON", n()).add("主诉“咳嗽、咳痰3天”。")
    elif k == 7:
        d.add("转诊至上级医院，陪同人员：").ent("PERSON", n()).add("。")
    elif k == 8:
        d.add("病例讨论参加人员：").ent("PERSON", n()).add("、").ent("PERSON", n()).add("、")
        d.ent("PERSON", n()).add("。")
    elif k == 9:
        d.ent("PERSON", n()).add("既往体健，否认药物过敏史。")
    elif k == 10:
        d.add("交接班护士：").ent("PERSON", n()).add("/").ent("PERSON", n()).add("\n")
    elif k == 11:
        d.ent("PERSON", n()).add("女儿代诉：患者近3日进食少。")
    elif k == 12:
        d.add("门诊号").ent("MEDICAL_RECORD_NUMBER", f.mrn()).add("　姓名").ent("PERSON", n()).add(
            "　性别 女\n"
        )
    elif k == 13:
        d.ent("PERSON", n()).add("今日复诊，诉症状明显缓解。")
    elif k == 14:
        d.add("住院期间由护工").ent("PERSON", n()).add("照护。")
    else:
        d.add("检验者：").ent("PERSON", n()).add("　核对者：").ent("PERSON", n()).add("\n")


def held_out_v14(f: _Fake) -> Document:
    """Written after v13's tuning and before it is measured: sixteen new contexts (手术医师：X, 报告审核：X,
    联系患者配偶X, X于<date>在我院行, 出院前由X负责, 理赔经办人：X, X主诉, 陪同人员：X, 参加人员：X、Y、Z,
    X既往体健, 交接班护士：X/Y, X女儿代诉, 门诊号… 姓名X, X今日复诊, 由护工X, 检验者：X) and names drawn as in
    v13."""
    return _sampled_fragments("held_out_v14", f, _v14_fragment, 16)
