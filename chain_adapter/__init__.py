"""Anchor registry contract and the web3 ChainAnchor adapter (issue #5)."""
