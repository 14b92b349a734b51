"""Scanning a pattern only where a match can start, found from its literal anchors.

CPython's regex engine skips ahead by a pattern's first characters when they are few; a pattern with an
alternative that opens on any Chinese character (an address's ``[\u4e00-\u9fff]{2,6}?(?:路|街...)\\d+号``)
is tried at every position of the text instead, each try running every alternative: the address
recognizer cost as much as all the others together.

``AnchoredScanner.of(pattern)`` reads, for each top-level alternative, its first literal anchor (a
literal, or an alternation of literals) and the range of widths that can stand before it (路 after two to
six characters). A match can only start that far before an occurrence of an anchor, so ``finditer``
tries ``pattern.match`` at those positions only, left to right, resuming after each match as
``re.finditer`` does: the same matches. It applies where some alternative opens on a large class (where
the engine cannot skip) and every alternative has an anchor; a text with too many candidate positions
is scanned the ordinary way.

``skipping(pattern)`` serves the patterns that open on a lookbehind (most identifier and date ones): it
moves the lookbehind behind the first character, where it reads the same characters, so that the engine
can skip ahead by that character.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from importlib import import_module
from typing import Any

sre: Any = import_module("re._constants")
sre_parse: Any = import_module("re._parser")

LARGE_CLASS = 64  # a class this large makes the engine try every position
_ZERO_WIDTH = (sre.ASSERT, sre.ASSERT_NOT, sre.AT)
_REPEATS = (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT)
MAX_SHARE = 0.25  # more candidate positions than this share of the text: scan the ordinary way


def _leading_literals(items: Any) -> list[str] | None:
    """Literals one of which every match of ``items`` starts with, or None."""
    literal = ""
    for op, av in items:
        if op is sre.LITERAL:
            literal += chr(av)
            continue
        if literal:
            return [literal]
        if op is sre.SUBPATTERN and not av[1] and not av[2]:
            return _leading_literals(av[3])
        if op is sre.BRANCH:
            found: list[str] = []
            for branch in av[1]:
                lits = _leading_literals(branch)
                if not lits:
                    return None
                found += lits
            return found
        if op is sre.IN and all(item is sre.LITERAL for item, _ in av):
            return [chr(value) for _, value in av]
        if op in _REPEATS and av[0] >= 1:
            return _leading_literals(av[2])
        return None
    return [literal] if literal else None


def _width(state: Any, items: list[Any]) -> tuple[int, int]:
    low, high = sre_parse.SubPattern(state, items).getwidth()
    return int(low), int(high)


def _anchor(state: Any, items: Any) -> tuple[list[str], int, int] | None:
    """The first element of a sequence that starts with literals, and the least and greatest width of
    what stands before it; None where none does or what stands before has no bounded width."""
    for k, (op, av) in enumerate(items):
        if op in _ZERO_WIDTH:
            continue  # no width; a literal inside a lookaround is no anchor of the match
        literals = _leading_literals([(op, av)])
        if literals:
            low, high = _width(state, list(items[:k]))
            return (literals, low, high) if high < sre.MAXREPEAT else None
    return None


def _opens_wide(items: Any) -> bool:
    """The sequence's first consuming element is a repetition of (or is) a large class."""
    for op, av in items:
        if op in _ZERO_WIDTH:
            continue
        if op in _REPEATS:
            return _opens_wide(av[2])
        if op is sre.SUBPATTERN:
            return _opens_wide(av[3])
        if op is sre.IN:
            size = 0
            for item, value in av:
                if item is sre.RANGE:
                    size += value[1] - value[0] + 1
                elif item is sre.LITERAL:
                    size += 1
            # (a category such as \\d: the patterns that open on one are cheap to scan in practice)
            return size > LARGE_CLASS
        return False
    return False


class AnchoredScanner:
    """``finditer`` over the positions where one of the anchors says a match can start."""

    def __init__(self, pattern: re.Pattern[str], anchors: list[tuple[re.Pattern[str], int, int]]) -> None:
        self.pattern = pattern
        self.anchors = anchors  # (the anchor literals, least and greatest offset of one from the start)

    @classmethod
    def of(cls, pattern: re.Pattern[str]) -> AnchoredScanner | None:
        try:
            parsed = sre_parse.parse(pattern.pattern, pattern.flags)
            if parsed.getwidth()[0] < 1:
                return None  # empty matches: finditer's rules for them are not emulated
            items = list(parsed)
            # the top-level alternatives, each with the lookarounds before it and what follows it
            first = next((k for k, (op, _) in enumerate(items) if op not in _ZERO_WIDTH), len(items))
            if first < len(items) and items[first][0] is sre.BRANCH:
                head, tail = items[:first], items[first + 1 :]
                branches = [head + list(b) + tail for b in items[first][1][1]]
            else:
                branches = [items]
            if not any(_opens_wide(b) for b in branches):
                return None  # the engine already skips ahead by the first characters
            anchors = []
            for branch in branches:
                found = _anchor(parsed.state, branch)
                if found is None:
                    return None
                literals, low, high = found
                flags = int(pattern.flags & (re.IGNORECASE | re.ASCII))
                # a flat alternation (the engine skips ahead by its first characters), searched again
                # one past each occurrence so that overlapping ones are all found
                source = "|".join(re.escape(x) for x in sorted(set(literals), key=len, reverse=True))
                anchors.append((re.compile(source, flags), low, high))
            return cls(pattern, anchors)
        except Exception:  # noqa: BLE001 - a pattern not read here is scanned the ordinary way
            return None

    def starts(self, text: str) -> list[int] | None:
        """The positions where a match can start, or None where they are too many to be worth it."""
        limit = len(text) * MAX_SHARE
        starts: set[int] = set()
        for anchor, low, high in self.anchors:
            m = anchor.search(text)
            while m is not None:
                at = m.start()
                starts.update(range(max(0, at - high), at - low + 1))
                if len(starts) > limit:
                    return None
                m = anchor.search(text, at + 1)
        return sorted(starts)

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        starts = self.starts(text)
        if starts is None:
            yield from self.pattern.finditer(text)
            return
        match, resume = self.pattern.match, 0
        for at in starts:
            if at < resume:
                continue
            m = match(text, at)
            if m is not None:
                yield m
                resume = m.end()


