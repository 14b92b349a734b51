"""The words behind the name recognizers: surnames, given-name characters, clinical words that begin
with a surname character, the cue words that say a person is meant before or after a name, and jieba's
dictionary. Data and word-level tests only: the rule recognizer (``names.py``) and the statistical
segmentation (``name_model.py``) both read it, and it imports neither."""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources
from typing import Any

SINGLE = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆"
    "汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤洪常温康施文牛樊葛邢安齐易乔伍庞"
    "颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁"
    "蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商"
    "刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝"
    # less common surnames whose characters rarely start an everyday word
    "萧印仝訾逄寿鄂鞠阎邸冼揭粟郦茅竺钮綦冀郇匡邰阚厉燕漆蔺亓栗晁楼鄢嵇帅扈郜荆弓"
)
COMPOUND = "欧阳 司马 上官 诸葛 东方 皇甫 尉迟 公孙 慕容 令狐 司徒 夏侯 长孙 宇文 端木 南宫 独孤".split()
# compound surnames in use today that 百家姓 does not list (the historians' 太史, the Jurchen 完颜, the
# Khitan 耶律)
COMPOUND += "太史 完颜 耶律".split()


def classic_surnames() -> tuple[list[str], list[str]]:
    """The single and compound surnames of 百家姓 (``data/baijiaxing.txt``), in the text's order."""
    text = (resources.files("node.anonymization") / "data" / "baijiaxing.txt").read_text(encoding="utf-8")
    lines = [ln for ln in text.splitlines() if not ln.startswith("#")]
    cut = lines.index("--")
    entries = " ".join(lines[cut + 1 :]).split()
    singles = [ch for ch in "".join(lines[:cut])] + [e for e in entries if len(e) == 1]
    return singles, [e for e in entries if len(e) == 2]


# 百家姓's compound surnames that are everyday words in jieba's dictionary (frequency >= RARE_WORD, not
# tagged as a name): 第五 "fifth", 百里, 南门, 司空
_WORD_COMPOUNDS = {"单于", "司空", "百里", "南门", "东门", "西门", "第五"}


def _with_classic_surnames(single: str, compound: list[str]) -> tuple[str, list[str]]:
    """The surname lists completed from 百家姓: its single surnames whose characters are rare in general
    text (outside FREQUENT_CHARS: 郗, 蒯, 宓, 仉, 殳; frequent ones such as 水, 花, 平, 国 start everyday
    words), at the end of the frequency order, and its compound surnames that are no everyday words."""
    singles, compounds = classic_surnames()
    rare = [ch for ch in dict.fromkeys(singles) if ch not in single and ch not in FREQUENT_CHARS]
    extra = [c for c in compounds if c not in compound and c not in _WORD_COMPOUNDS]
    return single + "".join(rare), compound + extra


CJK = "[\u4e00-\u9fff]"
CJK_CHAR = re.compile(CJK)

# words that name a person's role or kinship: the name follows them (患者X, 值班医生X, 家属：X, 爱人X).
# One list, read by the cue test below and by the slot rule of ``names.py``
PERSON_NOUN_WORDS = (
    "患者 病人 姓名 家属 联系人 签名 签字 医师 医生 护士长 护士 主任 配偶 之子 之女 儿子 女儿 父亲 母亲 丈夫 妻子 "
    "经治医生 主治医师 住院医师 记录者 记录人 报告人 审核人 审核者 申请人 被保险人 投保人 参保人 受益人 代理人 "
    "陪同人 陪护人 委托人 监护人 患儿 孕妇 产妇 新生儿 病友 同事 朋友 老师 同学 复核人 核对人 护理员 护工 "
    "保姆 亲属 家人 哥哥 姐姐 弟弟 妹妹 爷爷 奶奶 外公 外婆 孙子 孙女 会诊医师 主管护师 操作者 执行人 "
    "主刀 术者 一助 二助 麻醉医师 责任护士 值班医生 值班医师 家长 助产士 接生者 实习生 收费员 "
    # claims, registrations and forms
    "客户 职工 员工 驾驶人 驾驶员 伤者 出险人 持卡人 收款人 交款人 户名 调查人 被调查人 报案人 领款人 经办人 "
    # hand-overs, reports and inquiries (交班人, 接报人, 呼救人, 调查对象), companions (同行人员)
    "交班人 接班人 接报人 呼救人 投诉人 调查员 调查对象 同行人员 同行者 "
    # kinship terms: a closed class, listed whole
    "爱人 老伴 伴侣 外甥 外甥女 侄子 侄女 表哥 表姐 表弟 表妹 堂哥 堂姐 堂弟 堂妹 儿媳 女婿 外孙 外孙女 孙媳 "
    "姐夫 妹夫 嫂子 弟媳 舅舅 舅妈 姑姑 姑父 姨妈 姨父 叔叔 婶婶 伯伯 伯母 岳父 岳母 公公 婆婆 继父 养父 继母 "
    "养母 祖父 祖母 外祖父 外祖母 其姐 其妹 其兄 其弟 其夫 其妻 其子 其女 其母 其父 其侄 其孙 "
    # (and their everyday forms, partners and housemates: 老公, 婆娘, 女友, 室友, 闺蜜)
    "老公 老婆 婆娘 媳妇 女友 男友 女朋友 男朋友 室友 舍友 闺蜜 工友 邻居 "
    # people of a village, a team or a sale (村医, 教练, 业务员, 队友)
    "村医 教练 业务员 队友"
).split()


