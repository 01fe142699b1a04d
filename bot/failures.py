"""What a platform's refusal means for the people who can fix it, in plain words.

The outbox records why a delivery failed for good (``DeliveryError``'s reason, which names
Discord's code: 50013 Missing Permissions, 50001 Missing Access, 10003 Unknown Channel...).
A cog that tells a network's coordinators about a failure (see ``Outbox.on_failed``) adds
``advice(reason)``: what to do about it.
"""

from __future__ import annotations

import re

_PERMISSION = re.compile(r"missing the (.+?) permission (.*?) \(Discord code (\d+)\)")
_CODE = re.compile(r"\(code (\d+)\)")


def advice(reason: str) -> str:
    """How to fix what ``reason`` describes (one or two sentences)."""
    found = _PERMISSION.search(reason)
    if found:
        permission, where, code = found.groups()
        if code == "50001":  # Missing Access: the bot cannot see the channel at all
            return (
                f"peerbot cannot see the channel {where.removeprefix('in ')}. A server admin "
                "can let peerbot's "
                "role see it (the channel's settings, then Permissions: View Channel, Send "
                "Messages and Embed Links)."
            )
        return (
            f"peerbot's role needs the {permission} permission {where}. A server admin can "
            "give it (Server Settings, then Roles, or the channel's settings, then "
            "Permissions)."
        )
    code = _CODE.search(reason)
    if code and code.group(1) in ("10003", "10008"):
        return (
            "The channel or message is gone. Run /manage network setup to make the network's "
            "channels again."
        )
    if "no longer exists" in reason:
        return "It was deleted. Run /manage network setup to make the network's channels again."
    return "If it keeps happening, the person who runs peerbot can look in its log."
