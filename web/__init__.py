"""peerbot's web page: a front end like the chat platforms, served by aiohttp on the bot's own
event loop when ``[web]`` is enabled.

It sits beside ``bot/platforms``: it may import the kernel and the cogs' services, and nothing in
``bot/`` or ``cogs/`` imports it. Everything it shows is checked against the same per-network
permissions as the chat commands.
"""
