"""The contract limits a product offers: its policy template, completed with the node's stated
defaults. One function serves the negotiation policy and every catalog (DCAT, Dataspace Protocol), so
what a partner is shown is exactly what its request is judged against: no hidden limits."""

from __future__ import annotations

from typing import Any

# What a product offers where its template says nothing. Published with every product's offer.
OFFER_DEFAULTS: dict[str, Any] = {
    "purposes": [],  # empty: any purpose the negotiation policy allows the partner's role
    "max_uses": 100,
    "valid_days": 365,
    "epsilon": 1.0,
    "min_cohort": 10,
    "k": 5,
}


def offer_limits(template: dict[str, Any]) -> dict[str, Any]:
    """The limits as the negotiation policy sees them (``max_days`` is the template's ``valid_days``)."""
    o = {**OFFER_DEFAULTS, **{k: v for k, v in template.items() if k in OFFER_DEFAULTS}}
    return {
        "purposes": list(o["purposes"]),
        "max_uses": o["max_uses"],
        "max_days": o["valid_days"],
        "epsilon": o["epsilon"],
        "min_cohort": o["min_cohort"],
        "k": o["k"],
    }
