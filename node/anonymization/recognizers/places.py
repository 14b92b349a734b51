"""Addresses: anchored on known province, city and district names or on a numbered road, then extended
over the address components that follow (district, street, road, number, building, unit, room)."""

from __future__ import annotations

import re

from node.anonymization.recognizers.base import RegexRecognizer

PROVINCES = (
    "北京 天津 上海 重庆 河北 山西 辽宁 吉林 黑龙江 江苏 浙江 安徽 福建 江西 山东 河南 湖北 湖南 广东 海南 四川 贵州 "
    "云南 陕西 甘肃 青海 台湾 内蒙古 广西 西藏 宁夏 新疆 香港 澳门"
).split()
CITIES = (
    "成都 广州 深圳 杭州 南京 武汉 西安 长沙 郑州 济南 青岛 沈阳 大连 哈尔滨 长春 石家庄 太原 合肥 福州 厦门 南昌 南宁 "
    "昆明 贵阳 兰州 西宁 银川 乌鲁木齐 拉萨 呼和浩特 海口 三亚 苏州 无锡 宁波 温州 东莞 佛山 珠海 绵阳 宜宾 南充 泸州 "
    "德阳 乐山 遵义 达州 自贡 内江 眉山 广安 遂宁 攀枝花"
).split()
DISTRICTS = (
    "渝中 江北 沙坪坝 九龙坡 南岸 渝北 巴南 北碚 大渡口 万州 涪陵 永川 合川 江津 璧山 綦江 长寿 黔江 荣昌 铜梁 大足 "
    "开州 梁平 武隆 城口 丰都 垫江 忠县 云阳 奉节 巫山 巫溪 石柱 秀山 酉阳 彭水 潼南 南川 万盛 "
    "锦江 青羊 金牛 武侯 成华 龙泉驿 双流 郫都 温江 新都 朝阳 海淀 东城 西城 丰台 浦东 黄浦 徐汇 静安 天河 越秀 福田 南山"
).split()

