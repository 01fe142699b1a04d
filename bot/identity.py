"""Neutral names for people and places, the same shape on every platform."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class UserRef(BaseModel):
    """A person on one platform. ``key`` (``discord:1234``) is what storage keys data by."""

    model_config = ConfigDict(frozen=True)

    platform: str
    id: str
    display_name: str = ""

    @property
    def key(self) -> str:
        return f"{self.platform}:{self.id}"

    @property
    def name(self) -> str:
        return self.display_name or self.id


class PlaceRef(BaseModel):
    """A channel, room or thread on one platform."""

    model_config = ConfigDict(frozen=True)

    platform: str
    id: str
    name: str = ""

    @property
    def key(self) -> str:
        return f"{self.platform}:{self.id}"


class MessageRef(BaseModel):
    """A message the bot sent, so it can be edited or deleted later."""

    model_config = ConfigDict(frozen=True)

    place: PlaceRef
    id: str


def _split_key(key: str, what: str) -> tuple[str, str]:
    platform, sep, local_id = key.partition(":")
    if not sep or not platform or not local_id:
        raise ValueError(f"not a {what} key: {key!r}")
    return platform, local_id


def user_from_key(user_key: str) -> UserRef:
    """``discord:1234`` (as stored) back into a UserRef, to message that person."""
    platform, user_id = _split_key(user_key, "user")
    return UserRef(platform=platform, id=user_id)


def place_from_key(place_key: str) -> PlaceRef:
    """``discord:5678`` (as stored) back into a PlaceRef."""
    platform, place_id = _split_key(place_key, "place")
    return PlaceRef(platform=platform, id=place_id)
