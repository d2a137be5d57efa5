"""Errors of the ingest layer; ``str()`` of each is a short reason safe to show a user."""

from __future__ import annotations

from retrieval.errors import NewsdeskError


class IngestError(NewsdeskError):
    """One source could not be ingested; the message says why."""


class ParseError(IngestError):
    """The content is not an article this parser can read."""


class UnsupportedSource(IngestError):
    """A source of a kind that cannot be ingested (unknown scheme, binary file, ...)."""


class UrlRefused(IngestError):
    """A URL the fetcher will not touch: a scheme other than http(s), or a blocked address."""


class FetchFailed(IngestError):
    """Fetching a URL failed or broke a limit (status, size, time, redirects)."""


class AttachmentTooLarge(IngestError):
    """An uploaded file is over the configured size limit."""