# the other prefecture-level cities, named with their 市 only (bare, many are words or given names: 安康,
# 吉安, 永州, 白山)
PREFECTURES = (
    "唐山 秦皇岛 邯郸 邢台 保定 张家口 承德 沧州 廊坊 衡水 大同 阳泉 长治 晋城 朔州 晋中 运城 忻州 临汾 吕梁 包头 乌海 "
    "赤峰 通辽 鄂尔多斯 呼伦贝尔 巴彦淖尔 乌兰察布 鞍山 抚顺 本溪 丹东 锦州 营口 阜新 辽阳 盘锦 铁岭 朝阳 葫芦岛 吉林 "
    "四平 辽源 通化 白山 松原 白城 齐齐哈尔 鸡西 鹤岗 双鸭山 大庆 伊春 佳木斯 七台河 牡丹江 黑河 绥化 徐州 常州 南通 "
    "连云港 淮安 盐城 扬州 镇江 泰州 宿迁 嘉兴 湖州 绍兴 金华 衢州 舟山 台州 丽水 芜湖 蚌埠 淮南 马鞍山 淮北 铜陵 安庆 "
    "黄山 滁州 阜阳 宿州 六安 亳州 池州 宣城 莆田 三明 泉州 漳州 南平 龙岩 宁德 景德镇 萍乡 九江 新余 鹰潭 赣州 吉安 "
    "宜春 抚州 上饶 淄博 枣庄 东营 烟台 潍坊 济宁 泰安 威海 日照 临沂 德州 聊城 滨州 菏泽 开封 洛阳 平顶山 安阳 鹤壁 "
    "新乡 焦作 濮阳 许昌 漯河 三门峡 南阳 商丘 信阳 周口 驻马店 黄石 十堰 宜昌 襄阳 鄂州 荆门 孝感 荆州 黄冈 咸宁 随州 "
    "株洲 湘潭 衡阳 邵阳 岳阳 常德 张家界 益阳 郴州 永州 怀化 娄底 韶关 汕头 江门 湛江 茂名 肇庆 惠州 梅州 汕尾 河源 "
    "阳江 清远 中山 潮州 揭阳 云浮 柳州 桂林 梧州 北海 防城港 钦州 贵港 玉林 百色 贺州 河池 来宾 崇左 儋州 广元 巴中 "
    "雅安 资阳 六盘水 安顺 毕节 铜仁 曲靖 玉溪 保山 昭通 丽江 普洱 临沧 日喀则 昌都 林芝 山南 那曲 铜川 宝鸡 咸阳 渭南 "
    "延安 汉中 榆林 安康 商洛 嘉峪关 金昌 白银 天水 武威 张掖 平凉 酒泉 庆阳 定西 陇南 海东 石嘴山 吴忠 固原 中卫 "
    "克拉玛依 吐鲁番 哈密"
).split()
_NAMES = "|".join(sorted(PROVINCES + CITIES, key=len, reverse=True))
_PREFECTURES = "|".join(sorted(PREFECTURES, key=len, reverse=True))
# a district only with its suffix: bare, many are words (大足趾 is the big toe, 健康长寿, 双流质, 南山路)
_DISTRICTS = "|".join(sorted(DISTRICTS, key=len, reverse=True))
_ANCHOR = (
    rf"(?:(?:{_NAMES})(?:省|市|自治区|特别行政区|区|县)?|(?:{_DISTRICTS})(?:区|县)|(?:{_PREFECTURES})市(?!场)"
    r"|(?:(?![住在于者现至到居址从])[\u4e00-\u9fff]){2,6}?(?:街道|路|街|大道|巷|胡同)\d+(?:号|弄)"
    # a county or autonomous prefecture followed by a town or street (丰都县三合街道, 凉山彝族自治州昭觉县)
    r"|(?:(?![住在于者现至到居址从])[\u4e00-\u9fff]){1,8}?(?:自治州|自治县|县)"
    r"(?=[\u4e00-\u9fff]{1,8}?(?:县|镇|乡|街道))"
    # a prefecture by its short name before its county (凉山州昭觉县)
    r"|(?:(?![住在于者现至到居址从是])[\u4e00-\u9fff]){2}州(?=[\u4e00-\u9fff]{1,6}?县)"
    # a city off the list followed by its town or street (某某市某某镇, 某某市某某街道), or by its district
    # or county (某某市某某区)
    # (no listed name inside: 参保地重庆市… starts at 重庆)
    rf"|(?:(?![住在于者现至到居址从本全我该])(?!{_NAMES})[\u4e00-\u9fff]){{2,4}}?市"
    r"(?=[\u4e00-\u9fff]{2,6}?(?:镇|乡|街道)|(?:(?![市区县])[\u4e00-\u9fff]){1,3}[区县])"
    # a street office and its community or village, no district before them (某某街道某某社区)
    r"|(?:(?![住在于者现至到居址从是我])[\u4e00-\u9fff]){2,4}?街道(?=(?![社村])[\u4e00-\u9fff]{2,4}?(?:社区|村)(?!卫生))"
    # an estate and its building's number, no district before them (某某坝某某花园7栋, 某某新村3栋)
    r"|(?:(?![住在于者现至到居址从是我送])[\u4e00-\u9fff]){2,8}?(?:花园|新村|小区|家园|公寓)"
    r"(?=[A-Za-z]?\d+(?:栋|幢|号楼)))"
)
_COMPONENT = (
    # (州 not of a district's nor a city's name: 某州区, 湖州市)
    r"(?:[\u4e00-\u9fff]{1,10}?(?:省|自治区|市|州(?![区县市])|区|县|旗|街道|镇|乡|村|社区|小区|大道|路|街|道|巷|胡同|花园|公寓|大厦|广场|新村|校区|宿舍)(?![路街道巷]\d)"
    r"(?:[东西南北中上下]?段)?"
    # an estate's own name, whatever it ends in, right before its phase or building (华润二十四城7期)
    r"|[\u4e00-\u9fff]{2,10}?(?=[A-Za-z]?\d+(?:期|栋|幢|号楼|座|单元|区)|[A-Za-z]区)|\d+期"
    r"|[一二三四五六七八九十\d]+段|\d+(?:号院|号楼|号|弄|栋|幢|单元|楼|层|室)|(?<=[栋幢楼])\d+门|[A-Za-z]\d*(?:栋|座|区)"
    # the tail down to the room: 附7号, 5-2 (floor-room), 3-1-502, 负1楼
    r"|附\d+号|\d+-\d+(?:-\d+)?(?:号|室)?(?![\d.])|负\d+(?:楼|层)|\d+(?:组|社)"
    # a room's bare number after its building or entrance (5栋2204, 2单元1403)
    r"|(?:(?<=[栋幢座门])|(?<=单元)|(?<=号楼))\d{3,4}(?![\d.:-]))"
)
ADDRESS = re.compile(rf"{_ANCHOR}{_COMPONENT}*")
# any place one lives in, named by its building's number (我们住某某里七区14号楼3门601; not 住院部5号楼):
# opening on 住, the place in group 1
HOME_BY_BUILDING = re.compile(
    rf"住在?((?![院在])[\u4e00-\u9fff]{{2,8}}?(?=[A-Za-z]?\d+(?:栋|幢|号楼)){_COMPONENT}+)"
)
_PLACE_NAME = re.compile(rf"(?:{_NAMES})(?:省|市|自治区)?")
# (the field's whole value: 籍贯：广东佛山 is one native place, its city no address of its own)
_NATIVE_FIELD = re.compile(r"(?:籍贯|祖籍)[ \t]*[:：]?[ \t]*[\u4e00-\u9fff]{0,6}$")
# the place of treatment named by its region alone (就医地：某省某市), a scheme's field, not where one lives
# (a street and a number there are an address, and so is a region down to its district or county)
_SCHEME_FIELD = re.compile(r"就医地[ \t]*[:：]?[ \t]*$")
# the region one is insured in or registered at (参保地：某某地区, 户籍地：某某县) is a place of the person's
# (most hand-written sets label 参保地 so): the field's whole value, whatever its last word
LABELLED_PLACE = re.compile(
    r"(?:参保地|参合地|户籍地|户籍所在地|常住地|居住地|出生地)[ \t]*[:：][ \t]*"
    r"([\u4e00-\u9fff][\u4e00-\u9fff\d-]{1,29}?)(?=[ \t\u3000，,。；;、（(]|\n|$)"
)
# an address's field (住址：, 现住址：, 联系地址：): its whole value, whatever it names (a development zone
# off the lists, 某某经开区某某镇某某村四社), down to the first space or punctuation; above an address's
# own span inside it (every such value of the hand-written sets is the address, labelled whole)
ADDRESS_FIELD = re.compile(
    r"(?:现住址|家庭住址|家庭地址|住址|居住地址|联系地址|通讯地址|户籍地址|现居住地)[ \t]*[:：][ \t]*"
    r"([\u4e00-\u9fff][\u4e00-\u9fffA-Za-z\d#-]{3,39}?)(?=[ \t\u3000，,。；;、（(]|\n|$)"
)
_DISTRICT_END = re.compile(r"(?:区|县|旗)$")
# a city or province naming an insurance scheme (某市职工医保, 某市惠民保, 某市普惠健康保): no address
_SCHEME_AFTER = re.compile(r"[\u4e00-\u9fff]{0,6}?(?:医保|惠保|普惠|健康保|医疗保险|快保|惠民保)")
# a region or a district opening an organization's or a public programme's name (重庆市某某行业协会,
# 某某区医疗保障事务中心, 重庆某某股份有限公司, 某市集采政策, 某市心理援助热线): no place of a person's;
# the name runs on without a break (a form's spaces allowed) to the organization's word, no verb of going
# between (从某某镇往医院赶: the town is a place)
_ORGANIZATION_AFTER = re.compile(
    # (a group's or a city's word in brackets inside a company's name: 某某（集团）有限公司, （北京）有限公司)
    r"(?:(?![往到去在至回从向赶的与及或是])[\u4e00-\u9fff （）()]){0,14}?(?:公司|集团|协会|学会|委员会|事务中心|服务中心|保障局|卫健委|卫生健康委|殡仪馆"
    r"|药房|药店|热线|集采|政策|规划|基金会|研究院|研究所|银行|商会|联合会"
    # (a hospital's, a clinic's or a school's: ORGANIZATION's, 某某区人民医院, 某某区凤鸣山小学)
    r"|医院|保健院|卫生院|卫生服务中心|疾病预防控制中心|疾控中心|急救中心|小学|中学|大学|学校|幼儿园"
    # (a bank's or a chain's branch, a police unit, a court, an office, a firm, a centre of care: the
    # organization's region, whether or not its name is found: 某银行某市某某支行, 某市公安局某某分局, 某区人民法院,
    # 某市急救医疗中心, 某某律师事务所, 某区环卫所)
    r"|支行|分行|分院|分局|分站|派出所|公安局|管理局|管理站|办事处|法院|检察院|公证处|事务所|环卫所|卫生所|卫生室"
    r"|诊所|门诊部|医疗中心|卫生中心|救治中心|血液中心|血站|体检中心|鉴定中心|检验所|学院|制造厂|机械厂|信用社"
    r"|人民政府|工会|医调委)"
)
# (but a place then a kind of clinic, no name: 某县当地卫生院, 某镇上医院 name the place)
_GENERIC_KIND_AFTER = re.compile(r"(?:当地|本地|附近|镇上|乡里?|村里?)的?(?:医院|卫生院|卫生室|诊所)")
# a message's sender in its brackets (【健康某某】, 【某某医保】): an organization's signature, no place
_SENDER_BEFORE = re.compile(r"【[^】\n\d]{0,8}$")
_SENDER_AFTER = re.compile(r"[^【\n\d]{0,8}】")
# a person's name field (姓名：杭州): its value a person's name, whatever place it also names
_NAME_FIELD = re.compile(r"姓名[ \t]*[:：]?[ \t]*$")
# a place's name that is another thing's: athlete's foot (香港脚), a person's name saying something
_NOT_A_PLACE_AFTER = re.compile(r"脚|[ ]?(?:说|告诉|表示|问)")
# a region opening a title, an award or a campaign in quotes or book-title marks ("某市优秀青年医师"称号,
# 《某省健康教育读本》): the title's words, no place of a person's
_TITLE_OPEN = re.compile(r"[“\"「『《]$")
_TITLE_REST = re.compile(r"[\u4e00-\u9fff]{2,16}?[”\"」』》]")
# a title word ending in 长 before a name that opens on 长 (组长沙某, 院长春某): the 长 is the title's
_TITLE_BEFORE_CHANG = re.compile(r"[组院科队所局站部社校班处室厂]$")


