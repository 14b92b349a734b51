"""A statistical model of Chinese personal names that needs no cue word.

The rule recognizer (``names.py``) finds names where a cue says a person is meant (患者, 医师, 家属：,
…男，45岁). Names also stand where no list of cues reaches (爱人李秀芝体健, 18床王淑芬今晨…, 与孙国强通话),
and each new list of cues only covered the phrasing it was written against.

This model segments each run of Chinese characters into words with a class-based unigram language
model, as jieba does, with one more class of word: a personal name. A word's probability is its
frequency in jieba's dictionary (general text); a name's is

    P(name) = NAME_PRIOR x P(surname) x P(given-name length) x product of P(c | given name)

where P(c | given name) is the character's share among 32 million given-name characters of real
Chinese names (ngender's table, MIT licence, ``data/ngender_charfreq.csv``) and P(surname) follows the
rank of the surname list (a Zipf law, exponent 0.9: 王 about 7 %). The most probable segmentation
decides: 李秀芝 is far likelier a name than the three characters 李/秀/芝, while 管通畅 loses to 管/通畅 and
冷敷 to the word 冷敷. The model reads no cue; ``NAME_PRIOR`` (how often a word is a name) is its one
tuned number (on the tuned corpus and the held-out sets v1-v8, never on v9).

Frequent dictionary words stay words even where jieba tags them as names (毛发, 汪洋, 高峰): a name
that is also a common word is left to the cue rules. Given-name characters exclude those that end a
name in clinical text (的, 于, 诉 ...) and candidates that start a clinical word (高血压, 华法林).
"""

from __future__ import annotations

import csv
import math
import re
from importlib import resources
from typing import Any

from node.anonymization.recognizers import names as rules

NAME_PRIOR = 0.01  # the share of words that are personal names
CUE_FACTOR = 1000.0  # how much likelier a name is next to a cue (患者X, X医生) than elsewhere
COVERB_FACTOR = 30.0  # after a co-verb that takes a person (与X通话, 嘱X服药, 向X交代)
_COVERB = re.compile(r"(?:与|和|跟|同|向|嘱|让|叫|给|替|帮|陪|带|由|经|请)$")
GIVEN_LENGTH = {1: 0.3, 2: 0.7}  # one-character and two-character given names
SURNAME_ZIPF = 0.9
LONGEST_WORD = 8
_RUN = re.compile(r"[\u4e00-\u9fff]+")
_DATA = resources.files("node.anonymization") / "data"


def given_name_counts() -> dict[str, int]:
    """Occurrences of each character in the given names of ngender's table (male and female)."""
    with (_DATA / "ngender_charfreq.csv").open(encoding="utf-8") as f:
        rows = csv.reader(f)
        next(rows)
        return {ch: int(male) + int(female) for ch, male, female in rows}


def surname_shares() -> dict[str, float]:
    """Approximate shares of the population by surname: a Zipf law over the list's frequency order,
    compound surnames (欧阳, 司马 ...) one in ten thousand each."""
    weights = {ch: 1 / rank**SURNAME_ZIPF for rank, ch in enumerate(rules.SINGLE, start=1)}
    total = sum(weights.values())
    shares = {ch: w / total * (1 - 1e-4 * len(rules.COMPOUND)) for ch, w in weights.items()}
    shares.update(dict.fromkeys(rules.COMPOUND, 1e-4))
    return shares


class NameModel:
    def __init__(self, given_counts: dict[str, int], surnames: dict[str, float], jieba: Any) -> None:
        total = sum(given_counts.values())
        self._given = {ch: math.log((n + 0.5) / total) for ch, n in given_counts.items()}
        self._given_unseen = math.log(0.5 / total)
        self._surname = {s: math.log(p) for s, p in surnames.items()}
        self._length = {n: math.log(NAME_PRIOR * p) for n, p in GIVEN_LENGTH.items()}
        self._freq: dict[str, int] = jieba.dt.FREQ
        self._tags: dict[str, str] = jieba.posseg.dt.word_tag_tab
        self._log_total = math.log(jieba.dt.total)
        self._cue = math.log(CUE_FACTOR)
        self._coverb = math.log(COVERB_FACTOR)

    @classmethod
    def packaged(cls) -> NameModel:
        return cls(given_name_counts(), surname_shares(), rules._jieba())

    def _word_logp(self, word: str) -> float | None:
        """A dictionary word's log-probability; rare words jieba tags as names are not words here."""
        f = self._freq.get(word, 0)
        if not f or (f < rules.RARE_WORD and str(self._tags.get(word, "")).startswith("nr")):
            return None
        return math.log(f) - self._log_total

    def _name_logp(self, name: str, surname: int, cued: bool, coverb: bool = False) -> float | None:
        given = name[surname:]
        if any(ch in rules._NOT_GIVEN for ch in given):
            return None
        if not cued and self._freq.get(name, 0) >= rules.RARE_WORD:
            return None
        if name in rules._LEXICON_PREFIXES or any(name[:k] in rules.LEXICON for k in range(2, len(name) + 1)):
            return None
        lp = self._surname[name[:surname]] + self._length[len(given)]
        lp += self._cue if cued else (self._coverb if coverb else 0.0)
        return lp + sum(self._given.get(ch, self._given_unseen) for ch in given)

    def _char_logp(self, ch: str) -> float:
        return math.log(self._freq.get(ch) or 1) - self._log_total

    def segment(self, text: str, start: int, end: int) -> list[tuple[int, int, bool]]:
        """The most probable segmentation of the run of Chinese characters ``text[start:end]``:
        (start, end, is_name) relative to the run."""
        run, n = text[start:end], end - start
        best: list[tuple[float, int, bool]] = [(0.0, n, False)] * (n + 1)
        for i in range(n - 1, -1, -1):
            top = (self._char_logp(run[i]) + best[i + 1][0], i + 1, False)
            for k in range(2, min(LONGEST_WORD, n - i) + 1):
                piece = run[i : i + k]
                if piece not in self._freq:  # jieba's dictionary holds every prefix of its words
                    break
                lp = self._word_logp(piece)
                if lp is not None and lp + best[i + k][0] > top[0]:
                    top = (lp + best[i + k][0], i + k, False)
            surname = 2 if run[i : i + 2] in rules.COMPOUND else (1 if run[i] in self._surname else 0)
            cued_before = surname and rules.cue_before(text, start + i)
            coverb = bool(surname and _COVERB.search(text, max(0, start + i - 1), start + i))
            for given in (1, 2) if surname else ():
                j = i + surname + given
                if j > n:
                    break
                if run[i] in rules._FUNCTION_SURNAMES and not rules._stands_as_name(
                    text, start + i, start + j
                ):
                    continue  # 于今晨, 常感乏力: a function word running into a word
                cued = bool(cued_before or rules._AFTER.match(text, start + j))
                lp = self._name_logp(run[i:j], surname, cued, coverb)
                if lp is not None and lp + best[j][0] > top[0]:
                    top = (lp + best[j][0], j, True)
            best[i] = top
        out, i = [], 0
        while i < n:
            _, j, is_name = best[i]
            out.append((i, j, is_name))
            i = j
        return out

    def find(self, text: str) -> list[tuple[int, int]]:
        """Spans of ``text`` that the most probable segmentation makes personal names."""
        found = []
        for run in _RUN.finditer(text):
            if any(ch in self._surname for ch in run.group()):
                spans = self.segment(text, run.start(), run.end())
                found += [(run.start() + i, run.start() + j) for i, j, name in spans if name]
        return found
