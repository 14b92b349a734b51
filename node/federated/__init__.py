"""Federated training with Flower under contract (issue #6); flower/ alone imports flwr."""
