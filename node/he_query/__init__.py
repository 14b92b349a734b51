"""Homomorphic-encryption queries: encrypted risk scoring and encrypted multi-hospital aggregates."""
