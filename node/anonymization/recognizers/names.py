"""Person names: Chinese names (a surname and one or two given characters) next to a cue that says a
person is meant (患者, 姓名：, 家属, 医师 ..., or a following 男/女/岁/医生), and Latin names after a
title or a name label. Clinical words that begin with a surname character (高血压, 白细胞, 黄疸, 周期,
王不留行 ...) are excluded by a lexicon and by characters that never end a given name.

A name's extent comes from a model of given-name characters, then jieba's segmentation, and last,
after a cue, from its context: surname and one or two characters that run into the start of a common
word or a word that follows names (林小雨核对, 胡适查看), as long as the name itself is no common word
(主任查看: 查 is a surname).

Where no cue stands, the statistical segmentation of ``name_model.py`` decides (爱人李秀芝体健, 18床王淑芬
今晨 ...); its findings score 0.6, below every rule's, so a cue's extent and other entity types win
where they overlap."""

from __future__ import annotations

import bisect
import re
from functools import lru_cache

from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from node.anonymization.recognizers.base import FAST, lines_with_offsets, prefiltered
from node.anonymization.recognizers.english import NAME as LATIN_NAME
from node.anonymization.recognizers.english import NOT_NAME_WORDS, latin_names
from node.anonymization.recognizers.lexicon import (
    AFTER,
    BEFORE_COLON,
    CJK,
    CJK_CHAR,
    COMPOUND,
    CUE_ONLY_SURNAMES,
    DOMAIN_WORDS,
    DOSE_AFTER,
    EPONYM_SIGN_AFTER,
    FIELD_END,
    FOLLOW,
    FREQUENT_CHARS,
    FUNCTION_SURNAMES,
    GIVEN_CHARS,
    LABEL_BEFORE,
    LEXICON,
    MIDDLE_DOTS,
    NOT_GIVEN,
    PERSON_NOUN_WORDS,
    PERSON_NOUNS,
    SINGLE,
    SLOT_COMPOUNDS,
    SURNAME,
    TRANSLITERATION,
    common_non_name,
    common_word_at,
    cue_before,
    given_char,
    in_clinical_term,
    jieba_module,
    segmented_name_length,
    stands_as_name,
    starts_clinical_word,
)
from node.anonymization.recognizers.lexicon import BEFORE as PERSON_CUE
from node.anonymization.recognizers.name_model import NameModel
from node.anonymization.recognizers.opening import opening_on_a_class
from node.anonymization.recognizers.person_crf import PersonCrf
from node.anonymization.recognizers.person_crf import packaged as packaged_crf

MODEL_SCORE = 0.6  # a name the segmentation model found without a cue
CRF_SCORE = 0.55  # a name only the character CRF found: every rule's finding wins where they overlap
CRF_VETO = 0.05  # a segmentation-model name whose mean CRF name marginal is below this is dropped
CRF_SURE = 0.9  # a CRF name this sure replaces the rules' names it reads as no names
CRF_SHORTEST = 1  # characters of the shortest name the CRF may add (a surname alone: 医师：靳)
_ROLE_WORDS = frozenset(PERSON_NOUN_WORDS)
_DOMAIN_WORD = re.compile("|".join(word for word, _ in DOMAIN_WORDS))
# compound surnames that are no everyday word (东方 is east, 长孙 an eldest grandson): a name wherever met
_NAME_ONLY_COMPOUNDS = frozenset(COMPOUND) - {"东方", "长孙"}
_TITLED_COMPOUNDS = frozenset(COMPOUND) - {"长孙"}  # (东方女士: a title makes 东方 a surname)
# where 东方 starts a name: after a department, a colon or a list's comma (感染科东方明, 讨论：东方明认为)
_EAST_BEFORE = set("科室组：:、，,\n")
_REACH_BACK = 64  # characters: no name finding is longer
_CANDIDATE = re.compile(rf"{SURNAME}{CJK}{{1,2}}")
_CANDIDATE_SCAN = opening_on_a_class(_CANDIDATE) or _CANDIDATE  # the same matches, skipping ahead


class ChineseNameRecognizer(EntityRecognizer):
    def __init__(self, model: NameModel | None = None, crf: PersonCrf | None = None) -> None:
        super().__init__(supported_entities=["PERSON"], supported_language="zh", name="PERSON_zh_recognizer")
        self._model = model
        self._crf = crf

    def load(self) -> None:
        return None

    @property
    def model(self) -> NameModel:
        if self._model is None:
            self._model = NameModel.packaged()
        return self._model

    @property
    def crf(self) -> PersonCrf:
        if self._crf is None:
            self._crf = packaged_crf()
        return self._crf

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        results = []
        pos = 0
        listed_at = -1  # where a name listed after the previous one (张三、李四; 张三/李四) would start
        search = _CANDIDATE_SCAN.search if FAST.fast else _CANDIDATE.search
        while (m := search(text, pos)) is not None:
            pos = m.start() + 1
            span = self._name_at(text, m.start(), m.end(), listed=m.start() == listed_at)
            if span:
                results.append(RecognizerResult("PERSON", span[0], span[1], 0.85))
                pos = span[1]
                listed_at = span[1] + 1 if text[span[1] : span[1] + 1] in ("、", "/") else -1
        cues = slot_cues(text)
        for start, end in (
            framed_names(text) + cued_unlisted_names(text) + slot_names(text, cues) + given_names(text, cues)
        ):
            inside = [r for r in results if r.start < end and start < r.end]
            # a bounded name holding a shorter reading from the same start replaces it (白玛次 -> 白玛次仁)
            if all(r.start == start and r.end < end for r in inside):
                results = [r for r in results if r not in inside]
                results.append(RecognizerResult("PERSON", start, end, 0.85))
        # a field's whole value is a name whatever else reads it (a herb, a word: 姓名：金银花  性别)
        values = _field_values(text)
        fields = (
            field_names(text, values)
            + spaced_names(text, values)
            + spaced_cued_names(text, cues)
            + spaced_running_names(text)
            + nicknames(text)
        )
        results = [r for r in results if all(r.end <= s or e <= r.start for s, e in fields)]
        results += [RecognizerResult("PERSON", s, e, 0.85) for s, e in fields]
        for start, end in self.model.find(text):
            if _title_prefix_at(text, end - 1):
                continue  # (X副 before 主任)
            if all(end <= r.start or start >= r.end for r in results):
                results.append(RecognizerResult("PERSON", start, end, MODEL_SCORE))
        results += _listed(text, results)
        for r in list(results):  # the Latin form in brackets after a found name: 金某某（Kim Min-ji）
            if (m := _LATIN_FORM_AFTER.match(text, r.end)) is not None:
                results.append(RecognizerResult("PERSON", m.start(1), m.end(1), 0.85))
        results += _repeated(text, results)
        results = _unclaimed(text, results, familiar_names(text))
        results = _unclaimed(text, results, word_names_listed(text, results))
        results = _unclaimed(text, results, column_names(text, results))
        results = _unclaimed(text, results, chat_speakers(text, results))
        glossed = ethnicity_glossed(text)  # (replacing a shorter reading inside: 其其 -> 其其格)
        results = [r for r in results if not any(s <= r.start and r.end <= e for s, e in glossed)]
        results = _unclaimed(text, results, glossed)
        sure = set(fields)
        kept = [  # drugs and herbs are no names, nor is a word a dose or a dosage form follows
            _without_title(text, r)
            for r in results
            if (r.start, r.end) in sure or not _vetoed(text, r.start, r.end)
        ]
        kept = elder_forms(text, kept)
        # the segmentation model's names (no cue): their mean CRF name marginal, and those the CRF does
        # not read as names at all dropped
        crf = self.crf
        emissions = crf.emissions(text) if CJK_CHAR.search(text) else None
        scaled = crf.scaled(emissions) if emissions is not None else None
        shares: dict[tuple[int, int], float] = {}  # a span's name share, decoded once

        def name_share(r: RecognizerResult) -> float:
            key = (r.start, r.end)
            if key not in shares:
                shares[key] = crf.name_share(text, r.start, r.end, scaled)
            return shares[key]

        share = {(r.start, r.end): name_share(r) for r in kept if r.score == MODEL_SCORE}
        kept = [r for r in kept if share.get((r.start, r.end), 1.0) >= CRF_VETO]
        # the CRF's names join the rules' where no rule finding (kept or vetoed) overlaps them, under the
        # same vetoes and never a role or kinship word (医生, 家属); a sure one replaces the rule's names
        # it overlaps (not a field's value) when the CRF reads those as names less than half (护工海燕反映:
        # 海燕, not 燕反映)
        if emissions is None:
            return kept
        everything = results + kept
        ruled = sorted((r.start, r.end, i) for i, r in enumerate(everything))
        starts = [s for s, _, _ in ruled]
        for start, end, low in crf.find(text, emissions, scaled):
            if end - start < CRF_SHORTEST or text[start:end] in _ROLE_WORDS:
                continue
            # findings starting up to _REACH_BACK before the name may reach into it
            first = bisect.bisect_left(starts, start - _REACH_BACK)
            hit = [everything[i] for s, e, i in ruled[first : bisect.bisect_left(starts, end)] if start < e]
            if hit and not (
                low >= CRF_SURE and all((r.start, r.end) not in sure and name_share(r) < 0.5 for r in hit)
            ):
                continue
            # a CRF name of two characters or more this sure right after a person cue (家属, 爱人, 由 ...)
            # may be a common word (爱人国庆); a lone character stays under the veto (患者和医生)
            cued = end - start > 1 and low >= CRF_SURE and PERSON_CUE.search(text, max(0, start - 8), start)
            if _crf_vetoed(text, start, end, word_ok=bool(cued)):
                continue
            kept = [r for r in kept if r not in hit]
            kept.append(_without_title(text, RecognizerResult("PERSON", start, end, CRF_SCORE)))
        return kept

    def _name_at(self, text: str, start: int, end: int, listed: bool = False) -> tuple[int, int] | None:
        if text[start] == "师" and start > 0 and "\u4e00" <= text[start - 1] <= "\u9fff":
            return None  # the end of a job title (医师, 药师, 技师), not the surname 师
        span = self._extent(text, start, end, listed)
        if span is None or text[start] not in FUNCTION_SURNAMES:
            return span
        for cut in range(span[1], start + 1, -1):  # 护士于兰送至: 于兰, not 于兰送
            if stands_as_name(text, start, cut):
                return start, cut
        return None

    def _extent(self, text: str, start: int, end: int, listed: bool) -> tuple[int, int] | None:
        cued_before = listed or cue_before(text, start)
        if not cued_before and _ends_word(text, start):
            return None  # 病史由患者: 史 ends the word 病史; 化验单上: 单 ends 化验单
        surname = 2 if text[start : start + 2] in COMPOUND else 1
        if _TITLE_AT.match(text, start + surname):
            return None  # 吕主任, 金老师: a surname and a title (slot_names keeps the surname)
        stop = start + surname
        while stop < end and given_char(text[stop]):  # the given name ends at the first unlikely character
            stop += 1
        two_given = start + surname + 2 <= len(text) and CJK_CHAR.match(text, start + surname + 1)
        cued = (
            cued_before
            or text[start : start + surname] in _NAME_ONLY_COMPOUNDS  # 皇甫俊认为, 慕容雪　女
            or (text[start : start + surname] == "东方" and start > 0 and text[start - 1] in _EAST_BEFORE)
            or AFTER.match(text, start + surname + 1)
            or (two_given and AFTER.match(text, start + surname + 2))  # not 查房，患者
        )
        if cued:
            # where a person is expected, let the segmenter have its say (王小明: 小 is too common a character)
            stop = max(stop, start + segmented_name_length(text, start, surname))
        for cut in range(stop, start + surname, -1):  # longest plausible name first
            name = text[start:cut]
            if starts_clinical_word(name):
                continue
            if any(ch in NOT_GIVEN for ch in name[surname:]):
                continue
            if _title_prefix_at(text, cut - 1):
                continue
            if AFTER.match(text, cut):
                return start, cut
            # (after a cue a side or position opens a body part: 患者左下颌, 患者左膝肿; not in a list of
            # names: 王某、左某)
            if (
                cued_before
                and (listed or text[start] not in _POSITION)
                and (cut == stop or not _continues_word(text, cut))
            ):
                return start, cut
        if cued_before and BEFORE_COLON.search(text, max(0, start - 8), start):
            # 家属：方圆（儿子）: the whole value of a person's field is a name, even one that is a word
            for cut in (start + surname + 2, start + surname + 1):
                if FIELD_END.match(text, cut) and _plain_given(text, start, surname, cut):
                    return start, cut
        if cued:  # names the character model does not know (林小雨, 胡适, 赵铁柱，男): ask the context
            for cut in (start + surname + 2, start + surname + 1):
                if (listed or text[start] not in _POSITION) and _bounded_name(text, start, surname, cut):
                    return start, cut
        elif LABEL_BEFORE.search(text, max(0, start - 8), start):
            return _field_value(text, start, surname)
        return None


# the days and the times of a day a surname character opens (周一, 明天, 凌晨): after a person they say when
# (易主任周一上午, 儿子明天回来), not who
_DAY_WORD = re.compile(r"周[一二三四五六日天]|[明后]天|[明今昨]晨|凌晨|[明今昨][早晚]")


def _vetoed(text: str, start: int, end: int) -> bool:
    """A drug, herb, anatomy or eponym term, a day's word, or a word a dose, a dosage form or a sign's
    result follows."""
    return (
        in_clinical_term(text, start, end)
        or _DAY_WORD.fullmatch(text, start, end) is not None
        or _DOMAIN_WORD.match(text, start) is not None  # 患者商保信息: a desk's word after a cue
        or DOSE_AFTER.match(text, end) is not None
        or EPONYM_SIGN_AFTER.match(text, end - 1) is not None
        or _DOSAGE_FORM_AFTER.match(text, end) is not None
    )


# a word that a simile's particle follows is no name (雷鸣般的肠鸣音: like thunder)
_SIMILE_AFTER = re.compile("般|似的")


