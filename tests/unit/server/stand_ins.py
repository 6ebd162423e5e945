"""Stand-ins for the gate's neighbours: MLflow behind it, the gateway's headers in front."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from starlette.types import Receive, Scope, Send

PROOF = "current-proof-0123456789abcdef0123456789abcdef"


@dataclass
class Upstream:
    """The stand-in for MLflow: answers 200 with ``answer`` and keeps each request."""

    answer: dict[str, Any] = field(default_factory=dict)
    status: int = 200
    received: list[tuple[Scope, bytes]] = field(default_factory=list)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body", False):
                break
        self.received.append((scope, body))
        payload = json.dumps(self.answer).encode()
        await send({"type": "http.response.start", "status": self.status, "headers": []})
        await send({"type": "http.response.body", "body": payload})


def token(user: str, roles: str, proof: str = PROOF, request_id: str = "req-1") -> dict[str, str]:
    """The headers the gateway sets for a caller with a Cognito token."""
    return {
        "X-Gateway-Authorization": "token",
        "X-Gateway-Principal": user,
        "X-Gateway-Roles": roles,
        "X-Gateway-Request-Id": request_id,
        "X-Gateway-Proof": proof,
    }