# the corpus's region's landmarks and quarters (and a few of the capitals'), named bare as where someone
# lives, works, was found or fell: no address's component makes them one
LANDMARKS = (
    "解放碑 洪崖洞 磁器口 朝天门 观音桥 三峡广场 杨家坪 李子坝 歌乐山 石桥铺 南坪 大坪 冉家坝 南山植物园 "
    "三里屯 王府井 外滩 春熙路 宽窄巷子"
).split()
_LANDMARKS = "|".join(sorted(LANDMARKS, key=len, reverse=True))
_ORIGINS = "|".join(
    sorted(
        PROVINCES
        + CITIES
        + DISTRICTS
        + "甘孜 阿坝 凉山 喀什 和田 伊犁 恩施 松桃 印江 沿河 利川 广元 巴中".split(),
        key=len,
        reverse=True,
    )
)
_NOT_AFTER = "住在于者现至到居址从是我的"
# a place named bare: a landmark, not the first word of an organization's name (观音桥店, 大坪医院: only
# before a non-Chinese character, a word of place or a verb of being there); a bridge or a tunnel by its
# name (某某长江大桥, 某某隧道口; not 皮下隧道); a numbered highway and its toll gate (G65某某高速某某收费站);
# a village or a hamlet after a date, a place's verb or a list's dash (6月3日某某村, 到某某沟那边); a district bare where one works
# or goes (在某某打工)
PLACE_NAMED = re.compile(
    rf"(?:{_LANDMARKS})(?=[^\u4e00-\u9fff]|$|门口|附近|那边|这边|一带|旁边|周边|的|[跳摔晕倒])"
    rf"|(?:{_LANDMARKS}|(?:(?![{_NOT_AFTER}])[\u4e00-\u9fff]){{2,4}}?)(?:长江|嘉陵江)?大桥"
    rf"|(?<![皮管])(?:(?![{_NOT_AFTER}下])[\u4e00-\u9fff]){{2,4}}?隧道(?!式)口?"
    r"|[GS]\d{1,4}[\u4e00-\u9fff]{0,4}?高速(?:公路)?(?:[\u4e00-\u9fff]{2,4}?(?:收费站|服务区|出口|入口|互通))?"
    r"|(?:(?<=[到在去住日-])|(?<=^)|(?<=\n))[\u4e00-\u9fff]{2}[村沟湾寨](?=[^\u4e00-\u9fff]|$|那边|这边|的)"
    rf"|(?<=[在到从去回])(?:{_DISTRICTS})(?=打工|工作|上班|读书|那边|这边|过来|回来)"
    # where a patient or a relative comes from, named bare before 来的 or 过来 (从某县开车过来, ，某州来的):
    # a listed region or one of the prefectures and counties around the corpus's region
    rf"|(?:(?<=[从，,、\s])|(?<=^))(?:{_ORIGINS})(?=(?:开车|坐车)?过来|来的)"
    # a county one comes from, between a description's commas (，某某县人，): finer than the bare
    # province or city of a native place (广东人), which stays unlabelled
    r"|(?<=[，,、（(])[\u4e00-\u9fff]{2,3}?[县旗](?=人[，,。；;）)])"
)


