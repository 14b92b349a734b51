"""Flower's object pulls, retried promptly.

A Flower process that receives a message pulls the message's objects (its arrays and records)
separately; one not yet stored where it is pulled from is retried after 1 s, then 2, 4, up to 10 s
(``flwr.supercore.inflatable.inflatable_utils``: ``PULL_INITIAL_BACKOFF``, ``PULL_BACKOFF_CAP``). A
warm ClientApp asks its SuperNode for the message's objects within milliseconds of the task's start,
often before the SuperNode has them, and then slept a second for objects that came a few
milliseconds later. Here the same retries start at ``FIRST_RETRY_S`` and double up to
``LONGEST_RETRY_S`` (the SuperNode's own idle wait, ``supernode_main.IDLE_POLL_S``), with as many
more tries as keep Flower's patience for an object that never comes (500 tries up to 10 s apart).
Flower's code is unchanged: the functions' keyword defaults are. ``prompt_pulls`` refuses if they
are not where this module expects them (the test of this module fails first).
"""

from __future__ import annotations

FIRST_RETRY_S = 0.01
LONGEST_RETRY_S = 0.25


def prompt_pulls() -> None:
    from flwr.supercore.constant import PULL_BACKOFF_CAP, PULL_MAX_TRIES_PER_OBJECT
    from flwr.supercore.inflatable import inflatable_utils

    tries = round(PULL_MAX_TRIES_PER_OBJECT * PULL_BACKOFF_CAP / LONGEST_RETRY_S)
    for fn in (inflatable_utils.pull_objects, inflatable_utils.pull_and_inflate_object_from_tree):
        defaults = fn.__kwdefaults__
        if defaults is None or not {"initial_backoff", "backoff_cap", "max_tries_per_object"} <= set(
            defaults
        ):
            raise RuntimeError(f"flwr's {fn.__name__} no longer takes the retry pace this module sets")
        defaults["initial_backoff"] = FIRST_RETRY_S
        defaults["backoff_cap"] = LONGEST_RETRY_S
        defaults["max_tries_per_object"] = tries
