"""A pattern rewritten so that every alternative opens on a literal character: the engine then skips ahead.

CPython's engine skips the positions where no match can start only when it knows the pattern's first
characters: a literal, a class, or an alternation each of whose alternatives opens on a literal. A label
alternation with one alternative opening on a class (``[Ii][Dd]号``) or a group (``(?:检查|病理)号``), or a
date opening on ``(?:0?[1-9]|1[0-2])`` behind a lookbehind, is tried at every position of the text instead,
each try running the whole alternation.

``opening_on_literals(pattern)`` rewrites such a pattern into one alternation of alternatives that each
open on a literal, in the order the engine tries them, by steps that keep every match and its groups:

- a non-capturing group at the start is opened: ``(?:A|B)R`` is ``AR|BR`` (the engine tries A before B,
  and backtracks from A's R into B as from AR into BR);
- a small class at the start becomes one alternative a character (``[Ii]D`` is ``ID|iD``: one character
  matches at most one of them);
- an optional or repeated item at the start is tried once and left out, in the order its greediness
  tries them (``0?X`` is ``0X|X``, lazy ``0??X`` is ``X|0X``; ``X{m,n}R`` is ``X X{m-1,n-1} R``);
- a leading lookbehind moves behind the first character, reading the same characters (``skipping``).

What follows an opened item is copied into each alternative, capturing groups too: only one alternative
matches, and the engine restores its marks between alternatives as between the tries they replace. A
repeated item is copied only without a capturing group (its copies would stand in one alternative). The
alternatives are at most ``MAX_ALTERNATIVES``; a pattern not read here is scanned as written.
"""

from __future__ import annotations

import re
from importlib import import_module
from typing import Any

from node.anonymization.recognizers.anchored import _ANY_CHAR, _captures

sre: Any = import_module("re._constants")
sre_parse: Any = import_module("re._parser")
_compiler: Any = import_module("re._compiler")

MAX_ALTERNATIVES = 400  # each costs the engine a comparison of one character where a candidate starts
MAX_CLASS = 16  # characters of the largest leading class written out
WIDE_RANGE = 256  # a range this wide in a leading class (all Chinese characters): no skipping by it
_Items = list[Any]


class _Unread(Exception):
    """A part of the pattern this rewriting does not follow."""


def _class_chars(av: Any) -> list[int]:
    chars: list[int] = []
    for op, value in av:
        if op is sre.LITERAL:
            chars.append(value)
        elif op is sre.RANGE and value[1] - value[0] < MAX_CLASS:
            chars.extend(range(value[0], value[1] + 1))
        else:
            raise _Unread  # a negated class, a category (\\d reads every Unicode digit), a wide range
    if len(chars) > MAX_CLASS:
        raise _Unread
    return sorted(set(chars))


def _opened(state: Any, items: _Items, count: list[int], classes: bool = False) -> list[_Items]:
    """Alternatives, each opening on a literal (or on a class, with ``classes``), that the engine tries
    in this order where it would try ``items``."""
    if not items:
        raise _Unread  # an alternative that can match the empty string opens on nothing
    (op, av), rest = items[0], list(items[1:])
    if op is sre.LITERAL or (op is sre.IN and classes):
        count[0] += 1
        if count[0] > MAX_ALTERNATIVES:
            raise _Unread
        return [items]
    if op is sre.IN:
        return [out for ch in _class_chars(av) for out in _opened(state, [(sre.LITERAL, ch), *rest], count)]
    if op is sre.SUBPATTERN and av[0] is None and not av[1] and not av[2]:
        return _opened(state, list(av[3]) + rest, count, classes)
    if op is sre.BRANCH:
        return [out for branch in av[1] for out in _opened(state, list(branch) + rest, count, classes)]
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT):
        low, high, body = av
        if _captures(body) or high == 0 or body.getwidth()[0] < 1:
            raise _Unread  # (a round that may match nothing: the engine's rule for those is not copied)
        again = (
            [] if high == 1 else [(op, (max(0, low - 1), high if high == sre.MAXREPEAT else high - 1, body))]
        )
        once = list(body) + again + rest
        if low >= 1:
            return _opened(state, once, count, classes)
        tries = [once, rest] if op is sre.MAX_REPEAT else [rest, once]
        return [out for t in tries for out in _opened(state, t, count, classes)]
    if op in (sre.ASSERT, sre.ASSERT_NOT) and av[0] == -1:
        behind = (op, (-1, sre_parse.SubPattern(state, [*av[1], _ANY_CHAR])))
        return [[first, behind, *after] for first, *after in _opened(state, rest, count, classes)]
    raise _Unread


