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
冷敷 to the word 冷敷. ``NAME_PRIOR`` (how often a word is a name) was tuned on the tuned corpus and the
held-out sets v1-v8, never on v9.

Context multiplies a name's odds, one factor per side: before it a cue (患者X, 爱人X: CUE_FACTOR) or a
co-verb (与X, 嘱X: COVERB_FACTOR); after it a title (X医生: CUE_FACTOR) or a verb only a person does
(X沟通, X否认, X已领取: PREDICATE_FACTOR). A frequent dictionary word (汪洋, 高原, 常青) can be a name
only where some context says a person is meant, and then must still outscore the word. Given-name
characters exclude those that end a name in clinical text (的, 于, 诉 ...); candidates that start a
clinical word (高血压, 华法林) or run into a drug's characters (艾司唑仑) are no names.
"""

from __future__ import annotations

import csv
import math
import re
from importlib import resources
from typing import Any

from node.anonymization.recognizers import lexicon
from node.anonymization.recognizers.base import FAST

NAME_PRIOR = 0.01  # the share of words that are personal names
CUE_FACTOR = 1000.0  # how much likelier a name is next to a cue (患者X, X医生) than elsewhere
COVERB_FACTOR = 30.0  # after a co-verb that takes a person (与X通话, 嘱X服药, 向X交代)
_COVERB = re.compile(r"(?:与|和|跟|同|向|嘱|让|叫|给|替|帮|陪|带|由|经|请)$")
PREDICATE_FACTOR = 30.0  # before a verb only a person does (X沟通, X拒绝手术, X已领取, X反馈)
_PERSON_PREDICATE = re.compile(
    # a time word may stand between subject and verb (X昨日下午突发胸痛, X今晨自行拔管)
    r"(?:昨日|今日|今晨|昨晚|昨天|今天|前日|当日|近日|上午|下午|晚间)?"
    r"(?:[已均也曾再亦仍]|再次|多次)?(?:陪同|陪护|代诉|自诉|签名|签字|签署|沟通|交代|商议|谈话|协商|同意|拒绝|"
    r"要求|表示|否认|回忆|反映|反馈|接听|领取|签收|提交|提供|通话|查看|负责|来院|到院|到场|前来|自行|独居|"
    # what a patient does: is admitted, discharged, seen, suddenly falls ill, calls for help
    r"入院|出院|住院|就诊|来诊|突发|拨打|诉|述|称)"
)
SURNAME_AS_WORD = 0.1  # share of a name-tagged surname character's count that is not a surname
GIVEN_LENGTH = {1: 0.3, 2: 0.7}  # one-character and two-character given names
SURNAME_ZIPF = 0.9
LONGEST_WORD = 8
_RUN = re.compile(r"[\u4e00-\u9fff]+")
# characters of transliterated drug and chemical names (艾司唑仑, 雷贝拉唑, 头孢哌酮钠): a candidate
# running into one within two characters is the start of a drug, not a name
_DRUG_TAIL = re.compile(r"[\u4e00-\u9fff]{0,2}[唑嗪酮胺酯醇肽霉汀坦仑啶嘧钠钾钙苷碱烷烯醛酚肟脲]")
_DATA = resources.files("node.anonymization") / "data"
_UNKNOWN = 1.0  # a word the memo does not hold yet (no log-probability is positive)
# a name candidate of a run: its end in the run, log P(surname) + log P(given-name length), the sum of
# its given characters' log-probabilities, and the candidate itself
_Candidate = tuple[int, float, float, str]
_MARGIN = 1e-6  # far above the rounding of sums of a few hundred log-probabilities


def given_name_counts() -> dict[str, int]:
    """Occurrences of each character in the given names of ngender's table (male and female)."""
    with (_DATA / "ngender_charfreq.csv").open(encoding="utf-8") as f:
        rows = csv.reader(f)
        next(rows)
        return {ch: int(male) + int(female) for ch, male, female in rows}