def _crf_vetoed(text: str, start: int, end: int, word_ok: bool = False) -> bool:
    """The rules' vetoes, and those of a CRF name: a common word runs across its start or end (人员秋月,
    曾建议), it is a common word (交：如常; the rules take a person's field value, a word too), it holds one and
    starts with no surname (神志清), a simile's particle follows it (汪洋般), an adverb that is a surname stands
    before a predicate (易疲劳), or it is a lone character that is no surname or stands before another word
    (金华路)."""
    if _vetoed(text, start, end) or _SIMILE_AFTER.match(text, end):
        return True
    if text[start] in _ADVERB_SURNAMES and end - start > 1 and not _noun_like(text[start + 1 : end]):
        return True  # an adverb before a predicate (患者易疲劳, 常出血), not 易秀英 or a preposition's 于谦和
    if (start > 0 and common_word_at(text, start - 1, (2,))) or (
        end < len(text) and common_word_at(text, end - 1, (2,))
    ):
        return True
    word = text[start:end]
    # (not where the CRF is sure of a name right after a person cue: 家属晨曦, 爱人秋月; but never a word
    # that modifies a verb: 护士严格交接, 家属及时送来)
    if common_non_name(word) and (not word_ok or _adverbial(word)):
        return True
    if (
        not word_ok
        and word[0] not in SINGLE
        and any(common_word_at(word, i, (2,)) for i in range(len(word) - 1))
    ):
        return True  # no surname, a common word inside: 神志清, 为高龄
    if end - start == 1:
        lone = text[start] in SINGLE or text[start] in CUE_ONLY_SURNAMES
        return not lone or (bool(CJK_CHAR.match(text, end)) and not _TITLE_AT.match(text, end))
    return False


# a person's demographic frame: the value before a sex or an age (X，男 / X，45岁 / X，女，28岁)
# (a comma, or a gap of spaces as in a report's header line: 练新民　男　74岁)
_SEX = r"(?:[，,][ \t]*|[ \t\u3000]+)(?:男|女)(?![科性婴孩童儿士友方婿])"  # not 女儿, 女士, 男友
_AGE = r"(?:[，,（(][ \t]*|[ \t\u3000]+)\d{1,3}岁"
_FRAME = re.compile(rf"(?:{_SEX}(?:[，,][ \t]*|[ \t\u3000]+)\d{{1,3}}岁)|{_SEX}|{_AGE}")
_FRAMED_VALUE = re.compile(rf"[\u4e00-\u9fff]{{2,5}}(?={_FRAME.pattern})")
_framed_values = prefiltered(_FRAMED_VALUE)
_OPEN = re.compile(r"[\n。；;：:！？!?\s]|^")


def framed_names(text: str) -> list[tuple[int, int]]:
    """Names in a person's demographic frame, whatever their surname: after a person cue and before a
    sex or an age (患者扎西平措，男; 患者但朝伦，45岁), or as a field's or a line's whole value before both
    sex and age (门诊手术：夏至，女，28岁; 向前，男，59岁). Minority names written without a dot (哈斯巴根),
    surnames outside the lists (税, 但, 母) and names that are words are all found so; a cue frame refuses
    common words (患者神志清，男 is no name) unless two characters stand before both sex and age, and
    always clinical terms and characters no given name holds."""
    spans: list[tuple[int, int]] = []
    for m in _framed_values(text):
        end = m.end()
        frame = _FRAME.match(text, end)
        both = bool(frame and "岁" in frame.group() and ("男" in frame.group() or "女" in frame.group()))
        found, cued = None, False
        for start in range(m.start(), end - 1):  # after a cue: 患者扎西平措，男; 患者封建华，男，61岁
            if not cue_before(text, start):
                continue
            cued, name = True, text[start:end]
            # a two-character word between a cue and both sex and age is a name (患者安静，女，31岁)
            word_ok = both and len(name) == 2
            if _framed(text, start, end, word_ok) and (
                word_ok or (not common_non_name(name) and (both or not common_non_name(name[:2])))
            ):
                found = (start, end)
                break
        if not cued and both and _OPEN.match(text[m.start() - 1] if m.start() else ""):
            found = (m.start(), end) if _framed(text, m.start(), end) else None  # 解放，男，80岁
        if found:
            spans.append(found)
    return spans


def cued_unlisted_names(text: str) -> list[tuple[int, int]]:
    """Names right after a cue whose surname no list of frequent surnames holds: a 百家姓 surname whose
    character is also an everyday one (患者皮建军, 投保人储建明为) with one or two given-name characters, or
    a minority name written without a dot, a run of three to six transliteration characters (患者格桑拉姆诉,
    患者阿古达木在). Each must end where a cue, a word that follows names, a common word, punctuation or
    the text does, be no common word and lie in no drug or anatomy term."""
    spans: list[tuple[int, int]] = []
    for m in _CUE_ONLY_START.finditer(text):
        i = m.start()
        if (spans and i < spans[-1][1]) or not cue_before(text, i):
            continue
        ok = []
        if text[i] in TRANSLITERATION:  # 巴特尔: a run of transliteration characters
            j = i
            while j < len(text) and text[j] in TRANSLITERATION and j - i < 6:
                j += 1
            ok = list(range(j, i + 2, -1))
        if text[i] in CUE_ONLY_SURNAMES:  # common given-name characters only, and no dictionary word (居家)
            ok += [
                c
                for c in (i + 3, i + 2)
                if c <= len(text)
                and all(ch in GIVEN_CHARS for ch in text[i + 1 : c])
                and not any(_dictionary_word(text[i:k]) for k in range(i + 2, c + 1))
            ]
        for cut in ok:
            name = text[i:cut]
            if common_non_name(name) or common_non_name(name[:2]) or starts_clinical_word(name):
                continue
            if any(ch in NOT_GIVEN for ch in name[1:]) or in_clinical_term(text, i, cut):
                continue
            if _name_ends(text, cut):
                spans.append((i, cut))
                break
    return spans


# a slot a person's name fills (姓名：, 被保险人, 尊敬的, 12床 ... X; X主任, X女士): its value is a name
# whatever the surname, when it has a name's shape: two or three characters, the given ones name characters
_SLOT_CUE = re.compile(rf"(?:{PERSON_NOUNS}|尊敬的|\d床)$")
# found from the cue's last character back (a pattern starting at the cue's first character tried the
# whole list at every character of a note): the last characters of the cues, then the value's start
_SLOT_TAIL = re.compile(
    "[" + "".join(sorted({w[-1] for w in PERSON_NOUN_WORDS} | {"的", "床"})) + "]"
    r"(?![员数群])[ \t]*[:：]?[ \t]*(?=[\u4e00-\u9fff])"
)


def slot_cues(text: str) -> list[tuple[str, int]]:
    """The person cues of ``text`` (患者, 值班医生, 尊敬的, 3床 ...) and where the value after each starts."""
    out = []
    for m in _SLOT_TAIL.finditer(text):
        cue = _slot_cue_ending(text[max(0, m.start() - 5) : m.start() + 1])
        if cue and not _runs_on(text, m.start() + 1, len(cue)):
            out.append((cue, m.end()))
    return out


def _runs_on(text: str, cue_end: int, cue_length: int) -> bool:
    """A person noun that starts inside the cue ends after it (其女儿照顾: the cue is 女儿, not 其女)."""
    for k in range(1, cue_length):
        m = _PERSON_NOUN.match(text, cue_end - k)
        if m is not None and m.end() > cue_end:
            return True
    return False


@lru_cache(maxsize=8192)
def _slot_cue_ending(window: str) -> str:
    m = _SLOT_CUE.search(window)
    return m.group() if m else ""


# the person fields of forms, claims and settlements (not 患者, which clinical text follows)
_FORM_CUE = re.compile(r"姓名|被保险人|投保人|参保人|申请人|受益人|持卡人|收款人|交款人|户名")
# titles and forms of address after a surname (王主任, 陶护士, 邹科长, 冉婆婆, 瞿叔叔): the surname is the name
_KIN_TITLES = r"婆婆|爷爷|奶奶|叔叔|伯伯|嬢嬢|孃孃|婶婶|阿姨|大爷|大妈|大姐|大哥|大伯|大叔|大婶|小姐"
# (and the titles of a trade or a post: 柯药师, 阙技师, 汤警官, 谢律师, 洪秘书, 闵同学)
_OFFICE_TITLES = (
    r"护士(?![站长])|科长|经理|院长|处长|书记|住院医师|药师|技师|治疗师|康复师|营养师|警官|律师|秘书|同学"
)
_FORMS_OF_ADDRESS = _OFFICE_TITLES + "|" + _KIN_TITLES
_PERSON_TITLES = r"主任|医生|医师|护士长|女士|先生|教授|老师|大夫|" + _FORMS_OF_ADDRESS
_SLOT_TITLE = re.compile(r"副主任医师|主任医师|主治医师|副主任|" + _PERSON_TITLES)
_FORM_OF_ADDRESS = re.compile(_FORMS_OF_ADDRESS)
# what may stand right before a bare surname and its title (请王主任, 由李医生, 今日汤主任查房)
_TITLE_AT = re.compile(_PERSON_TITLES)
# (and the verbs that ask for a person: 找胡医生, 问李护士, 叫王阿姨)
# (and a quotation, a bracket or a dash that opens an address: "X医生您好, （X婆婆）, ——X护士; 的 and 是:
# 你们的X老师, 是X医生开的)
_BEFORE_BARE_SURNAME = set("请由与向经让给嘱同跟及和找问叫的是、，,。；;：: \t\n“\"'「（(-—")
# characters that open a clause rather than a name (患者无发热, 患者仍诉, 客户本人)
# (nor does a pronoun: 呼救人：我姓X)
_NOT_FIRST = set(
    "无有不未已可自也将其被把对从以各每本该此今昨近再又仍还均并即经而或及与和在于因为是的了请之由我你您他她"
)
# characters that open the clause after a name in a slot (患者权晓燕可拔管, 患者某某已出院, 投保人某某未告知)
_CLAUSE_AFTER = set("可已未仍将均并即经于在因无不")
# sides and positions (左膝, 右下腹, 双下肢, 上肢, 全身): surnames too, but after 患者 they open a body part
_POSITION = set("左右双全上下前后内外")


# a chat line's speaker, a surname and a title before a colon (孔医生：, ——龚药师：): what follows is speech
_SPEAKER_BEFORE = re.compile(
    rf"(?:^|[\n，,。；;！？!?】\]）)\s—-])[{SINGLE}](?:医生|医师|药师|护士|大夫|主任|老师)[ \t]*[:：][ \t]*$"
)


def slot_names(text: str, cues: list[tuple[str, int]] | None = None) -> list[tuple[int, int]]:
    """Names in a person's slot whose surname no list holds (姓名：禚红英, 投保人区家明申请, 3床战小兵，
    尊敬的朴美善女士, 骞志强主任查房). The value must end where punctuation, a word that follows names or
    a common word does, and be no common word, clinical term or drug. Spans may overlap: the caller keeps
    the first found, and a longer one from the same start replaces a shorter (钭文 -> 钭文革（丈夫）)."""
    spans: list[tuple[int, int]] = []
    for cue, start in slot_cues(text) if cues is None else cues:
        if _SPEAKER_BEFORE.search(text, max(0, start - 8), start):
            continue  # (曾医生：先观察: what a titled person says)
        form = _FORM_CUE.match(cue) is not None
        surname = 2 if text[start : start + 2] in SLOT_COMPOUNDS else 1  # 客户西门雪, 主刀：慕容秋实
        for cut in (start + surname + 2, start + surname + 1):
            # a value closed by punctuation takes any given-name characters: any form field's (姓名,
            # 被保险人 ...), and a surname with two characters in any other slot (患者屠国胜，)
            # (or by a character that opens the clause after a name: 护士某某某于06:00, 医师某某某已)
            closed = cut >= len(text) or not CJK_CHAR.match(text, cut) or text[cut] in _CLAUSE_AFTER
            loose = closed and (form or surname == 2 or (cut - start == 3 and _loose_slot_name(text, start)))
            if not _slot_value(text, start, cut, loose, surname):
                continue
            if _name_ends(text, cut) or (cut - start == surname + 2 and text[cut] in _CLAUSE_AFTER):
                spans.append((start, cut))
                break
        else:  # a value closed by a phone number is a name even when it is a word (父亲石头，电话139…)
            for cut in (start + 3, start + 2):
                value = text[start:cut]
                if _PHONE_AFTER.match(text, cut) and all(CJK_CHAR.match(ch) for ch in value):
                    if (
                        value[0] not in _NOT_A_VALUE
                        and not _PERSON_NOUN.fullmatch(value)
                        and _noun_like(value)
                    ):
                        spans.append((start, cut))
                        break
    for m in _SLOT_TITLE.finditer(text):
        # 邹科长, 冉婆婆: a form of address wants a listed surname before it
        addressed = _FORM_OF_ADDRESS.fullmatch(m.group()) is not None
        for start in (m.start() - 3, m.start() - 2):
            if start < 0 or not _slot_value(text, start, m.start()):
                continue
            if addressed and not _surname_char_at(text, start):
                continue
            if start == 0 or not CJK_CHAR.match(text, start - 1) or common_non_name(text[start - 2 : start]):
                spans.append((start, m.start()))
                break
        else:  # a bare surname before a title (请吕主任会诊, 今日汤主任查房): a person, named by surname only
            start = m.start() - 1
            if text[max(0, start - 1) : m.start()] in _TITLED_COMPOUNDS:  # 上官医生, 东方女士
                spans.append((start - 1, m.start()))
            elif start >= 0 and (
                _bare_surname(text, start) or _addressed_function_surname(text, start, m.end())
            ):
                spans.append((start, m.start()))
    for m in _ROLE_FIELD.finditer(text):  # 审核者：操雅琴⏎, 坐席：郁婷。, 麻醉医师：第五一鸣。
        start, cut = m.span(1)
        surname = 2 if text[start : start + 2] in SLOT_COMPOUNDS else 1
        if (cut - start == 4 and surname == 1) or _SPEAKER_BEFORE.search(text, max(0, start - 8), start):
            continue
        if m.group(1) not in _NO_ONE and _slot_value(text, start, cut, True, surname):
            spans.append((start, cut))
    for m in _LONE_AFTER_ROLE.finditer(text):  # 医师：程⏎, 签名：文⏎, 助手：井: a surname alone signs
        if _lone_surname(m.group(1)):
            spans.append(m.span(1))
    for m in _ID_LABEL_AFTER.finditer(text):  # 出境体检：某某某，护照号: the holder of what follows
        cut = m.start()
        start = next((b for b in (cut - 3, cut - 2) if b >= 0 and (b == 0 or text[b - 1] in "\n:：")), -1)
        if start < 0 or not all(CJK_CHAR.match(ch) for ch in text[start:cut]):
            continue
        surname = 2 if text[start : start + 2] in SLOT_COMPOUNDS else 1
        if _slot_value(text, start, cut, True, surname):
            spans.append((start, cut))
    for m in _FORM_CUE_WORD.finditer(text):  # 被保险人乔木完成直付: a word there is a name too
        start, cut = m.span(1)
        if _surname_char_at(text, start) and not FOLLOW.match(text, start) and not cue_before(text, cut):
            if not any(ch in NOT_GIVEN for ch in m.group(1)) and not in_clinical_term(text, start, cut):
                spans.append((start, cut))
    for m in _KIN_AFTER.finditer(text):  # 家属电话：敬志华（丈夫）; 蓝永福（父）
        cut = run = m.start()
        while run > 0 and cut - run < 4 and CJK_CHAR.match(text, run - 1):
            run -= 1
        # the longest value that opens after punctuation, a line's start or a cue (联系人敬志华（丈夫）)
        start = next((b for b in range(run, cut - 1) if b == 0 or not CJK_CHAR.match(text, b - 1)), -1)
        if start < 0:
            start = next((b for b in range(run, cut - 1) if cue_before(text, b)), -1)
        if start < 0:
            continue
        surname = 2 if text[start : start + 2] in SLOT_COMPOUNDS else 1
        value = text[start:cut]
        if any(common_non_name(value[i : i + 2]) for i in range(surname, len(value) - 1)):
            continue  # 由家属（女儿）: words, no name
        if (cut - start > surname) and _slot_value(text, start, cut, True, surname):
            spans.append((start, cut))
    for m in _OPERATION_ROLE.finditer(text):  # 术者：程度  助手：任重: a word there is a name too
        start, cut = m.span(1)
        name = m.group(1)
        if name[0] not in _NOT_FIRST and name not in _NO_ONE and not any(ch in NOT_GIVEN for ch in name):
            if not in_clinical_term(text, start, cut):
                spans.append((start, cut))
    return spans


