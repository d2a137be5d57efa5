"""Shared fixtures: one real offline embedder per session, a fresh store per test."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.newsroom import Newsroom
from bot.settings import Settings
from retrieval.embedder import MiniLMEmbedder

ROOT = Path(__file__).resolve().parent.parent
# The team's read-only test data (the seed article, the dev set) sits beside the checkout;
# NEWSDESK_SHARED_DIR points a checkout elsewhere at it.
SHARED = Path(os.environ.get("NEWSDESK_SHARED_DIR") or ROOT.parent / "shared")
SEEDS = SHARED / "seeds"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="session")
def embedder() -> MiniLMEmbedder:
    return MiniLMEmbedder(threads=2)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(_env_file=None, data_dir=tmp_path / "data")  # type: ignore[call-arg]


@pytest.fixture
def newsroom(
    settings: Settings, embedder: MiniLMEmbedder, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Newsroom]:
    """A Newsroom on an embedded store under tmp_path, sharing the session's embedder."""
    monkeypatch.setattr("bot.newsroom.MiniLMEmbedder", lambda threads=None: embedder)
    yield Newsroom.from_settings(settings)


@pytest.fixture(scope="session")
def seed_dir() -> Path:
    if not SEEDS.is_dir():
        pytest.skip(f"{SEEDS} is not present (set NEWSDESK_SHARED_DIR)")
    return SEEDS
