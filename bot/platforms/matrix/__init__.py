"""The Matrix adapter: commands, replies and the outbound port on a Matrix homeserver."""