# relatives, after whom a given name alone names a person (女儿某某陪同, 家属某某来院)
_KIN_CUES = frozenset(
    "家属 亲属 家人 之子 之女 儿子 女儿 侄子 侄女 孙子 孙女 外孙 外孙女 外甥 外甥女 丈夫 妻子 爱人 老伴 "
    "哥哥 姐姐 弟弟 妹妹 儿媳 女婿".split()
)
# what a relative or patient named in a sentence does next: the value before it is closed
_PRESENCE_AFTER = re.compile(
    r"陪同|陪护|来院|到院|在场|电告|代诉|签字|接电话|返回|守候|探视|办理|今日|今晨|昨日|昨晚|表示|要求|同意|拒绝|诉"
)
_NOT_NAME_TAGS = ("t", "s", "m", "f")  # time, place and position words, numerals (今日, 院内, 三个)


def _closed_value(text: str, cut: int) -> bool:
    return (
        cut >= len(text)
        or not CJK_CHAR.match(text, cut)
        or text[cut] in _CLAUSE_AFTER
        or _PRESENCE_AFTER.match(text, cut) is not None
    )


def given_names(text: str, cues: list[tuple[str, int]]) -> list[tuple[int, int]]:
    """Names without their surname in a sentence: a relative's given name before what the relative does
    (女儿某某陪同下床, 之子某某今日返回, 家属某某在场), even a word (a noun: 海军, 彩云); and a
    transliterated name of three to six characters after any person cue (患者某某某某诉, 值班医生某某某某接电话),
    closed by punctuation, a clause or such a verb."""
    spans: list[tuple[int, int]] = []
    jieba = jieba_module()
    for cue, start in cues:
        if cue in _KIN_CUES and _PRESENCE_AFTER.match(text, start + 2):
            value = text[start : start + 2]
            tag = str(jieba.posseg.dt.word_tag_tab.get(value, "n"))
            if (
                all(CJK_CHAR.match(ch) for ch in value)
                and value[0] not in _NOT_FIRST | _POSITION
                and not _PERSON_NOUN.fullmatch(value)
                and not _PRESENCE_AFTER.match(value)
                and not tag.startswith(_NOT_NAME_TAGS)
                and _noun_like(value)
                and not in_clinical_term(text, start, start + 2)
                and not _dictionary_word(text[start + 1 : start + 3])  # 孙子扬主诉: the value runs into 主诉
            ):
                spans.append((start, start + 2))
                continue
        if text[start : start + 1] not in TRANSLITERATION or (
            text[start + 1 : start + 2] not in TRANSLITERATION
            and text[start + 2 : start + 3] not in TRANSLITERATION
        ):
            continue  # (one character of its first three may be another)
        for n in range(6, 2, -1):
            value = text[start : start + n]
            if len(value) < n or not all(CJK_CHAR.match(ch) for ch in value):
                continue
            if sum(ch not in TRANSLITERATION for ch in value) > 1 or not _closed_value(text, start + n):
                continue
            if any(common_non_name(value[i : i + 2]) for i in range(n - 1)) or common_non_name(
                text[start + n - 1 : start + n + 1]
            ):
                continue  # a word inside it, or one its last character opens
            if _PRESENCE_AFTER.search(value):
                continue
            if not in_clinical_term(text, start, start + n):
                spans.append((start, start + n))
            break
    return spans


# a role's field (审核者：, 坐席：, 麻醉医师：, 复核人：) whose whole value, closed by a line's end, a
# sentence's end or a wide gap, is a name of two or three characters (four with a compound surname)
_ROLE_FIELD = re.compile(
    r"(?:[\u4e00-\u9fff](?:者|师|员|人|席|护士|医生)|审核|复核|核对|初审|审批|[\u4e00-\u9fff]{1,4}科)[ \t]*[:：][ \t]*"
    # (one ideographic space parts a form's fields as two spaces do: 复核：某某　审批：)
    r"([\u4e00-\u9fff]{2,4})(?=[ \t\u3000]{2,}|\u3000|[\n。；;、，,]|$)"
)
# a claim form's person (被保险人, 投保人, 申请人, 伤者 ...) followed by what a person does: the value is a name
# even when it is a word (被保险人乔木完成直付, 伤者鲜艳送往)
_FORM_CUE_WORD = re.compile(
    r"(?:被保险人|投保人|申请人|受益人|伤者|出险人|驾驶员|家属)[ \t]*[:：]?[ \t]*([\u4e00-\u9fff]{2,3}?)"
    r"(?=完成|送往|签字|签名|签署|申请|来电|及其|及|于|已|因|系|将|陪同)"
)
# a field's or a line's whole value right before a personal identifier's label (出境体检：某某某，护照号)
_ID_LABEL_AFTER = re.compile(r"[，,][ \t]*(?:护照|身份证|证件号|联系电话|手机|社保卡|医保卡)")
# a kinship in brackets (the value before it is found from the bracket back: a pattern starting at the
# value would be tried at every character)
_KIN_WORDS = (
    r"(?:丈夫|妻子|爱人|配偶|儿子|女儿|父亲|母亲|之子|之女|之妻|之夫|夫|妻|子|女|父|母|"
    r"哥哥|姐姐|弟弟|妹妹|兄|姐|弟|妹|孙子|孙女|儿媳|女婿|患者之[妻夫子女父母])"
)
# (or an ethnic group in brackets: 患者某某（彝族）)
_KIN_AFTER = re.compile(r"[（(](?:" + _KIN_WORDS + r"|[\u4e00-\u9fff]{1,3}族)[）)]")
# a person's field whose whole value (two to four characters) is closed by a wide gap before the next
# field's label, by a phone number or by a kinship in brackets: a name even when it is a word
# (姓名：安康  性别：男, 陪护人：巴图孟和，139..., 家属：高娃（妻）)
# the labels of a person's field: a role or kinship (姓名, 参保人, 医生, 家属 ...) or the short labels of
# nursing and handover records (记录：, 值班：, 交：, 接：)
_FIELD_LABEL = (
    rf"(?:{PERSON_NOUNS}|受检者|受检人|记录|值班|交班|接班|书写|(?<![\u4e00-\u9fff])[交接]"
    r"|(?<![A-Za-z])(?:PI|CRC|CRA|Sub-I))"
)
# (found from each colon back to its label: a pattern starting at the label's long alternation was tried
# at every character)
_COLON = re.compile(r"[:：]")
_FIELD_LABEL_END = re.compile(_FIELD_LABEL + r"[ \t]*$")
_WHOLE_FORM_VALUE = re.compile(
    r"[ \t]*([\u4e00-\u9fff]{2,4})"
    r"(?=(?:[ \t\u3000]{2,}|\u3000)(?:[\u4e00-\u9fff]{1,6}[ \t]*[:：]|\d)|[，,][ \t]*(?:\+?\d|电话|手机)|[（(]"
    + _KIN_WORDS
    + r"[）)]|[ \t]*(?:\n|$))"
)
# a name written with spaces between its characters (姓名：张 三, 患者：欧阳 晓 峰)
_SPACED_VALUE = re.compile(
    r"[ \t]*([\u4e00-\u9fff]{1,2}(?:[ \u3000][\u4e00-\u9fff]){1,3})(?=[ \t\u3000]{2,}|[ \t]*\n|[，,（(]|$)"
)


# a label written with spaces between its characters, the way OCR or a printed form lays it out
# (被 保 险 人 ：, 客 户 姓 名：): read as the label without them
_SPACED_LABEL = re.compile(r"(?:[\u4e00-\u9fff][ \u3000]){1,5}[\u4e00-\u9fff][ \t\u3000]*$")


def _field_values(text: str) -> list[tuple[int, bool]]:
    """Where the values of a person's fields start (after each colon that closes a field's label), and
    whether the label is a form's person field (姓名, 被保险人, 患者, 家属 ...), whose value is a name even
    when it is an adjective (姓名：平安); after other labels (交班：, 医生：) the value must be a noun."""
    out = []
    for m in _COLON.finditer(text):
        label = _label_ending(text[max(0, m.start() - 8) : m.start()])
        if not label and (spaced := _SPACED_LABEL.search(text, max(0, m.start() - 14), m.start())):
            label = _label_ending(re.sub(r"[ \u3000]", "", spaced.group()))
        if label:
            out.append((m.end(), _ANY_WORD_LABEL.fullmatch(label.strip()) is not None))
    return out


@lru_cache(maxsize=4096)
def _label_ending(window: str) -> str:
    # (a one-character label, 交 or 接, counts when nothing Chinese stands before it in the window)
    m = _FIELD_LABEL_END.search(window)
    return m.group() if m else ""


# words of a patient's state that jieba tags as nouns, times or names (如常, 安静): no handover value
_STATUS_WORDS = frozenset(
    "如常 同前 安静 平稳 稳定 正常 良好 清醒 好转 无殊 在位 通畅 干燥 完好 清楚 配合 入睡".split()
)
_ANY_WORD_LABEL = re.compile(
    r"姓名|被保险人|投保人|参保人|申请人|患者|病人|受检者|陪护人|陪同人|家属|联系人|监护人"
)


# characters that open a value saying no one is there (未提供, 无, 不详, 待补, 见上, 同投保人, 本人), a sex or a
# pronoun (我姓X)
_NOT_A_VALUE = set("无未不待见同详本患男女已我你您他她")
# the rest of a drug's name up to its dosage form (…宝胶囊, …罗替卡松粉吸入剂): what it opens is no name
_DOSAGE_FORM_AFTER = re.compile(
    r"[\u4e00-\u9fff]{0,6}?(?:胶囊|注射液|口服液|口服溶液|吸入剂|气雾剂|喷雾剂|软膏|乳膏|滴眼液|滴鼻液|"
    r"缓释片|控释片|肠溶片|分散片|咀嚼片|含片|颗粒|混悬液|栓)"
)
# values that say no one or someone already named
# a role's field holding one character before a line's end or a wide gap: a surname signing for a person
_LONE_AFTER_ROLE = re.compile(
    r"(?:[\u4e00-\u9fff]?(?:护士|医生|医师)|[\u4e00-\u9fff](?:者|师|员|人)|签名|签字|经办|助手|术者|审核|复核|核对"
    r"|初审|复审)"
    # (or no colon: a role right before the surname, 经办人X。, 收费员 X⏎, 核查人 X（签）)
    r"[ \t\u3000]*[:：]?[ \t]*"
    # (not a name written with a space inside, 伍 洋: a single space before more Chinese goes on)
    r"([\u4e00-\u9fff])(?=[ \t]{2,}|\u3000|\n|$|[ \t](?![\u4e00-\u9fff])|[。，,、；;（(])"
)


def _lone_surname(ch: str) -> bool:
    """A character that stands alone for a person: a surname of the lists, or a rare character that no
    given name refuses (玺)."""
    if ch in SINGLE or ch in CUE_ONLY_SURNAMES:
        return True
    return ch not in FREQUENT_CHARS and ch not in NOT_GIVEN


_NO_ONE = {"暂无", "同上", "待定", "不详", "空缺", "缺席", "见上", "略", "未定", "另定"}
# the team fields of an operation record: their whole value is a person, even one that is a word
_OPERATION_ROLE = re.compile(
    r"(?:术者|主刀|一助|二助|三助|助手|器械护士|巡回护士|洗手护士)[ \t]*[:：][ \t]*"
    rf"((?:{'|'.join(sorted(SLOT_COMPOUNDS))})[\u4e00-\u9fff]{{1,2}}|[\u4e00-\u9fff]{{2,3}})"
    r"(?=[ \t\u3000]{2,}|[\n、，,；;。]|$)"
)


def field_names(text: str, values: list[tuple[int, bool]] | None = None) -> list[tuple[int, int]]:
    """The whole value of a person's field, closed by a wide gap before the next label, a phone number, a
    kinship in brackets or the line's end (姓名：安康  性别：男, 交：立春  接：白露, 参保人：金银花  个人编码):
    a name even when it is a word, a herb or a drug, as long as it is a noun (no adjective, verb or
    pronoun: 患者：平稳, 记录：本人) and no person noun (签名：医生); a word that holds another common word
    (记录：神志清楚) is no name."""
    spans = []
    for value, any_word in _field_values(text) if values is None else values:
        if (m := _WHOLE_FORM_VALUE.match(text, value)) is None:
            continue
        start, cut = m.span(1)
        name = m.group(1)
        if name[0] in _NOT_A_VALUE or name in _NO_ONE or _PERSON_NOUN.fullmatch(name):
            continue
        if not any_word and name in _STATUS_WORDS:  # a patient's state in a handover (交：如常)
            continue
        # closed by the line's end only (记录：X⏎), or after a label that is no form's person field
        # (交班：X  接班：): a weaker frame, so a noun, no clause
        weak = not any_word or _LINE_END.match(text, cut) is not None
        if weak and not (
            name[0] not in _NOT_FIRST and not any(ch in NOT_GIVEN for ch in name[1:]) and _noun_like(name)
        ):
            continue
        spans.append((start, cut))
    return spans


