"""Dates and times in Chinese and ISO formats."""

from __future__ import annotations

import re

from node.anonymization.recognizers.base import RegexRecognizer, near

_Y = r"(?:19|20)\d{2}"
_M = r"(?:0?[1-9]|1[0-2])"
_D = r"(?:0?[1-9]|[12]\d|3[01])"
_TIME_ZH = r"(?:[ ]?约?(?:上午|下午|晚上|凌晨|中午|早上|晚)?[ ]?\d{1,2}[:：时点](?:\d{1,2}分?)?(?:\d{1,2}秒)?(?:-\d{1,2}:\d{2})?)?"
_TIME = r"(?:[ T]\d{1,2}:\d{2}(?::\d{2})?(?:-\d{1,2}:\d{2})?)?"

CN_DATE = re.compile(rf"(?<!\d){_Y}[ ]?年[ ]?{_M}[ ]?月(?:[ ]?{_D}[ ]?[日号]{_TIME_ZH})?")
MONTH_DAY = re.compile(rf"(?<![\d年]){_M}月{_D}[日号]{_TIME_ZH}")
ISO_DATE = re.compile(rf"(?<![\d.]){_Y}([-/.]){_M}\1{_D}{_TIME}(?!\d|\.\d)")
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
# (or a year alone after a birth year's label: 出生年份：1968)
_LABEL = "(?:日期|时间|生日|出生|入院|出院|就诊|复诊|随访|手术|签署|报告|采样|开始|结束|年份)[:：于]"
LABELLED_SHORT = re.compile(
    rf"[:：于](?<={_LABEL})[ ]?((?:\d{{2}}([/.-]){_M}\2{_D}|{_M}[-/]{_D})(?:[ ]\d{{1,2}}:\d{{2}})?"
    rf"|(?:[01]?\d|2[0-3]):[0-5]\d(?::[0-5]\d)?(?!\d)|{_Y}(?!\d))"
    r"(?![\d./-]|[ ]?[天周月年日个次小分秒])"  # not a span of days (复查日期：3-5天后)
)
# a date written with a space between its characters (2 0 2 4 . 0 5 . 1 4, a form's spaced layout)
SPACED_DATE = re.compile(
    r"(?<!\d)(?<!\d )(?:1 9|2 0) \d \d (?:[./-]|年) (?:[01] )?\d (?:[./-]|月) (?:[0-3] )?\d(?: 日)?(?! ?\d)"
)
# a date whose separators stand between spaces, the way OCR transcribes a handwritten form (2024 /05 /20,
# 2024 - 04 - 09), with its clock time spaced the same way (23 : 14)
OCR_DATE = re.compile(
    rf"(?<![\d./-]){_Y}(?=[ ][-/.]|[-/.][ ])[ ]?([-/.])[ ]?{_M}[ ]?\1[ ]?{_D}"
    r"(?:[ ]{1,2}(?:[01]?\d|2[0-3])[ ]?:[ ]?[0-5]\d)?(?![\d./-]|[ ]?[:：][ ]?\d)"
)
# a month named from this year (去年十二月, 去年腊月, 今年3月): a patient's event all the same, with its
# day when one follows (今年3月8日: the whole date, not the month cut off before it)
RELATIVE_MONTH = re.compile(
    r"(?:去年|今年|前年)(?:十[一二]?|[一二三四五六七八九]|[1-9]|1[0-2]|腊|正|冬)月(?:份|" + _D + r"[日号])?"
)
# the last day of a range after its first date (9月12日—13日): the day alone
RANGE_DAY = re.compile(
    rf"(?:(?<=月\d[日号])|(?<=月\d\d[日号]))[ ]?(?:—|-|~|～|至|到)[ ]?({_D}[日号])(?![\d床楼室])"
)
# a clock time anywhere (21:05, 7:42 AM): the hand-written sets hold nearly every one as a date; not a
# ratio (稀释1:10) nor part of a longer run of digits and colons (an IPv6 address, 12:30:45:10)
BARE_TIME = re.compile(
    r"(?<![\d:.])(?:[01]?\d|2[0-3]):[0-5]\d(?::[0-5]\d)?(?:[ ]?[AP]M)?(?![\d:]|[ ]?[天周月年日个次小分秒])"
)
# (nor a ward's or a clinic's hours: 探视时段：15:00-16:00 is no one's event)
_RATIO_BEFORE = re.compile(
    r"(?:比|比例|稀释|滴度|ratio|时段|开放时间|营业时间|探视时间)[ ]?[:：]?[ ]?(?:\d{1,2}:\d{2}[-~至])?$",
    re.IGNORECASE,
)
# a timetable's hours, not an event of this patient's care: a daily or weekly routine (每日8:00, 每周三
# 14:00), a ward's or a clinic's hours (探视, 门诊时间, 上班), a standing dosing time (服药时间：8:00、20:00),
# read back over the clause before the time (a list of times shares its first one's words)
_SCHEDULE_BEFORE = re.compile(
    r"每[天日晚早周月隔次班]|定时|按时|常规|固定|通常|平时|平日|工作日|周末|节假日|"
    # (a week's days, listed or as a span: 周二、周四 8:30, 周一至周五 8:00-17:30)
    r"周[一二三四五六日天](?:[至到~～-]|、)周?[一二三四五六日天]|"
    r"探视|探望|陪护时间|交班|交接班|接班|上班|下班|门诊时间|出诊|坐诊|营业|开放|作息|开饭|送餐|"
    r"熄灯|午休|起床|就寝|班车|(?:服药|给药|用药|发药|测量?血糖|测血压)(?:时间|时刻)|"
    r"[Vv]isiting|[Dd]aily|[Ee]very|[Rr]outine|[Oo]ffice hours|[Cc]linic hours|[Ss]hift",
)
_CLAUSE_END = re.compile(r".*[\n。；;！？!?]", re.S)
# a heading whose line lists a round's or a ward's times (巡视：8:30 通畅；8:45 通畅): read back to the line's
# start
_LINE_SCHEDULE = re.compile(r"巡视|巡回|探视|[Vv]isiting hours")
# an instruction's deadline (请于今日17:00前领取, 须于手术日7:30前送达): a time the reader is to keep
_DEADLINE_AFTER = re.compile(r"[ ]?(?:前|以前|之前)(?!后)")
_INSTRUCTION = re.compile(r"请|须|需|务必|应于|应在")
# a bare month-day with its clock time (03-07 06:00, 4/8 09:30, 3.5 8:00): one date
# (or day first when the day cannot be a month: 16/11 22:14)
MONTH_DAY_TIME = re.compile(
    rf"(?<![\d./-])(?:{_M}([-/.]){_D}|(?:1[3-9]|2\d|3[01])([/.]){_M})[ ](?:[01]?\d|2[0-3]):[0-5]\d(?![\d:])"
)
# a two-digit year, month and day with slashes or dots (26/03/05, 25.11.4), anywhere
SHORT_YEAR = re.compile(
    r"(?<![\d./-])(?:1[5-9]|2\d|3[0-5])([/.])(?:0?[1-9]|1[0-2])\1(?:0?[1-9]|[12]\d|3[01])(?![\d./-])"
)
# a bare month-day (3-20, 4/8, 3.25) opening a line or an entry (after 于, 至, —, ；, ：), followed by
# text or the line's end, not by a unit (3-5天, 1-2次) nor a number; a dot only with a two-digit day
# (not a section number 1.2)
ENTRY_MONTH_DAY = re.compile(
    rf"(?:^|(?<=[\n于至—～~；;：:]))[ \t]*\[?((?:0?[1-9]|1[0-2])(?:[-/]{_D}|\.(?:[12]\d|3[01]|0[1-9])))"
    r"(?![\d./-]|[ ]?[天周月年日个次分秒岁度级床号人组例片粒支袋瓶枚项份]|[ ]?(?:小时|mg|ml|mL|g|kg|cm|mm|h))"
    # (nor a count of passes: 结果：5/5合格)
    r"(?!合格|通过|正确|阳性|阴性|达标)"
    # (a log's entry: the text after ordinary or ideographic spaces, or a bed's number: 11.13 16床 体温)
    r"(?=[ \t\u3000]*(?:[\u4e00-\u9fff]|\]|[:：][ ]|$)|[ \t\u3000]+\d{1,3}床)",
    re.MULTILINE,
)
# English layouts: a date with its weekday or its clock time (Tue 4/7/2026 9:15 AM, April 7, 2026 09:15,
# 4/7/2026 at 9:15 AM), a 24-hour time after a preposition (since 0430, at 2200 on 4/6), a month-day
# after one (from Mar 30, since 04/06), a day, an upper-case month and a year (07 AUG 1979)
_CLOCK = r"(?:[01]?\d|2[0-3]):[0-5]\d(?::[0-5]\d)?(?:[ ]?[AP]M)?"
_MONTH_NAME = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]{0,6}\.?"
_EN_DATE = rf"(?:\d{{1,2}}/\d{{1,2}}/(?:19|20)?\d{{2}}|{_MONTH_NAME} \d{{1,2}},? {_Y}|\d{{1,2}} {_MONTH_NAME} {_Y})(?![\d/])"
_WEEKDAY = r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]{0,6}\.?,?[ ]"
ENGLISH_DATE = re.compile(
    rf"\b(?:{_WEEKDAY}{_EN_DATE}(?:,?[ ](?:at[ ])?{_CLOCK})?|{_EN_DATE},?[ ](?:at[ ])?{_CLOCK}(?![\d:])"
    r"|\d{1,2} (?:JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC) (?:19|20)\d{2}\b"
    # a month and a year (due April 2025, since Sept 2019), a weekday, a day and a month (Fri 22 Nov, 14:00)
    rf"|(?<!\d )(?:January|February|March|April|June|July|August|September|October|November|December"
    rf"|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\.? {_Y}\b"
    rf"|{_WEEKDAY}\d{{1,2}} {_MONTH_NAME}(?![ ]\d)(?:,?[ ](?:at[ ])?{_CLOCK}(?![\d:]))?)"
)
ENGLISH_AFTER = re.compile(
    r"\b(at|by|until|since|from|on) ((?:[01]\d|2[0-3])[0-5]\d(?: on \d{1,2}/\d{1,2}(?![\d/]))?"
    r"(?=[.,;)]|\s*$|\s+(?:today|yesterday|and)\b)"
    r"|(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]{0,6}\.? (?:[12]\d|3[01]|0?[1-9])(?![\d,:]| \d)"
    r"|(?:0?[1-9]|1[0-2])/(?:[12]\d|3[01]|0?[1-9])(?![\d/]))",
    re.MULTILINE,
)
_DATE_CONTEXT = re.compile(r"日期|时间|于|生日|出生|入院|出院|就诊|签署|报告|采样|检查")


