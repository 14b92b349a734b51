"""The regional registry: node directory, asset registration, federated catalog, data map."""
