"""The bot's connection to its homeserver: log in once, keep the device, sync without replays.

- The device id and access token are kept in ``data_dir/matrix/session.json``; a restart
  restores that login instead of creating a new device (which would need new encryption keys
  and show up in the account's device list).
- The sync token is kept in the database after every sync, so a restart continues where the
  bot stopped. After a fresh login there is no token: the first sync only learns the rooms,
  and messages sent before the bot was there are not answered.
- End-to-end encryption uses matrix-nio's support (vodozemac) with its key store in
  ``data_dir/matrix/store``. If it cannot be set up, the bot says so at start and keeps
  serving unencrypted rooms.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp
import nio
from nio.crypto import ENCRYPTION_ENABLED

from bot.connecting import connect_with_retries
from bot.errors import LoginRefused, PlatformUnreachable, StartupError
from bot.platform_state import PlatformState
from bot.platforms.matrix.state import Session, load_session, matrix_dir, save_session
from config.settings import MatrixSettings

log = logging.getLogger(__name__)

DEVICE_NAME = "peerbot"
CONNECT_TIMEOUT_SECONDS = 30.0
SYNC_TIMEOUT_MS = 30_000
#: Sync only what the bot needs; lazy-loaded members keep big rooms cheap.
SYNC_FILTER: dict[str, Any] = {"room": {"state": {"lazy_load_members": True}}}
#: nio's own retries inside one call. Left unset, nio sleeps through every rate limit and
#: retries every timeout without end, so a call (and the outbox pass waiting on it) could
#: hang. After one retry the error reaches peerbot: the outbox tries again later, after the
#: homeserver's retry-after, and a command's answer says to try again.
MAX_LIMIT_EXCEEDED = 1
MAX_TIMEOUTS = 1


def client_config(
    *, encryption: bool, request_timeout: float = SYNC_TIMEOUT_MS / 1000 + 30
) -> nio.AsyncClientConfig:
    """The bot's client settings; ``request_timeout`` outlasts a long-polling sync."""
    return nio.AsyncClientConfig(
        encryption_enabled=encryption,
        store_sync_tokens=False,  # ours live in the database, see module docstring
        request_timeout=request_timeout,
        max_limit_exceeded=MAX_LIMIT_EXCEEDED,
        max_timeouts=MAX_TIMEOUTS,
    )


