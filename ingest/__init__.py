"""Ingest: turn files, URLs and feeds into articles and chunks in the store."""
