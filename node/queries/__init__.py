"""Aggregate queries over data products with differential privacy (OpenDP's only importer)."""
