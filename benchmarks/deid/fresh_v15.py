"""Held-out set v15, written before the recognizer changes of issue 17 and never tuned against.

Independent of the recognizers: this module imports nothing from ``node`` (no recognizer, no name table,
no prior) and nothing from ``connectors``. Its name statistics are its own: surname shares after the
Ministry of Public Security's 2020 national name report (top 100 plus Chongqing's rarer surnames: 冉,
谯, 母, 牟, 税, 但 ...), given names by generation as that report lists them (秀英/桂兰, 建华/志强, 丽娟/
海燕, 婷婷/浩, 子涵/梓轩), names that are ordinary words (夏天, 高山, 方向), names of minorities written
with a middle dot (阿依古丽·买买提) or without one (次仁卓玛), transliterated foreign names (约翰·史密斯),
and English names after the US census surname and SSA first-name rankings, some in Synthea's style
(Jacinda33 Parisian75). New entity types: insurance policy numbers, medical-insurance and social-security
card numbers, ID numbers written with spaces or hyphens, addresses down to the room (5-2, 附7号, 栋/单元/
室), hospital and company names (ORGANIZATION), drugs and anatomy as negatives, and English or bilingual
notes with names, phone numbers, SSNs, passport and driving-licence numbers and street addresses.

Run ``python -m benchmarks.deid.fresh_v15`` to rewrite ``data/held_out_v15.jsonl`` (deterministic).
"""

from __future__ import annotations

import random

from benchmarks.deid.corpus import Document, write

