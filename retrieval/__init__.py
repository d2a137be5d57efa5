"""Retrieval: the store contract, search and cited answers."""
