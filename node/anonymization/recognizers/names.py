"""Person names: Chinese names (a surname and one or two given characters) next to a cue that says a
person is meant (患者, 姓名：, 家属, 医师 ..., or a following 男/女/岁/医生), and Latin names after a
title or a name label. Clinical words that begin with a surname character (高血压, 白细胞, 黄疸, 周期,
王不留行 ...) are excluded by a lexicon and by characters that never end a given name."""

from __future__ import annotations

import re

from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

SINGLE = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆"
    "汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞"
    "颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁"
    "蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商"
    "刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝"
)
COMPOUND = "欧阳 司马 上官 诸葛 东方 皇甫 尉迟 公孙 慕容 令狐 司徒 夏侯 长孙 宇文 端木 南宫 独孤".split()
_SURNAME = "(?:" + "|".join(COMPOUND) + f"|[{SINGLE}])"
_CJK = "[\u4e00-\u9fff]"

_BEFORE = re.compile(
    r"(?:患者|病人|姓名|家属|联系人|签名|签字|医师|医生|护士|主任|配偶|之子|之女|儿子|女儿|父亲|母亲|丈夫|妻子|"
    r"经治医生|主治医师|住院医师|记录者|记录人|报告人|审核人|审核者|申请人|被保险人|投保人|受益人|代理人|陪同人|"
    r"委托人|监护人|患儿|孕妇|产妇|病友|同事|朋友|老师|同学|由|请|联系|通知|告知|致电)[ \t]*[:：]?[ \t]*$"
)
_AFTER = re.compile(
    r"(?:[ \t]*(?:医生|医师|护士|主任|大夫|先生|女士|老师|教授|同志|患者|护士长)"
    r"|[，,、（( \t]*(?:男|女)(?![科性])|[，, \t]*\d{1,3}岁|[ \t]*(?:之子|之女|之父|之母|家属))"
)
_CANDIDATE = re.compile(rf"{_SURNAME}{_CJK}{{1,2}}")
# given names never contain these (they start the clinical text that follows a cue)
_NOT_GIVEN = set("的了于因在是和与及等诉述现既往昨日年时分前后入出院诊病症痛热咳血压糖脂尿便检查治疗术男女岁")
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
}


# every prefix of a lexicon word: a candidate that is the start of a clinical word is no name
_LEXICON_PREFIXES = {w[:i] for w in LEXICON for i in range(2, len(w) + 1)}


class ChineseNameRecognizer(EntityRecognizer):
    def __init__(self) -> None:
        super().__init__(supported_entities=["PERSON"], supported_language="zh", name="PERSON_zh_recognizer")

    def load(self) -> None:
        return None

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        results = []
        pos = 0
        while (m := _CANDIDATE.search(text, pos)) is not None:
            pos = m.start() + 1
            span = self._name_at(text, m.start(), m.end())
            if span:
                results.append(RecognizerResult("PERSON", span[0], span[1], 0.85))
                pos = span[1]
        return results

    def _name_at(self, text: str, start: int, end: int) -> tuple[int, int] | None:
        cued_before = bool(_BEFORE.search(text, max(0, start - 8), start))
        for stop in (end, end - 1) if end - start >= 3 else (end,):
            name = text[start:stop]
            if name in _LEXICON_PREFIXES or any(name[:i] in LEXICON for i in range(2, len(name))):
                continue
            given = name[2:] if name[:2] in COMPOUND else name[1:]
            if not given or any(ch in _NOT_GIVEN for ch in given):
                continue
            if _AFTER.match(text, stop) or (cued_before and not _continues_word(text, stop)):
                return start, stop
        return None


# _AFTER is used with Pattern.match(text, pos), which anchors at pos ('^' would not match there)
# words that commonly follow a person's name and so end it
_FOLLOW = re.compile(
    r"(?:陪同|陪护|代诉|签名|签字|签署|沟通|交代|商议|谈话|协商|同意|知情|告知|表示|拒绝|要求|来院|到院|携带|"
    r"诉|述|称|已|未|曾|现|因|于|在|是|和|与|及|等|"
    r"自|之|的|了|今|昨|入|出|为|给|对|向|负责|审核|记录|查房|会诊|电话|联系|手机|住址|身份证)"
)


def _continues_word(text: str, stop: int) -> bool:
    """True if the candidate runs into more Chinese text that is neither a cue nor a word ending a name."""
    if stop >= len(text) or not "\u4e00" <= text[stop] <= "\u9fff":
        return False
    return not (_AFTER.match(text, stop) or _FOLLOW.match(text, stop))


LATIN = re.compile(
    r"(?:(?:Mr|Mrs|Ms|Miss|Dr|Prof)\.?[ ]+|(?:Patient|Name|姓名)[ ]*[:：][ ]*)([A-Z][a-z]+(?:[ -][A-Z][a-z]+){0,2})"
)


class LatinNameRecognizer(EntityRecognizer):
    def __init__(self) -> None:
        super().__init__(
            supported_entities=["PERSON"], supported_language="zh", name="PERSON_latin_recognizer"
        )

    def load(self) -> None:
        return None

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        return [RecognizerResult("PERSON", m.start(1), m.end(1), 0.85) for m in LATIN.finditer(text)]
