"""Dates and times in Chinese and ISO formats."""

from __future__ import annotations

import re

from node.anonymization.recognizers.base import RegexRecognizer, near

_Y = r"(?:19|20)\d{2}"
_M = r"(?:0?[1-9]|1[0-2])"
_D = r"(?:0?[1-9]|[12]\d|3[01])"
_TIME_ZH = r"(?:[ ]?(?:上午|下午|晚上|凌晨|中午|早上|晚)?[ ]?\d{1,2}[:：时点](?:\d{1,2}分?)?(?:\d{1,2}秒)?)?"
_TIME = r"(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?"

CN_DATE = re.compile(rf"(?<!\d){_Y}[ ]?年[ ]?{_M}[ ]?月(?:[ ]?{_D}[ ]?[日号]{_TIME_ZH})?")
MONTH_DAY = re.compile(rf"(?<![\d年]){_M}月{_D}[日号]{_TIME_ZH}")
ISO_DATE = re.compile(rf"(?<![\d.]){_Y}([-/.]){_M}\1{_D}{_TIME}(?![\d.])")
COMPACT = re.compile(rf"(?<![0-9A-Za-z]){_Y}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])(?![0-9A-Za-z])")
# Chinese numerals (二〇二六年三月五日, 三月五日, 十一月二十日)
_CN_NUM = "〇零一二三四五六七八九"
_CN_MONTH_DAY = (
    r"(?:十[一二]?|[一二三四五六七八九])月(?:三十[一]?|二?十[一二三四五六七八九]?|[一二三四五六七八九])[日号]"
)
CN_NUMERAL_DATE = re.compile(rf"[{_CN_NUM}]{{4}}年{_CN_MONTH_DAY}|{_CN_MONTH_DAY}")
# (one recognizer with the month-day in digits)
MONTH_DAY_ANY = re.compile(MONTH_DAY.pattern + "|" + CN_NUMERAL_DATE.pattern)
# day or month first with a four-digit year (05/03/2026, 5.3.2026); the first digit is read first and
# what stands before it after (a pattern opening with a look-behind is tried at every character)
# (one recognizer with the ISO shape: each recognizer costs a call per note)
ISO_OR_DAY_FIRST = re.compile(ISO_DATE.pattern + rf"|\d(?<![\d./-]\d)\d?([/.]){_M}\2{_Y}(?![\d./-])")
# a two-digit year or a bare month-day right after a date's label and its colon (日期：26/03/05,
# 检查日期：3-5): found from the colon, the label read behind it
# (or a bare clock time after a time's label: 开始：09:25, 时间：18:42)
_LABEL = "(?:日期|时间|生日|出生|入院|出院|就诊|复诊|随访|手术|签署|报告|采样|开始|结束)[:：于]"
LABELLED_SHORT = re.compile(
    rf"[:：于](?<={_LABEL})[ ]?((?:\d{{2}}([/.-]){_M}\2{_D}|{_M}[-/]{_D})(?:[ ]\d{{1,2}}:\d{{2}})?"
    r"|(?:[01]?\d|2[0-3]):[0-5]\d(?::[0-5]\d)?(?!\d))"
    r"(?![\d./-]|[ ]?[天周月年日个次小分秒])"  # not a span of days (复查日期：3-5天后)
)
_DATE_CONTEXT = re.compile(r"日期|时间|于|生日|出生|入院|出院|就诊|签署|报告|采样|检查")


def _sure(m: re.Match[str], text: str) -> float | None:
    return 0.9


def _compact(m: re.Match[str], text: str) -> float | None:
    # 8-digit dates are often batch or order numbers: only with a date word just before
    return 0.8 if near(text, m.start(), m.end(), _DATE_CONTEXT, before=6) else None


def date_recognizers() -> list[RegexRecognizer]:
    return [
        RegexRecognizer("DATE_TIME", CN_DATE, _sure),
        RegexRecognizer("DATE_TIME", MONTH_DAY_ANY, _sure),
        RegexRecognizer("DATE_TIME", ISO_OR_DAY_FIRST, _sure),
        RegexRecognizer("DATE_TIME", COMPACT, _compact),
        RegexRecognizer("DATE_TIME", LABELLED_SHORT, _sure, group=1),
    ]