# surname: share in percent (2020 report, rounded); the tail holds surnames rare nationally
SURNAMES = dict(
    x.split(":")
    for x in (
        "王:7.1 李:7.0 张:6.4 刘:5.3 陈:4.5 杨:3.1 黄:2.2 赵:2.1 吴:2.0 周:1.9 徐:1.5 孙:1.4 马:1.3 朱:1.2 "
        "胡:1.1 郭:1.1 何:1.1 林:1.0 高:1.0 罗:0.9 郑:0.9 梁:0.8 谢:0.7 宋:0.7 唐:0.7 许:0.7 韩:0.6 冯:0.6 "
        "邓:0.6 曹:0.6 彭:0.6 曾:0.6 肖:0.6 田:0.5 董:0.5 袁:0.5 潘:0.5 于:0.5 蒋:0.5 蔡:0.5 余:0.5 杜:0.4 "
        "叶:0.4 程:0.4 苏:0.4 魏:0.4 吕:0.4 丁:0.4 任:0.4 沈:0.4 姚:0.3 卢:0.3 姜:0.3 崔:0.3 钟:0.3 谭:0.3 "
        "陆:0.3 汪:0.3 范:0.3 金:0.3 石:0.3 廖:0.3 贾:0.3 夏:0.3 韦:0.3 付:0.3 方:0.3 白:0.2 邹:0.2 孟:0.2 "
        "熊:0.2 秦:0.2 邱:0.2 江:0.2 尹:0.2 薛:0.2 闫:0.2 段:0.2 雷:0.2 侯:0.2 龙:0.2 史:0.2 陶:0.2 黎:0.2 "
        "贺:0.2 顾:0.2 毛:0.2 郝:0.2 龚:0.2 邵:0.2 万:0.2 钱:0.2 覃:0.1 武:0.1 戴:0.1 孔:0.1 汤:0.1 庞:0.1 "
        "樊:0.1 冉:0.08 谯:0.02 母:0.02 牟:0.05 税:0.01 但:0.01 幸:0.01 晏:0.03 佘:0.02 滕:0.03 粟:0.02 "
        "操:0.01 封:0.02 欧阳:0.08 上官:0.01 司马:0.01 诸葛:0.01"
    ).split()
)
# given names by generation (born 1940s-50s, 60s-70s, 80s, 90s, 2010s), women / men
GIVEN = {
    "w": "秀英 桂英 秀兰 玉兰 桂兰 秀珍 凤英 玉珍 兰英 淑珍 丽华 红梅 丽娟 海燕 晓燕 春燕 艳 静 丽 敏 芳 娟 "
    "霞 婷婷 雪 倩 丹 佳 欣怡 梓涵 一诺 语桐 可欣 雨桐 梦瑶 诗琪 思彤 若曦 芷若 晓琳 雅琴 慧敏 嘉怡",
    "m": "建华 建国 建军 志强 国强 永强 德明 福生 伟 军 勇 磊 强 平 刚 志刚 海涛 建平 晓东 海峰 浩 鹏 杰 "
    "超 帅 宇轩 浩宇 梓豪 子墨 奕辰 浩然 宇航 俊杰 文博 明哲 天佑 家豪 泽宇 思远 承志 立新 卫东",
}
# names that are also ordinary words
WORD_NAMES = (
    "夏天 高山 方向 周全 向前 常青 文明 宁静 江河 林海 白云 金鑫 田园 安宁 马力 程序 石磊 于是 黎明 钟声"
).split()
MINORITY = (
    "阿依古丽·买买提 买买提·吐尔逊 艾合买提·尼亚孜 古丽娜扎·艾力 热依拉·阿不都 努尔古丽·吾守尔 迪丽努尔·艾山 "
    "叶尔兰·努尔兰 阿不都热依木·卡德尔 帕提古丽·热合曼 次仁卓玛 扎西顿珠 格桑拉姆 丹增尼玛 巴特尔 乌云其木格 "
    "其其格 阿苏拉则 吉克阿依"
).split()
TRANSLITERATED = (
    "约翰·史密斯 玛丽亚·加西亚 安娜·伊万诺娃 伊万·彼得罗夫 艾哈迈德·哈桑 大卫·米勒 金敏俊 阮文雄".split()
)
EN_FIRST = (
    "James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William Barbara Richard "
    "Susan Joseph Jessica Thomas Sarah Christopher Karen Daniel Nancy Matthew Lisa Anthony Margaret "
    "Yuki Ahmed Olga Priya"
).split()
EN_LAST = (
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Gonzalez "
    "Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris Tanaka Hassan "
    "Petrova Sharma Okafor"
).split()
HOSPITALS = (
    "重庆市江北区人民医院 重庆医科大学附属第一医院 重庆医科大学附属儿童医院 陆军军医大学第二附属医院 "
    "重庆市九龙坡区第二人民医院 重庆市中医院 重庆大学附属肿瘤医院 四川大学华西医院 重庆市渝北区妇幼保健院 "
    "重庆市万州区第一人民医院"
).split()
COMPANIES = (
    "中国人寿保险股份有限公司重庆市分公司 中国平安财产保险股份有限公司 太平洋人寿保险股份有限公司重庆分公司 "
    "重庆长安汽车股份有限公司 重庆华森制药股份有限公司"
).split()
DRUGS = (
    "依非韦伦 拉米夫定 替诺福韦 阿托伐他汀 氯吡格雷 奥美拉唑 甲钴胺 布地奈德 瑞舒伐他汀 恩替卡韦 "
    "甘精胰岛素 沙库巴曲缬沙坦 利伐沙班 头孢曲松 万古霉素 丙戊酸钠 左乙拉西坦 华法林 "
    "马来酸依那普利 高三尖杉酯碱"
).split()
ANATOMY = (
    "左侧髂骨 胫骨平台 肱骨近端 冠状动脉左前降支 右肾上腺 甲状腺左叶 马尾神经 黄韧带 贲门 胆总管下段".split()
)
DISTRICTS = [
    ("500105", "江北区"),
    ("500112", "渝北区"),
    ("500106", "沙坪坝区"),
    ("500107", "九龙坡区"),
    ("500103", "渝中区"),
    ("500101", "万州区"),
    ("500108", "南岸区"),
]
ROADS = (
    "建新北路 金龙路 小龙坎正街 杨家坪步行街 解放碑民权路 南滨路 "
    "观音桥步行街 北城天街 龙溪街道松牌路 天星桥正街"
).split()
EN_STREETS = "Maple Street, Oak Avenue, Washington Blvd, Lincoln Road, Elm Court, 3rd Street".split(", ")
EN_CITIES = ["Springfield, MA 01103", "Boston, MA 02118", "Austin, TX 78701", "Seattle, WA 98104"]


def id_check(first17: str) -> str:
    weights = [2 ** (17 - i) % 11 for i in range(17)]
    return "10X98765432"[sum(int(c) * w for c, w in zip(first17, weights, strict=True)) % 11]


