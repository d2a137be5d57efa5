"""Errors of the retrieval layer; ``str()`` of each is safe to show a user."""

from __future__ import annotations


class NewsdeskError(Exception):
    """Base of every error whose message may be shown to the user as is."""


class StoreUnavailable(NewsdeskError):
    """The Chroma store cannot be reached or opened."""


class InvalidNamespace(NewsdeskError):
    """A namespace name that cannot name a collection."""


class ArticleNotFound(NewsdeskError):
    """No article with that id or URL in the namespace."""


class StoreLayoutError(NewsdeskError):
    """The data directory holds a store this version cannot read safely."""