class MatrixConnection:
    """One logged-in ``nio.AsyncClient`` and the facts needed to restart it cleanly."""

    def __init__(self, settings: MatrixSettings, data_dir: Path, state: PlatformState) -> None:
        assert settings.homeserver is not None and settings.user_id is not None
        self.settings = settings
        self.folder = matrix_dir(data_dir)
        self.state = state
        self.encryption_problem: str | None = None
        store = self.folder / "store"
        if ENCRYPTION_ENABLED:
            store.mkdir(parents=True, exist_ok=True)
        else:
            self.encryption_problem = "matrix-nio's encryption support (vodozemac) is not installed"
        config = client_config(encryption=ENCRYPTION_ENABLED)
        self.client: Any = nio.AsyncClient(
            settings.homeserver,
            settings.user_id,
            store_path=str(store) if ENCRYPTION_ENABLED else "",
            config=config,
        )
        self.session: Session | None = None
        self.sync_token: str | None = None
        self._synced = asyncio.Condition()

    @property
    def user_id(self) -> str:
        return str(self.client.user_id)

    @property
    def encrypted(self) -> bool:
        """Whether the bot can read and send in end-to-end encrypted rooms."""
        return self.encryption_problem is None and self.client.olm is not None

    # ---- logging in ---------------------------------------------------------------------

    async def connect(self) -> Session:
        """Log in (or restore the saved login) and load the sync token; StartupError if refused."""
        await connect_with_retries("the Matrix homeserver", self._reachable)
        try:
            session = await asyncio.wait_for(self._login(), CONNECT_TIMEOUT_SECONDS)
        except TimeoutError:
            raise StartupError(
                f"The Matrix homeserver {self.settings.homeserver} did not answer within "
                f"{CONNECT_TIMEOUT_SECONDS:.0f} seconds. Check matrix.homeserver and that the "
                "server is up, then start again."
            ) from None
        self.session = session
        self.sync_token = await self.state.get(session.sync_token_key)
        self._check_encryption()
        return session

    async def _reachable(self) -> None:
        """Fail fast with a clear message when nothing answers at the address at all."""
        url = f"{self.settings.homeserver}/_matrix/client/versions"
        try:
            timeout = aiohttp.ClientTimeout(total=CONNECT_TIMEOUT_SECONDS)
            async with aiohttp.ClientSession(timeout=timeout) as session, session.get(url) as got:
                if got.status != 200:
                    raise StartupError(
                        f"{self.settings.homeserver} answered HTTP {got.status} where a Matrix "
                        "homeserver answers; check matrix.homeserver (the client API address, "
                        "e.g. https://matrix.example.org)."
                    )
        except (aiohttp.ClientError, OSError, TimeoutError) as error:
            raise PlatformUnreachable(
                f"Cannot reach the Matrix homeserver {self.settings.homeserver} "
                f"({type(error).__name__}). Check matrix.homeserver, this computer's internet "
                "connection and that the server is up."
            ) from None

    async def _login(self) -> Session:
        settings = self.settings
        assert settings.homeserver is not None and settings.user_id is not None
        if settings.access_token is not None:
            return await self._use_token(settings.access_token.get_secret_value(), None)
        saved = load_session(self.folder)
        if (
            saved is not None
            and saved.homeserver == settings.homeserver
            and saved.user_id == settings.user_id
        ):
            try:
                return await self._use_token(saved.access_token, saved.device_id)
            except StartupError:
                log.info("matrix: the saved login was refused; logging in again, same device")
            self.client.device_id = saved.device_id
        assert settings.password is not None
        response = await self.client.login(
            settings.password.get_secret_value(), device_name=DEVICE_NAME
        )
        if not isinstance(response, nio.LoginResponse):
            raise LoginRefused(
                f"Matrix refused the password for {settings.user_id} "
                f"({getattr(response, 'status_code', None) or 'no reason given'}). Check "
                "matrix.user_id and matrix.password (or PEERBOT_MATRIX__PASSWORD)."
            )
        session = Session(
            homeserver=settings.homeserver,
            user_id=str(response.user_id),
            device_id=str(response.device_id),
            access_token=str(response.access_token),
        )
        save_session(self.folder, session)
        log.info("matrix: logged in as %s, new device %s", session.user_id, session.device_id)
        return session

    async def _use_token(self, token: str, device_id: str | None) -> Session:
        """Check a token with whoami, then restore the login it belongs to."""
        settings = self.settings
        assert settings.homeserver is not None and settings.user_id is not None
        self.client.access_token = token
        who = await self.client.whoami()
        if not isinstance(who, nio.WhoamiResponse):
            raise LoginRefused(
                f"Matrix refused the access token for {settings.user_id} "
                f"({getattr(who, 'status_code', None) or 'no reason given'}). Create a new "
                "token, or use matrix.password instead."
            )
        if who.user_id != settings.user_id:
            raise StartupError(
                f"The Matrix access token belongs to {who.user_id}, not to matrix.user_id "
                f"{settings.user_id}. Fix one of them."
            )
        device = device_id or who.device_id
        if not device:
            raise StartupError(
                "The Matrix access token has no device, so encryption keys cannot be kept. "
                "Use a token from a normal login, or matrix.password."
            )
        self.client.restore_login(settings.user_id, str(device), token)
        log.info("matrix: restored the login of %s, device %s", settings.user_id, device)
        return Session(settings.homeserver, settings.user_id, str(device), token)

    def _check_encryption(self) -> None:
        if self.encryption_problem is None and self.client.olm is None:
            self.encryption_problem = f"the key store in {self.folder / 'store'} did not open"
        if self.encryption_problem is not None:
            log.warning(
                "matrix: end-to-end encryption is OFF: %s. peerbot cannot read or send in "
                "encrypted rooms and will say so there. Unencrypted rooms work as usual.",
                self.encryption_problem,
            )
        else:
            log.info("matrix: end-to-end encryption is on (keys in %s)", self.folder / "store")

    # ---- syncing ------------------------------------------------------------------------

    async def sync(self, *, first: bool) -> Any:
        """One sync from the saved token; the first after a start asks for the full state."""
        response = await self.client.sync(
            timeout=0 if first else SYNC_TIMEOUT_MS,
            since=self.sync_token,
            full_state=True if first else None,
            sync_filter=SYNC_FILTER,
        )
        if not isinstance(response, nio.SyncResponse):
            return response
        await self.keep_keys()
        return response

    async def synced(self) -> None:
        """Tell those waiting in ``wait_until`` that a sync was processed."""
        async with self._synced:
            self._synced.notify_all()

    async def wait_until(self, condition: Callable[[], bool], seconds: float) -> bool:
        """Wait (up to ``seconds``) until a sync makes ``condition`` true."""
        try:
            async with asyncio.timeout(seconds), self._synced:
                await self._synced.wait_for(condition)
        except TimeoutError:
            return False
        return True

    async def save_sync_token(self, token: str) -> None:
        assert self.session is not None
        self.sync_token = token
        await self.state.set(self.session.sync_token_key, token)

    async def keep_keys(self) -> None:
        """Encryption upkeep between syncs: what ``nio.AsyncClient.sync_forever`` does."""
        if not self.encrypted:
            return
        client = self.client
        await client.send_to_device_messages()
        if client.should_upload_keys:
            await client.keys_upload()
        if client.should_query_keys:
            await client.keys_query()
        if client.should_claim_keys:
            await client.keys_claim(client.get_users_for_key_claiming())

    async def close(self) -> None:
        await self.client.close()
