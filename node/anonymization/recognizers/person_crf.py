"""A statistical PERSON tagger: a character-level linear-chain CRF with BIO tags (issue #17).

The rules of ``names.py`` find a name where a cue or a known surname says so; names that are everyday
words, nicknames, names outside the surname lists and chat-style mentions are what they miss on text
they have never seen. This model reads every character with its neighbours and adds the names it is
sure of to the rules' (``ChineseNameRecognizer`` joins both and vetoes drugs, clinical terms, doses and
dosage forms on the model's spans as on its own).

Features of a position (``features``; the training script ``benchmarks/train_person_crf.py`` and
this module's inference share them): for each offset k in -2..2 the character, its class (Han, Latin
upper/lower, digit, space, newline, punctuation, other), whether it is a surname of the lexicon or of
百家姓, starts a compound surname, is a listed given-name character or one no given name holds, its
frequency in given names (ngender, log10 bucket) and among the frequent characters of general text;
the characters at -3 and +3; the bigrams at -2, -1, 0 and +1; and a bias.

The model was trained with CRFsuite (python-crfsuite, L-BFGS) and is stored as its weights folded per
offset (``data/person_crf.npz``): every feature of the character at offset k is a function of that
character, so the emission score of a position is a sum of seven table rows (one per offset) and four
bigram rows, computed with numpy for the whole text at once. Decoding is exact forward-backward on the
windows where a name is possible (from a position where B scores within ``REACH`` of O, on while I
beats O by ``GOES_ON``, one neighbour each side; ``windows``); outside them every position is O, which
the emissions there all but force (an approximation: REACH 5 / GOES_ON 0 gave the same v24/v25
validation numbers as the wider 6 / 2, which differed from a whole-text decode in 7 spans of v20, v24
and v25 with the first selection model).
A position is part of a name when its marginal P(B) + P(I) reaches the model's threshold (chosen on
validation sets, stored in the file); a B marginal above the I marginal starts a new name.
"""

from __future__ import annotations

import math
import re
import threading
from functools import cache
from importlib import resources
from typing import Any

import numpy as np

from node.anonymization.recognizers.lexicon import (
    CJK_CHAR,
    COMPOUND,
    FREQUENT_CHARS,
    GIVEN_CHARS,
    NOT_GIVEN,
    SINGLE,
    classic_surnames,
)

LABELS = ("O", "B", "I")
PAD = 3  # characters of padding each side: the widest offset read
OFFSETS = range(-PAD, PAD + 1)
FULL = 2  # offsets up to this distance carry every attribute of their character; farther ones its identity
BIGRAMS = (-2, -1, 0, 1)  # bigram text[i+k : i+k+2]
BEFORE, AFTER = "\x02", "\x03"  # the padding characters
REACH = 5.0  # a name may start (or go on) where its label scores at most this far below O
GOES_ON = 0.0  # ... and goes on where I scores at most this far below O (from I)
LONGEST = 16  # characters of the longest name read (阿依古丽·买买提江 and longer Latin ones)
MODEL_FILE = "person_crf.npz"
# a name holds a Han or Latin letter: a text with none is skipped
_CODES = 0x10000  # code points with a row of their own (others read as U+FFFF)
# the names it gives: Han characters, with middle dots or spaces between them (詹姆斯·李, 禤 嘉 豪); what
# else the model's span holds splits it (乐乐、晓雯). Latin names are the English recognizers' part: the
# model, trained on mostly Chinese text, takes capitalized English words for names
_NAME = re.compile(r"[\u4e00-\u9fff](?:[ \u3000·•‧・･]?[\u4e00-\u9fff])*")


def _code(ch: str) -> int:
    return min(ord(ch), _CODES - 1)


def char_class(ch: str) -> str:
    if ch in (BEFORE, AFTER):
        return "X"
    if "\u4e00" <= ch <= "\u9fff":
        return "H"
    if "A" <= ch <= "Z":
        return "U"
    if "a" <= ch <= "z":
        return "l"
    if ch.isdigit():
        return "D"
    if ch in "\r\n":
        return "N"
    if ch.isspace():
        return "S"
    if ch in "·•‧・･":
        return "M"
    if ch.isalpha():
        return "A"
    return "P"


@cache
def _lexicons() -> tuple[frozenset[str], frozenset[str], frozenset[str], dict[str, int]]:
    singles, compounds = classic_surnames()
    classic = frozenset(singles) - frozenset(SINGLE)
    starts = frozenset(c[0] for c in (*COMPOUND, *compounds))
    text = (resources.files("node.anonymization") / "data" / "ngender_charfreq.csv").read_text(
        encoding="utf-8"
    )
    buckets: dict[str, int] = {}
    for line in text.splitlines()[1:]:
        ch, male, female = line.split(",")
        total = int(male) + int(female)
        if total > 0:
            share = int(male) / total
            buckets[ch] = min(6, int(math.log10(total))) * 3 + (0 if share > 0.7 else 2 if share < 0.3 else 1)
    return frozenset(SINGLE), classic, starts, buckets