# -- a leading lookbehind moved behind the first character --------------------------------------------
_compiler: Any = import_module("re._compiler")
_ANY_CHAR = (sre.IN, [(sre.CATEGORY, sre.CATEGORY_DIGIT), (sre.CATEGORY, sre.CATEGORY_NOT_DIGIT)])


def _captures(items: Any) -> bool:
    """Whether a capturing group lies anywhere in ``items``."""
    for op, av in items:
        if op is sre.SUBPATTERN and (av[0] is not None or _captures(av[3])):
            return True
        if op in _REPEATS and _captures(av[2]):
            return True
        if op is sre.BRANCH and any(_captures(b) for b in av[1]):
            return True
        if op in (sre.ASSERT, sre.ASSERT_NOT, sre.ATOMIC_GROUP, sre.GROUPREF_EXISTS):
            return True  # not followed here: treated as holding one
    return False


def _peel(state: Any, items: list[Any]) -> tuple[Any, list[Any]] | None:
    """``items`` as one single-character item (a literal or a class) and what follows it, or None.
    A greedy or lazy repetition of at least one gives its first round (X{m,n} = X X{m-1,n-1}); only
    rounds without capturing groups, so that no group is duplicated."""
    if not items:
        return None
    (op, av), rest = items[0], list(items[1:])
    if op in (sre.LITERAL, sre.IN):
        return (op, av), rest
    if op is sre.SUBPATTERN and av[0] is None and not av[1] and not av[2]:
        return _peel(state, list(av[3]) + rest)
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT) and av[0] >= 1 and not _captures(av[2]):
        low, high, body = av
        again = [] if high == 1 else [(op, (low - 1, high if high == sre.MAXREPEAT else high - 1, body))]
        return _peel(state, list(body) + again + rest)
    return None


def skipping(pattern: re.Pattern[str]) -> re.Pattern[str] | None:
    """``pattern`` with its leading lookbehinds checked after its first character, or None.

    CPython's engine skips ahead by a pattern's first characters only when the pattern opens on them; one
    that opens on a lookbehind (``(?<![\\d-])\\d{6}...``) is tried at every position. ``(?<!X)c`` and
    ``c(?<!X[\\s\\S])`` accept the same texts at the same position (the lookbehind reads the same
    characters, one more of which is the consumed ``c``), so the rewritten pattern finds the same matches,
    with the same groups, and skips the positions no first character can stand at. None where nothing is
    gained (no leading lookbehind, a first character the engine cannot skip by) or not understood."""
    try:
        parsed = sre_parse.parse(pattern.pattern, pattern.flags)
        items = list(parsed)
        k = 0
        while k < len(items) and items[k][0] in (sre.ASSERT, sre.ASSERT_NOT) and items[k][1][0] == -1:
            k += 1
        if k == 0 or k == len(items):
            return None
        state = parsed.state
        behind = [(op, (-1, sre_parse.SubPattern(state, [*sub, _ANY_CHAR]))) for op, (_, sub) in items[:k]]
        if items[k][0] is sre.BRANCH:
            alternatives = []
            for branch in items[k][1][1]:
                peeled = _peel(state, list(branch))
                if peeled is None or peeled[0][0] is not sre.LITERAL:
                    return None  # the engine skips by a branch's first characters only if all are literals
                alternatives.append(sre_parse.SubPattern(state, [peeled[0], *behind, *peeled[1]]))
            rewritten = [(sre.BRANCH, (None, alternatives)), *items[k + 1 :]]
        else:
            peeled = _peel(state, items[k:])
            if peeled is None:
                return None
            rewritten = [peeled[0], *behind, *peeled[1]]
        tree = sre_parse.SubPattern(state, rewritten)
        return _compiler.compile(tree, pattern.flags)  # type: ignore[no-any-return]
    except Exception:  # noqa: BLE001 - a pattern not rewritten is scanned as written
        return None
