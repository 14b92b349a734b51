"""Principals (partners and staff), roles and bearer tokens."""
