"""Configuration from the environment and ``.env`` (see ``.env.example``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_data_dir() -> Path:
    return Path.home() / ".local" / "share" / "newsdesk"


class Settings(BaseSettings):
    """Every setting of Newsdesk. Built once in an entry point and passed down."""

    model_config = SettingsConfigDict(env_prefix="NEWSDESK_", env_file=".env", extra="ignore")

    data_dir: Path = Field(
        default_factory=_default_data_dir,
        description="Where the embedded Chroma store and the bot's state live.",
    )
    chroma_host: str | None = Field(
        default=None, description="Chroma server host; unset means the embedded store under data_dir."
    )
    chroma_port: int = Field(default=8000, description="Chroma server port.")
    chroma_ssl: bool = Field(default=False, description="Use HTTPS to reach the Chroma server.")
    chroma_token: SecretStr | None = Field(
        default=None, description="Bearer token for a Chroma server with token auth."
    )
    chroma_ssl_verify: str | None = Field(
        default=None,
        description="Certificate check for HTTPS to the Chroma server: unset = system CAs, "
        "a path = that CA bundle, 'false' = no check.",
    )
    embedding_threads: int = Field(
        default=0, description="ONNX Runtime threads for the embedder; 0 means one per core."
    )
    chunk_tokens: int = Field(default=512, description="Chunk size in tiktoken tokens.")
    chunk_overlap: int = Field(default=32, description="Tokens of overlap between consecutive chunks.")
    top_k: int = Field(default=10, description="Chunks retrieved per question.")
    chat_model: str | None = Field(
        default=None,
        description="LangChain chat model as provider:model (e.g. openai:gpt-4o-mini); unset = extractive.",
    )
    chat_base_url: str | None = Field(
        default=None,
        description="Endpoint for the chat model, e.g. a local OpenAI-compatible server (http://127.0.0.1:8080/v1).",
    )
    chat_api_key: SecretStr | None = Field(
        default=None,
        description="API key of the chat provider; unset uses the provider's own variable (OPENAI_API_KEY).",
    )
    chat_timeout_seconds: float = Field(
        default=30.0, description="Seconds to wait for the chat model before answering extractively."
    )
    chat_max_context_tokens: int = Field(
        default=4000, description="Token budget of a chat prompt (instructions, sources and question)."
    )
    discord_token: SecretStr | None = Field(
        default=None,
        validation_alias="DISCORD_TOKEN",
        description="The Discord bot token (DISCORD_TOKEN, without the NEWSDESK_ prefix).",
    )
    guild_ids: list[int] = Field(
        default_factory=list,
        description="Guilds to sync slash commands to at start (instant); empty means global sync.",
    )
    allow_private_urls: bool = Field(
        default=False,
        description="Allow fetching loopback/private/link-local addresses (local testing only).",
    )
    fetch_max_bytes: int = Field(default=5_000_000, description="Largest download of one URL, in bytes.")
    fetch_timeout: float = Field(
        default=20.0, description="Seconds one URL fetch may take in total, redirects included."
    )
    fetch_max_redirects: int = Field(default=5, description="Redirects followed per URL.")
    attachment_max_bytes: int = Field(
        default=10_000_000, description="Largest Discord attachment or uploaded file, in bytes."
    )
    max_articles_per_request: int = Field(
        default=100,
        description="Most articles one URL, attachment or feed poll may add (the rest are refused).",
    )
    max_article_chars: int = Field(
        default=200_000, description="Longest article body accepted, in characters (longer is refused)."
    )
    feed_poll_minutes: float = Field(default=30.0, description="Minutes between polls of each feed.")
    feed_channel_id: int | None = Field(
        default=None, description="Discord channel for 'new: <title>' posts after feed polls; unset = none."
    )
    manager_roles: list[str] = Field(
        default_factory=list,
        description="Role names or ids (JSON list) allowed to /ingest and /forget besides Manage Server.",
    )
    ask_cooldown_seconds: float = Field(
        default=10.0, description="Seconds a member waits between two questions (/ask or mention); 0 = off."
    )
    index_refresh_seconds: float = Field(
        default=30.0,
        ge=0,
        description="Seconds between the bot's checks for articles other processes added, "
        "so its search indexes catch up before a question waits for them; 0 = off.",
    )
    log_level: str = Field(default="INFO", description="Logging level: DEBUG, INFO, WARNING or ERROR.")

    @field_validator("discord_token", "chat_api_key", mode="before")
    @classmethod
    def _blank_secret_is_unset(cls, value: Any) -> Any:
        """``DISCORD_TOKEN=`` (an uncommented line of .env.example) means not set, not an empty token."""
        if isinstance(value, str) and not value.strip():
            return None
        return value.strip() if isinstance(value, str) else value
