"""ECDH-PSI (P-256) of OpenMined's maintained library, the hospital's half; this module is the node's only
importer (the partner's half is the light client's ``hnode_partner.psi``).

The client (the insurer) blinds its items with its own secret key; the server (the hospital) blinds the
client's items again and sends its own items blinded with its key (the setup). The client learns the
intersection (or, with ``reveal=False``, only its size, the server shuffling its answer); the server
learns only how many items the client sent.
"""

from __future__ import annotations

from collections.abc import Sequence

import private_set_intersection.python as psi
from google.protobuf.message import DecodeError

from node.errors import InvalidInput

FALSE_POSITIVE_RATE = 1e-9  # only for compressed setups; RAW (used here) is exact


def request_facts(request: bytes) -> tuple[int, bool]:
    """(number of items, whether the client asks for the items) of a serialized request; no cryptography."""
    msg = psi.Request()
    try:
        msg.ParseFromString(request)
    except DecodeError:
        raise InvalidInput("not a PSI request", code="psi_request_invalid") from None
    return len(msg.encrypted_elements), bool(msg.reveal_intersection)


def serve(items: Sequence[str], request: bytes, reveal: bool) -> tuple[bytes, bytes]:
    """The hospital's half with a fresh key: (setup, response), both serialized."""
    count, _ = request_facts(request)
    server = psi.server.CreateWithNewKey(reveal)
    msg = psi.Request()
    msg.ParseFromString(request)
    setup = server.CreateSetupMessage(FALSE_POSITIVE_RATE, max(count, 1), list(items), psi.DataStructure.RAW)
    try:
        response = server.ProcessRequest(msg)
    except RuntimeError:
        raise InvalidInput("the PSI request does not fit this contract", code="psi_request_invalid") from None
    return setup.SerializeToString(), response.SerializeToString()