# a Chinese address in English with no street number: comma-separated parts (a room, a tower, a block, a
# lane's number, an estate's or a road's name, with its number or not) down to a district (Some Name, Block 3, Yubei; Room 1, Tower
# B, Some Plaza, Yuzhong District, Chongqing; Some Place, Jiefangbei); a title's name is no part of it
_EN_DISTRICTS = "Yuzhong|Jiangbei|Shapingba|Jiulongpo|Nan'an|Yubei|Banan|Beibei|Dadukou|Liangjiang New Area"
_EN_LANDMARKS = "Jiefangbei|Hongyadong|Ciqikou|Chaotianmen|Guanyinqiao|Yangjiaping|Nanping|Shiqiaopu|Daping"
_EN_PART = (
    r"(?:(?:Room|Rm|Apt|Suite|Unit|Flat|Block|Tower|Building|Bldg|Floor) [\w-]+|No\. ?\d+(?: Lane \d+)?"
    r"|(?:\d+ )?(?!(?:Mr|Mrs|Ms|Dr|Miss)\b)[A-Z][\w'-]*(?: (?:[A-Z][\w'-]*|\d+(?:st|nd|rd|th)))*)"
)
EN_ADDRESS = re.compile(
    rf"\b(?<!Mr )(?<!Mrs )(?<!Ms )(?<!Dr )(?<!Miss )(?:{_EN_PART}, ){{1,5}}(?:(?:{_EN_DISTRICTS}|{_EN_LANDMARKS})\b(?! [A-Z])(?: District)?"
    r"|(?:[A-Z][a-z']+ ){1,2}(?:District|New Area|County)\b)(?:, (?:Chongqing|China)\b)*"
)
# a district named alone after a word of place (living in Some District, Chongqing; cycling in Some District),
# not the first words of an institution's name (in Some District People's Hospital)
EN_DISTRICT_ALONE = re.compile(
    r"\b(?:in|from|near) ((?:[A-Z][a-z']+ ){1,2}?(?:District|County)(?! [A-Z])(?:, (?:Chongqing|China)\b)*)"
)
_INSTITUTION = re.compile(
    r"\b(?:Hospital|Clinic|Cent(?:er|re)|University|College|School|Department|Company|Ltd|Bank|Ward|Surgery"
    r"|Medicine|[A-Z][a-z]+ology)\b"
)


