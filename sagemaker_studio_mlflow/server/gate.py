"""The outer ASGI middleware: MLflow's second gate, in front of every route.

For each HTTP request, in this order:

``GET /iam/identity`` is answered here, for a signed caller through the
gateway: who it is, from the identity table (``caller_identity``).

1. ``GET /health`` (the load balancer's check) needs no proof; any other
   request without the gateway's proof is refused (401, ``proof``), and so
   is one with a gateway header twice.
2. A method-override header is refused (400, ``method-override``): MLflow
   must run the method that was decided.
3. The operation is the permission model's match of (method, decoded path),
   the path MLflow routes on; none is a refusal (404, ``unknown-route``, as
   MLflow answers a route it does not serve).
4. The caller's roles must allow it (403, ``permission``).
5. A write's body (at most ``MAX_BODY_BYTES``) is read first and passed
   through the authorship hook, which may replace the author a client
   claims; after a 2xx answer the hook sees the answer too.

One audit event is written per write and per refusal, this gate's or
MLflow's own (any 401 or 403), with the final status from
``http.response.start``. The gateway's headers pass on to MLflow (it ignores
them) and are never logged. Lifespan messages pass through untouched; a
websocket without the proof is closed before it is accepted.
"""

from __future__ import annotations

import functools
import json
import logging
import time
from collections.abc import Mapping, Sequence
from typing import Callable

import anyio.to_thread
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .access_api import OPERATIONS as ACCESS_OPERATIONS
from .access_api import AccessApi, Answer
from .audit import AuditLog, add_answer_resources, audit_event, request_resources
from .identity import (
    IAM,
    IDENTITY_PATH,
    PROOF_HEADER,
    Caller,
    DuplicateGatewayHeaderError,
    Identity,
    caller_from_headers,
    caller_identity,
    gateway_headers,
    proof_matches,
)
from .permissions import (
    Operation,
    OperationMatch,
    PermissionModel,
    RefusalWording,
    load_refusal_wording,
)
from .refusal import (
    Refusal,
    method_override_refusal,
    payload_refusal,
    permission_refusal,
    proof_refusal,
    send_refusal,
    team_refusal,
    unknown_route_refusal,
)
from .teams import TeamRule

_logger = logging.getLogger(__name__)

HEALTH = ("GET", "/health")
IDENTITY = ("GET", IDENTITY_PATH)
METHOD_OVERRIDE_HEADERS = ("x-http-method-override", "x-http-method", "x-method-override")
#: API Gateway's payload limit: no request through the gateway is larger.
MAX_BODY_BYTES = 10 * 1024 * 1024
#: Answers of writes are kept for the authorship hook up to this size.
MAX_ANSWER_BYTES = 10 * 1024 * 1024

ClaimAuthorship = Callable[[str, str, bytes], bytes]
RecordAuthorship = Callable[[str, str, bytes], None]


def keep_body(operation_id: str, user: str, body: bytes) -> bytes:
    """The pass-through authorship claim: the body as the client sent it."""
    return body


def ignore_answer(operation_id: str, user: str, answer: bytes) -> None:
    """The pass-through authorship record."""


class _BodyTooLarge(Exception):
    pass


class _Disconnected(Exception):
    pass


