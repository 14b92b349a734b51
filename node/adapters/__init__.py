"""Adapters: implementations of the domain's ports on real systems."""