def spaced_names(text: str, values: list[tuple[int, bool]] | None = None) -> list[tuple[int, int]]:
    """A person's field whose value is a surname and given-name characters separated by single spaces."""
    spans = []
    for value, _ in _field_values(text) if values is None else values:
        if (m := _SPACED_VALUE.match(text, value)) is None:
            continue
        chars = m.group(1).replace(" ", "").replace("\u3000", "")
        surname = 2 if chars[:2] in SLOT_COMPOUNDS else 1
        if not (chars[:surname] in SLOT_COMPOUNDS or _surname_char_at(chars, 0)):
            continue
        if len(chars) - surname in (1, 2) and not any(ch in NOT_GIVEN for ch in chars[surname:]):
            spans.append(m.span(1))
    return spans


# a name written with spaces between its characters right after a person cue (患者 某 某 某 女, 16床 某  某
# 发热): one or two spaces each, closed by a wide gap, a line's end, punctuation, the sex or age or a word
_SPACED_AFTER_CUE = re.compile(
    r"([\u4e00-\u9fff]{1,2}(?:[ \u3000]{1,2}[\u4e00-\u9fff]){1,2})"
    r"(?=[ \t\u3000]{2,}|[ \t]*\n|[，,（()）、。；;]|[ ](?:男|女|\d)|[ ][\u4e00-\u9fff]{2}|$)"
)


def spaced_cued_names(text: str, cues: list[tuple[str, int]]) -> list[tuple[int, int]]:
    """After a person cue, a surname and one or two given-name characters separated by spaces."""
    spans = []
    for _, start in cues:
        if (m := _SPACED_AFTER_CUE.match(text, start)) is None or not re.search(r"[ \u3000]", m.group(1)):
            continue
        chars = re.sub(r"[ \u3000]", "", m.group(1))
        surname = 2 if chars[:2] in SLOT_COMPOUNDS else 1
        if not (chars[:surname] in SLOT_COMPOUNDS or _surname_char_at(chars, 0)):
            continue
        if len(chars) - surname in (1, 2) and not any(ch in NOT_GIVEN for ch in chars[surname:]):
            spans.append(m.span(1))
    return spans


# single characters parted by one or two spaces (a layout some writers give every name: 某 某、某 某)
_SPACED_CHAIN = re.compile(r"[\u4e00-\u9fff](?:[ \u3000]{1,2}[\u4e00-\u9fff])+")
_SPACED_PART = re.compile(r"[\u4e00-\u9fff]")
# what asks for a person right before a name: 请某 某到窗口, 让某 某来
_ASKS_FOR = set("请由让给跟和与找问叫")


def spaced_running_names(text: str) -> list[tuple[int, int]]:
    """A surname of the lists and one or two given-name characters, each parted from the next by one or
    two spaces, in running text or a table's cell: standing between non-characters (、某 某、, | 某 某 |,
    （某 某）, a line's start and a colon), after a person cue or a verb that asks for one (同事某 某证实,
    请某 某 某到), or before a title (我院某 某医生). The joined characters are no common word (年 龄, 时 间:
    a header's spaced label) and no clinical term; a run of four or more spaced characters is a spaced
    heading or sentence, no name."""
    spans = []
    for m in _SPACED_CHAIN.finditer(text):
        start, end = m.span()
        parts = _SPACED_PART.findall(m.group())
        if start > 0 and text[start - 1 : start + 1] in COMPOUND:  # 令狐 某
            start, parts = start - 1, [text[start - 1] + parts[0], *parts[1:]]
        elif start > 0 and CJK_CHAR.match(text, start - 1) and len(parts) > 3:
            continue
        if len(parts) == 4 and parts[-1] in "男女":  # 某  某  某  男 35: the sex column after the name
            parts, end = parts[:3], m.start() + m.group().rindex(parts[2]) + 1
        elif len(parts) == 3 and parts[-1] in "男女":
            parts, end = parts[:2], m.start() + m.group().rindex(parts[1]) + 1
        if not 2 <= len(parts) <= 3 or not (parts[0] in SINGLE or parts[0] in COMPOUND):
            continue
        given = "".join(parts[1:])
        if (len(parts[0]) == 2 and len(given) > 1) or not all(given_char(ch) for ch in given):
            continue
        joined = parts[0] + given
        if common_non_name(joined) or in_clinical_term(text, start, end):
            continue
        opens = start == 0 or not CJK_CHAR.match(text, start - 1)
        closes = end >= len(text) or not CJK_CHAR.match(text, end)
        asked = not opens and (cue_before(text, start) or text[start - 1] in _ASKS_FOR)
        titled = not closes and (_TITLE_AT.match(text, end) is not None or AFTER.match(text, end) is not None)
        if (opens and closes) or asked or (titled and (opens or not _ends_word(text, start))):
            spans.append((start, end))
    return spans


# a familiar name: 小/老 and a surname (小李, 老周), 阿 and a given-name character (阿梅)
# the given-name characters as a regex character class's content
_GIVEN_CLASS = "".join(sorted(GIVEN_CHARS))
_NICKNAME = re.compile(f"(?:[小老][{SINGLE}]|阿[{_GIVEN_CLASS}])")
# a surname and a child's rank in the family (X老三, X老幺, X二娃): a villager's or a worker's familiar name
_RANKED = re.compile(f"[{SINGLE}](?:老[二三四五六七八九幺]|[二三四五六幺]娃)")


# a name the note explains in brackets: 建国（患者自报名，全名范建国）, 小葡萄（刘语桐，家长要求称小名）
_EXPLAINED = re.compile(
    r"([\u4e00-\u9fff]{2,3})[（(](?=[^）)\n]{0,16}(?:小名|乳名|全名|正式名|本名|大名|自报名|昵称|绰号))"
)
# a child's doubled pet name before a parent's or a grandparent's word (糖糖妈：, 欣欣外婆：) or before its
# full name in brackets (豆豆（牟思远）); not a kinship word or a word said twice (宝宝, 常常)
_DOUBLED = re.compile(
    r"([\u4e00-\u9fff])\1(?=妈|爸|外婆|外公|奶奶|爷爷|家长|[（(]" + SURNAME + r"[\u4e00-\u9fff]{1,2}[，,）)])"
)
_KIN_DOUBLED = frozenset(
    "宝宝 娃娃 妹妹 姐姐 哥哥 弟弟 爸爸 妈妈 奶奶 爷爷 婆婆 公公 叔叔 伯伯 舅舅 姑姑 姨姨 嬢嬢 孃孃 太太 乖乖 宝贝 "
    "妞妞 囡囡".split()
)
# a familiar name speaking at a chat line's start (老彭：, 小伍：, 阿媛：; after a time stamp in brackets)
_SPEAKER = re.compile(
    rf"(?m)^(?:\[[^\]\n]{{1,20}}\][ \t]*)?((?:[小老][{SINGLE}])|阿[\u4e00-\u9fff])(?=[:：])"
)
# a familiar name with the full one in brackets, the same surname in both: 陪检员老张（张德明）
_NICKNAME_GLOSSED = re.compile(rf"([小老]([{SINGLE}]))[（(]\2[\u4e00-\u9fff]{{1,2}}[）)]")


def nicknames(text: str) -> list[tuple[int, int]]:
    """A familiar name after a person cue (家属小李, 同事老周) or opening a clause before what a person
    does (老周诉, 小李陪同): no common word (小时, 老师, 老年, 阿胶), no clinical term; and a name whose
    bracket says it is one (its full name or that it is a pet name)."""
    spans = [m.span(1) for m in _NICKNAME_GLOSSED.finditer(text)]
    spans += [  # (no function word, 和老三; no word's last character, 他家老三)
        m.span()
        for m in _RANKED.finditer(text)
        if text[m.start()] not in FUNCTION_SURNAMES | _NOT_FIRST and not _ends_word(text, m.start())
    ]
    spans += [
        m.span()
        for m in _DOUBLED.finditer(text)
        if m.group() not in _KIN_DOUBLED and not common_non_name(m.group())
    ]
    spans += [m.span(1) for m in _SPEAKER.finditer(text) if not common_non_name(m.group(1))]
    for m in _EXPLAINED.finditer(text):
        start, end = m.span(1)
        # the value's whole extent: from after a cue, or the run of characters after a non-character
        for cut in range(start, end - 1):
            if cut == 0 or cue_before(text, cut) or not CJK_CHAR.match(text, cut - 1):
                if not in_clinical_term(text, cut, end):
                    spans.append((cut, end))
                break
    for m in _NICKNAME.finditer(text):
        start, end = m.span()
        if common_non_name(m.group()) or in_clinical_term(text, start, end):
            continue
        opens = start == 0 or not CJK_CHAR.match(text, start - 1)
        if _CLOSES_NAME.match(text, end) and (opens or text[start - 1] in _OPENS_FAMILIAR):
            if m.group()[0] != "阿" or cue_before(text, start):
                spans.append((start, end))  # standing alone: 社区的老卢，; 让小毛送; ——老刘⏎
                continue
        if _dictionary_word(m.group()):
            continue
        if cue_before(text, start) or (opens and FOLLOW.match(text, end) is not None):
            if _name_ends(text, end):
                spans.append((start, end))
    for m in _PET_FORM.finditer(text):  # after a person cue: 女友婷婷接电话, 婆娘小芬来拿, 教练老鲁来问
        start, end = m.span()
        name = m.group()
        if not cue_before(text, start) or name in _KIN_DOUBLED or common_non_name(name):
            continue
        if in_clinical_term(text, start, end) or any(ch in NOT_GIVEN for ch in name[1:]):
            continue
        if _name_ends(text, end) or text[end : end + 1] in _PERSON_ACTS:
            spans.append((start, end))
    return spans


# what a person named by a familiar form does next (老公阿杰发视频, 教练老鲁来问, 业务员小赵说)
_PERSON_ACTS = set("来去说发送问带接打叫给让看拿找陪做讲告帮")
# where a familiar form (小/老 and a surname) standing alone in a sentence closes and opens
_CLOSES_NAME = re.compile(r"[，,：:。；;！？!?、\n\"”）)]|$")
_OPENS_FAMILIAR = set("的让叫给找跟和与问请是班")
# a pet name: a character said twice (婷婷) or 小 and a given-name character (小芬)
_PET_FORM = re.compile(rf"([\u4e00-\u9fff])\1|小[{_GIVEN_CLASS}]|{_NICKNAME.pattern}")


_PERSON_NOUN = re.compile(PERSON_NOUNS)
_PHONE_AFTER = re.compile(r"[，,][ \t]*(?:联系电话|电话|手机|Tel|tel)?[ \t]*[:：]?[ \t]*\+?\d{7}")
_LINE_END = re.compile(r"[ \t]*(?:\n|$)")
# jieba's tags of words that are no nouns: adjectives, adverbs, verbs, pronouns, numerals' measure words,
# prepositions, conjunctions, particles
_NOT_NOUN_TAGS = ("a", "d", "v", "r", "f", "p", "c", "u", "y", "e", "o", "q", "z", "l", "i")


_ADVERBIAL_TAGS = ("ad", "d", "c")
# the function-word surnames (lexicon.FUNCTION_SURNAMES) that are adverbs before a predicate (易, 常, 曾 ...);
# the prepositions (于, 向, 和) take a noun, and a name's given part is one
_ADVERB_SURNAMES = set("易常曾应时")


def _adverbial(word: str) -> bool:
    """A word jieba's dictionary tags as an adverb, an adverbial adjective or a conjunction (严格, 认真,
    及时, 按时): it modifies what follows, a name does not."""
    tag = jieba_module().posseg.dt.word_tag_tab.get(word)
    return tag is not None and str(tag).startswith(_ADVERBIAL_TAGS)


def _noun_like(word: str) -> bool:
    """A word a name may be: not in the dictionary at all, or a noun there (立春, 金银花, 田野), never an
    adjective, verb or pronoun (平稳, 完成, 本人); a word not in the dictionary must not be made of
    common words (神志清楚)."""
    jieba = jieba_module()
    if jieba.dt.FREQ.get(word, 0) > 0:
        tag = str(jieba.posseg.dt.word_tag_tab.get(word, "n"))
        return tag.startswith(("nr", "vn")) or not tag.startswith(_NOT_NOUN_TAGS)
    return not any(common_non_name(word[i : i + 2]) for i in range(len(word) - 1))


def _slot_value(text: str, start: int, cut: int, any_given: bool = False, surname: int = 1) -> bool:
    name = text[start:cut]
    if cut > len(text) or not CJK_CHAR.fullmatch(name[0]) or name[0] in _NOT_FIRST or name[0] in NOT_GIVEN:
        return False
    if any_given:
        if not all(CJK_CHAR.match(ch) and ch not in NOT_GIVEN for ch in name[surname:]):
            return False
        if FOLLOW.match(text, start):  # 患者诉腹痛，: a verb, no name
            return False
    elif not all(given_char(ch) for ch in name[surname:]):
        return False
    if surname == 2:  # 西门 and 百里 are words, but not before a given name in a person's slot
        return not (_dictionary_word(name) or in_clinical_term(text, start, cut))
    if _dictionary_word(name) or _dictionary_word(name[:2]) or starts_clinical_word(name):
        return False  # 患者居家, 患者之子
    return not in_clinical_term(text, start, cut)


_TITLE_END = re.compile(r"(?:老太太?|老人|师傅|" + _PERSON_TITLES + ")$")


def _without_title(text: str, r: RecognizerResult) -> RecognizerResult:
    """A name found with its title (张先生, 王主任 from a frame or a field) is the name alone."""
    m = _TITLE_END.search(text, r.start + 1, r.end)
    return RecognizerResult("PERSON", r.start, m.start(), r.score) if m else r


