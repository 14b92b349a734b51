"""A patient's consent (患者授权) for one partner, one purpose and one period, as PIPL's separate consent
for providing personal information to a third party requires. Recorded through the hospital's own
channel with its evidence; a withdrawal applies to every later use."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from node.errors import InvalidInput


class Channel(StrEnum):
    """How the hospital obtained the consent."""

    SIGNED_FORM = "signed_form"  # 纸质知情同意书
    APP = "app"  # 医院 App / 小程序
    KIOSK = "kiosk"  # 自助机
    COUNTER = "counter"  # 窗口办理


@dataclass(frozen=True)
class Consent:
    id: str
    patient_id: str  # the hospital's patient key (the tables' patient_id)
    partner_id: str
    purpose: str
    valid_from_us: int
    valid_to_us: int
    channel: Channel
    evidence: str  # reference to the form, app record or kiosk transaction; never its content
    recorded_by: str
    recorded_at_us: int
    withdrawn_at_us: int | None = None
    withdrawn_by: str = ""

    def in_force(self, now_us: int) -> bool:
        return self.withdrawn_at_us is None and self.valid_from_us <= now_us < self.valid_to_us

    def view(self, now_us: int) -> dict[str, Any]:
        return {
            "id": self.id,
            "patient_id": self.patient_id,
            "partner_id": self.partner_id,
            "purpose": self.purpose,
            "valid_from_us": self.valid_from_us,
            "valid_to_us": self.valid_to_us,
            "channel": self.channel.value,
            "evidence": self.evidence,
            "recorded_by": self.recorded_by,
            "recorded_at_us": self.recorded_at_us,
            "withdrawn_at_us": self.withdrawn_at_us,
            "withdrawn_by": self.withdrawn_by,
            "in_force": self.in_force(now_us),
        }


def check_fields(patient_id: str, purpose: str, valid_from_us: int, valid_to_us: int, evidence: str) -> None:
    """Messages name the field, never its value."""
    if not 0 < len(patient_id.strip()) <= 64:
        raise InvalidInput("patient_id is required (at most 64 characters)", code="consent_invalid")
    if not 0 < len(purpose) <= 64:
        raise InvalidInput("purpose is required (a purpose code)", code="consent_invalid")
    if not 0 <= valid_from_us < valid_to_us < 2**62:
        raise InvalidInput("the consent period must end after it starts", code="consent_invalid")
    if not 0 < len(evidence.strip()) <= 200:
        raise InvalidInput(
            "evidence is required: a reference to the signed form, app record or kiosk transaction",
            code="consent_invalid",
        )
