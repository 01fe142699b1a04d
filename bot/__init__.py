"""The peerbot kernel: commands, permissions, storage, scheduling and delivery.

Nothing here knows about meetings or check-ins (those are cogs), and nothing outside
``bot.platforms`` imports a chat platform's library.
"""