async def _read_body(receive: Receive, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise _Disconnected
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise _BodyTooLarge
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A receive that gives the (rewritten) body once, then the client's messages."""
    pending = True

    async def replayed() -> Message:
        nonlocal pending
        if pending:
            pending = False
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replayed


def _with_body_length(scope: Scope, length: int) -> Scope:
    headers = [
        (name, value)
        for name, value in scope["headers"]
        if name.lower() not in (b"content-length", b"transfer-encoding")
    ]
    headers.append((b"content-length", str(length).encode()))
    return {**scope, "headers": headers}


#: What MLflow's auth app answers when its grants refuse (``make_forbidden_response``).
AUTH_APP_REFUSAL = b"Permission denied"


def _is_plain_text(message: Message) -> bool:
    for name, value in message.get("headers", []):
        if name.lower() == b"content-type":
            return not value.lower().startswith(b"application/json")
    return True


def _method_override(scope: Scope) -> str | None:
    for name, _value in scope["headers"]:
        lowered = name.decode("latin-1").lower()
        if lowered in METHOD_OVERRIDE_HEADERS:
            return lowered
    return None


class _Request:
    """What the audit event of one request needs, gathered on the way."""

    def __init__(self, scope: Scope) -> None:
        self.started = time.time()
        self.clock = time.perf_counter()
        self.method: str = scope["method"]
        self.path: str = scope["path"]
        self.query_string: bytes = scope.get("query_string", b"")
        self.caller: Caller | None = None
        self.match: OperationMatch | None = None
        self.body: bytes | None = None
        self.answer: bytes | None = None
        self.status = 500
        self.refusal: str | None = None
        # The client left before its body arrived: nothing happened.
        self.abandoned = False

    @property
    def operation(self) -> Operation | None:
        return None if self.match is None else self.match.operation

    @property
    def is_write(self) -> bool:
        return self.match is not None and self.match.operation.is_write

    def author(self) -> tuple[str, str] | None:
        """(operation id, user) when the authorship hook sees this request: a vouched write."""
        if self.caller is None or self.match is None or not self.match.operation.is_write:
            return None
        return self.match.operation.id, self.caller.user

    def audited(self) -> bool:
        if self.abandoned:
            return False
        return self.is_write or self.refusal is not None or self.status in (401, 403)

    def event(self) -> dict[str, object]:
        caller = self.caller
        resources = request_resources(
            self.operation,
            {} if self.match is None else self.match.params,
            self.query_string,
            self.body,
        )
        if self.answer is not None:
            add_answer_resources(resources, self.operation, self.answer)
        return audit_event(
            started=self.started,
            duration=time.perf_counter() - self.clock,
            request_id=None if caller is None else caller.request_id,
            principal=None if caller is None else caller.principal,
            user=None if caller is None else caller.user,
            roles=() if caller is None else caller.roles,
            authorization=None if caller is None else caller.authorization,
            operation=self.operation,
            method=self.method,
            path=self.path,
            resources=resources,
            status=self.status,
            refusal=self.refusal,
        )


class StudioGate:
    """Wraps MLflow's ASGI app; see the module's description for what it decides."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        model: PermissionModel,
        identities: Mapping[str, Identity],
        proofs: Sequence[str],
        audit: AuditLog,
        claim_authorship: ClaimAuthorship = keep_body,
        record_authorship: RecordAuthorship = ignore_answer,
        wording: RefusalWording | None = None,
        team_rule: TeamRule | None = None,
        access_api: AccessApi | None = None,
    ) -> None:
        if not proofs:
            raise ValueError("at least one proof is needed")
        self.app = app
        self.model = model
        self.identities = identities
        self.proofs = tuple(proofs)
        self.audit = audit
        self.claim_authorship = claim_authorship
        self.record_authorship = record_authorship
        self.wording = load_refusal_wording() if wording is None else wording
        self.team_rule = TeamRule() if team_rule is None else team_rule
        self.access_api = access_api

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self._http(scope, receive, send)
        elif scope["type"] == "websocket":
            await self._websocket(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    def _vouched_caller(self, scope: Scope) -> Caller | None:
        """The caller the gateway vouches for, or None without a valid proof."""
        try:
            headers = gateway_headers(scope["headers"])
        except DuplicateGatewayHeaderError:
            return None
        if not proof_matches(headers.get(PROOF_HEADER), self.proofs):
            return None
        return caller_from_headers(headers, self.identities, self.team_rule)

    async def _websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self._vouched_caller(scope) is not None:
            await self.app(scope, receive, send)
            return
        request = _Request({**scope, "method": "GET"})
        await receive()  # websocket.connect
        # Closing before accepting is answered with 403 by the server.
        await send({"type": "websocket.close", "code": 1008})
        request.status = 403
        request.refusal = proof_refusal().reason
        self.audit.write(request.event())

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = _Request(scope)
        try:
            if (request.method, request.path) == IDENTITY:
                await self._identity(request, scope, send)
                return
            refusal = await self._decide(request, scope, receive)
            if refusal is not None:
                request.status = refusal.status
                request.refusal = refusal.reason
                await send_refusal(send, refusal)
                return
            if request.operation is not None and request.operation.id in ACCESS_OPERATIONS:
                await self._access(request, send)
                return
            await self._forward(request, scope, receive, send)
        except _Disconnected:
            request.abandoned = True
        finally:
            if request.audited():
                self.audit.write(request.event())

    async def _identity(self, request: _Request, scope: Scope, send: Send) -> None:
        """Who a signed caller is; anyone else finds no route here (a token caller has ``/auth/permissions``)."""
        request.caller = self._vouched_caller(scope)
        if request.caller is None or request.caller.authorization != IAM:
            refusal = proof_refusal() if request.caller is None else unknown_route_refusal(request.method, request.path)
            request.status = refusal.status
            request.refusal = refusal.reason
            await send_refusal(send, refusal)
            return
        operations = self.model.operations_of(request.caller.roles)
        body = json.dumps(caller_identity(request.caller, operations)).encode()
        request.status = 200
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"cache-control", b"no-store"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body, "more_body": False})

    async def _access(self, request: _Request, send: Send) -> None:
        """Team permissions' own API (``access_api``), answered here rather than by MLflow."""
        operation = request.operation
        assert operation is not None and request.caller is not None
        if self.access_api is None:
            answer = Answer(
                503,
                {"error_code": "TEMPORARILY_UNAVAILABLE", "message": "Team permissions are not set up on this server."},
            )
        else:
            answer = await anyio.to_thread.run_sync(
                self.access_api.answer, operation.id, request.caller, request.query_string, request.body
            )
        body = answer.encode()
        request.status = answer.status
        if answer.status == 200 and operation.is_write:
            request.answer = body
        await send(
            {
                "type": "http.response.start",
                "status": answer.status,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"cache-control", b"no-store"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body, "more_body": False})

    async def _decide(self, request: _Request, scope: Scope, receive: Receive) -> Refusal | None:
        request.caller = self._vouched_caller(scope)
        if request.caller is None and (request.method, request.path) != HEALTH:
            return proof_refusal()
        override = _method_override(scope)
        if override is not None:
            return method_override_refusal(override)
        request.match = self.model.match(request.method, request.path)
        if request.match is None:
            return unknown_route_refusal(request.method, request.path)
        operation = request.match.operation
        if operation.is_write:
            # Read first: the audit event of a refused write names what it aimed at.
            try:
                request.body = await _read_body(receive, MAX_BODY_BYTES)
            except _BodyTooLarge:
                return payload_refusal(MAX_BODY_BYTES)
        roles = () if request.caller is None else request.caller.roles
        if not self.model.allowed(operation, roles):
            known = [role for role in roles if role in self.model.roles]
            return permission_refusal(
                self.wording.sentence(operation, known, self.model.roles_that_may(operation))
            )
        return None

    async def _forward(self, request: _Request, scope: Scope, receive: Receive, send: Send) -> None:
        author = request.author()
        if author is not None and request.body is not None:
            operation_id, user = author
            body = await anyio.to_thread.run_sync(
                self.claim_authorship, operation_id, user, request.body
            )
            request.body = body
            scope = _with_body_length(scope, len(body))
            receive = _replay(body, receive)

        chunks: list[bytes] = []
        collecting = False
        size = 0
        # MLflow's auth app refuses in plain text: held back and said in words.
        held: list[Message] = []

        async def watched(message: Message) -> None:
            nonlocal collecting, size
            if message["type"] == "http.response.start":
                request.status = int(message["status"])
                collecting = author is not None and 200 <= request.status < 300
                if request.status == 403 and _is_plain_text(message):
                    held.append(message)
                    return
            elif held:
                held.append(message)
                if message["type"] == "http.response.body" and not message.get("more_body", False):
                    text = b"".join(m.get("body", b"") for m in held[1:])
                    if text.strip() == AUTH_APP_REFUSAL:
                        refusal = team_refusal(request.operation, () if request.caller is None else request.caller.teams)
                        request.refusal = refusal.reason
                        await send_refusal(send, refusal)
                    else:
                        for kept in held:
                            await send(kept)
                    held.clear()
                return
            elif message["type"] == "http.response.body" and collecting:
                chunk = message.get("body", b"")
                size += len(chunk)
                if size <= MAX_ANSWER_BYTES:
                    chunks.append(chunk)
                if not message.get("more_body", False):
                    collecting = False
                    if author is not None:
                        await self._record(request, author, b"".join(chunks), size)
            await send(message)

        await self.app(scope, receive, watched)

    async def _record(
        self, request: _Request, author: tuple[str, str], answer: bytes, size: int
    ) -> None:
        """Lets the hook see a write's answer before its last part goes out."""
        operation_id, user = author
        if size > MAX_ANSWER_BYTES:
            _logger.warning("%s: answer of %d bytes not recorded", operation_id, size)
            return
        request.answer = answer
        try:
            await anyio.to_thread.run_sync(
                functools.partial(self.record_authorship, operation_id, user, answer)
            )
        except Exception:
            # The answer has started: its status cannot change any more.
            _logger.exception("%s: recording the author failed", operation_id)