@cache
def char_attributes(ch: str) -> tuple[str, ...]:
    """The attributes of one character (without their offset)."""
    single, classic, starts, buckets = _lexicons()
    attrs = [f"c={ord(ch):x}", f"t={char_class(ch)}"]  # code points: CRFsuite's dump reads lines
    if ch in single:
        attrs.append("s")
    elif ch in classic:
        attrs.append("z")
    if ch in starts:
        attrs.append("k")
    if ch in GIVEN_CHARS:
        attrs.append("v")
    if ch in NOT_GIVEN:
        attrs.append("n")
    if ch in FREQUENT_CHARS:
        attrs.append("f")
    if ch in buckets:
        attrs.append(f"g={buckets[ch]}")
    return tuple(attrs)


def class_attributes(ch: str) -> tuple[str, ...]:
    """The attributes of a character the model has no row for: all but its identity."""
    return char_attributes(ch)[1:]


def features(text: str) -> list[list[str]]:
    """The CRFsuite attribute names of every position of ``text`` (training; inference folds them)."""
    padded = BEFORE * PAD + text + AFTER * PAD
    out = []
    for i in range(len(text)):
        j = i + PAD
        feats = ["bias"]
        for k in OFFSETS:
            attrs = char_attributes(padded[j + k])
            feats.extend(f"{k}{a}" for a in (attrs if abs(k) <= FULL else attrs[:1]))
        feats.extend(f"b{k}={ord(padded[j + k]):x}_{ord(padded[j + k + 1]):x}" for k in BIGRAMS)
        out.append(feats)
    return out