def _sure(m: re.Match[str], text: str) -> float | None:
    return 0.9


# a drug's or a device's expiry after its lot number (批号：C2408112，有效期至2026年08月): the product's date,
# no one's event (a certificate's or a card's validity, 有效期至：2027年3月9日, stays a date)
_LOT_EXPIRY_BEFORE = re.compile(
    r"批号[ \t]*[:：]?[ \t]*[A-Za-z0-9-]{3,20}[ \t，,；;、\u3000]*(?:有效期|效期|失效期)至?[:：]?[ \t]*$"
)


def _dated(m: re.Match[str], text: str) -> float | None:
    return None if _LOT_EXPIRY_BEFORE.search(text, max(0, m.start() - 40), m.start()) else 0.9


def _compact(m: re.Match[str], text: str) -> float | None:
    # 8-digit dates are often batch or order numbers: only with a date word just before
    return 0.8 if near(text, m.start(), m.end(), _DATE_CONTEXT, before=6) else None


def _schedule(text: str, start: int, end: int | None = None) -> bool:
    """Whether a timetable's words stand in the clause before ``start`` (at most 24 characters back), a
    round's heading on its line, or an instruction's words before a deadline ending at ``end``."""
    begin = max(0, start - 24)
    if clause := _CLAUSE_END.match(text, begin, start):
        begin = clause.end()
    if _SCHEDULE_BEFORE.search(text, begin, start):
        return True
    if end is not None and _DEADLINE_AFTER.match(text, end) and _INSTRUCTION.search(text, begin, start):
        return True
    line = max(0, text.rfind("\n", max(0, start - 60), start) + 1, start - 60)
    return bool(_LINE_SCHEDULE.search(text, line, start))