def _en_address(m: re.Match[str], text: str) -> float | None:
    return None if _INSTITUTION.search(m.group()) else 0.9


def _named(m: re.Match[str], text: str) -> float | None:
    return 0.7  # below an address's own span (0.75, 0.9) that may hold it


def _score(m: re.Match[str], text: str) -> float | None:
    parts = re.findall(_COMPONENT, m.group())
    if len(m.group()) < 2:
        return None
    if text[m.end() : m.end() + 1] == "人" and _PLACE_NAME.fullmatch(m.group()):
        return None  # a native place (广东人, 重庆市人), not an address
    if text.startswith("白药", m.end()) and _PLACE_NAME.fullmatch(m.group()):
        return None  # a drug's brand (云南白药), not a place
    if (
        not re.search(r"\d", m.group())
        and _ORGANIZATION_AFTER.match(text, m.end())
        and not _GENERIC_KIND_AFTER.match(text, m.end())
    ):
        return None  # 重庆市某某协会: an organization's name
    if _PLACE_NAME.fullmatch(m.group()) and (
        _NOT_A_PLACE_AFTER.match(text, m.end())
        or (_TITLE_OPEN.search(text, max(0, m.start() - 1), m.start()) and _TITLE_REST.match(text, m.end()))
        or (m.group()[0] == "长" and _TITLE_BEFORE_CHANG.search(text, max(0, m.start() - 1), m.start()))
        or _NAME_FIELD.search(text, max(0, m.start() - 8), m.start())
        or (
            _SENDER_BEFORE.search(text, max(0, m.start() - 9), m.start())
            and _SENDER_AFTER.match(text, m.end())
        )
    ):
        return None
    if _NATIVE_FIELD.search(text, max(0, m.start() - 12), m.start()):
        return None  # 籍贯：广西桂林 is where one comes from, not where one lives
    if (
        _SCHEME_FIELD.search(text, max(0, m.start() - 6), m.start())
        and not re.search(r"\d", m.group())
        and not _DISTRICT_END.search(m.group())
    ):
        return None
    if (_PLACE_NAME.fullmatch(m.group()) or not re.search(r"\d", m.group())) and _SCHEME_AFTER.match(
        text, m.end()
    ):
        return None  # (also a region and its scheme's kind: 某某省城乡 + 居民医保)
    return 0.9 if parts else 0.75