class PersonCrf:
    """The folded model: per-offset character tables, bigram tables, transitions and the threshold."""

    def __init__(self, data: dict[str, Any]) -> None:
        chars = data["chars"].tolist()
        tables = data["tables"].astype(np.float64)  # (offsets, characters + 1, labels)
        self.tables = [np.ascontiguousarray(t) for t in tables]  # one (characters, labels) table an offset
        self.ids = np.full(_CODES, -1, dtype=np.intp)  # code point -> row (-1: not met yet)
        for i, ch in enumerate(chars):
            self.ids[_code(ch)] = i
        self._size = len(chars)  # rows in use (characters met later are added)
        keys = np.array(
            [_code(bg[0]) * _CODES + _code(bg[1]) for bg in data["bigrams"].tolist()], dtype=np.int64
        )
        order = np.argsort(keys, kind="stable")
        self.bigram_keys = keys[order]
        rows = np.concatenate([[0], order + 1])  # row 0: no bigram of the model
        self.bigram_tables = [np.ascontiguousarray(t[rows]) for t in data["bigram_tables"].astype(np.float64)]
        self.transitions: np.ndarray = data["transitions"].astype(np.float64)
        self.threshold = float(data["threshold"])
        self.attribute_weights: dict[str, np.ndarray] = {
            a: w for a, w in zip(data["class_attributes"].tolist(), data["class_weights"], strict=True)
        }
        self._trans = np.exp(self.transitions).tolist()
        self._lock = threading.Lock()

    @classmethod
    def fold(
        cls, state: dict[tuple[str, str], float], transitions: dict[tuple[str, str], float], threshold: float
    ) -> dict[str, Any]:
        """The arrays of a model from CRFsuite's weights (state features by attribute and label)."""
        by_attr: dict[str, np.ndarray] = {}
        for (attr, label), w in state.items():
            by_attr.setdefault(attr, np.zeros(len(LABELS)))[LABELS.index(label)] += w
        chars = sorted(
            {chr(int(a.split("c=", 1)[1], 16)) for a in by_attr if re.match(r"-?\d+c=", a)} | {BEFORE, AFTER}
        )
        tables = np.zeros((len(OFFSETS), len(chars) + 1, len(LABELS)))
        for o, k in enumerate(OFFSETS):
            for c, ch in enumerate(chars):
                attrs = char_attributes(ch)
                for a in attrs if abs(k) <= FULL else attrs[:1]:
                    tables[o, c] += by_attr.get(f"{k}{a}", 0.0)
            tables[o] += by_attr.get("bias", 0.0) if k == 0 else 0.0
        bigram_names = sorted({a.split("=", 1)[1] for a in by_attr if re.match(r"b-?\d=", a)})
        bigram_tables = np.zeros((len(BIGRAMS), len(bigram_names) + 1, len(LABELS)))
        for b, k in enumerate(BIGRAMS):
            for n, bg in enumerate(bigram_names):
                bigram_tables[b, n + 1] = by_attr.get(f"b{k}={bg}", 0.0)
        bigram_names = ["".join(chr(int(h, 16)) for h in bg.split("_")) for bg in bigram_names]
        class_attrs = sorted(a for a in by_attr if not re.match(r"-?\d+c=|b-?\d=", a))
        trans = np.zeros((len(LABELS), len(LABELS)))
        for (source, target), w in transitions.items():
            trans[LABELS.index(source), LABELS.index(target)] = w
        return {
            "chars": np.array(chars, dtype="<U1"),
            "tables": tables.astype(np.float32),
            "bigrams": np.array(bigram_names, dtype="<U2"),
            "bigram_tables": bigram_tables.astype(np.float32),
            "transitions": trans.astype(np.float32),
            "threshold": np.float32(threshold),
            "class_attributes": np.array(class_attrs),
            "class_weights": np.array([by_attr[a] for a in class_attrs], dtype=np.float32).reshape(-1, 3),
        }

    def _add(self, codes: np.ndarray) -> None:
        """Rows for the characters the model never saw: their class attributes (kept for later texts)."""
        with self._lock:
            for code in np.unique(codes).tolist():
                if self.ids[code] >= 0:
                    continue
                ch = chr(code)
                row = np.zeros((len(OFFSETS), len(LABELS)))
                for o, k in enumerate(OFFSETS):
                    if abs(k) <= FULL:
                        for a in class_attributes(ch):
                            w = self.attribute_weights.get(f"{k}{a}")
                            if w is not None:
                                row[o] += w
                    if k == 0:
                        row[o] += self.attribute_weights.get("bias", 0.0)
                if self._size == len(self.tables[0]):  # room for as many again
                    self.tables = [np.concatenate([t, np.zeros_like(t)]) for t in self.tables]
                for o, t in enumerate(self.tables):
                    t[self._size] = row[o]
                self.ids[code] = self._size
                self._size += 1

    def emissions(self, text: str) -> np.ndarray:
        """The (positions, labels) emission scores of ``text``: one gather of the characters' rows and
        one of the bigrams', then a sum of shifted slices."""
        n = len(text)
        codes = np.frombuffer((BEFORE * PAD + text + AFTER * PAD).encode("utf-32-le"), dtype=np.uint32)
        codes = np.minimum(codes, _CODES - 1)
        ids = self.ids[codes]
        if (ids < 0).any():
            self._add(codes[ids < 0])
            ids = self.ids[codes]
        # the character at i + o gives position i the scores of its offset (o - PAD)
        tables = self.tables
        out = tables[0].take(ids[0:n], axis=0)
        for o in range(1, len(OFFSETS)):
            out += tables[o].take(ids[o : o + n], axis=0)
        keys = codes[:-1].astype(np.int64) * _CODES + codes[1:]
        at = np.searchsorted(self.bigram_keys, keys)
        at[at == len(self.bigram_keys)] = 0
        found = np.where(self.bigram_keys[at] == keys, at + 1, 0) if len(self.bigram_keys) else at * 0
        if found.any():  # bigram j starts at padded j; position i reads j = i + PAD + k
            for b, k in enumerate(BIGRAMS):
                out += self.bigram_tables[b].take(found[PAD + k : PAD + k + n], axis=0)
        return out

    def marginals(self, emissions: np.ndarray) -> list[tuple[float, float, float]]:
        """Forward-backward marginals (O, B, I) of one window's positions, its neighbours taken as O."""
        return self._marginals(self.scaled(emissions).tolist())

    @staticmethod
    def scaled(emissions: np.ndarray) -> np.ndarray:
        """The exponentiated emissions, each position's scaled by its largest: the decoding's input. A
        row depends on its position's emissions alone, so a window's rows are the same slice of the
        whole text's, computed once for the text (``find``, ``name_share``)."""
        # (the largest of the three columns taken pairwise: the same values as ``max(axis=1)``, which
        # numpy reduces row by row, several times slower on a note)
        top = np.maximum(np.maximum(emissions[:, 0], emissions[:, 1]), emissions[:, 2])
        scaled: np.ndarray = np.exp(emissions - top[:, None])
        return scaled

    def _marginals(self, psi: list[list[float]]) -> list[tuple[float, float, float]]:
        """The marginals from the exponentiated emissions (three labels: plain floats are faster than
        numpy's calls on a few positions)."""
        (t00, t01, t02), (t10, t11, t12), (t20, t21, t22) = self._trans
        p0, p1, p2 = psi[0]
        a0, a1, a2 = p0 * t00, p1 * t01, p2 * t02
        s = a0 + a1 + a2
        x0, x1, x2 = a0 / s, a1 / s, a2 / s  # the last alpha, kept in locals
        alphas = [(x0, x1, x2)]
        for k in range(1, len(psi)):
            p0, p1, p2 = psi[k]
            a0 = (x0 * t00 + x1 * t10 + x2 * t20) * p0
            a1 = (x0 * t01 + x1 * t11 + x2 * t21) * p1
            a2 = (x0 * t02 + x1 * t12 + x2 * t22) * p2
            s = a0 + a1 + a2
            x0, x1, x2 = a0 / s, a1 / s, a2 / s
            alphas.append((x0, x1, x2))
        b0, b1, b2 = t00, t10, t20  # the position after the window is O
        out = []
        for i in range(len(psi) - 1, -1, -1):
            x0, x1, x2 = alphas[i]
            m0, m1, m2 = x0 * b0, x1 * b1, x2 * b2
            s = m0 + m1 + m2
            out.append((m0 / s, m1 / s, m2 / s))
            p0, p1, p2 = psi[i]
            c0, c1, c2 = p0 * b0, p1 * b1, p2 * b2
            b0, b1, b2 = (
                t00 * c0 + t01 * c1 + t02 * c2,
                t10 * c0 + t11 * c1 + t12 * c2,
                t20 * c0 + t21 * c1 + t22 * c2,
            )
            s = b0 + b1 + b2
            b0, b1, b2 = b0 / s, b1 / s, b2 / s
        out.reverse()
        return out

    def windows(self, emissions: np.ndarray, text: str = "") -> list[tuple[int, int]]:
        """The windows where a name is possible: from before a position where B scores within REACH of
        O (transitions from O included) through the following positions where I scores within GOES_ON
        of O (from I), at most LONGEST, and one after; overlapping ones joined."""
        t = self.transitions
        begins = np.flatnonzero(emissions[:, 1] + (t[0, 1] - t[0, 0]) - emissions[:, 0] > -REACH)
        if not len(begins):
            return []
        goes_on = (emissions[:, 2] + (t[2, 2] - t[2, 0]) - emissions[:, 0] > -GOES_ON).tolist()
        spans: list[tuple[int, int]] = []
        n = len(emissions)
        for i in begins.tolist():
            end = i + 1
            while end < n and end - i < LONGEST and goes_on[end]:
                end += 1
            start, end = max(0, i - 1), min(n, end + 1)
            if spans and start <= spans[-1][1]:
                spans[-1] = (spans[-1][0], max(end, spans[-1][1]))
            else:
                spans.append((start, end))
        return spans

    def find(
        self, text: str, emissions: np.ndarray | None = None, scaled: np.ndarray | None = None
    ) -> list[tuple[int, int, float]]:
        """Chinese names in ``text``: (start, end, the least name marginal of their characters); the
        text's ``emissions`` and their ``scaled`` form when already computed. A window without a Han
        character gives no name (``_NAME``) and is not decoded."""
        if not CJK_CHAR.search(text):
            return []
        if emissions is None:
            emissions = self.emissions(text)
        found: list[tuple[int, int, float]] = []
        windows = [(lo, hi) for lo, hi in self.windows(emissions, text) if CJK_CHAR.search(text, lo, hi)]
        if not windows:
            return found
        psi = self.scaled(emissions) if scaled is None else scaled
        for lo, hi in windows:
            m = self._marginals(psi[lo:hi].tolist())
            start, low = -1, 1.0
            for i, (_, b, n) in enumerate(m):
                inside = b + n >= self.threshold
                if start >= 0 and (not inside or b > n):
                    found.append((lo + start, lo + i, low))
                    start = -1
                if inside and start < 0:
                    start, low = i, b + n
                elif inside:
                    low = min(low, b + n)
            if start >= 0:
                found.append((lo + start, hi, low))
        return [
            (m.start(), m.end(), low) for start, end, low in found for m in _NAME.finditer(text, start, end)
        ]

    def name_share(self, text: str, start: int, end: int, scaled: np.ndarray | None = None) -> float:
        """The mean name marginal (P(B) + P(I)) of ``text[start:end]``, decoded with some context (from
        the text's ``scaled`` emissions when given)."""
        lo, hi = max(0, start - 2 * PAD), min(len(text), end + 2 * PAD)
        psi = self.scaled(self.emissions(text[lo:hi])) if scaled is None else scaled[lo:hi]
        m = self._marginals(psi.tolist())[start - lo : end - lo]
        return sum(b + i for _, b, i in m) / max(1, len(m))


_LOADS = [0]  # how often the packaged model was read (once a process)


@cache
def packaged() -> PersonCrf:
    """The model shipped with the node, read on first use."""
    _LOADS[0] += 1
    with (resources.files("node.anonymization") / "data" / MODEL_FILE).open("rb") as fh:
        data = dict(np.load(fh, allow_pickle=False))
    return PersonCrf(data)
