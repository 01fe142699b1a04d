"""The Discord adapter: slash commands from the registry, replies as Discord messages, and the
outbound port, through discord.py."""