def _bare_surname(text: str, start: int) -> bool:
    """A listed surname, no function word (和医生, 于医生), standing after a co-verb, punctuation, a
    line's start or a common word (今日) and ending no word with the character before it (血管医生)."""
    ch = text[start]
    if start > 0 and text[start - 1] in "院科室区组部办所" and ch in SINGLE and ch not in FUNCTION_SURNAMES:
        return True  # a unit's own doctor: 我院X主任, 内科X医生, 转诊办X老师, 派出所X警官
    if (
        ch in CUE_ONLY_SURNAMES
        and start > 0
        and (text[start - 1] in "：:，,。；;、 \t\n请由找问叫" or cue_before(text, start))
    ):  # (a surname whose character is an everyday one: only so, or after a person noun: 邻居X大姐)
        return not _ends_word(text, start)
    if ch not in SINGLE or ch in FUNCTION_SURNAMES or _ends_word(text, start):
        return False
    before = text[max(0, start - 2) : start]
    return (
        start == 0
        or text[start - 1] in _BEFORE_BARE_SURNAME
        or (
            start > 1 and text[start - 1] in "人者员" and CJK_CHAR.match(text, start - 2) is not None
        )  # 上报人X药师
        or common_non_name(before)
        or str(jieba_module().posseg.dt.word_tag_tab.get(before, "")) == "t"  # 今晨, 午后
    )


# where a person addressed by surname and title opens and closes a clause (曾医生，; ：向医生：; （于老师）)
_ADDRESS_OPENS = set("\n：:，,、。；;（(“\"' \t")  # (or a space: 2号 X老师（家属）)
_ADDRESS_CLOSES = re.compile(r"[，,：:（(、。；;！？!?）)”\"\s]|$")


def _addressed_function_surname(text: str, start: int, title_end: int) -> bool:
    """A surname that is also a function word (曾, 向, 于) before a title, the two standing alone between
    punctuation or a line's ends (糖糖妈：曾医生，; 到场医生：向医生，): a person addressed; 向医生汇报 and
    曾医治 are no names."""
    return (
        text[start] in FUNCTION_SURNAMES
        and (start == 0 or text[start - 1] in _ADDRESS_OPENS)
        and _ADDRESS_CLOSES.match(text, title_end) is not None
    )


def _surname_char_at(text: str, start: int) -> bool:
    return (
        text[start : start + 2] in SLOT_COMPOUNDS or text[start] in SINGLE or text[start] in CUE_ONLY_SURNAMES
    )


def _loose_slot_name(text: str, start: int) -> bool:
    """A surname and two characters after a slot (患者屠国胜，): the surname no function word (患者易疲劳。)
    nor a side or position that opens a body part (患者左膝肿，), and the given part no common word."""
    ch = text[start]
    if ch in _POSITION or ch in FUNCTION_SURNAMES:
        return False
    return (ch in SINGLE or ch in CUE_ONLY_SURNAMES) and not common_non_name(text[start + 1 : start + 3])


_CUE_ONLY_START = re.compile(f"[{''.join(sorted(CUE_ONLY_SURNAMES | TRANSLITERATION))}]")


def _dictionary_word(word: str) -> bool:
    jieba = jieba_module()
    return jieba.dt.FREQ.get(word, 0) > 0 and not str(jieba.posseg.dt.word_tag_tab.get(word, "")).startswith(
        "nr"
    )


def _name_ends(text: str, cut: int) -> bool:
    return (
        cut >= len(text)
        or not "\u4e00" <= text[cut] <= "\u9fff"
        or bool(AFTER.match(text, cut) or FOLLOW.match(text, cut))
        or common_word_at(text, cut)
    )


def _framed(text: str, start: int, end: int, word_ok: bool = False) -> bool:
    name = text[start:end]
    return not (
        any(ch in NOT_GIVEN for ch in name[1:])
        or (not word_ok and starts_clinical_word(name))
        or in_clinical_term(text, start, end)
    )


def _repeated(text: str, found: list[RecognizerResult]) -> list[RecognizerResult]:
    """Every other occurrence in the same text of a name found once (患者夏天，女，45岁 … 夏天自诉): a
    name keeps its reading within one document even where its second mention has no cue. Only names
    of two or more characters that no found span covers; each occurrence must start and end at a
    boundary no name character crosses (夏天 in 夏天气温 is not repeated when 天气 is a word)."""
    names = {text[r.start : r.end] for r in found if r.end - r.start >= 2}
    out: list[RecognizerResult] = []
    for name in sorted(names, key=len, reverse=True):
        for s in _occurrences(text, name):
            e = s + len(name)
            if any(s < r.end and r.start < e for r in found + out):
                continue
            if _ends_word(text, s) or (e < len(text) and common_word_at(text, e - 1)):
                continue
            if any(common_non_name(text[s : e + k]) for k in (1, 2) if e + k <= len(text)):
                continue  # 程序 in 程序员: the mention is the start of a longer word
            out.append(RecognizerResult("PERSON", s, e, MODEL_SCORE))
    return out


# characters of drug and chemical names (丙泊酚, 石杉碱甲, 罗库溴铵): a list holding them lists drugs
_DRUG_CHAR = re.compile(r"[唑嗪酮胺酯醇肽霉汀坦仑啶嘧钠钾钙苷碱烷烯醛酚肟脲铵溴碘氟氯]")
_LIST_ITEM_AFTER = re.compile(r"、([\u4e00-\u9fff]{2,4})(?=[、，,。；;）)\s]|$)")
_LIST_ITEM_BEFORE = re.compile(r"(?:^|(?<=[、，,：:（(\s]))([\u4e00-\u9fff]{2,4})$")


def _listed(text: str, found: list[RecognizerResult]) -> list[RecognizerResult]:
    """The other items of a list of names joined by 、 (参加人员：某甲、某乙、井上): an item of two to four
    characters next to a found name, bounded by the list's punctuation, is a name too when it is no
    common word, clinical term, and holds no character a given name never holds."""
    out: list[RecognizerResult] = []
    taken = [(r.start, r.end) for r in found]
    queue = [(r.start, r.end) for r in found if r.score > MODEL_SCORE]  # a rule's names seed a list
    while queue:
        start, end = queue.pop()
        items = []
        if (m := _LIST_ITEM_AFTER.match(text, end)) is not None:
            items.append(m.span(1))
        if start > 0 and text[start - 1] == "、":
            if (m := _LIST_ITEM_BEFORE.search(text, max(0, start - 5), start - 1)) is not None:
                items.append(m.span(1))
        for s, e in items:
            item = text[s:e]
            if any(s < t_end and t_start < e for t_start, t_end in taken):
                continue
            if common_non_name(item) or any(ch in NOT_GIVEN for ch in item) or in_clinical_term(text, s, e):
                continue
            if _dictionary_word(item) or starts_clinical_word(item) or _DRUG_CHAR.search(item):
                continue
            taken.append((s, e))
            queue.append((s, e))
            out.append(RecognizerResult("PERSON", s, e, MODEL_SCORE))
    return out


def _occurrences(text: str, word: str) -> list[int]:
    """Starts of the non-overlapping occurrences of ``word``: str.find, not a regex compiled per name
    (Python's cache of compiled patterns is small, and recompiling was a tenth of detection time)."""
    found, i = [], text.find(word)
    while i >= 0:
        found.append(i)
        i = text.find(word, i + len(word))
    return found


def _ends_word(text: str, start: int) -> bool:
    """The character at ``start`` ends a word: a common two-character one (病史) or any three- or
    four-character dictionary word that is no name (化验单, 检验单)."""
    if start > 0 and common_non_name(text[start - 1 : start + 1]):
        return True
    jieba = jieba_module()
    for k in (3, 4):
        word = text[start + 1 - k : start + 1] if start + 1 >= k else ""
        if (
            word
            and jieba.dt.FREQ.get(word, 0) > 0
            and not str(jieba.posseg.dt.word_tag_tab.get(word, "")).startswith("nr")
        ):
            return True
    return False


def _title_prefix_at(text: str, i: int) -> bool:
    """``text[i]`` is 副 or 正 opening the title after it (X副主任医师): no given-name character."""
    return text[i] in "副正" and _TITLE_AT.match(text, i + 1) is not None


def _plain_given(text: str, start: int, surname: int, cut: int) -> bool:
    """Chinese characters that may follow a surname in a name, and no clinical word."""
    name = text[start:cut]
    if cut > len(text) or not all(
        "\u4e00" <= ch <= "\u9fff" and ch not in NOT_GIVEN for ch in name[surname:]
    ):
        return False
    if _title_prefix_at(text, cut - 1):
        return False
    return not starts_clinical_word(name)


def _field_value(text: str, start: int, surname: int) -> tuple[int, int] | None:
    """The whole value of a labelled field (``一助：罗永红  麻醉医师：...``) when it has a name's shape:
    surname and one or two name characters, no common word, then the field ends."""
    for cut in (start + surname + 2, start + surname + 1):
        given = text[start + surname : cut]
        if cut > len(text) or not all(given_char(ch) for ch in given) or not FIELD_END.match(text, cut):
            continue
        name = text[start:cut]
        if any(name[:i] in LEXICON or common_non_name(name[:i]) for i in range(2, len(name) + 1)):
            return None
        return start, cut
    return None


def _bounded_name(text: str, start: int, surname: int, cut: int) -> bool:
    """``text[start:cut]`` sits between a cue and the start of the next word: a common word, a word that
    follows names, punctuation or the end, with the boundary splitting no common word."""
    if not _plain_given(text, start, surname, cut):
        return False
    given, name = text[start + surname : cut], text[start:cut]
    # 主任查看: a word, not a name (a compound surname that is a word itself, 东方, is read as the surname)
    if any(common_non_name(name[:k]) for k in range(surname + 1 if surname == 2 else 2, len(name) + 1)):
        return False
    if FOLLOW.match(text, start + surname) or FOLLOW.fullmatch(given[-1]):  # 王同意, 邓超诉
        return False
    if cut < len(text) and "\u4e00" <= text[cut] <= "\u9fff":
        if not (AFTER.match(text, cut) or FOLLOW.match(text, cut) or common_word_at(text, cut)):
            return False
    return not common_word_at(text, cut - 1)  # the name's last character starts no common word


def _continues_word(text: str, stop: int) -> bool:
    """True if the candidate runs into more Chinese text that is neither a cue nor a word ending a name."""
    if stop >= len(text) or not "\u4e00" <= text[stop] <= "\u9fff":
        return False
    return not (AFTER.match(text, stop) or FOLLOW.match(text, stop))


LATIN = re.compile(
    r"(?:(?:Mr|Mrs|Ms|Miss|Dr|Prof)\.?[ ]+|(?:Patient|Name|姓名)[ ]*[:：][ ]*)([A-Z][a-z]+(?:[ -][A-Z][a-z]+){0,2})"
)
# a foreign person in a Chinese note: after a person cue (外籍员工 Anna Kowalska, 联系人Pablo García) or
# before a nationality (Sophia Rossi，意大利籍)
# (any person noun: 您父亲Robert Clark, 孕妇Nguyen Thi Lan; a desk's officer: 客服专员：Chloe Wang)
LATIN_IN_CHINESE = re.compile(
    r"(?:(?:"
    + PERSON_NOUNS
    + r"|外籍[\u4e00-\u9fff]{1,3}|专员|登记)[ ]*[:：]?[ ]*)"
    + LATIN_NAME
    + r"|"
    + LATIN_NAME
    + r"(?=[ ]?[（(，,]?[\u4e00-\u9fff]{1,4}籍)"
)


# the Chinese form in brackets of a Latin-script name (Marta Kowalczyk（玛尔塔·科瓦尔奇克）, Kim Min-jun（金敏俊）),
# and the Latin form after 英文名 (患者小宇（英文名Kevin）)
CHINESE_FORM = re.compile(LATIN_NAME + r"[ ]?[（(]([\u4e00-\u9fff" + MIDDLE_DOTS + r"]{2,12})[）)]")
# (Vietnamese forms keep their diacritics: 阮氏芳（Nguyễn Thị Phương）)
_LATIN_LOWER = "a-z\u00df-\u00f6\u00f8-\u00ff\u0100-\u024f\u1e00-\u1eff"
_LATIN_FORM_AFTER = re.compile(
    rf"[ ]?[（(]((?:[A-ZÀ-ÖØ-ÞĐ][{_LATIN_LOWER}]+)(?:[ -][A-Za-zÀ-ÖØ-ÞĐ][{_LATIN_LOWER}]+){{1,2}})[）)]"
)
_KIN_IN_BRACKETS = re.compile(_KIN_WORDS + "|" + PERSON_NOUNS)
# (nor a Chinese medicine's name, which a pinyin form glosses the same way: Gui Pi Tang (某某汤))
_NOT_A_FORM = re.compile(
    r"(?:国|籍|族|人|省|市|州|区|县|语|文|医院|大学|公司|先生|女士|医生|汤|丸|散|膏|丹|饮)$"
)
# a research subject's or a patient's initials after their label (姓名缩写：ZJH, Initials: J.D.)
INITIALS = re.compile(
    r"(?:姓名(?:拼音)?缩写|(?:[Ss]ubject |[Pp]atient )?[Ii]nitials)[ \t]*[:：]?[ \t]*"
    r"([A-Z]{2,4}|[A-Z]\.(?:[ ]?[A-Z]\.){1,3})(?![A-Za-z])"
)
ENGLISH_NAME_CUE = re.compile(
    r"(?:英文名字?|英文姓名|外文名|English name)[ ]*[:：为是]?[ ]*([A-Z][a-z]+(?:[ -][A-Z][a-z]+){0,2})(?![A-Za-z])"
)


