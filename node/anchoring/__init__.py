"""Anchoring: the outbox of digests for the chain (contracts, audit batches, models, registrations),
its delivery with retries, audit Merkle batches and inclusion proofs. Below contracts: what a delivered
anchor means to a kind of object (a contract becomes active) is told by hooks the bootstrap wires."""
