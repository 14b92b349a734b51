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

import re

from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from node.anonymization.recognizers.lexicon import (
    AFTER,
    BEFORE_COLON,
    CJK,
    CJK_CHAR,
    COMPOUND,
    FIELD_END,
    FOLLOW,
    FUNCTION_SURNAMES,
    LABEL_BEFORE,
    LEXICON,
    MIDDLE_DOTS,
    NOT_GIVEN,
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
from node.anonymization.recognizers.name_model import NameModel

MODEL_SCORE = 0.6  # a name the segmentation model found without a cue
_CANDIDATE = re.compile(rf"{SURNAME}{CJK}{{1,2}}")


class ChineseNameRecognizer(EntityRecognizer):
    def __init__(self, model: NameModel | None = None) -> None:
        super().__init__(supported_entities=["PERSON"], supported_language="zh", name="PERSON_zh_recognizer")
        self._model = model

    def load(self) -> None:
        return None

    @property
    def model(self) -> NameModel:
        if self._model is None:
            self._model = NameModel.packaged()
        return self._model

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        results = []
        pos = 0
        listed_at = -1  # where a name listed after the previous one (张三、李四; 张三/李四) would start
        while (m := _CANDIDATE.search(text, pos)) is not None:
            pos = m.start() + 1
            span = self._name_at(text, m.start(), m.end(), listed=m.start() == listed_at)
            if span:
                results.append(RecognizerResult("PERSON", span[0], span[1], 0.85))
                pos = span[1]
                listed_at = span[1] + 1 if text[span[1] : span[1] + 1] in ("、", "/") else -1
        for start, end in self.model.find(text):
            if all(end <= r.start or start >= r.end for r in results):
                results.append(RecognizerResult("PERSON", start, end, MODEL_SCORE))
        results += _repeated(text, results)
        return [r for r in results if not in_clinical_term(text, r.start, r.end)]  # drugs are no names

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
        stop = start + surname
        while stop < end and given_char(text[stop]):  # the given name ends at the first unlikely character
            stop += 1
        two_given = start + surname + 2 <= len(text) and CJK_CHAR.match(text, start + surname + 1)
        cued = (
            cued_before
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
            if AFTER.match(text, cut) or (cued_before and (cut == stop or not _continues_word(text, cut))):
                return start, cut
        if cued_before and BEFORE_COLON.search(text, max(0, start - 8), start):
            # 家属：方圆（儿子）: the whole value of a person's field is a name, even one that is a word
            for cut in (start + surname + 2, start + surname + 1):
                if FIELD_END.match(text, cut) and _plain_given(text, start, surname, cut):
                    return start, cut
        if cued:  # names the character model does not know (林小雨, 胡适, 赵铁柱，男): ask the context
            for cut in (start + surname + 2, start + surname + 1):
                if _bounded_name(text, start, surname, cut):
                    return start, cut
        elif LABEL_BEFORE.search(text, max(0, start - 8), start):
            return _field_value(text, start, surname)
        return None


def _repeated(text: str, found: list[RecognizerResult]) -> list[RecognizerResult]:
    """Every other occurrence in the same text of a name found once (患者夏天，女，45岁 … 夏天自诉): a
    name keeps its reading within one document even where its second mention has no cue. Only names
    of two or more characters that no found span covers; each occurrence must start and end at a
    boundary no name character crosses (夏天 in 夏天气温 is not repeated when 天气 is a word)."""
    names = {text[r.start : r.end] for r in found if r.end - r.start >= 2}
    out: list[RecognizerResult] = []
    for name in sorted(names, key=len, reverse=True):
        for m in re.finditer(re.escape(name), text):
            s, e = m.span()
            if any(s < r.end and r.start < e for r in found + out):
                continue
            if _ends_word(text, s) or (e < len(text) and common_word_at(text, e - 1)):
                continue
            out.append(RecognizerResult("PERSON", s, e, MODEL_SCORE))
    return out


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


def _plain_given(text: str, start: int, surname: int, cut: int) -> bool:
    """Chinese characters that may follow a surname in a name, and no clinical word."""
    name = text[start:cut]
    if cut > len(text) or not all(
        "\u4e00" <= ch <= "\u9fff" and ch not in NOT_GIVEN for ch in name[surname:]
    ):
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
    if any(common_non_name(name[:k]) for k in range(2, len(name) + 1)):  # 主任查看: a word, not a name
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


_DOTTED = re.compile(f"[{MIDDLE_DOTS}]")


def dotted_name_spans(text: str) -> list[tuple[int, int]]:
    """Minority and transliterated names written with a middle dot (阿依古丽·买买提, 约翰·史密斯): runs of
    transliteration characters joined by dots, each part at least two characters (one for a Latin
    initial is not Chinese practice)."""
    spans: list[tuple[int, int]] = []
    for m in _DOTTED.finditer(text):
        if spans and m.start() < spans[-1][1]:
            continue
        start = m.start()
        while start > 0 and text[start - 1] in TRANSLITERATION and m.start() - start < 8:
            start -= 1
        end, parts = m.end(), [m.start() - start]
        while True:
            stop = end
            while stop < len(text) and text[stop] in TRANSLITERATION and stop - end < 8:
                stop += 1
            parts.append(stop - end)
            if stop < len(text) and text[stop] in MIDDLE_DOTS and stop + 1 < len(text):
                end = stop + 1
                continue
            end = stop
            break
        if all(n >= 2 for n in parts):
            spans.append((start, end))
    return spans


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