_LATIN_SCAN, _ENGLISH_NAME_CUE_SCAN, _INITIALS_SCAN, _CHINESE_FORM_SCAN, _LATIN_IN_CHINESE_SCAN = (
    prefiltered(p) for p in (LATIN, ENGLISH_NAME_CUE, INITIALS, CHINESE_FORM, LATIN_IN_CHINESE)
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
        found = [(m.start(1), m.end(1)) for m in _LATIN_SCAN(text)]
        found += [(m.start(1), m.end(1)) for m in _ENGLISH_NAME_CUE_SCAN(text)]
        found += [(m.start(1), m.end(1)) for m in _INITIALS_SCAN(text)]
        for m in _CHINESE_FORM_SCAN(text):
            if not any(w in NOT_NAME_WORDS for w in re.split(r"[ -]", m.group(1))):
                if not _NOT_A_FORM.search(m.group(2)) and not _KIN_IN_BRACKETS.fullmatch(m.group(2)):
                    found += [m.span(1), m.span(2)]  # both forms (Yuki Tanaka（某某某某）)
        for m in _LATIN_IN_CHINESE_SCAN(text):
            group = 1 if m.group(1) else 2
            if not any(w in NOT_NAME_WORDS for w in re.split(r"[ -]", m.group(group))):
                found.append((m.start(group), m.end(group)))
        return [RecognizerResult("PERSON", s, e, 0.85) for s, e in found]


_DOTTED = re.compile(f"[{MIDDLE_DOTS}]")


def dotted_name_spans(text: str) -> list[tuple[int, int]]:
    """Minority and transliterated names written with a middle dot (阿依古丽·买买提, 约翰·史密斯): runs of
    transliteration characters joined by dots, each part at least two characters (one for a Latin
    initial is not Chinese practice)."""
    spans: list[tuple[int, int]] = []
    for m in _DOTTED.finditer(text):
        if spans and m.start() < spans[-1][1]:
            continue
        start = _dotted_start(text, m.start())
        end, parts = m.end(), [m.start() - start]
        while True:
            stop = _dotted_stop(text, end)
            parts.append(stop - end)
            if stop < len(text) and text[stop] in MIDDLE_DOTS and stop + 1 < len(text):
                end = stop + 1
                continue
            end = stop
            break
        if all(n >= 2 for n in parts):
            spans.append((start, end))
    return spans


def _dotted_start(text: str, dot: int) -> int:
    """Where the part before a middle dot starts: a run of transliteration characters, or, when that run
    stops inside Chinese text, the whole Chinese run back to a cue, punctuation or a line's start (患者穆罕
    默德·阿里: 罕 and 德 are rare in transliterations), at most seven characters."""
    start = dot
    while start > 0 and text[start - 1] in TRANSLITERATION and dot - start < 8:
        start -= 1
    if start == 0 or not CJK_CHAR.match(text, start - 1) or cue_before(text, start):
        return start
    wide = start
    while wide > 0 and CJK_CHAR.match(text, wide - 1) and dot - wide < 7 and not cue_before(text, wide):
        wide -= 1
    bounded = wide == 0 or not CJK_CHAR.match(text, wide - 1) or cue_before(text, wide)
    return wide if bounded and _foreign_run(text, wide, dot) else start


def _dotted_stop(text: str, begin: int) -> int:
    """Where the part after a middle dot ends: a run of transliteration characters, or, when that run
    stops inside Chinese text, the Chinese run up to punctuation, a sex or age, a word that follows names
    or the text's end (阿卜杜拉，男), at most seven characters."""
    stop = begin
    while stop < len(text) and text[stop] in TRANSLITERATION and stop - begin < 8:
        stop += 1
    if _part_ends(text, stop):
        return stop
    wide = stop
    while wide < len(text) and CJK_CHAR.match(text, wide) and wide - begin < 7 and not _part_ends(text, wide):
        wide += 1
    return wide if _part_ends(text, wide) and _foreign_run(text, begin, wide) else stop


def _foreign_run(text: str, start: int, end: int) -> bool:
    """A run that may be part of a transliterated name: no character a given name never holds, no common
    word inside it and no clinical term around it (甲状腺功能亢进·伴有 is none)."""
    run = text[start:end]
    if any(ch in NOT_GIVEN for ch in run) or any(
        common_non_name(run[i : i + 2]) for i in range(len(run) - 1)
    ):
        return False
    return not in_clinical_term(text, start, end)


def _part_ends(text: str, i: int) -> bool:
    return (
        i >= len(text)
        or not CJK_CHAR.match(text, i)
        or text[i] in MIDDLE_DOTS
        or bool(AFTER.match(text, i) or FOLLOW.match(text, i))
    )


class DottedNameRecognizer(EntityRecognizer):
    def __init__(self) -> None:
        super().__init__(
            supported_entities=["PERSON"], supported_language="zh", name="PERSON_dotted_recognizer"
        )

    def load(self) -> None:
        return None

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        return [RecognizerResult("PERSON", s, e, 0.9) for s, e in dotted_name_spans(text)]


# -- short values (a result field of a few characters) ------------------------------------------------
_BARE_NAME = re.compile(
    "^(?:" + "|".join(COMPOUND) + f"|[{''.join(sorted(set(SINGLE) - CUE_ONLY_SURNAMES))}])"
)
_SURNAME_START = set(SINGLE) | {c[0] for c in COMPOUND}


def bare_name(value: str) -> bool:
    """``value`` is nothing but a Chinese name (王建国 in a result field), told by its characters alone: a
    common surname and one or two given-name characters, no clinical word; no context and no word
    segmentation (the short results 淡黄色, 阳性, 白色, 成形 are no names)."""
    value = value.strip()
    m = _BARE_NAME.match(value)
    given = value[m.end() :] if m else ""
    return (
        m is not None
        and 1 <= len(given) <= 2
        and all(given_char(ch) for ch in given)
        and not starts_clinical_word(value)
    )


def cued_candidate(text: str) -> bool:
    """A surname stands right after a person cue (家属李秀兰, 联系人：王强): the text needs the full
    recognizers."""
    return any(ch in _SURNAME_START and cue_before(text, i) for i, ch in enumerate(text[:-1]))


def familiar_names(text: str) -> list[tuple[int, int]]:
    """Names the rules above miss for want of a cue (issue #17, round 4): Latin names
    (english.latin_names), a lone surname before a title or a form of address (谢谢X医生, 同事X调查员,
    X师傅), a familiar form (小X, 老X, 大X, 阿X; X哥, X姐), a child's doubled pet name, a speaker in
    brackets at a chat export's line start."""
    return (
        latin_names(text)
        + titled_surnames(text)
        + familiar_forms(text)
        + doubled_pet_names(text)
        + bracketed_speakers(text)
        + table_name_cells(text)
        + roled_surnames(text)
        + parents_children(text)
        + weak_cue_names(text)
        + foreign_script_names(text)
        + signed_labels(text)
        + stated_surnames(text)
        + greeted_names(text)
    )


_ANY_SURNAME = "".join(sorted(set(SINGLE) | CUE_ONLY_SURNAMES))
# a surname told as such: after a pronoun and 姓 (我姓X，), or before 姓 and a person (X姓老年男性, 一名X姓男子)
_PERSON_AFTER_SURNAME = "(?=患者|病人|老年|中年|青年|男|女|老人|先生|女士|家属|阿姨|师傅)"  # X姓患者
_STATED_SURNAME = re.compile(
    rf"(?:[我他她您]|免贵)姓([{_ANY_SURNAME}])(?![\u4e00-\u9fff])"
    rf"|(?<![\u4e00-\u9fff])([{SINGLE}])姓{_PERSON_AFTER_SURNAME}"
    rf"|(?<=[名位个])([{SINGLE}])姓{_PERSON_AFTER_SURNAME}"
)
# a name greeted at a message's start (【某医院】X您好, 尊敬的 is the slots' cue): a surname and one or two
# characters, whatever word they also make (found from the greeting back)
_GREETING = re.compile("[您你]好")
_GREETED = re.compile(rf"[{SINGLE}][\u4e00-\u9fff]{{1,2}}")


def stated_surnames(text: str) -> list[tuple[int, int]]:
    """A surname the text says is one (我姓X, X姓老年男性)."""
    if "姓" not in text:
        return []
    return [m.span(next(k for k in (1, 2, 3) if m.group(k))) for m in _STATED_SURNAME.finditer(text)]


def greeted_names(text: str) -> list[tuple[int, int]]:
    """A name a message greets at its start (【某医院】X您好), no person noun (家长您好)."""
    spans = []
    for g in _GREETING.finditer(text) if "好" in text else ():
        for start in (g.start() - 2, g.start() - 3):
            if start < 0 or (start > 0 and text[start - 1] not in "\n】"):
                continue
            if _GREETED.fullmatch(text, start, g.start()) and not _PERSON_NOUN.search(text, start, g.start()):
                spans.append((start, g.start()))
                break
    return spans


_CLASSIC_SINGLE = frozenset(SINGLE) | CUE_ONLY_SURNAMES
# a title or a form of address after a lone surname (X医生, X调查员, X师傅, X阿姨, X姐)
_LONE_TITLE = re.compile(
    r"(?:主任|医生|医师|大夫|院长|师傅|阿姨|主管|组长|经理|调查员|查勘员|警官|大姐|老师|护士长|护士|药师|"
    r"治疗师|指导|科长|处长|律师|会计|专员|奶奶|爷爷|婆婆|叔叔|大爷|大妈|叔|姐|哥)"
)
# characters that open no surname before a title (副主任, 正主任, 总经理, 本医生, 该护士 ...)
_NO_TITLED_SURNAME = set("副正总本该此各每某前原新老小大二三四五六七八九十两几多诸众女男")
# what a lone surname before a title may follow: a person noun, an everyday verb's end or a word of
# thanks (同事, 保安, 谢谢, 收了, 转交, 由, 报, 因, 说)
_TITLED_AFTER = set("由报因让给请找问叫说谢了交和跟与同及是的经向被把称等")


def titled_surnames(text: str) -> list[tuple[int, int]]:
    """A lone surname before a title or a form of address, standing where a name may (after a
    punctuation mark, a line's start, a space, a person noun or a co-verb), no word with the character
    before it nor with the title (班主任, 中医生, 科主任), nor a function word's reading (向医生汇报)."""
    spans = []
    for m in _LONE_TITLE.finditer(text):
        start = m.start() - 1
        if start < 0:
            continue
        ch = text[start]
        # (a character no list holds, rare in words, between a role and a title: 主治X医生, 调阅人：X调查员)
        roled = (
            bool(CJK_CHAR.match(ch))
            and _lone_surname(ch)
            and (_role_before(text, start) or cue_before(text, start))
        )
        if ch not in _CLASSIC_SINGLE and not roled:
            continue
        if ch in _NO_TITLED_SURNAME or ch in _NOT_FIRST or ch in _POSITION:
            continue
        title = m.group()
        if common_non_name(ch + title) or common_non_name(ch + title[0]) or _dictionary_word(ch + title):
            continue
        prev = text[start - 1] if start > 0 else "\n"
        opens = not CJK_CHAR.match(prev)
        if not opens:
            if _dictionary_word(text[start - 1 : start + 1]) or _ends_word(text, start):
                continue
            if not (prev in _TITLED_AFTER or cue_before(text, start) or _role_before(text, start)):
                continue
        if ch in FUNCTION_SURNAMES and not (
            (
                (cue_before(text, start) or _role_before(text, start) or prev in "：:")
                and not _REPORTS.match(text, m.end())
            )
            or (opens and _ADDRESS_CLOSES.match(text, m.end()) is not None)
        ):
            continue  # (向医生汇报: a co-verb)
        if len(title) == 1 and (not opens and not cue_before(text, start) and prev not in "和跟与让叫找问"):
            continue  # (X姐, X哥 only where a name stands: 兰姐, ；红姐你好)
        spans.append((start, start + 1))
    return spans


# what one does toward a doctor, a co-verb's object being the title (护士向医生汇报, 于主任处就诊)
_REPORTS = re.compile(
    r"汇报|报告|请示|反映|说明|询问|交代|解释|提出|咨询|求助|打听|学习|借|要|处|请教|表示|致谢|道歉|转达"
)
_ROLE_END = re.compile(
    r"(?:同事|保安|厂医|人事|主治|主管|管床|经治|接诊|交警|邻居|药房|财务|司机|护工|队长|班长|村医|坐席|客服)$"
)


def _role_before(text: str, start: int) -> bool:
    return _ROLE_END.search(text, max(0, start - 2), start) is not None


_FAMILIAR = re.compile(f"[小老大][{''.join(sorted(_CLASSIC_SINGLE))}]|阿[{_GIVEN_CLASS}]")
# familiar forms that are words: kin, people, times (老公, 小伙, 大夫, 老家)
_FAMILIAR_WORDS = frozenset(
    "老公 老婆 老板 老干 老乡 老表 老伴 老总 老弟 老兄 老汉 老者 老大 老二 老三 老幺 老家 老人 老年 老师 老化 老花 老于 "
    "小伙 小孩 小姐 小弟 小妹 小时 小于 小儿 小便 小结 小组 小区 小车 小吃 小米 小麦 小叶 小林 小康 小雪 小满 小寒 小暑 "
    "大家 大伙 大夫 大师 大姐 大哥 大爷 大娘 大妈 大叔 大伯 大婶 大嫂 大王 大人 大于 大便 大黄 大方 大连 大庆 "
    "大同 大江 大山 大车 大关 大包 大项 大宗 大成 大安 大通 大华 大全 大明 大有 大会 大班 大平 大田 大石 阿姨 阿婆 "
    "阿公 阿叔 阿伯 阿哥 阿妹".split()
)
# what may follow a familiar form beginning with 阿 (阿杰也有, 阿洁补位, 阿芳三人): punctuation, a person's
# act or a particle; 阿 opens many drugs' names (阿莫西林, 阿托品)
_AH_CLOSES = set(
    '来去说发送问带接打叫给让看拿找陪做讲告帮也在的和跟都请负补三两爸妈，,：:。；;！？!?、\n “”"）)'
)


def familiar_forms(text: str) -> list[tuple[int, int]]:
    """小, 老 or 大 and a surname (小谭, 老周, 大刘), 阿 and a given-name character (阿杰): no word with
    the character before it (缩小, 养老, 最大), none itself (小区, 老公, 大黄, 小叶), none of its
    surname with what follows (小柴胡, 小胡子, 老陈醋), no clinical term; a given-name character and 哥
    or 姐 after a name's opening (峰哥, 和芳姐)."""
    spans = []
    for m in _FAMILIAR.finditer(text):
        start, end = m.span()
        word = m.group()
        # (a familiar form with 小 or 老 that is a word is a name before a title: 小林护士, 小叶老师; 大连 and
        # 大同 are cities)
        titled = (
            word[0] in "小老"
            and word[1] in SINGLE
            and word[1] not in FUNCTION_SURNAMES
            and _TITLE_AT.match(text, end) is not None
        )
        if (word in _FAMILIAR_WORDS or common_non_name(word)) and not titled:
            continue
        if in_clinical_term(text, start, end):
            continue
        if start > 0 and CJK_CHAR.match(text, start - 1) and common_non_name(text[start - 1 : end - 1]):
            continue
        if any(_dictionary_word(text[end - 1 : end + k]) for k in (1, 2) if end + k <= len(text)):
            continue
        if any(_dictionary_word(text[start : end + k]) for k in (1, 2) if end + k <= len(text)):
            continue
        if any(_dictionary_word(text[start - k : end]) for k in (1, 2) if start >= k):
            continue  # (血小板, 意大利)
        if word[0] == "阿" and not (end >= len(text) or text[end] in _AH_CLOSES):
            continue
        spans.append((start, end))
    for m in _BROTHER_SISTER.finditer(text):
        start, end = m.span()
        given = m.group(1)
        if any(ch in _NO_TITLED_SURNAME or not given_char(ch) for ch in given):
            continue
        if common_non_name(m.group()) or common_non_name(given + m.group(2)) or _dictionary_word(m.group()):
            continue
        if len(given) == 2:
            if common_non_name(given) or _dictionary_word(given):
                continue
            spans.append((start, start + 2))  # (冬梅姐: the name without the form of address)
        else:
            spans.append((start, end))
    return spans


# a given name (one or two characters) and 哥 or 姐 after where a name opens: a line's start, a
# punctuation mark, a particle or a possessive (我老公峰哥, 和芳姐是, 跟春梅姐说)
_BROTHER_SISTER = re.compile(
    r"(?:(?<=[\n：:，,。；;！？!?、“\"（( \t])|(?<=^)|(?<=[的和跟与让叫找问给公婆]))"
    r"([\u4e00-\u9fff]{1,2}?)(哥|姐)(?![\u4e00-\u9fff]{0,1}(?:[姐哥妹弟夫]))(?=[，,：:。；;！？!?、\s说在你我也是和的帮都]|$)"
)
# a child's doubled pet name (乐乐, 朵朵): standing where a name may, no word (常常, 宝宝), no kinship word
_DOUBLED_NAME = re.compile(r"([\u4e00-\u9fff])\1")
_DOUBLED_OPENS = set('\n：:，,。；;！？!?、“"（(【 \t的和跟与让叫找问给是带陪我家子女孩儿宝·')


# words said twice in chat (thanks, laughter, assent)
_SAID_TWICE = frozenset(
    "谢谢 哈哈 嗯嗯 呵呵 嘿嘿 好好 拜拜 嘻嘻 啦啦 哦哦 对对 是是 行行 哎哎 嗨嗨 滴滴 咚咚".split()
)


def doubled_pet_names(text: str) -> list[tuple[int, int]]:
    """A doubled character (乐乐, 朵朵) that is no frequent word (常常, 天天), no kinship word, no
    character a given name never holds, and makes no word with the character before it or after it."""
    spans = []
    for m in _DOUBLED_NAME.finditer(text):
        start, end = m.span()
        word = m.group()
        if word in _KIN_DOUBLED or word in _SAID_TWICE or common_non_name(word) or word[0] in NOT_GIVEN:
            continue
        if _frequent_word(word):
            continue
        if start > 0 and text[start - 1] not in _DOUBLED_OPENS:
            if any(_dictionary_word(text[start - k : start + 1]) for k in (1, 2) if start >= k):
                continue  # (a word's end: 点点, 红红的 after 有点)
        if _dictionary_word(text[end - 1 : end + 1]) or _dictionary_word(text[start : end + 1]):
            continue
        if in_clinical_term(text, start, end):
            continue
        spans.append((start, end))
    return spans


# a speaker in square brackets at a chat export's line start ([某某]: ...), two lines of the kind at least
_BRACKET_SPEAKER = re.compile(r"(?m)^\[([\u4e00-\u9fff]{2,4})\][ \t]*[:：]")


def bracketed_speakers(text: str) -> list[tuple[int, int]]:
    found = list(_BRACKET_SPEAKER.finditer(text))
    if len(found) < 2:
        return []
    return [
        m.span(1)
        for m in found
        if m.group(1) not in _ROLE_WORDS
        and not _dictionary_word(m.group(1))
        and not _PERSON_NOUN.search(m.group(1))
        and not in_clinical_term(text, m.start(1), m.end(1))
    ]


def _unclaimed(
    text: str, found: list[RecognizerResult], spans: list[tuple[int, int]]
) -> list[RecognizerResult]:
    """The spans as findings where no rule's finding overlaps them (a segmentation model's finding that
    does gives way: 谢谢X医生 read as 谢谢X)."""
    out = list(found)
    for s, e in sorted(set(spans)):
        hit = [r for r in out if r.start < e and s < r.end]
        # (a rule's finding that is a word and the name: 谢谢X before 医生; a lone surname and the verb
        # after it: 查勘员X核实 read as a name X核实)
        if any(
            r.score > MODEL_SCORE
            and not (r.end == e and _frequent_word(text[r.start : s]))
            and not (r.start == s and e == s + 1 and common_non_name(text[e : r.end]))
            for r in hit
        ):
            continue
        out = [r for r in out if r not in hit]
        out.append(RecognizerResult("PERSON", s, e, 0.85))
    return out


def _frequent_word(word: str) -> bool:
    """A word jieba's dictionary counts often, whatever its tag (谢谢, which it tags as a name)."""
    return len(word) >= 2 and jieba_module().dt.FREQ.get(word, 0) >= 1000


# a table's header naming its name column (姓名, name, 患者姓名 ...), and the separators of its cells
_NAME_HEADER = re.compile(
    r"(?:患者|受试者|被保险人|投保人|申请人|参保人|就诊人|客户|会员|联系人|家属)?姓名|患者|被保险人|联系人|"
    r"(?i:name|full[ _]?name|patient[ _]?name|pt[ _]?name|subject[ _]?name)"
)
_CELL_SEPARATORS = ("|", "｜", "\t", ",")
_NAME_CELL = re.compile(
    r"[\u4e00-\u9fff]{2,5}|[\u4e00-\u9fff]{2,6}·[\u4e00-\u9fff]{2,6}|[A-Z][a-z]+(?: [A-Z][a-z]+){1,2}"
)


def table_name_cells(text: str) -> list[tuple[int, int]]:
    """The cells under a table's name column (序号|姓名|证件号码, pid<TAB>name<TAB>sex, a CSV header):
    every row with the header's count of cells, its cell in that column a name's shape, whatever word
    the name also is (向阳, 沈阳, 安康)."""
    spans: list[tuple[int, int]] = []
    lines = lines_with_offsets(text)
    i = 0
    while i < len(lines):
        header = lines[i][1]
        sep = next((c for c in _CELL_SEPARATORS if header.count(c) >= 2), None)
        cells = [c.strip() for c in header.split(sep)] if sep else []
        column = next((k for k, c in enumerate(cells) if _NAME_HEADER.fullmatch(c)), None)
        if sep is None or column is None:
            i += 1
            continue
        j = i + 1
        while j < len(lines) and lines[j][1].count(sep) == header.count(sep):
            offset, line = lines[j]
            row = line.split(sep)
            start = offset + sum(len(c) + len(sep) for c in row[:column])
            cell = row[column]
            value = cell.strip()
            if value and _NAME_CELL.fullmatch(value) and value not in _ROLE_WORDS and value not in _NO_ONE:
                lead = len(cell) - len(cell.lstrip())
                spans.append((start + lead, start + lead + len(value)))
            j += 1
        i = j
    return spans


def word_names_listed(text: str, found: list[RecognizerResult]) -> list[tuple[int, int]]:
    """The items of a list joined by 、 in which an item is a found name: an item of two or
    three characters is a name too, even one that is a word (蒋某、夏天、白雪), unless an item of the list
    is a clinical term or a drug (a herbs' list: 蒲公英、金银花); one found name of three items does."""
    spans: list[tuple[int, int]] = []
    names = {(r.start, r.end) for r in found if r.entity_type == "PERSON"}
    for m in _NAME_LIST.finditer(text):
        items = [(m.start() + k.start(), m.start() + k.end()) for k in re.finditer(r"[^、]+", m.group())]
        hits = sum(any((s <= a and b <= e) or (a <= s and e <= b) for a, b in names) for s, e in items)
        if hits < 1:
            continue
        if any(in_clinical_term(text, s, e) or _DRUG_CHAR.search(text[s:e]) for s, e in items):
            continue
        for s, e in items:
            item = text[s:e]
            if any(s < b and a < e for a, b in names) or len(item) > 3:
                continue
            if common_non_name(item) and not _noun_like(item):
                continue
            if any(ch in NOT_GIVEN for ch in item[1:]):
                continue
            spans.append((s, e))
    return spans


# the cells of a register's rows: parted by bars, tabs or runs of spaces
_CELL_SPLIT = re.compile(r"[ \t\u3000]*[|｜\t][ \t\u3000]*|[ \t\u3000]+")
_WORD_CELL = re.compile(r"[\u4e00-\u9fff]{2,4}")
_DIGIT = re.compile(r"\d")


def column_names(text: str, found: list[RecognizerResult]) -> list[tuple[int, int]]:
    """The cells of a register's column (rows of a log or a sign-in sheet, each with a number, a date,
    an index or a dose, and the same count of cells) in which two found names at least stand and make
    half the column's word cells: its other cells of two to four characters are names too, even words (江海, 满天星), unless a person
    noun, a clinical term or a value saying no one."""
    names = {(r.start, r.end) for r in found if r.entity_type == "PERSON"}
    if len(names) < 2:
        return []
    columns: dict[int, list[tuple[int, int, bool]]] = {}
    spans: list[tuple[int, int]] = []
    width = 0  # the cells of the register's rows
    for offset, line in [*lines_with_offsets(text), (len(text) + 1, "")]:
        gaps = line.count(" ") + line.count("\u3000") + line.count("\t") + line.count("|") + line.count("｜")
        cells = _row_cells(line) if gaps >= 2 and _DIGIT.search(line) else []
        if len(cells) != width:  # the register ends: its columns are read
            for column in columns.values():
                hits = sum(hit for _, _, hit in column)
                if hits >= 2 and 2 * hits >= len(column):
                    spans += [(s, e) for s, e, hit in column if not hit and _cell_value(text, s, e)]
            columns = {}
            width = len(cells) if len(cells) >= 3 else 0
            if not width:
                continue
        for k, (s, e) in enumerate(cells):
            if _WORD_CELL.fullmatch(line, s, e):
                columns.setdefault(k, []).append((offset + s, offset + e, (offset + s, offset + e) in names))
    return spans


# a chat line's speaker: a word of two or three characters before a colon at a line's start, after a
# time stamp in brackets maybe
_CHAT_SPEAKER = re.compile(r"(?m)^(?:\[[^\]\n]{1,20}\][ \t]*)?([\u4e00-\u9fff]{2,3})[ \t]*[:：]")


# the words of speech in a chat line (a pronoun, a particle, a reply, a question): no label's value
_SPEECH = re.compile(r"[我你咱吧吗呢啊哈嗯哦呀啦说?？!！]|收到|好的|(?i:ok)")


def _says_something(text: str, start: int) -> bool:
    end = text.find("\n", start)
    return _SPEECH.search(text, start, len(text) if end < 0 else end) is not None


def chat_speakers(text: str, found: list[RecognizerResult]) -> list[tuple[int, int]]:
    """The speakers of a chat (three speaker lines at least, two of whose speakers are found names):
    every other speaker saying words of speech is a name too, even a word (黄河：我到了), unless a role
    or a person noun (a meeting's record labels its lines: 结论：, 病例：), and so is each of its mentions
    that starts and ends at a word's boundary."""
    lines = list(_CHAT_SPEAKER.finditer(text))
    if len(lines) < 3:
        return []
    names = {(r.start, r.end) for r in found if r.entity_type == "PERSON"}
    named = {m.group(1) for m in lines if m.span(1) in names}
    if len(named) < 2:
        return []
    words = {
        m.group(1)
        for m in lines
        if m.group(1) not in named
        and _says_something(text, m.end())
        and m.group(1) not in _ROLE_WORDS
        and not _PERSON_NOUN.search(m.group(1))
        and not in_clinical_term(text, m.start(1), m.end(1))
    }
    spans = []
    for word in sorted(words):
        for s in _occurrences(text, word):
            e = s + len(word)
            if s == 0 or text[s - 1] in "\n] \t" or not (_ends_word(text, s) or common_word_at(text, e - 1)):
                spans.append((s, e))
    return spans


# a person's ethnic group in brackets after the name (X（藏族）, X（蒙古族，全名）): the bracket's full
# name that holds the first, too
_ETHNICITY_BRACKET = re.compile(r"[（(][\u4e00-\u9fff]{1,3}族(?:[，,]([\u4e00-\u9fff·]{2,8})[）)]|[，,）)])")


def ethnicity_glossed(text: str) -> list[tuple[int, int]]:
    """The run of two to four characters right before an ethnic group in brackets, no role, person noun
    or clinical term (its start a line's, a punctuation mark's or a space's), and a full name in the same
    bracket holding it."""
    spans = []
    for m in _ETHNICITY_BRACKET.finditer(text):
        end = start = m.start()
        while start > 0 and end - start < 5 and CJK_CHAR.match(text, start - 1):
            start -= 1
        word = text[start:end]
        if not 2 <= len(word) <= 4 or (start > 0 and CJK_CHAR.match(text, start - 1)):
            continue
        if word in _ROLE_WORDS or _PERSON_NOUN.search(word) or in_clinical_term(text, start, end):
            continue
        spans.append((start, end))
        if m.group(1) and word in m.group(1).replace("·", ""):
            spans.append(m.span(1))
    return spans


def _row_cells(line: str) -> list[tuple[int, int]]:
    cells, at = [], 0
    for m in _CELL_SPLIT.finditer(line):
        if m.start() > at:
            cells.append((at, m.start()))
        at = m.end()
    if at < len(line):
        cells.append((at, len(line)))
    return cells


def _cell_value(text: str, start: int, end: int) -> bool:
    value = text[start:end]
    return not (
        value in _NO_ONE
        or value[0] in _NOT_A_VALUE
        or _PERSON_NOUN.search(value)
        or _NAME_HEADER.fullmatch(value)
        or value in _STATUS_WORDS
        or starts_clinical_word(value)
        or in_clinical_term(text, start, end)
        or not _noun_like(value)
        # (four characters: a compound surname's or a transliterated name, no diagnosis: 先兆早产)
        or (len(value) == 4 and value[:2] not in SLOT_COMPOUNDS and value[0] not in TRANSLITERATION)
    )


# a list of two to four characters' items joined by 、, three items at least
_NAME_LIST = re.compile(
    r"(?<![\u4e00-\u9fff])[\u4e00-\u9fff]{2,4}(?:、[\u4e00-\u9fff]{2,4}){2,}(?![\u4e00-\u9fff])"
)


# a lone surname after a head's title and a colon (车间主任：X), after a department at a line's end
# (——药房X, 财务科　X), or after a role (any job ending in 员 or 师) before what a person does (药师X告知,
# 厂医X让, 查勘员X核实)
_HEAD_COLON = re.compile(
    r"(?:主任|经理|组长|科长|主管|队长|站长|所长|院长|处长|部长|负责人)[ \t]*[:：][ \t\u3000]*"
    r"([\u4e00-\u9fff])(?=[ \t\u3000]|\n|$|[。，,；;])"
)
_DEPARTMENT_END = re.compile(r"(?:科|房|室|部|处|办)[ \u3000]?([\u4e00-\u9fff])(?=[ \t\u3000]*(?:\n|$))")
_ROLE_ACT = re.compile(
    r"(?:[员师]|厂医|村医|交警|保安|坐席|客服|同事|邻居)([\u4e00-\u9fff])"
    r"(?=[告核指让说来称已将答回负处陪送])"
)


def roled_surnames(text: str) -> list[tuple[int, int]]:
    """A lone surname a role or a department stands before, no word with the characters around it."""
    spans = []
    for pattern in (_HEAD_COLON, _DEPARTMENT_END, _ROLE_ACT):
        for m in pattern.finditer(text):
            start = m.start(1)
            ch = text[start]
            if ch not in _CLASSIC_SINGLE or ch in _NO_TITLED_SURNAME or ch in _NOT_FIRST or ch in _POSITION:
                continue  # (医师后处理: a position word)
            if text[m.start()] in "员师" and not (m.start() > 0 and CJK_CHAR.match(text, m.start() - 1)):
                continue  # (a job ending in 员 or 师: 理赔员, 治疗师)
            if pattern is _DEPARTMENT_END and (ch not in SINGLE or ch in FUNCTION_SURNAMES):
                continue  # (病案室补: a verb; only a surname that is no everyday character)
            if any(_dictionary_word(text[start - k : start + 1]) for k in (1, 2) if start >= k):
                continue  # (护士长, 科室)
            if _dictionary_word(text[start : start + 2]):
                continue
            spans.append((start, start + 1))
    return spans


# a child's familiar name before a parent's or a grandparent's word (小雨妈妈：, 阿坤爸，)
_CHILD_OF = re.compile(
    f"((?:小|阿)[{_GIVEN_CLASS}])(?=(?:妈妈|爸爸|妈|爸|奶奶|爷爷|外婆|外公|家长)(?:[：:，,。的]|$|\\n))"
)
# a child's familiar name after a kinship word (女儿小雪, 儿童小鹏, 太太小英)
_PET_AFTER_KIN = re.compile(
    f"(?:女儿|儿子|孙女|孙子|外孙|太太|老婆|妻子|丈夫|老公|儿童|患儿|妹妹|弟弟|我妹|我弟)(小[{_GIVEN_CLASS}])"
)


def parents_children(text: str) -> list[tuple[int, int]]:
    """A child's familiar name before its parent's word or after a kinship word, and its other mentions
    in the same text (小雨妈妈：... 今天小雨在幼儿园)."""
    spans = []
    for pattern in (_CHILD_OF, _PET_AFTER_KIN):
        for m in pattern.finditer(text):
            start, end = m.span(1)
            if common_non_name(m.group(1)) or in_clinical_term(text, start, end):
                continue
            if _dictionary_word(text[end - 1 : end + 1]):
                continue
            spans.append((start, end))
    for name in {text[s:e] for s, e in spans}:
        for s in _occurrences(text, name):
            e = s + len(name)
            if (s, e) in spans or _dictionary_word(text[e - 1 : e + 1]):
                continue
            if s > 0 and _dictionary_word(text[s - 1 : s + 1]):
                continue
            spans.append((s, e))
    return spans


# --- issue #17, round 5: names after a weak cue, whatever word they also are ---
_HAN2_3 = r"[\u4e00-\u9fff]{2,3}"
# a name right before its sex and age (X，男，59岁; X（女，45岁）) at a line's start, after a mark or a space
# (not after 患者: 患者无发热，男 ...)
_SEX_AGE_AFTER = re.compile(
    rf"(?:(?<=[\n：:。；;\s　])|(?<=^))({_HAN2_3})(?=[（(，,][ ]?[男女][，,、 ][ ]?\d{{1,3}}岁)"
)
# a pupil's name before 同学 (X同学，今天 ...), standing alone
_PUPIL = re.compile(rf"(?:(?<=[\n：:。；;\s　])|(?<=^))({_HAN2_3})(?=同学[，,：:！!。\s])")
# a certificate's subject (兹证明X，女 / 兹证明X（性别 ...)
_CERTIFIED = re.compile(rf"兹证明({_HAN2_3})(?=[，,（(]|同志|先生|女士)")
# a party's name on a marriage, a contract or a service form (男方：X, 乙方（居民）：X)
_PARTY = re.compile(
    rf"(?:男方|女方|乙方（(?:居民|签约人|患者)）)[ \t]*[:：][ \t\u3000]*({_HAN2_3})(?=[ \t\u3000，,（(]|\n|$)"
)
# a handover's or a desk's signer (交班：X　接班：Y, 交：Z护士　接：X, 经办：X) and a signature after a dash
# at a line's end (——X)
_SIGNER = re.compile(
    rf"(?:交班|接班|(?<![\u4e00-\u9fff])交|(?<![\u4e00-\u9fff])接|经办)[ \t]*[:：][ \t\u3000]*({_HAN2_3})"
    r"(?=[ \t\u3000]*(?:\n|$)|[ \t\u3000]+(?:接班|接|交班|交)?[ \t]*[:：]|　)"
    rf"|——[ \t]*({_HAN2_3})(?=[ \t]*(?:\n|$))"
)
# what stands in those places and is no name
_WEAK_CUE_STOP = frozenset(
    "各位 全体 其他 广大 部分 这位 那位 本班 班上 初一 初二 初三 高一 高二 高三 该生 本人 患者 患儿 病人 "
    "以下 如下 如常 平稳 正常 完毕 已阅 签名 签字 未完 待续 以上 摘自 完成 无殊 同意 家属 男性 女性 "
    "男孩 女孩 男童 女童 新生 学生 同学".split()
)
_NOT_A_NAME_END = set("科室处部院局司所站组队班")
# a pronoun, a demonstrative or a negation opens no name (该生, 本人, 我院, 无殊, 未见)
_OPENS_NO_NAME = "该本我其此这那某各每你他她咱无未不已"


def _no_weak_cue_name(word: str) -> bool:
    """A word that stands where a weak cue's name would and is none: a stop word, a role, no one."""
    return word in _WEAK_CUE_STOP or word in _ROLE_WORDS or word in _NO_ONE


def weak_cue_names(text: str) -> list[tuple[int, int]]:
    """A name after a weak cue, common word or not (issue #17, round 5): before its sex and age, before
    同学, after 兹证明, a party's colon (男方：), a handover's or a desk's colon (交班：, 接：, 经办：) or a
    signature's dash at a line's end; no role word, no clinical term, no department."""
    spans = []
    for pattern in (_SEX_AGE_AFTER, _PUPIL, _CERTIFIED, _PARTY, _SIGNER):
        for m in pattern.finditer(text):
            group = 1 if m.group(1) is not None else 2
            start, end = m.span(group)
            word = text[start:end]
            if _no_weak_cue_name(word) or word[-1] in _NOT_A_NAME_END:
                continue
            if word[0] in _OPENS_NO_NAME or in_clinical_term(text, start, end):
                continue
            spans.append((start, end))
    return spans


# an old person's familiar form: a surname and 老太 or 老汉 (X老太, X老汉), one name
_ELDER = re.compile(r"(?:(?<![\u4e00-\u9fff])|(?<=床))([\u4e00-\u9fff])(?:老太太|老太|老汉)")


def elder_forms(text: str, found: list[RecognizerResult]) -> list[RecognizerResult]:
    """A found lone surname before 老太 or 老汉 grows to the familiar form (X老太 is the name, its title
    not stripped), and a surname before them no finding overlaps becomes one (after a bed's number, a
    mark, a space or a line's start)."""
    out = list(found)
    for m in _ELDER.finditer(text):
        start, end = m.start(), m.end()
        if text[start] not in _CLASSIC_SINGLE or text[start] in _NO_TITLED_SURNAME:
            continue
        hit = [r for r in out if r.start < end and start < r.end]
        if hit and not all(r.start >= start and r.end <= end for r in hit):
            continue
        out = [r for r in out if r not in hit]
        out.append(RecognizerResult("PERSON", start, end, 0.85))
    return out


# --- issue #17, round 6: foreign patients' names in their own script and their romanized forms ---
_HANGUL_SURNAMES = (
    "김이박최정강조윤장임한오서신권황안송류유전홍고문양손배백허남심노하곽성차주우구민진지엄채원천방공현함변염여"
    "추도소석선설마길연위표명기반왕금옥육인맹제모탁국어은편용"
)
# a Korean name in Hangul (two to four syllables, a family name first) glossing a romanized one: in
# brackets, after a slash or a colon, or right after a Latin word (Kim Min-ji (김민지), NAME / 김민지)
_HANGUL = re.compile(r"[\uac00-\ud7a3]")
_HANGUL_NAME = re.compile(
    rf"(?:(?<=[（(/:：])|(?<=[（(/:：][ \u3000])|(?<=[A-Za-z][ \u3000]))([{_HANGUL_SURNAMES}][\uac00-\ud7a3]{{1,3}})"
    r"(?![\uac00-\ud7a3])"
)
# Hangul words a family name's syllable opens (a language, a country, a form's labels)
_HANGUL_WORDS = frozenset(
    "한국어 한국 한국인 이름 이상 이하 이후 이전 정보 주소 성별 연락처 보호자 환자 병원 병동 진료 안내 입원 "
    "퇴원 수술 주의 조선족 조선어 중국어 영어 일본어 성명 남성 여성 남자 여자 나이".split()
)
_KOREAN_SURNAMES = (
    "Kim|Lee|Park|Choi|Jung|Jeong|Kang|Cho|Jo|Yoon|Yun|Jang|Lim|Han|Oh|Seo|Shin|Kwon|Hwang|Ahn|Song|Yoo|"
    "Hong|Jeon|Ko|Moon|Yang|Son|Bae|Baek|Heo|Nam|Noh|Ha|Kwak|Sung|Cha|Joo|Woo|Min|Ryu|Jin|Chae|Won|Bang|Hyun"
)
# a romanized Korean name, its given name hyphenated, the family name first or last (Park Ji-won,
# Ji-won Park)
_KOREAN_LATIN = re.compile(
    rf"(?<![\w-])(?:(?:{_KOREAN_SURNAMES}) [A-Z][a-z]{{1,4}}-[a-z]{{1,4}}|[A-Z][a-z]{{1,4}}-[a-z]{{1,4}} "
    rf"(?:{_KOREAN_SURNAMES}))(?![\w-])"
)
_korean_latin = prefiltered(_KOREAN_LATIN)
# a name in Chinese characters or kana glossing a romanized name after a slash (Taro Yamada / 山田太郎)
_NATIVE_AFTER_SLASH = re.compile(
    r"(?<![\w-])[A-Z][A-Za-z]+(?:-[a-z]+)? [A-Z][A-Za-z]+(?:-[a-z]+)?[ \u3000]?/[ \u3000]?"
    r"([\u4e00-\u9fff\u30a0-\u30ff]{2,5})(?=[ \u3000\t,，;；）)]|\n|$)"
)
# a romanized name in capitals as a name field's value (Name 姓名：PARK JIWON / ..., 姓名：NGUYEN VAN AN)
_CAPITALS_FIELD = re.compile(
    r"(?:姓名|(?<![A-Za-z])Name)[ \t]*[:：][ \t\u3000]*([A-Z]{2,12}(?: [A-Z]{2,12}){1,2})(?=[ \t\u3000]*(?:/|\n|$)|\u3000)"
)
_NOT_A_NATIVE_NAME = re.compile(
    r"(?:科|部|室|处|院|所|中心|组|站|局|国|籍|族|人|省|市|州|区|县|语|文|药|病|症|术)$"
)


_CAPITAL_WORDS = frozenset("NA NONE UNKNOWN TBD TEST PATIENT NAME SEX MALE FEMALE".split())


def foreign_script_names(text: str) -> list[tuple[int, int]]:
    """A Korean name in Hangul glossing a romanized one, a romanized Korean name with its hyphenated
    given name, and a name in Chinese characters after a romanized name and a slash."""
    spans: list[tuple[int, int]] = []
    if "-" in text:
        spans += [m.span() for m in _korean_latin(text)]
    if _HANGUL.search(text) is not None:
        spans += [m.span(1) for m in _HANGUL_NAME.finditer(text) if m.group(1) not in _HANGUL_WORDS]
    spans += [
        m.span(1) for m in _CAPITALS_FIELD.finditer(text) if not (set(m.group(1).split()) & _CAPITAL_WORDS)
    ]
    if "/" in text:
        for m in _NATIVE_AFTER_SLASH.finditer(text):
            start, end = m.span(1)
            word = m.group(1)
            if (
                _NOT_A_NATIVE_NAME.search(word)
                or _dictionary_word(word)
                or in_clinical_term(text, start, end)
            ):
                continue
            if any(w in NOT_NAME_WORDS for w in m.group().split("/")[0].split()):
                continue
            spans.append((start, end))
    return spans


# a form's name cell without a colon (姓名　X　　性别 ...), and a report's or a record's signer after its
# label's colon at a line's start, the line ending there or a date following (报告：X, 药师：X　2024-05-01)
_NAME_CELL_SPACED = re.compile(r"姓名[ \u3000]+([\u4e00-\u9fff]{2,4})(?=[ \u3000]+性别)")
_SIGNED_LABEL = re.compile(
    r"(?m)^(?:药师|报告|审核|记录|报告人|审核人|记录人|复核|填表人|上报人|经办人|签名)[ \t]*[:：][ \t\u3000]*"
    r"([\u4e00-\u9fff]{2,3})(?=[ \t\u3000]*(?:\n|$)|[ \t\u3000]+\d)"
)
_TITLE_ENDS = ("医生", "护士", "老师", "主任", "医师", "药师", "组长", "科")


def signed_labels(text: str) -> list[tuple[int, int]]:
    """A name in a form's name cell before 性别 (no colon), and a signer after a report's or a record's
    label at a line's start, common word or not (报告：X, 记录人：X); no role word, no title's end."""
    spans = []
    for pattern in (_NAME_CELL_SPACED, _SIGNED_LABEL):
        for m in pattern.finditer(text):
            start, end = m.span(1)
            word = m.group(1)
            if _no_weak_cue_name(word) or word.endswith(_TITLE_ENDS):
                continue
            if word[0] in _OPENS_NO_NAME or word[0] in "见详":
                continue
            spans.append((start, end))
    return spans