def word_alternation(words: list[str]) -> str:
    """A regex matching any of ``words``, written as a trie (患者|患儿 -> 患(?:者|儿)): Python's engine
    tries the branches of a flat alternation one by one at every position, a trie's in one step per
    character. Longer words win over their prefixes (护士长 over 护士)."""
    trie: dict[str, dict] = {}  # type: ignore[type-arg]
    for w in words:
        node = trie
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict) -> str:  # type: ignore[type-arg]
        branches = [re.escape(ch) + emit(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if "" in node:
            return ("(?:" + body + ")?") if len(branches) > 1 or len(body) > 1 else body + "?"
        return body

    return "(?:" + emit(trie) + ")"


PERSON_NOUNS = word_alternation(PERSON_NOUN_WORDS)
BEFORE = re.compile(
    r"(?:" + PERSON_NOUNS + r"|由|请|联系(?:不上|不到)?|通知|代表|委托|交予|交给|告知|致电|姓名为|名为|名叫"
    # (a research record's roles in Latin letters: PI：X, CRC：X)
    r"|(?<![A-Za-z])(?:PI|CRC|CRA|Sub-I))"
    r"[ \t]*(?:[:：]|为|是)?[ \t]*$"
)
# a role noun ending in 人/员/师/者 right before the name (发药人, 随访员, 药师, 检验者 ...): the cue
# list above cannot hold every job title a hospital writes
ROLE_BEFORE = re.compile(r"[\u4e00-\u9fff](?:人|员|师|者)[ \t]*(?:[:：]|为)?[ \t]*$")
# a person cue ending in a colon (家属：, 报告医生：): the name is the field's value
BEFORE_COLON = re.compile(r"[:：][ \t]*$")
# a form label (一助：, 审核：, 签名：): a person only if the value stands alone in its field
LABEL_BEFORE = re.compile(r"[\u4e00-\u9fff]{1,5}[ \t]*[:：][ \t]*$")
FIELD_END = re.compile(r"[ \t\r\n\u3000，,。；;、（(）)]|$")
AFTER = re.compile(
    r"(?:[ \t]*(?:医生|医师|护士|主任|大夫|先生|女士|老师|教授|同志|患者|护士长|副主任|副教授|主治医师|住院医师|"
    r"老人|阿姨|大爷|大妈|奶奶|爷爷|师傅|同学)"
    r"|的(?:儿子|女儿|丈夫|妻子|爱人|母亲|父亲|家属|子女|孙子|孙女|哥哥|姐姐|弟弟|妹妹)"
    r"|[，,、（( \t]*(?:男|女)(?![科性儿友方婿])|[，,（( \t]*\d{1,3}岁|[ \t]*(?:之子|之女|之父|之母|家属)"
    # a relative right after a name, no 的 (X老伴诉, X女儿代诉), and X一家三口
    r"|(?:老伴|爱人|女儿|儿子|丈夫|妻子)(?=代诉|诉|称|陪同|表示|同意|签字|要求|反映|述)|一家[三四五六几]?口"
    r"|[（(](?:儿子|女儿|配偶|丈夫|妻子|父亲|母亲|之子|之女|患者本人|本人)[）)]"
    r"|[（(](?:证件号码|身份证号?|证件号|住院号|病案号|门诊号|病历号|ID|MRN)|今年\d{1,3}岁)"
)
# characters common in given names: a candidate's given part must use only these, which keeps verbs
# and clinical words (查看, 送至, 反映, 完成 ...) out of names
GIVEN_CHARS = set(
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国志红文辉玉凤鹏飞雪梅晨浩宇欣怡子涵琳婷玲丹萍燕颖倩琴云莉晶慧佳媛瑶璐蕾薇莹珊雯露月春秋冬夏兵斌彬林森峰波海江河山石松柏龙虎凯俊健康宁安福寿禄喜庆祥瑞德仁义礼智信忠孝诚毅坚铭然博鑫淼焱昊晖阳旭东南中民生成功立新永长荣贵富金银宝珠翠琼瑾瑜璇琪瑛璋玮琦珍芬芝菊莲荷叶枫柳杨桃李梨杏樱蓉芸茜蕊萱菲若思雨雅馨悦乐欢笑妍娇媚姗嫣婉娴婧妮娅姝颜容心意诗书琴凌霄天星辰光亮晓曦晴朗航翔腾跃驰振兴旺盛昌隆泰和顺达远方正清廉洁宏大雄豪美好良善贤淑惠聪睿哲理学武才艺儒斯维克诺伦嘉佑泽润源渊潇沛溪澜漪汐沐霖霜冰凝纯真恒弘昭彰耀煌炜烨煜炎灿璨琰程政治邦家庭宗祖承继绍延传世代久常守保卫护助兆麟骏驹骁骐鸿鹤莺凰鸾鹃蝶蓓苗茂菁芃苒蔚蓝青碧绿紫彤朱素皓伊依仪亦奕逸轶益谊翼溢熠梓轩宸煊萌梦栋梁桥楠桐楚棠杉彦晟昕旻昀暄景晋曜巍峥嵘崇岚峻岳嵩屹岩乔乾坤培城基均垚增一二三四五六七八九丰玲琬琰瑶珏璟琛瑄珂婕娟婵嫦婷娥姣妹媛娣妞莎莺蓉蕙蓬茹荣莉荔菡萍蔓薇芷芮芹苹茗荟莞萃蓁蔷蕾藤冠凡帆舟航轩辕军兵卫国庆春生光宗耀荣富贵吉祥如意顺利平安健康长乐永康福海宝山川岭峰崖谷溪泉波涛洪涵泓洋洲湘湖淮滨沙汉汝沁沂泳洁润涛淳渝渤澄澈灵巧芊若晗曼琦瑞曼宁静舒婉约彩霓虹鸣骞献鹏振鹤鲲鲸飒飙琨瑶启迪建明雪丽欣然子墨思远一鸣致远浩然逸飞晨阳嘉怡雨桐可馨诗涵梓涵"
)
# given names never contain these (they start the clinical text that follows a cue)
NOT_GIVEN = set(
    "的了于因在是和与及等诉述现既往昨日年时分前后入出院诊病症痛热咳血压糖脂尿便检查治疗术男女岁籍"
)
LEXICON = {
    "高血压",
    "高血糖",
    "高血脂",
    "高热",
    "高脂",
    "白细胞",
    "白蛋白",
    "黄疸",
    "周期",
    "周围",
    "王不留行",
    "方案",
    "常规",
    "石膏",
    "金黄",
    "钟点",
    "毛细",
    "胡言",
    "江湖",
    "龙胆",
    "冷汗",
    "温度",
    "安静",
    "齐全",
    "易感",
    "全身",
    "全血",
    "明显",
    "时间",
    "时有",
    "应用",
    "应予",
    "向上",
    "向下",
    "成人",
    "成功",
    "单位",
    "单侧",
    "程度",
    "曲线",
    "管理",
    "康复",
    "连续",
    "简单",
    "边界",
    "和缓",
    "司机",
    "华法林",
    "甘油",
    "柴胡",
    "乔木",
    "苏醒",
    "卫生",
    "谷丙",
    "谷草",
    "麻醉",
    "麻木",
    "麻疹",
    "全科",
    "管床",
    "查体",
    "查房",
    "查血",
    "白班",
    # (a ward round's words for a patient's state and position: 患者房颤, 患者神清, 患者平卧位)
    "房颤",
    "房扑",
    "神清",
    "神志",
    "平卧",
}


# the 2,500 most frequent characters of general text (scripts/frequent_chars.py, from jieba's dictionary):
# a character outside them and outside GIVEN_CHARS is rare, and rare characters in a name position are
# far more often names (翀, 彧, 祎 ...) than words
FREQUENT_CHARS = frozenset(
    (resources.files("node.anonymization") / "data" / "frequent_chars.txt")
    .read_text(encoding="utf-8")
    .strip()
)


SINGLE, COMPOUND = _with_classic_surnames(SINGLE, COMPOUND)
# every compound surname, the everyday words among them too: where a person's slot stands (客户西门雪,
# 投保人百里晴), a compound surname that is also a word starts a name
SLOT_COMPOUNDS = frozenset(COMPOUND) | _WORD_COMPOUNDS
# 百家姓's surnames whose characters are frequent in general text (皮, 储, 封, 杭, 楚, 贝): a name only right
# after a cue (患者皮建军, 投保人储建明), never found by the statistical model
# and surnames of the southwest that 百家姓 does not list, all everyday characters (代, 税, 但, 母 ...)
CUE_ONLY_SURNAMES = frozenset(ch for ch in classic_surnames()[0] if ch not in SINGLE) - set(
    "于曾向常易和时应"
) | frozenset("代税但补练母庹泮骞禚操禤幺谌")
SURNAME = "(?:" + "|".join(COMPOUND) + f"|[{SINGLE}])"


def given_char(ch: str) -> bool:
    return ch in GIVEN_CHARS or (
        "\u4e00" <= ch <= "\u9fff" and ch not in FREQUENT_CHARS and ch not in NOT_GIVEN
    )


_JIEBA: Any = None
RARE_WORD = 100  # jieba dictionary frequency under which a word may be a name rather than a common word


# the words of a claims and settlement desk jieba's dictionary lacks, whose first character is a surname
# (商保 is commercial insurance, not a Mr 商)
DOMAIN_WORDS = (("商保", "n"), ("直付", "v"), ("核赔", "v"), ("查勘", "v"), ("应缴", "v"), ("惠民保", "n"))


def jieba_module() -> Any:
    """jieba, loaded on first use (its dictionary takes about 1 s)."""
    global _JIEBA
    if _JIEBA is None:
        import logging

        import jieba
        import jieba.posseg

        jieba.setLogLevel(logging.WARNING)
        jieba.initialize()
        for word, tag in DOMAIN_WORDS:  # words of insurance desks that its dictionary lacks
            jieba.add_word(word, freq=5000, tag=tag)
        _JIEBA = jieba
    return _JIEBA


def common_word_at(text: str, i: int, lengths: tuple[int, ...] = (2, 3, 4)) -> bool:
    """A common word (of one of ``lengths`` characters, frequent in jieba's dictionary) starts at ``i``."""
    freq = jieba_module().dt.FREQ
    return any(freq.get(text[i : i + k], 0) >= RARE_WORD for k in lengths if i + k <= len(text))


def common_non_name(word: str) -> bool:
    """A frequent dictionary word that jieba does not tag as a person's name (查看 yes, 胡适 no)."""
    jieba = jieba_module()
    if jieba.dt.FREQ.get(word, 0) < RARE_WORD:
        return False
    return not str(jieba.posseg.dt.word_tag_tab.get(word, "")).startswith("nr")


def segmented_name_length(text: str, start: int, surname: int) -> int:
    """Length of the first jieba word at ``start`` if it looks like a name (surname-led, 2-4 characters,
    rare in the dictionary), else 0."""
    return _segmented_name_length(text[start : start + 6], surname)


@lru_cache(maxsize=8192)
def _segmented_name_length(window: str, surname: int) -> int:
    """The work of ``segmented_name_length`` on the six characters from the candidate on (jieba's
    segmentation of a window is a pure function of it; ward notes repeat the same windows)."""
    jieba = jieba_module()
    # (only the first word is read: jieba's cut yields words as it goes, so the rest is never segmented)
    word = next(iter(jieba.cut(window)), "")
    if not surname < len(word) <= 4 or jieba.dt.FREQ.get(word, 0) >= RARE_WORD:
        return 0
    if not str(jieba.posseg.dt.word_tag_tab.get(word, "nr")).startswith("nr"):  # 查房: a rare verb
        return 0
    if any(not "\u4e00" <= ch <= "\u9fff" or ch in NOT_GIVEN for ch in word[surname:]):
        return 0
    return len(word)


# every prefix of a lexicon word: a candidate that is the start of a clinical word is no name
_LEXICON_PREFIXES = {w[:i] for w in LEXICON for i in range(2, len(w) + 1)}


def starts_clinical_word(name: str) -> bool:
    """The candidate is the start of a clinical word (高血) or begins with one (高血压史, 全身)."""
    return name in _LEXICON_PREFIXES or (
        len(name) > 2 and any(name[:i] in LEXICON for i in range(2, len(name)))
    )


# a bed number before a name in ward lists and handovers (16床琚立新, 2床朱红、3床钱多)
BED_BEFORE = re.compile(r"(?<![\d.])\d{1,3}(?:床|号床)[ \t]*[:：]?[ \t]*$")


def cue_before(text: str, start: int) -> bool:
    """A word that says a person follows (患者, 家属：, 发药人, 16床 ...) ends right before ``start``."""
    return _cue_ending(text[max(0, start - 8) : start])


@lru_cache(maxsize=8192)
def _cue_ending(window: str) -> bool:
    """A cue ends ``window`` (the eight characters before a candidate; the recognizers ask about the
    same position several times)."""
    return bool(
        BEFORE.search(window)
        or ROLE_BEFORE.search(window, max(0, len(window) - 4))
        or BED_BEFORE.search(window, max(0, len(window) - 6))
    )


# surnames that are far more often function words or adverbs right after a cue (护士于夜间巡视, 医生曾
# 建议, 患者易疲劳, 医生向家属说明, 患者常感乏力)
FUNCTION_SURNAMES = set("于曾向常易和时应")


def stands_as_name(text: str, start: int, cut: int) -> bool:
    """A name led by a function-word surname must not run into a common word (于夜间, 曾建议, 易疲劳), and
    a given part the name-character model does not know must end where a cue, a word that follows
    names, punctuation or the text does (常感乏力 is no name; 于芳，and 于芳主任 are)."""
    given = text[start + 1 : cut]
    if any(common_non_name(text[start + 1 : start + 1 + k]) for k in (2, 3) if start + 1 + k <= len(text)):
        return False
    if len(given) > 1 and common_non_name(given):
        return False
    if all(given_char(ch) for ch in given):
        return True
    return (
        cut >= len(text)
        or not "\u4e00" <= text[cut] <= "\u9fff"
        or bool(AFTER.match(text, cut) or FOLLOW.match(text, cut))
    )


# words that commonly follow a person's name and so end it
FOLLOW = re.compile(
    r"(?:陪同|陪护|代诉|签名|签字|签署|沟通|交代|商议|谈话|协商|同意|知情|告知|表示|拒绝|要求|来院|到院|携带|"
    r"诉|述|称|已|未|曾|现|因|于|在|是|和|与|及|等|"
    r"自|之|的|了|今|昨|入|出|为|给|对|向|负责|审核|记录|查房|会诊|电话|联系|手机|住址|身份证|"
    r"既往|来电|申请|完成|通过|送往|术前|术后)"
)


# Drugs and anatomy: words no name is ever part of. Generic names of common drugs (antivirals, cardiology,
# diabetes, antibiotics, neurology, oncology, respiratory), and the stems transliterated drug names end
# in (阿昔洛韦, 氨氯地平, 左氧氟沙星 ...); anatomy terms whose characters are surnames (胫骨, 贲门, 马尾).
DRUGS = (
    "依非韦伦 拉米夫定 替诺福韦 恩替卡韦 阿德福韦 齐多夫定 奈韦拉平 洛匹那韦 利托那韦 多替拉韦 比克替拉韦 "
    "奥司他韦 阿昔洛韦 更昔洛韦 伐昔洛韦 利巴韦林 索磷布韦 阿托伐他汀 瑞舒伐他汀 辛伐他汀 普伐他汀 氯吡格雷 "
    "替格瑞洛 阿司匹林 华法林 利伐沙班 达比加群 肝素 依诺肝素 硝苯地平 氨氯地平 非洛地平 美托洛尔 比索洛尔 "
    "卡维地洛 厄贝沙坦 缬沙坦 氯沙坦 坎地沙坦 替米沙坦 沙库巴曲缬沙坦 依那普利 贝那普利 培哚普利 螺内酯 "
    "呋塞米 托拉塞米 氢氯噻嗪 地高辛 胺碘酮 硝酸甘油 单硝酸异山梨酯 二甲双胍 格列美脲 格列齐特 格列吡嗪 "
    "阿卡波糖 西格列汀 利格列汀 达格列净 恩格列净 吡格列酮 甘精胰岛素 门冬胰岛素 赖脯胰岛素 地特胰岛素 "
    "利拉鲁肽 司美格鲁肽 奥美拉唑 泮托拉唑 雷贝拉唑 艾司奥美拉唑 兰索拉唑 铝碳酸镁 莫沙必利 多潘立酮 "
    "甲钴胺 维生素 叶酸 布地奈德 沙丁胺醇 特布他林 异丙托溴铵 噻托溴铵 孟鲁司特 氨溴索 乙酰半胱氨酸 "
    "头孢曲松 头孢呋辛 头孢哌酮 头孢他啶 阿莫西林 克拉维酸 哌拉西林 他唑巴坦 亚胺培南 美罗培南 万古霉素 "
    "利奈唑胺 左氧氟沙星 莫西沙星 环丙沙星 阿奇霉素 克林霉素 甲硝唑 氟康唑 伏立康唑 卡泊芬净 丙戊酸钠 "
    "左乙拉西坦 卡马西平 奥卡西平 拉莫三嗪 加巴喷丁 普瑞巴林 艾司唑仑 阿普唑仑 劳拉西泮 地西泮 舍曲林 "
    "帕罗西汀 氟西汀 艾司西酞普兰 文拉法辛 度洛西汀 米氮平 奥氮平 喹硫平 利培酮 阿立哌唑 多奈哌齐 美金刚 "
    "左旋多巴 普拉克索 吗啡 芬太尼 曲马多 塞来昔布 布洛芬 对乙酰氨基酚 双氯芬酸 泼尼松 甲泼尼龙 地塞米松 "
    "氢化可的松 他克莫司 环孢素 吗替麦考酚酯 甲氨蝶呤 来氟米特 羟氯喹 别嘌醇 非布司他 秋水仙碱 顺铂 卡铂 "
    "奥沙利铂 紫杉醇 多西他赛 吉西他滨 培美曲塞 卡培他滨 伊马替尼 吉非替尼 厄洛替尼 奥希替尼 贝伐珠单抗 "
    "曲妥珠单抗 利妥昔单抗 帕博利珠单抗 高三尖杉酯碱 阿糖胞苷 左甲状腺素 甲巯咪唑 丙硫氧嘧啶 碳酸钙 "
    "骨化三醇 阿仑膦酸钠 唑来膦酸 促红细胞生成素 蔗糖铁 人血白蛋白 丙种球蛋白 头孢 青霉素 胰岛素"
).split()
DRUG_STEMS = (
    "洛韦 卡韦 福韦 他韦 那韦 拉韦 韦林 韦伦 夫定 拉平 地平 匹林 法林 沙坦 普利 洛尔 他汀 西林 霉素 沙星 替尼 "
    "单抗 双胍 格列 唑仑 拉唑 康唑 西泮 西汀 哌唑 培南 肝素 曲松 他滨 他赛 膦酸 可松 尼松 尼龙 米松 "
    # local anaesthetics, muscle relaxants, NSAIDs, antiepileptics, triptans, thiazides, setrons, cephalosporins
    "卡因 溴铵 洛芬 昔布 西坦 曲坦 噻嗪 司琼 克肟 帕胺"
).split()
ANATOMY = (
    "髂骨 胫骨 腓骨 肱骨 尺骨 桡骨 股骨 髌骨 锁骨 肩胛骨 胸骨 肋骨 颅骨 颞骨 顶骨 枕骨 蝶骨 筛骨 骶骨 尾骨 "
    "贲门 幽门 胆总管 肝总管 胰管 十二指肠 空肠 回肠 盲肠 阑尾 结肠 乙状结肠 直肠 马尾 黄韧带 甲状腺 "
    "肾上腺 前列腺 冠状动脉 左前降支 回旋支 主动脉 肺动脉 颈动脉 椎动脉 桡动脉 股动脉 门静脉 腔静脉 "
    "胫骨平台 肱骨近端 左心室 右心室 左心房 右心房 二尖瓣 三尖瓣 主动脉瓣 海马 杏仁核 丘脑 小脑 延髓 "
    "左叶 右叶 上叶 中叶 下叶 左肺 右肺 左肾 右肾"
).split()
# Chinese materia medica (herbs whose first character is often a surname: 黄芩, 秦艽, 葛根, 柏子仁), eponymous
# diseases, signs and organisms (帕金森病, 墨菲征, 克雷伯菌), and brands of remedies and herbal drinks. Herbs
# that are also names or start them (苏子 of 苏子涵, 丁香, 红花, 白芷, 百合) are left out: a term vetoes any
# name it overlaps; a herb followed by its dose is no name anyway (DOSE_AFTER)
HERBS = (
    "黄芪 黄芩 黄连 黄精 党参 人参 丹参 玄参 苦参 沙参 太子参 西洋参 白术 苍术 白芍 赤芍 白及 白前 "
    "白茅根 白头翁 白果 白扁豆 甘草 炙甘草 柴胡 前胡 葛根 秦艽 秦皮 杜仲 续断 牛膝 川芎 当归 熟地黄 生地黄 地黄 "
    "何首乌 首乌藤 夜交藤 枸杞子 山茱萸 吴茱萸 山药 茯苓 茯神 猪苓 泽泻 薏苡仁 酸枣仁 柏子仁 远志 合欢皮 石菖蒲 "
    "姜黄 莪术 三棱 延胡索 香附 木香 沉香 檀香 乳香 没药 陈皮 青皮 枳实 枳壳 厚朴 砂仁 豆蔻 草果 藿香 佩兰 "
    "半夏 天南星 贝母 浙贝母 川贝母 桔梗 杏仁 苦杏仁 桑白皮 桑枝 桑寄生 金银花 板蓝根 大青叶 "
    "蒲公英 紫花地丁 鱼腥草 车前草 车前子 马齿苋 穿心莲 夏枯草 夏天无 栀子 知母 石膏 竹叶 芦根 天花粉 龙胆 "
    "龙骨 牡蛎 石决明 钩藤 天麻 全蝎 蜈蚣 地龙 僵蚕 蝉蜕 麻黄 桂枝 细辛 羌活 独活 防风 荆芥 紫苏 "
    "升麻 桃仁 益母草 鸡血藤 三七 蒲黄 仙鹤草 侧柏叶 地榆 槐花 大黄 芒硝 火麻仁 "
    "郁李仁 附子 干姜 肉桂 小茴香 花椒 高良姜 鹿茸 淫羊藿 巴戟天 肉苁蓉 锁阳 补骨脂 益智仁 菟丝子 "
    "沙苑子 女贞子 墨旱莲 石斛 天冬 五味子 山楂 神曲 麦芽 谷芽 鸡内金 莱菔子 "
    "槟榔 使君子 雷公藤 马钱子 朱砂 雄黄 冰片 牛黄 麝香 熊胆 阿胶 龟甲 鳖甲 钟乳石 通草 木通 "
    "金钱草 海金沙 萆薢 威灵仙 防己 木瓜 秦皮 白鲜皮 地肤子 蛇床子 苦楝皮 贯众 青蒿 地骨皮 银柴胡 胡黄连 "
    "安宫牛黄丸 六味地黄丸 牛黄解毒片 藿香正气水 板蓝根颗粒 连花清瘟 云南白药 片仔癀 马应龙 王老吉 加多宝 "
    "季德胜蛇药 复方甘草片 乳癖消"
).split()
EPONYMS = (
    "帕金森 阿尔茨海默 梅尼埃 柯萨奇 克雷伯 霍奇金 克罗恩 川崎病 白塞病 马凡 唐氏综合征 库欣 雷诺 格林巴利 "
    "吉兰-巴雷 桥本 墨菲征 巴宾斯基 克氏征 布氏征 麦氏点 屈氏韧带 贝尔面瘫 费城染色体 伯基特 史蒂文斯 "
    "布加综合征 肖格伦 干燥综合征 尤文肉瘤 威尔姆斯 卡波西 奥迪括约肌 希氏束 浦肯野 华氏巨球蛋白"
).split()
# an eponymous sign or syndrome ends at 征 (霍夫曼征, 布鲁津斯基征, 某某综合征阴性): the word before it, or all
# but its last character, is no name
# (read from the name's last character: 霍纳征阴性 read whole is no name either)
_SIGN_FOUND = r"(?:阴性|阳性|未引出|未见|可疑)"
EPONYM_SIGN_AFTER = re.compile(
    rf"[\u4e00-\u9fff]{{1,2}}(?:综合)?征(?:{_SIGN_FOUND}|[（(、，,。；;\s]|$)|征(?:综合征)?{_SIGN_FOUND}"
)
# Chinese medicine's therapies (艾灸, 拔罐: 艾, 拔 open names) and the messaging app a family writes on (微信)
THERAPIES = "艾灸 针灸 推拿 拔罐 刮痧 微信".split()
# looked up as words, not through one regex alternation of hundreds of literals (a tenth of detection time)
CLINICAL_TERMS = frozenset({*DRUGS, *ANATOMY, *HERBS, *EPONYMS, *THERAPIES})
_TERM_LENGTHS: dict[str, tuple[int, ...]] = {  # by first character: the lengths of the terms it starts
    ch: tuple(sorted({len(w) for w in CLINICAL_TERMS if w[0] == ch})) for ch in {w[0] for w in CLINICAL_TERMS}
}
_STEMS = frozenset(DRUG_STEMS)  # all two characters, ending a drug name of one to three more


TERM_REACH = 12  # no drug, anatomy, herb or eponym term is longer
# a dose right after a word makes it a drug or herb (苏子10g, 丁香 3克), never a name
DOSE_AFTER = re.compile(r"[ \t]*\d+(?:\.\d+)?[ \t]*(?:g|克|mg|毫克|ml|毫升|μg|片|粒|丸|袋|支)(?![A-Za-z])")


def in_clinical_term(text: str, start: int, end: int) -> bool:
    """A drug, anatomy, herb or eponym term overlaps ``text[start:end]``: no name does."""
    for i in range(max(0, start - TERM_REACH), end):
        for n in _TERM_LENGTHS.get(text[i], ()):
            if i + n > start and text[i : i + n] in CLINICAL_TERMS:
                return True
    for j in range(max(1, start - 1), min(len(text) - 1, end + 3)):  # 阿昔洛韦: a stem after 1-3 characters
        if text[j : j + 2] in _STEMS:
            k = 0
            while k < 3 and j - k > 0 and "\u4e00" <= text[j - k - 1] <= "\u9fff":
                k += 1
            if k and j - k < end and j + 2 > start:
                return True
    return False


# characters of transliterated names (Xinhua's table of foreign and minority-language names: 阿依古丽,
# 买买提, 约翰, 史密斯): the parts joined by a middle dot are runs of these
TRANSLITERATION = set(
    "阿艾爱安昂奥巴拜班邦保鲍贝本比彼毕边宾波伯博布查彻楚达戴丹道德登迪蒂丁东杜多厄恩尔法凡范菲费芬丰夫弗福"
    "富盖甘冈高戈格根古瓜圭哈海汉豪赫亨洪胡华霍基吉加贾坚杰金津久喀卡凯坎康考柯科可克肯孔库夸奎昆拉莱兰朗劳"
    "勒雷蕾里理丽利莉连林琳隆卢鲁路伦罗洛马玛迈麦曼芒毛梅门蒙米密敏明摩莫默姆穆纳娜乃南瑙内尼妮涅宁纽努诺欧帕"
    "潘庞佩彭皮珀普奇齐恰乔切钦琴丘让热日荣若儒瑞萨塞赛桑瑟森沙莎山尚舍申圣施什史斯松苏索塔泰坦汤唐特滕提图"
    "托瓦万旺威韦维魏温文翁沃乌伍武西希锡夏谢辛休雅亚扬耶叶伊依尤扎泽詹兹祖佐娅娃吐逊买木合江孜则吾守不都"
    "尼帕力翰约孙汗买提玉素甫麦尔丹达吾尔坎古再努尔艾合买江木拉热依米娜扎卫得大"
    # Tibetan name syllables (扎西次仁, 洛桑丹增, 多吉才让, 索朗平措, 白玛央金)
    "次仁卓旦增央才措平曲珍白益顿珠强群培贡青嘎土降琼"
)
MIDDLE_DOTS = "·•‧・･"
