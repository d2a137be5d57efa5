"""Configuration from the environment and ``.env`` (see ``.env.example``)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
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
    embedding_threads: int = Field(
        default=0, description="ONNX Runtime threads for the embedder; 0 means one per core."
    )
    chunk_tokens: int = Field(default=256, description="Chunk size in tiktoken tokens.")
    chunk_overlap: int = Field(default=32, description="Tokens of overlap between consecutive chunks.")
    top_k: int = Field(default=10, description="Chunks retrieved per question.")
    chat_model: str | None = Field(
        default=None,
        description="LangChain chat model as provider:model (e.g. openai:gpt-4o-mini); unset = extractive.",
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
    log_level: str = Field(default="INFO", description="Logging level: DEBUG, INFO, WARNING or ERROR.")