class Draw:
    def __init__(self, seed: int) -> None:
        self.r = random.Random(seed)  # synthetic evaluation data
        self._surnames = list(SURNAMES)
        self._weights = [float(v) for v in SURNAMES.values()]

    def han_name(self) -> str:
        u = self.r.random()
        if u < 0.08:
            return self.r.choice(MINORITY)
        if u < 0.12:
            return self.r.choice(TRANSLITERATED)
        if u < 0.22:
            return self.r.choice(WORD_NAMES)
        surname = self.r.choices(self._surnames, self._weights)[0]
        return surname + self.r.choice(GIVEN[self.r.choice("wm")].split())

    def en_name(self) -> str:
        first, last = self.r.choice(EN_FIRST), self.r.choice(EN_LAST)
        if self.r.random() < 0.2:  # Synthea appends digits to generated names
            return f"{first}{self.r.randint(10, 999)} {last}{self.r.randint(10, 999)}"
        return f"{first} {last}"

    def id_card(self) -> str:
        code = self.r.choice(DISTRICTS)[0]
        first17 = f"{code}{self.r.randint(1940, 2010)}{self.r.randint(1, 12):02d}{self.r.randint(1, 28):02d}"
        first17 += f"{self.r.randint(0, 999):03d}"
        n = first17 + id_check(first17)
        sep = self.r.choice([" ", "-", ""])
        return f"{n[:6]}{sep}{n[6:14]}{sep}{n[14:]}" if self.r.random() < 0.7 else n

    def phone(self) -> str:
        n = f"1{self.r.choice('35789')}{self.r.randint(0, 999999999):09d}"
        return self.r.choice([n, f"{n[:3]} {n[3:7]} {n[7:]}", f"{n[:3]}-{n[3:7]}-{n[7:]}"])

    def address(self) -> str:
        _, district = self.r.choice(DISTRICTS)
        road = self.r.choice(ROADS)
        n = self.r.randint
        tail = self.r.choice(
            [
                f"{n(1, 200)}号{n(1, 30)}-{n(1, 6)}",
                f"{n(1, 200)}号附{n(1, 20)}号",
                f"{n(1, 200)}号{n(1, 30)}栋{n(1, 6)}单元{n(1, 33)}-{n(1, 8)}",
                f"{n(1, 200)}号{n(1, 30)}栋{n(1, 6)}单元{n(101, 3305)}室",
            ]
        )
        return self.r.choice(["重庆市", ""]) + district + road + tail

    def policy(self) -> str:
        return self.r.choice(
            [
                f"PA{self.r.randint(2018, 2026)}CQ{self.r.randint(0, 10**9 - 1):09d}",
                f"P{self.r.randint(2018, 2026)}{self.r.randint(0, 10**9 - 1):09d}",
                f"{self.r.randint(10**16, 10**17 - 1)}",
                f"ACQ{self.r.randint(2018, 2026)}{self.r.choice('ABCDE')}{self.r.randint(0, 10**7 - 1):07d}",
            ]
        )

    def insurance_card(self) -> str:
        return self.r.choice(
            [
                f"CQ{self.r.choice(DISTRICTS)[0]}{self.r.randint(0, 10**7 - 1):07d}",
                f"{self.r.choice('ABCDEFGH')}{self.r.randint(0, 10**8 - 1):08d}",
                f"{self.r.randint(10**9, 10**10 - 1)}",
            ]
        )

    def date(self) -> str:
        y, m, d = self.r.randint(2020, 2026), self.r.randint(1, 12), self.r.randint(1, 28)
        return self.r.choice([f"{y}年{m}月{d}日", f"{y}-{m:02d}-{d:02d}"])

    def us_phone(self) -> str:
        a, b, c = self.r.randint(201, 989), self.r.randint(200, 999), self.r.randint(0, 9999)
        return self.r.choice([f"({a}) {b}-{c:04d}", f"{a}-{b}-{c:04d}", f"+1 {a} {b} {c:04d}"])

    def ssn(self) -> str:
        return f"{self.r.randint(101, 665)}-{self.r.randint(10, 99)}-{self.r.randint(1000, 9999)}"

    def us_passport(self) -> str:
        return f"{self.r.randint(100_000_000, 999_999_999)}"

    def driver_license(self) -> str:
        return self.r.choice("ABDFGHKLMNPS") + f"{self.r.randint(0, 9_999_999):07d}"

    def street(self) -> str:
        return f"{self.r.randint(10, 9999)} {self.r.choice(EN_STREETS)}, {self.r.choice(EN_CITIES)}"

    def en_date(self) -> str:
        y, m, d = self.r.randint(1940, 2026), self.r.randint(1, 12), self.r.randint(1, 28)
        months = "January February March April May June July August September October November December"
        return self.r.choice([f"{m:02d}/{d:02d}/{y}", f"{months.split()[m - 1]} {d}, {y}"])


