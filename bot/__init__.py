"""Front ends: the Discord bot and the terminal (CLI and chat)."""
