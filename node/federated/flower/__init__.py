"""Flower apps of the node: the only package that imports flwr."""
