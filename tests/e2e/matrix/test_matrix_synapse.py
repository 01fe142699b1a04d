"""The Synapse fixture itself: it serves the client API and registers accounts."""

from __future__ import annotations

import json
import urllib.request

from tests.e2e.matrix.synapse import SynapseServer, unique


def test_synapse_serves_the_client_api_and_registers_accounts(synapse: SynapseServer) -> None:
    assert synapse.base_url.startswith("http://127.0.0.1:")
    account = synapse.register(unique("alex"))
    assert account.user_id.startswith("@alex")
    assert account.user_id.endswith(f":{synapse.server_name}")
    assert account.access_token and account.device_id
    request = urllib.request.Request(
        f"{synapse.base_url}/_matrix/client/v3/account/whoami",
        headers={"Authorization": f"Bearer {account.access_token}"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert json.loads(response.read())["user_id"] == account.user_id


def test_unique_localparts_differ() -> None:
    assert unique("a") != unique("a")
