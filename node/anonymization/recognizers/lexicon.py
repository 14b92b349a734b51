"""The words behind the name recognizers: surnames, given-name characters, clinical words that begin
with a surname character, the cue words that say a person is meant before or after a name, and jieba's
dictionary. Data and word-level tests only: the rule recognizer (``names.py``) and the statistical
segmentation (``name_model.py``) both read it, and it imports neither."""

from __future__ import annotations

import re
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
SURNAME = "(?:" + "|".join(COMPOUND) + f"|[{SINGLE}])"
CJK = "[\u4e00-\u9fff]"
CJK_CHAR = re.compile(CJK)

BEFORE = re.compile(
    r"(?:患者|病人|姓名|家属|联系人|签名|签字|医师|医生|护士|主任|配偶|之子|之女|儿子|女儿|父亲|母亲|丈夫|妻子|"
    r"经治医生|主治医师|住院医师|记录者|记录人|报告人|审核人|审核者|申请人|被保险人|投保人|受益人|代理人|陪同人|"
    r"委托人|监护人|患儿|孕妇|产妇|病友|同事|朋友|老师|同学|由|请|联系(?:不上|不到)?|通知|代表|委托|交予|交给|护士长|告知|致电|复核人|核对人|"
    r"护理员|护工|保姆|亲属|家人|哥哥|姐姐|弟弟|妹妹|爷爷|奶奶|外公|外婆|孙子|孙女|会诊医师|主管护师|操作者|执行人|"
    # kinship terms: a closed class, listed whole
    r"爱人|老伴|伴侣|外甥女?|侄子|侄女|表[哥姐弟妹]|堂[哥姐弟妹]|儿媳|女婿|外孙女?|孙媳|姐夫|妹夫|嫂子|弟媳|"
    r"舅舅|舅妈|姑姑|姑父|姨妈|姨父|叔叔|婶婶|伯伯|伯母|岳父|岳母|公公|婆婆|[继养]父|[继养]母|外?祖[父母]|"
    r"其[姐妹兄弟夫妻子女母父]|"
    r"姓名为|名为|名叫)"
    r"[ \t]*[:：]?[ \t]*$"
)
# a role noun ending in 人/员/师/者 right before the name (发药人, 随访员, 药师, 检验者 ...): the cue
# list above cannot hold every job title a hospital writes
ROLE_BEFORE = re.compile(r"[\u4e00-\u9fff](?:人|员|师|者)[ \t]*[:：]?[ \t]*$")
# a person cue ending in a colon (家属：, 报告医生：): the name is the field's value
BEFORE_COLON = re.compile(r"[:：][ \t]*$")
# a form label (一助：, 审核：, 签名：): a person only if the value stands alone in its field
LABEL_BEFORE = re.compile(r"[\u4e00-\u9fff]{1,5}[ \t]*[:：][ \t]*$")
FIELD_END = re.compile(r"[ \t\r\n\u3000，,。；;、（(）)]|$")
AFTER = re.compile(
    r"(?:[ \t]*(?:医生|医师|护士|主任|大夫|先生|女士|老师|教授|同志|患者|护士长|副主任|副教授|主治医师|住院医师|"
    r"老人|阿姨|大爷|大妈|奶奶|爷爷|师傅|同学)"
    r"|的(?:儿子|女儿|丈夫|妻子|爱人|母亲|父亲|家属|子女|孙子|孙女|哥哥|姐姐|弟弟|妹妹)"
    r"|[，,、（( \t]*(?:男|女)(?![科性])|[，,（( \t]*\d{1,3}岁|[ \t]*(?:之子|之女|之父|之母|家属)"
    # a relative right after a name, no 的 (X老伴诉, X女儿代诉), and X一家三口
    r"|(?:老伴|爱人|女儿|儿子|丈夫|妻子)(?=代诉|诉|称|陪同|表示|同意|签字|要求|反映|述)|一家[三四五六几]?口"
    r"|[（(](?:儿子|女儿|配偶|丈夫|妻子|父亲|母亲|之子|之女|患者本人|本人)[）)]"
    r"|[（(](?:证件号码|身份证号?|证件号))"
)
# characters common in given names: a candidate's given part must use only these, which keeps verbs
# and clinical words (查看, 送至, 反映, 完成 ...) out of names
GIVEN_CHARS = set(
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国志红文辉玉凤鹏飞雪梅晨浩宇欣怡子涵琳婷玲丹萍燕颖倩琴云莉晶慧佳媛瑶璐蕾薇莹珊雯露月春秋冬夏兵斌彬林森峰波海江河山石松柏龙虎凯俊健康宁安福寿禄喜庆祥瑞德仁义礼智信忠孝诚毅坚铭然博鑫淼焱昊晖阳旭东南中民生成功立新永长荣贵富金银宝珠翠琼瑾瑜璇琪瑛璋玮琦珍芬芝菊莲荷叶枫柳杨桃李梨杏樱蓉芸茜蕊萱菲若思雨雅馨悦乐欢笑妍娇媚姗嫣婉娴婧妮娅姝颜容心意诗书琴凌霄天星辰光亮晓曦晴朗航翔腾跃驰振兴旺盛昌隆泰和顺达远方正清廉洁宏大雄豪美好良善贤淑惠聪睿哲理学武才艺儒斯维克诺伦嘉佑泽润源渊潇沛溪澜漪汐沐霖霜冰凝纯真恒弘昭彰耀煌炜烨煜炎灿璨琰程政治邦家庭宗祖承继绍延传世代久常守保卫护助兆麟骏驹骁骐鸿鹤莺凰鸾鹃蝶蓓苗茂菁芃苒蔚蓝青碧绿紫彤朱素皓伊依仪亦奕逸轶益谊翼溢熠梓轩宸煊萌梦栋梁桥楠桐楚棠杉彦晟昕旻昀暄景晋曜巍峥嵘崇岚峻岳嵩屹岩乔乾坤培城基均垚增一二三四五六七八九丰玲琬琰瑶珏璟琛瑄珂婕娟婵嫦婷娥姣妹媛娣妞莎莺蓉蕙蓬茹荣莉荔菡萍蔓薇芷芮芹苹茗荟莞萃蓁蔷蕾藤冠凡帆舟航轩辕军兵卫国庆春生光宗耀荣富贵吉祥如意顺利平安健康长乐永康福海宝山川岭峰崖谷溪泉波涛洪涵泓洋洲湘湖淮滨沙汉汝沁沂泳洁润涛淳渝渤澄澈灵巧芊若晗曼琦瑞曼宁静舒婉约彩霓虹鸣骞献鹏振鹤鲲鲸飒飙琨瑶启迪建明雪丽欣然子墨思远一鸣致远浩然逸飞晨阳嘉怡雨桐可馨诗涵梓涵"
)
# given names never contain these (they start the clinical text that follows a cue)
NOT_GIVEN = set("的了于因在是和与及等诉述现既往昨日年时分前后入出院诊病症痛热咳血压糖脂尿便检查治疗术男女岁")
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
    "查血",
    "白班",
}


