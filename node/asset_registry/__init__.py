"""Graded data assets, profiling and data products (issue #3)."""