_NO_PLACE = ("不详", "同上", "本地", "本市", "外地", "无")


def _field_place(m: re.Match[str], text: str) -> float | None:
    return None if m.group(1) in _NO_PLACE else 0.85


def _home(m: re.Match[str], text: str) -> float | None:
    return 0.9


def _address_field(m: re.Match[str], text: str) -> float | None:
    value = m.group(1)
    if value in _NO_PLACE or value.startswith(("同上", "不详", "同户籍", "同身份证")):
        return None
    return 0.92


def place_recognizers() -> list[RegexRecognizer]:
    return [
        RegexRecognizer("LOCATION", ADDRESS, _score),
        RegexRecognizer("LOCATION", LABELLED_PLACE, _field_place, 1, name="LOCATION_field_recognizer"),
        RegexRecognizer("LOCATION", HOME_BY_BUILDING, _home, 1, name="LOCATION_home_recognizer"),
        RegexRecognizer(
            "LOCATION", ADDRESS_FIELD, _address_field, 1, name="LOCATION_address_field_recognizer"
        ),
        RegexRecognizer("LOCATION", PLACE_NAMED, _named, name="LOCATION_named_recognizer"),
        RegexRecognizer("LOCATION", EN_ADDRESS, _en_address, name="LOCATION_english_address_recognizer"),
        RegexRecognizer(
            "LOCATION", EN_DISTRICT_ALONE, _en_address, 1, name="LOCATION_english_district_recognizer"
        ),
    ]