def _fragment(d: Document, w: Draw, k: int) -> None:
    r = w.r
    if k == 0:  # claim form
        d.add("理赔申请表 被保险人：").ent("PERSON", w.han_name()).add(" 保单号：").ent(
            "CN_INSURANCE_POLICY", w.policy()
        )
        d.add(" 医保卡号：").ent("CN_MEDICAL_INSURANCE_CARD", w.insurance_card()).add("\n")
    elif k == 1:
        d.add("参保人").ent("PERSON", w.han_name()).add("（社保卡号").ent(
            "CN_MEDICAL_INSURANCE_CARD", w.insurance_card()
        )
        d.add("）在").ent("ORGANIZATION", r.choice(HOSPITALS)).add("住院治疗，")
        d.add(f"出院带药{r.choice(DRUGS)}片、{r.choice(DRUGS)}。\n")
    elif k == 2:
        d.add("身份证号码：").ent("CN_ID_CARD", w.id_card()).add("，现住址：").ent("LOCATION", w.address())
        d.add("。\n")
    elif k == 3:
        d.add(f"影像：{r.choice(ANATOMY)}见斑片状高密度影，{r.choice(ANATOMY)}未见异常。")
        d.add(f"抗病毒方案：{r.choice(DRUGS)}+{r.choice(DRUGS)}。\n")
    elif k == 4:
        d.add("投保单位：").ent("ORGANIZATION", r.choice(COMPANIES)).add("，保险单号").ent(
            "CN_INSURANCE_POLICY", w.policy()
        )
        d.add("，联系人").ent("PERSON", w.han_name()).add("，手机").ent("CN_PHONE", w.phone()).add("。\n")
    elif k == 5:
        d.add("转诊：患者").ent("PERSON", w.han_name()).add("自").ent("ORGANIZATION", r.choice(HOSPITALS))
        d.add("转入，参保号").ent("CN_MEDICAL_INSURANCE_CARD", w.insurance_card()).add("，于").ent(
            "DATE_TIME", w.date()
        )
        d.add("办理入院。\n")
    elif k == 6:  # English note
        d.add("Patient: ").ent("PERSON", w.en_name()).add(", DOB ").ent("DATE_TIME", w.en_date())
        d.add(". SSN ").ent("US_SSN", w.ssn()).add(". Phone ").ent("PHONE_NUMBER", w.us_phone())
        d.add(". Address: ").ent("LOCATION", w.street()).add(".\n")
    elif k == 7:
        d.add("Seen by Dr. ").ent("PERSON", w.en_name()).add(" for follow-up of hypertension; ")
        d.add(f"continue {r.choice(['lisinopril', 'metformin', 'atorvastatin', 'amlodipine'])} daily. ")
        d.add("Passport No. ").ent("US_PASSPORT", w.us_passport()).add(", driver's license ").ent(
            "US_DRIVER_LICENSE", w.driver_license()
        )
        d.add(".\n")
    elif k == 8:  # bilingual
        d.add("外籍患者 ").ent("PERSON", w.en_name()).add("（美国籍），联系电话 ").ent(
            "PHONE_NUMBER", w.us_phone()
        )
        d.add("，现居 ").ent("LOCATION", w.street()).add("，于").ent("DATE_TIME", w.date()).add(
            "来院就诊。\n"
        )
    elif k == 9:
        d.add("家属").ent("PERSON", w.han_name()).add("签字同意，联系地址").ent("LOCATION", w.address())
        d.add(f"。既往服用{r.choice(DRUGS)}，无过敏。\n")
    elif k == 10:
        d.add("病历摘要：").ent("PERSON", w.han_name()).add("，").add(r.choice("男女")).add(
            f"，{r.randint(18, 90)}岁，身份证"
        )
        d.ent("CN_ID_CARD", w.id_card()).add("，本次于").ent("ORGANIZATION", r.choice(HOSPITALS)).add(
            "行手术。\n"
        )
    else:
        d.add(f"The patient was started on {r.choice(['efavirenz', 'tenofovir', 'clopidogrel'])}. ")
        d.add("Emergency contact ").ent("PERSON", w.en_name()).add(" at ").ent("PHONE_NUMBER", w.us_phone())
        d.add(".\n")


def held_out_v15(w: Draw) -> Document:
    d = Document("held_out_v15")
    for k in w.r.sample(range(12), 3):
        _fragment(d, w, k)
    return d


def build(n: int = 600, seed: int = 92) -> list[Document]:
    w = Draw(seed)
    return [held_out_v15(w) for _ in range(n)]


if __name__ == "__main__":
    print(write("held_out_v15", build()))
