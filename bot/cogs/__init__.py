"""Discord cogs, one feature per module; ``bot.discord_app.COGS`` lists what is loaded."""
