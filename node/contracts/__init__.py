"""Usage contracts: negotiation state machine, SM2 signatures, anchoring (issue #5)."""