def surname_shares() -> dict[str, float]:
    """Approximate shares of the population by surname: a Zipf law over the list's frequency order,
    compound surnames (欧阳, 司马 ...) one in ten thousand each."""
    weights = {ch: 1 / rank**SURNAME_ZIPF for rank, ch in enumerate(lexicon.SINGLE, start=1)}
    total = sum(weights.values())
    shares = {ch: w / total * (1 - 1e-4 * len(lexicon.COMPOUND)) for ch, w in weights.items()}
    shares.update(dict.fromkeys(lexicon.COMPOUND, 1e-4))
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
        self._predicate = math.log(PREDICATE_FACTOR)
        self._surname_as_word = math.log(SURNAME_AS_WORD)
        self._nr_surnames = {c for c in surnames if len(c) == 1 and self._tags.get(c) == "nr"}
        self._compound = frozenset(lexicon.COMPOUND)
        self._compound_first = frozenset(c[0] for c in lexicon.COMPOUND)
        self._function_surnames = frozenset(lexicon.FUNCTION_SURNAMES)
        singles = "".join(c for c in surnames if len(c) == 1)
        self._surname_char = re.compile(f"[{singles}]")
        # where a surname can start: a single one or the first character of a compound one
        self._surname_start = re.compile(f"[{''.join(sorted(set(singles) | self._compound_first))}]")
        # log-probabilities memoized by word and character: a pure function of the string, asked for
        # again at every position a run holds it
        self._word_memo: dict[str, float | None] = {}
        self._char_memo: dict[str, float] = {}

    @classmethod
    def packaged(cls) -> NameModel:
        return cls(given_name_counts(), surname_shares(), lexicon.jieba_module())

    def _word_logp(self, word: str) -> float | None:
        """A dictionary word's log-probability. Words jieba tags as personal names are not words here
        when rare (杨树林) or three characters long (张国庆, 韦小宝: the dictionary's own names); the name
        class scores them instead, so that 胡萝卜 or 莫斯科 still lose to their characters' odds."""
        if word in self._word_memo:
            return self._word_memo[word]
        lp = self._word_memo[word] = self._compute_word_logp(word)
        return lp

    def _compute_word_logp(self, word: str) -> float | None:
        f = self._freq.get(word, 0)
        if not f:
            return None
        if (f < lexicon.RARE_WORD or len(word) == 3) and str(self._tags.get(word, "")).startswith("nr"):
            return None
        return math.log(f) - self._log_total

    def _name_logp(self, name: str, surname: int, context: float) -> float | None:
        """log P(name), ``context`` the log of how much likelier the surroundings make a name."""
        given = name[surname:]
        if any(ch in lexicon.NOT_GIVEN for ch in given):
            return None
        if not context and self._freq.get(name, 0) >= lexicon.RARE_WORD:
            return None  # a common word (汪洋, 高原) is a name only where the context says a person
        if lexicon.starts_clinical_word(name):
            return None
        lp = self._surname[name[:surname]] + self._length[len(given)] + context
        return lp + sum(self._given.get(ch, self._given_unseen) for ch in given)

    def _context(self, text: str, j: int, cued_before: bool, coverb: bool, predicate: bool) -> float:
        """Log-factor of the evidence around a candidate name ending at ``j``: before it a cue (患者X)
        or a co-verb (与X), after it a title (X医生) or a verb only a person does (X沟通, ``predicate``);
        the two sides are independent evidence, so their factors multiply."""
        before = self._cue if cued_before else (self._coverb if coverb else 0.0)
        if lexicon.AFTER.match(text, j):
            return before + self._cue
        return before + (self._predicate if predicate else 0.0)

    def _char_logp(self, ch: str) -> float:
        """A single character as a word. jieba's counts come from text segmented the PKU way, where a
        name is two words (周/nr 建设/nr), so a surname character that jieba tags nr (周, 刘, 陈) owes most
        of its count to surnames, which the name class already scores: its count as a word is cut to
        SURNAME_AS_WORD of it."""
        memo = self._char_memo.get(ch)
        if memo is not None:
            return memo
        lp = math.log(self._freq.get(ch) or 1) - self._log_total
        lp = self._char_memo[ch] = lp + self._surname_as_word if ch in self._nr_surnames else lp
        return lp

    def segment(self, text: str, start: int, end: int) -> list[tuple[int, int, bool]]:
        """The most probable segmentation of the run of Chinese characters ``text[start:end]``:
        (start, end, is_name) relative to the run."""
        if FAST.fast:
            winnable = self._winnable(text, self._candidates(text, [(start, end)]))
            return self._segment_fast(text, start, end, winnable)
        return self._segment_plain(text, start, end)

    def _candidates(self, text: str, runs: list[tuple[int, int]]) -> dict[int, list[_Candidate]]:
        """The name candidates in the ``runs`` of ``text`` by their start, without those no context can
        save: a given-name character that ends names (NOT_GIVEN), the start of a clinical word, a drug's
        characters right after it. The checks of ``_name_logp`` and ``_segment_plain`` that read no
        context, made once per candidate and before the context's regex work."""
        found: dict[int, list[_Candidate]] = {}
        surnames, given_lp, unseen, length = self._surname, self._given, self._given_unseen, self._length
        not_given, compound, compound_first = lexicon.NOT_GIVEN, self._compound, self._compound_first
        for start, end in runs:
            for m in self._surname_start.finditer(text, start, end):
                i = m.start()
                if text[i] in compound_first and i + 2 <= end and text[i : i + 2] in compound:
                    surname = 2
                elif text[i] in surnames:
                    surname = 1
                else:
                    continue  # the first character of a compound surname that is none here
                given_sum = 0.0
                for given in (1, 2):
                    j = i + surname + given
                    if j > end:
                        break
                    ch = text[j - 1]
                    if ch in not_given:
                        break  # and every longer candidate holds it too
                    # sum() of the given characters' log-probabilities, in the same order
                    given_lp_ch = given_lp.get(ch, unseen)
                    given_sum = given_lp_ch if given == 1 else given_sum + given_lp_ch
                    name = text[i:j]
                    if lexicon.starts_clinical_word(name) or _DRUG_TAIL.match(text, j):
                        continue
                    head = surnames[text[i : i + surname]] + length[given]
                    found.setdefault(i, []).append((j, head, given_sum, name))
        return found

    def _winnable(
        self, text: str, candidates: dict[int, list[_Candidate]]
    ) -> dict[int, list[tuple[int, float]]]:
        """The candidates that can win, by their start, each with its end and its log-probability in its
        context (computed as ``_segment_plain`` does: the same sums in the same order). A candidate
        loses where its context rules it out (a function word running into a word, a common word with no
        context) or where it scores below the best reading of its own characters as words: the
        segmentation from its start holds that reading followed by the best one from its end. The margin
        covers the rounding of the segmentation's sums (values of a few hundred at most)."""
        found: dict[int, list[tuple[int, float]]] = {}
        for i, candidates_at in candidates.items():
            cued = lexicon.cue_before(text, i)
            coverb = not cued and bool(_COVERB.search(text, max(0, i - 1), i))
            for j, head, given_sum, name in candidates_at:
                predicate = bool(_PERSON_PREDICATE.match(text, j))
                if (
                    name[0] in self._function_surnames
                    and not predicate
                    and not lexicon.stands_as_name(text, i, j)
                ):
                    continue  # 于今晨, 常感乏力 (_segment_plain)
                context = self._context(text, j, cued, coverb, predicate)
                if not context and self._freq.get(name, 0) >= lexicon.RARE_WORD:
                    continue  # a common word is a name only where the context says a person (_name_logp)
                lp = head + context + given_sum
                if lp < self._words_logp(name) - _MARGIN:
                    continue
                found.setdefault(i, []).append((j, lp))
        return found

    def _words_logp(self, piece: str) -> float:
        """The log-probability of the best reading of ``piece`` as dictionary words and characters."""
        n = len(piece)
        best = [0.0] * (n + 1)
        for i in range(n - 1, -1, -1):
            top = self._char_logp(piece[i]) + best[i + 1]
            for k in range(2, n - i + 1):
                if piece[i : i + k] not in self._freq:
                    break
                lp = self._word_logp(piece[i : i + k])
                if lp is not None and lp + best[i + k] > top:
                    top = lp + best[i + k]
            best[i] = top
        return best[0]

    def _segment_fast(
        self, text: str, start: int, end: int, winnable: dict[int, list[tuple[int, float]]]
    ) -> list[tuple[int, int, bool]]:
        """``_segment_plain``'s result with the name candidates that can win (``_winnable``, by their
        start in ``text``: their log-probabilities in context computed already, the others left out), and
        no tuples per position."""
        run, n = text[start:end], end - start
        freq, word_memo, char_memo, none = self._freq, self._word_memo, self._char_memo, ()
        score = [0.0] * (n + 1)
        step = [n] * (n + 1)
        name = [False] * (n + 1)
        for i in range(n - 1, -1, -1):
            ch = run[i]
            char_lp = char_memo.get(ch)
            if char_lp is None:
                char_lp = self._char_logp(ch)
            top, top_end, top_name = char_lp + score[i + 1], i + 1, False
            longest = n - i if n - i < LONGEST_WORD else LONGEST_WORD
            for k in range(2, longest + 1):
                piece = run[i : i + k]
                if piece not in freq:  # jieba's dictionary holds every prefix of its words
                    break
                lp = word_memo.get(piece, _UNKNOWN)
                if lp == _UNKNOWN:
                    lp = self._word_logp(piece)
                if lp is not None and lp + score[i + k] > top:
                    top, top_end, top_name = lp + score[i + k], i + k, False
            for j, lp in winnable.get(start + i, none):
                j -= start
                if lp + score[j] > top:
                    top, top_end, top_name = lp + score[j], j, True
            score[i], step[i], name[i] = top, top_end, top_name
        out, i = [], 0
        while i < n:
            out.append((i, step[i], name[i]))
            i = step[i]
        return out

    def _segment_plain(self, text: str, start: int, end: int) -> list[tuple[int, int, bool]]:
        """The segmentation as the model defines it, every candidate scored in full (the reference
        ``_segment_fast`` is checked against)."""
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
            surname = 2 if run[i : i + 2] in lexicon.COMPOUND else (1 if run[i] in self._surname else 0)
            cued_before = bool(surname) and lexicon.cue_before(text, start + i)
            coverb = bool(surname and _COVERB.search(text, max(0, start + i - 1), start + i))
            for given in (1, 2) if surname else ():
                j = i + surname + given
                if j > n:
                    break
                predicate = bool(_PERSON_PREDICATE.match(text, start + j))
                if (
                    run[i] in lexicon.FUNCTION_SURNAMES
                    and not predicate
                    and not lexicon.stands_as_name(text, start + i, start + j)
                ):
                    continue  # 于今晨, 常感乏力: a function word running into a word (but 曾黎否认)
                if _DRUG_TAIL.match(text, start + j):
                    continue
                context = self._context(text, start + j, cued_before, coverb, predicate)
                lp = self._name_logp(run[i:j], surname, context)
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
        """Spans of ``text`` that the most probable segmentation makes personal names (in the runs that
        hold a single-character surname)."""
        runs = [m.span() for m in _RUN.finditer(text) if self._surname_char.search(text, *m.span())]
        found: list[tuple[int, int]] = []
        if not FAST.fast:
            for start, end in runs:
                spans = self._segment_plain(text, start, end)
                found += [(start + i, start + j) for i, j, name in spans if name]
            return found
        winnable = self._winnable(text, self._candidates(text, runs))
        starts, k = list(winnable), 0  # in increasing order
        for start, end in runs:
            while k < len(starts) and starts[k] < start:
                k += 1
            if k < len(starts) and starts[k] < end:  # a run with no candidate that can win holds no name
                spans = self._segment_fast(text, start, end, winnable)
                found += [(start + i, start + j) for i, j, name in spans if name]
        return found
