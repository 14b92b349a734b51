"""What a text must hold for a regular expression to match in it, read off the pattern itself.

A recognizer's pattern is scanned over every note, though most notes hold nothing it could match: no
``@`` for an e-mail, no 保单/policy label for a policy number, fewer than 16 digits for a bank card.
``Prefilter.of(pattern)`` walks the parsed pattern (Python's own parser, ``re._parser``) and collects
necessary conditions:

- literal runs every match holds (``@``, 护照) and, for an alternation, one of its branches' (one of the
  labels 病案号, 住院号, ..., MRN);
- small character classes every match holds (``[EGDSP]``);
- the least number of decimal digits a match holds.

Lookaheads and lookbehinds that must succeed read text too, so their literals count; negative ones,
optional parts, back-references and anything not understood add no condition, so the conditions are
never stronger than the pattern: ``admits(text)`` is False only where ``pattern.search(text)`` finds
nothing. A new rule gets its prefilter with no list to maintain.

Checks are built to be cheap: a few literals are looked up with ``in``, an alternation of literals is one
flat regex (which CPython's engine scans by its first characters), and the digit count of a text is
counted once for the dozen prefilters that ask about it in turn.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import import_module
from typing import Any

from node.anonymization.recognizers.opening import opening_on_literals

# Python's own regex parser and its opcodes: private modules (typeshed has no stubs for them), stable
# across CPython 3.11+; a pattern they cannot read gets no prefilter
sre: Any = import_module("re._constants")
sre_parse: Any = import_module("re._parser")

MAX_CONDITIONS = 3  # the most selective few: each costs a scan of the text
MIN_WEIGHT = 0.5  # a condition weaker than this (a space, a big class) passes almost every note
LARGE_CLASS = 64  # a class of more characters than this is no condition ([\u4e00-\u9fff], \w)
_DIGITS = frozenset("0123456789")  # inside \d whatever the flags
_CATEGORIES = {
    sre.CATEGORY_DIGIT: r"\d",
    sre.CATEGORY_NOT_DIGIT: r"\D",
    sre.CATEGORY_SPACE: r"\s",
    sre.CATEGORY_NOT_SPACE: r"\S",
    sre.CATEGORY_WORD: r"\w",
    sre.CATEGORY_NOT_WORD: r"\W",
}
_REPEATS = (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT)


def _char_weight(ch: str) -> float:
    """How rarely a character stands in a clinical note, roughly: a Chinese character or ``@`` rarely, a
    Latin letter sometimes, a digit, a space or common punctuation often."""
    if ord(ch) > 127:
        return 2.0
    if ch.isalpha():
        return 1.5
    if ch.isdigit():
        return 0.5
    if ch.isspace():
        return 0.2
    return 2.0 if ch in "@+#%&_~^$|" else 0.7


def _cased(text: str) -> bool:
    """Whether case-insensitive matching could let a character of ``text`` match another one."""
    return any(ch.lower() != ch or ch.upper() != ch or ch.casefold() != ch for ch in text)


@dataclass(frozen=True)
class Alternative:
    """One way to satisfy a condition: a literal (``literal``) or a regex source, case-insensitive or
    not."""

    source: str
    literal: bool
    ignorecase: bool = False


@dataclass(frozen=True)
class Condition:
    """The text holds one of the alternatives; ``weight`` guesses how rarely a note does."""

    alternatives: frozenset[Alternative]
    weight: float


def _literal(text: str, ignorecase: bool) -> Condition:
    weight = sum(_char_weight(ch) * (0.8 if ignorecase and ch.isalpha() else 1.0) for ch in text)
    return Condition(frozenset({Alternative(text, True, ignorecase and _cased(text))}), weight)


@dataclass
class _Need:
    """What every match of a part of a pattern holds."""

    digits: int = 0
    conditions: list[Condition] = field(default_factory=list)

    def best(self) -> Condition | None:
        return max(self.conditions, key=lambda c: c.weight, default=None)


def _class(items: list[tuple[Any, Any]], ignorecase: bool) -> tuple[Condition | None, bool]:
    """A character class as a condition (None for a negated or a large one) and whether all its
    characters are decimal digits."""
    parts, chars, size, weights, digits = [], [], 0, [], True
    for op, av in items:
        if op is sre.NEGATE:
            return None, False
        if op is sre.LITERAL:
            ch = chr(av)
            parts.append(re.escape(ch))
            chars.append(ch)
            size += 1
            weights.append(_char_weight(ch))
            digits = digits and ch in _DIGITS
        elif op is sre.RANGE:
            lo, hi = chr(av[0]), chr(av[1])
            parts.append(f"{re.escape(lo)}-{re.escape(hi)}")
            chars += [chr(c) for c in range(av[0], min(av[1], av[0] + LARGE_CLASS) + 1)]
            size += av[1] - av[0] + 1
            weights.append(_char_weight(lo))
            digits = digits and lo in _DIGITS and hi in _DIGITS
        elif op is sre.CATEGORY and av in _CATEGORIES:
            parts.append(_CATEGORIES[av])
            size += LARGE_CLASS + 1
            digits = digits and av is sre.CATEGORY_DIGIT
        else:
            return None, False
    if size > LARGE_CLASS or not weights:
        return None, digits
    source = "[" + "".join(parts) + "]"
    weight = sum(weights) / len(weights) / math.sqrt(size)
    cased = ignorecase and _cased("".join(chars))
    return Condition(frozenset({Alternative(source, False, cased)}), weight), digits


def _first(items: Any) -> list[tuple[Any, Any]] | None:
    """The class items (literals, ranges, categories) of the characters every match of the sequence
    ``items`` can open on; None where that is not read here (an optional or zero-width opening, scoped
    flags, a negated class)."""
    if not items:
        return None
    op, av = items[0]
    if op is sre.LITERAL:
        return [(op, av)]
    if op is sre.IN:
        return None if any(o is sre.NEGATE for o, _ in av) else list(av)
    if op is sre.SUBPATTERN:
        _, add, remove, sub = av
        return _first(sub) if not add and not remove else None
    if op is sre.ATOMIC_GROUP:
        return _first(av)
    if op in _REPEATS:
        low, _, sub = av
        return _first(sub) if low >= 1 else None
    if op is sre.BRANCH:
        union: list[tuple[Any, Any]] = []
        for branch in av[1]:
            first = _first(branch)
            if first is None:
                return None
            union += [item for item in first if item not in union]
        return union
    return None


def _pair(before: list[tuple[Any, Any]], after: list[tuple[Any, Any]]) -> Condition | None:
    """Two adjacent characters of a match, from two small classes (a capital, then a lower-case letter
    or an apostrophe): rarer than either class, a condition where neither is one alone."""
    one, _ = _class(before, False)
    two, _ = _class(after, False)
    if one is None or two is None:
        return None
    ((first,), (second,)) = (one.alternatives, two.alternatives)
    return Condition(frozenset({Alternative(first.source + second.source, False)}), one.weight + two.weight)


def _need(items: Any, flags: int) -> _Need:
    """What every match of the sequence ``items`` holds."""
    need = _Need()
    run: list[str] = []
    ignorecase = bool(flags & re.IGNORECASE)
    last: list[tuple[Any, Any]] | None = None  # the class of the character just read, when one is

    def flush() -> None:
        if run:
            need.conditions.append(_literal("".join(run), ignorecase))
            run.clear()

    for op, av in items:
        if not ignorecase and last is not None and op is not sre.LITERAL:
            # (a class and a literal: the literal alone is looked up faster and holds nearly as rarely)
            after = _first([(op, av)])
            if after and not (len(after) == 1 and after[0][0] is sre.LITERAL):
                pair = _pair(last, after)
                if pair is not None:
                    need.conditions.append(pair)
        last = list(av) if op is sre.IN else None
        if op is sre.LITERAL:
            run.append(chr(av))
            need.digits += chr(av) in _DIGITS
            continue
        flush()
        if op is sre.IN:
            condition, digits = _class(av, ignorecase)
            need.digits += digits
            if condition is not None:
                need.conditions.append(condition)
        elif op is sre.BRANCH:
            _add_alternatives(need, [_need(branch, flags) for branch in av[1]])
        elif op is sre.SUBPATTERN:
            _, add, remove, sub = av
            _merge(need, _need(sub, (flags | add) & ~remove))
        elif op is sre.ATOMIC_GROUP:
            _merge(need, _need(av, flags))
        elif op in _REPEATS:
            low, _, sub = av
            if low >= 1:
                inner = _need(sub, flags)
                need.digits += inner.digits * low
                need.conditions += inner.conditions
        elif op is sre.ASSERT:
            # a lookahead or lookbehind reads text the match may share: its conditions hold in the
            # text, its digits do not add to the match's
            need.conditions += _need(av[1], flags).conditions
        # ASSERT_NOT, AT, ANY, NOT_LITERAL, GROUPREF, GROUPREF_EXISTS ...: no condition
    flush()
    return need


def _merge(need: _Need, inner: _Need) -> None:
    need.digits += inner.digits
    need.conditions += inner.conditions


def _add_alternatives(need: _Need, branches: list[_Need]) -> None:
    """An alternation holds the fewest digits of its branches and one of the branches' best conditions
    (nested alternations flattened into one)."""
    need.digits += min(b.digits for b in branches)
    best = [b.best() for b in branches]
    chosen = [c for c in best if c is not None]
    if len(chosen) == len(best):
        alternatives = frozenset().union(*(c.alternatives for c in chosen))
        weight = min(c.weight for c in chosen) * (0.8 if len(alternatives) > 1 else 1.0)
        need.conditions.append(Condition(alternatives, weight))
    # and every condition all its branches hold (the capital and lower-case letter of a Latin name
    # that each branch reads, whatever cue it reads it after)
    shared = {c.alternatives: c for c in branches[0].conditions}
    for branch in branches[1:]:
        held = {c.alternatives for c in branch.conditions}
        shared = {k: c for k, c in shared.items() if k in held}
    need.conditions += [c for c in shared.values() if c not in chosen]


Check = Callable[[str], object]  # truthy when the text satisfies the condition


def _check(condition: Condition, base_flags: int) -> Check:
    """A function telling whether a text satisfies ``condition``: ``in`` for one or two literals, else
    one flat alternation (literals first, longest first: CPython's engine then skips the positions whose
    character starts none of them), case-insensitive alternatives in a second one."""
    alternatives = condition.alternatives
    literals = sorted(a.source for a in alternatives if a.literal and not a.ignorecase)
    if len(literals) == len(alternatives) == 1:
        only = literals[0]
        return lambda text: only in text
    if len(literals) == len(alternatives) == 2:
        first, second = literals
        return lambda text: first in text or second in text
    searches = []
    for ignorecase in (False, True):
        chosen = sorted(
            (a for a in alternatives if a.ignorecase == ignorecase),
            key=lambda a: (not a.literal, -len(a.source), a.source),
        )
        if chosen:
            source = "|".join(re.escape(a.source) if a.literal else a.source for a in chosen)
            compiled = re.compile(source, base_flags | (re.IGNORECASE if ignorecase else 0))
            # (a class among the literals would make the engine try every position: written out)
            searches.append((opening_on_literals(compiled) or compiled).search)
    if len(searches) == 1:
        return searches[0]
    return lambda text: any(search(text) is not None for search in searches)


_CHECKS: dict[tuple[Condition, int], Check] = {}
# the digit count of the last text asked about: a dozen prefilters ask about the same text in turn
_DIGIT_COUNT: tuple[str | None, int, int] = (None, 0, 0)
_NOT_DIGITS = {0: re.compile(r"\D+"), re.ASCII: re.compile(r"\D+", re.ASCII)}


def digit_count(text: str, base_flags: int) -> int:
    """The number of characters of ``text`` that ``\\d`` matches (under ``base_flags``: ASCII or not)."""
    global _DIGIT_COUNT
    seen, flags, count = _DIGIT_COUNT
    if seen is not text or flags != base_flags:
        count = len(_NOT_DIGITS[base_flags].sub("", text))
        _DIGIT_COUNT = (text, base_flags, count)
    return count


class Prefilter:
    """Necessary conditions for ``pattern`` to match somewhere in a text."""

    def __init__(self, conditions: list[Condition], digits: int, base_flags: int = 0) -> None:
        self.conditions = conditions
        self.digits = digits
        # a condition of one literal is looked up with ``in`` right here, the others through a check
        self._literals: list[str] = []
        self._checks: list[Check] = []
        for c in conditions:
            (only,) = c.alternatives if len(c.alternatives) == 1 else (None,)
            if only is not None and only.literal and not only.ignorecase:
                self._literals.append(only.source)
                continue
            if (c, base_flags) not in _CHECKS:
                _CHECKS[(c, base_flags)] = _check(c, base_flags)
            self._checks.append(_CHECKS[(c, base_flags)])
        self._flags = base_flags

    @classmethod
    def of(cls, pattern: re.Pattern[str], caseless_only: bool = False) -> Prefilter:
        """The conditions of ``pattern``; none (every text admitted) where it cannot be read.
        ``caseless_only`` keeps only conditions no case folding touches (for a pattern another engine
        runs, whose case-insensitive matching may fold more characters than Python's)."""
        base = int(pattern.flags & re.ASCII)
        if not isinstance(pattern, re.Pattern) or not isinstance(pattern.pattern, str):
            return cls([], 0, base)
        try:
            parsed = sre_parse.parse(pattern.pattern, pattern.flags)
            need = _need(parsed, parsed.state.flags)
        except Exception:  # noqa: BLE001 - a pattern this reader does not follow gets no prefilter
            return cls([], 0, base)
        usable = [
            c
            for c in need.conditions
            if c.weight >= MIN_WEIGHT and not (caseless_only and any(a.ignorecase for a in c.alternatives))
        ]
        strong = sorted(
            {c.alternatives: c for c in usable}.values(),
            key=lambda c: -c.weight,
        )[:MAX_CONDITIONS]
        return cls(strong, need.digits, base)

    def admits(self, text: str) -> bool:
        """False only if the pattern cannot match anywhere in ``text``."""
        if self.digits:
            seen, flags, count = _DIGIT_COUNT  # the last text's count, as digit_count keeps it
            if seen is not text or flags != self._flags:
                count = digit_count(text, self._flags)
            if count < self.digits:
                return False
        for literal in self._literals:
            if literal not in text:
                return False
        for check in self._checks:
            if not check(text):
                return False
        return True

    def describe(self) -> str:
        parts = [
            "|".join(sorted(a.source + ("/i" if a.ignorecase else "") for a in c.alternatives))
            for c in self.conditions
        ]
        return " and ".join(parts + ([f"{self.digits} digits"] if self.digits else [])) or "none"


# syntax of the ``regex`` module that Python's parser reads differently or not at all
_FOREIGN_SYNTAX = re.compile(
    r"\[\[:|\[:\^?[a-z]+:\]|\\[pPNXGKLmM]|\(\?[Vrbef]|\(\?\||\(\?\(DEFINE|\(\?&|\(\?R|\(\?\d"
)


class AnyOf:
    """A recognizer with several patterns can match where any of them can."""

    def __init__(self, prefilters: list[Prefilter]) -> None:
        self.prefilters = prefilters

    @classmethod
    def of_sources(cls, sources: list[str], flags: int) -> AnyOf | None:
        """Prefilters for patterns written for the ``regex`` module (Presidio's), read with Python's
        parser; None where any uses syntax Python reads differently. Only conditions no case folding
        touches are kept."""
        prefilters = []
        for source in sources:
            if _FOREIGN_SYNTAX.search(source):
                return None
            try:
                compiled = re.compile(source, flags)
            except re.error:
                return None
            prefilters.append(Prefilter.of(compiled, caseless_only=True))
        return cls(prefilters)

    def admits(self, text: str) -> bool:
        for prefilter in self.prefilters:
            if prefilter.admits(text):
                return True
        return False