# the 2,500 most frequent characters of general text (scripts/frequent_chars.py, from jieba's dictionary):
# a character outside them and outside GIVEN_CHARS is rare, and rare characters in a name position are
# far more often names (翀, 彧, 祎 ...) than words
FREQUENT_CHARS = frozenset(
    (resources.files("node.anonymization") / "data" / "frequent_chars.txt")
    .read_text(encoding="utf-8")
    .strip()
)


def given_char(ch: str) -> bool:
    return ch in GIVEN_CHARS or (
        "\u4e00" <= ch <= "\u9fff" and ch not in FREQUENT_CHARS and ch not in NOT_GIVEN
    )


_JIEBA: Any = None
RARE_WORD = 100  # jieba dictionary frequency under which a word may be a name rather than a common word


def jieba_module() -> Any:
    """jieba, loaded on first use (its dictionary takes about 1 s)."""
    global _JIEBA
    if _JIEBA is None:
        import logging

        import jieba
        import jieba.posseg

        jieba.setLogLevel(logging.WARNING)
        jieba.initialize()
        _JIEBA = jieba
    return _JIEBA


def common_word_at(text: str, i: int) -> bool:
    """A common word (2-4 characters, frequent in jieba's dictionary) starts at ``i``."""
    freq = jieba_module().dt.FREQ
    return any(freq.get(text[i : i + k], 0) >= RARE_WORD for k in (2, 3, 4) if i + k <= len(text))


def common_non_name(word: str) -> bool:
    """A frequent dictionary word that jieba does not tag as a person's name (查看 yes, 胡适 no)."""
    jieba = jieba_module()
    if jieba.dt.FREQ.get(word, 0) < RARE_WORD:
        return False
    return not str(jieba.posseg.dt.word_tag_tab.get(word, "")).startswith("nr")


def segmented_name_length(text: str, start: int, surname: int) -> int:
    """Length of the first jieba word at ``start`` if it looks like a name (surname-led, 2-4 characters,
    rare in the dictionary), else 0."""
    jieba = jieba_module()
    words = jieba.lcut(text[start : start + 6])
    word = words[0] if words else ""
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
    return name in _LEXICON_PREFIXES or any(name[:i] in LEXICON for i in range(2, len(name)))


def cue_before(text: str, start: int) -> bool:
    """A word that says a person follows (患者, 家属：, 发药人 ...) ends right before ``start``."""
    return bool(
        BEFORE.search(text, max(0, start - 8), start) or ROLE_BEFORE.search(text, max(0, start - 4), start)
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
    r"自|之|的|了|今|昨|入|出|为|给|对|向|负责|审核|记录|查房|会诊|电话|联系|手机|住址|身份证)"
)
