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
