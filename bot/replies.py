"""What a handler returns: a platform-neutral message that every adapter knows how to show.

These are pydantic models so that a reply can wait in the outbox as JSON and be sent later.
"""

from __future__ import annotations

import base64
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator

from bot.identity import UserRef

ACTION_ID_MAX = 100  # Discord's custom_id limit; the tightest of our platforms.
FORM_FIELDS_MAX = 5
MENTIONS_MAX = 100  # Discord's limit for the users (and the roles) a message may notify


class ActionRef(BaseModel):
    """Which registered action a button or form leads to, plus a short payload (an id, a token).

    Only the action id and payload travel with the message, never a Python closure, so a button
    on a week-old message still works after a restart.
    """

    model_config = ConfigDict(frozen=True)

    action: str
    payload: str = ""

    @field_validator("action", "payload")
    @classmethod
    def _no_separator(cls, value: str) -> str:
        if "|" in value:
            raise ValueError("an action id or payload may not contain '|'")
        return value

    @field_validator("action")
    @classmethod
    def _named(cls, value: str) -> str:
        if not value:
            raise ValueError("an action reference needs an action id")
        return value

    def encode(self) -> str:
        encoded = f"{self.action}|{self.payload}"
        if len(encoded) > ACTION_ID_MAX:
            raise ValueError(f"action reference is longer than {ACTION_ID_MAX} characters")
        return encoded

    @classmethod
    def decode(cls, encoded: str) -> ActionRef:
        action, _, payload = encoded.partition("|")
        return cls(action=action, payload=payload)


class ButtonStyle(StrEnum):
    PRIMARY = "primary"
    SECONDARY = "secondary"
    SUCCESS = "success"
    DANGER = "danger"


class Button(BaseModel):
    model_config = ConfigDict(frozen=True)

    label: str = Field(max_length=80)
    action: ActionRef
    style: ButtonStyle = ButtonStyle.SECONDARY


class Choice(BaseModel):
    model_config = ConfigDict(frozen=True)

    label: str = Field(max_length=100)
    value: str = Field(max_length=100)
    description: str = Field(default="", max_length=100)


class Select(BaseModel):
    """A list to pick from: a select menu on Discord, numbered choices elsewhere."""

    model_config = ConfigDict(frozen=True)

    placeholder: str
    action: ActionRef
    choices: list[Choice] = Field(min_length=1, max_length=25)
    min_values: int = 1
    max_values: int = 1


class FormField(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    label: str = Field(max_length=45)
    long: bool = False
    required: bool = True
    max_length: int = Field(default=1000, ge=1, le=4000)
    placeholder: str = ""
    default: str = ""


class Form(BaseModel):
    """Fields to fill in before the action runs: a modal on Discord, questions on the console."""

    model_config = ConfigDict(frozen=True)

    title: str = Field(max_length=45)
    action: ActionRef
    # Five is Discord's modal limit; a longer form must be split into steps.
    fields: list[FormField] = Field(min_length=1, max_length=FORM_FIELDS_MAX)


class CardField(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    value: str
    inline: bool = False


class Card(BaseModel):
    model_config = ConfigDict(frozen=True)

    title: str
    description: str = ""
    fields: list[CardField] = Field(default_factory=list)
    url: str | None = None
    footer: str = ""


class Attachment(BaseModel):
    """A file sent with a reply; ``description`` is the alt text for images."""

    model_config = ConfigDict(frozen=True)

    filename: str
    content_b64: str
    mime_type: str = "application/octet-stream"
    description: str = ""

    @classmethod
    def from_bytes(
        cls, filename: str, data: bytes, mime_type: str, description: str = ""
    ) -> Attachment:
        return cls(
            filename=filename,
            content_b64=base64.b64encode(data).decode("ascii"),
            mime_type=mime_type,
            description=description,
        )

    @property
    def content(self) -> bytes:
        return base64.b64decode(self.content_b64)


class Mentions(BaseModel):
    """Whom a message means to notify: nobody unless named here.

    Text in a reply often holds mentions that nobody means as a call: a member's post quoted
    in a private thread, a name in a list. On Discord a live mention of someone outside a
    private thread adds them to it, so adapters make only these people and roles live, and
    never @everyone or @here. ``roles`` are platform role ids (a network's member role).
    """

    model_config = ConfigDict(frozen=True)

    users: tuple[UserRef, ...] = Field(default=(), max_length=MENTIONS_MAX)
    roles: tuple[str, ...] = Field(default=(), max_length=MENTIONS_MAX)

    def user_ids(self, platform: str) -> list[str]:
        """The ids of the people to notify on one platform (others are not theirs to ping)."""
        return [user.id for user in self.users if user.platform == platform]


class Reply(BaseModel):
    """A message from the bot. ``private`` means only the person who asked may see it."""

    model_config = ConfigDict(frozen=True)

    text: str = ""
    cards: list[Card] = Field(default_factory=list)
    buttons: list[Button] = Field(default_factory=list)
    select: Select | None = None
    form: Form | None = None
    attachments: list[Attachment] = Field(default_factory=list)
    private: bool = False
    #: Pin the message in its place once the outbox has posted it (an agreement, say).
    pin: bool = False
    #: Who this message notifies; by default nobody, whatever mentions its text holds.
    mentions: Mentions = Field(default_factory=Mentions)

    @classmethod
    def private_text(cls, text: str) -> Reply:
        return cls(text=text, private=True)