# a document titled as a list or a timetable (手术排班, 预约登记, day-surgery list, rota): its bare clock
# times are the plan's slots, not events of someone's care
_SCHEDULE_TITLE = re.compile(r"预约|排程|排班|安排表|[Ll]ist\b|[Ss]chedule|[Rr]ota\b|日程")


def _clock(m: re.Match[str], text: str) -> float | None:
    # below a date's 0.9: a date that holds the time (3月5日 8:00) is kept whole
    if _RATIO_BEFORE.search(text, max(0, m.start() - 14), m.start()) or _schedule(text, m.start(), m.end()):
        return None
    title_end = text.find("\n", 0, 80)
    if title_end > 0 and title_end < m.start() and _SCHEDULE_TITLE.search(text, 0, title_end):
        return None
    return 0.85


def _labelled_short(m: re.Match[str], text: str) -> float | None:
    # a clock time alone after a time's label is a timetable's where one stands before (探视时间：15:00)
    if ":" in m.group(1) and not re.search(r"[/.-]", m.group(1)) and _schedule(text, m.start(1), m.end(1)):
        return None
    return 0.9


def _after(m: re.Match[str], text: str) -> float | None:
    """A 24-hour time alone only after since/from (at 0600 is mostly a task's hour, not an event's), with
    its day after any preposition (at 2200 on 4/6); a month-day after any but at/by."""
    preposition, value = m.group(1), m.group(2)
    if value[:4].isdigit():
        return 0.9 if " on " in value or preposition in ("since", "from") else None
    return None if preposition in ("at", "by") else 0.9