def _skips(state: Any, items: _Items, flags: int) -> bool:
    """Whether the engine knows the first characters of ``items`` (a literal prefix or a charset)."""
    tree = sre_parse.SubPattern(state, items)
    prefix, _, _ = _compiler._get_literal_prefix(tree, flags)
    return bool(prefix) or bool(_compiler._get_charset_prefix(tree, flags))


def opening_on_literals(pattern: re.Pattern[str]) -> re.Pattern[str] | None:
    """``pattern`` as one alternation of alternatives that each open on a literal (the same matches and
    groups), or None where the engine skips ahead already or the pattern is not read here."""
    try:
        if pattern.flags & re.IGNORECASE:
            return None  # a literal then matches its other cases too: not written out here
        parsed = sre_parse.parse(pattern.pattern, pattern.flags)
        state, items = parsed.state, list(parsed)
        if parsed.getwidth()[0] < 1 or _skips(state, items, state.flags):
            return None
        alternatives = _opened(state, items, [0])
        branch = (sre.BRANCH, (None, [sre_parse.SubPattern(state, a) for a in alternatives]))
        if not _skips(state, [branch], state.flags):
            return None
        tree = sre_parse.SubPattern(state, [branch])
        return _compiler.compile(tree, pattern.flags)  # type: ignore[no-any-return]
    except Exception:  # noqa: BLE001 - a pattern not rewritten is scanned as written
        return None


def _narrow(op: Any, av: Any) -> bool:
    """Whether a class item stands for few characters (a literal, a short range; no category)."""
    if op is sre.RANGE:
        return bool(av[1] - av[0] < WIDE_RANGE)
    return op is sre.LITERAL


def opening_on_a_class(pattern: re.Pattern[str]) -> re.Pattern[str] | None:
    """``pattern`` opening on one class of the first characters of its leading alternation's
    alternatives, each alternative then checking its own first character behind; None where nothing is
    gained or the pattern is not read here.

    ``(?:欧阳|司马|[王李])R`` is tried at every position (an alternative opening on a class: the engine
    knows no first characters); ``[欧司王李](?:阳(?<=欧阳)|马(?<=司马)|(?<=[王李]))R`` opens on a class, by
    which the engine skips ahead, and tries the same alternatives in the same order at the same position:
    an alternative ``cX`` matches after the consumed character where ``c`` stands behind and ``X`` ahead.
    A class too large to write out as literals (``opening_on_literals``) is what this serves."""
    try:
        if pattern.flags & re.IGNORECASE:
            return None
        parsed = sre_parse.parse(pattern.pattern, pattern.flags)
        state, items = parsed.state, list(parsed)
        if parsed.getwidth()[0] < 1 or _skips(state, items, state.flags):
            return None
        # alternatives each opening on a literal or a class, as opening_on_literals opens them
        opened = _opened(state, items, [0], classes=True)
        if all(branch[0][0] is sre.LITERAL for branch in opened):
            return None  # opening_on_literals' case
        firsts: list[Any] = []
        alternatives = []
        for branch in opened:
            first, rest = branch[0], branch[1:]
            if first[0] is sre.IN:
                if not all(_narrow(op, av) for op, av in first[1]):
                    return None  # a negated or wide class: the engine would skip little
                firsts += first[1]
            else:
                firsts.append(first)
            if first[0] is sre.LITERAL and rest and rest[0][0] is sre.LITERAL:
                # the next literal first (the engine checks an alternative's opening literal cheaply),
                # both read behind it
                behind = sre_parse.SubPattern(state, [first, rest[0]])
                alternatives.append(
                    sre_parse.SubPattern(state, [rest[0], (sre.ASSERT, (-1, behind)), *rest[1:]])
                )
            else:
                behind = sre_parse.SubPattern(state, [first])
                alternatives.append(sre_parse.SubPattern(state, [(sre.ASSERT, (-1, behind)), *rest]))
        unique = list(dict.fromkeys(firsts))
        rewritten = [(sre.IN, unique), (sre.BRANCH, (None, alternatives))]
        if not _skips(state, rewritten, state.flags):
            return None
        return _compiler.compile(sre_parse.SubPattern(state, rewritten), pattern.flags)  # type: ignore[no-any-return]
    except Exception:  # noqa: BLE001 - a pattern not rewritten is scanned as written
        return None
