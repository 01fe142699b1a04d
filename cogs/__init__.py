"""Feature cogs. Each folder holds one feature's models, repository, service and commands.

``ALL_COGS`` lists the modules the app loads, in order; each exposes ``setup(kernel) -> Cog``.
"""

ALL_COGS: tuple[str, ...] = (
    "cogs.networks",
    "cogs.moderation",
    "cogs.meetings",
    "cogs.feeds",
    "cogs.reflection",
    "cogs.checkins",
    "cogs.resources",
    "cogs.mentoring",
    "cogs.noticeboard",
    "cogs.stories",
    "cogs.questions",
    "cogs.support",
    "cogs.accounts",
    "cogs.privacy",
)