def date_recognizers() -> list[RegexRecognizer]:
    return [
        RegexRecognizer("DATE_TIME", CN_DATE, _dated),
        RegexRecognizer("DATE_TIME", MONTH_DAY_ANY, _sure),
        RegexRecognizer("DATE_TIME", ISO_OR_DAY_FIRST, _dated),
        RegexRecognizer("DATE_TIME", COMPACT, _compact),
        RegexRecognizer("DATE_TIME", LABELLED_SHORT, _labelled_short, group=1),
        RegexRecognizer("DATE_TIME", SPACED_DATE, _sure),
        RegexRecognizer("DATE_TIME", BARE_TIME, _clock),
        RegexRecognizer("DATE_TIME", OCR_DATE, _sure),
        RegexRecognizer("DATE_TIME", RELATIVE_MONTH, _sure),
        RegexRecognizer("DATE_TIME", RANGE_DAY, _sure, group=1),
        RegexRecognizer("DATE_TIME", MONTH_DAY_TIME, _sure),
        RegexRecognizer("DATE_TIME", SHORT_YEAR, _sure),
        RegexRecognizer("DATE_TIME", ENTRY_MONTH_DAY, _sure, group=1),
        RegexRecognizer("DATE_TIME", ENGLISH_DATE, _sure),
        RegexRecognizer("DATE_TIME", ENGLISH_AFTER, _after, group=2),
    ]
