"""MLflow's answer while its database cannot be reached, put in words that name no internals.

MLflow itself answers a failed connection with 503 ``TEMPORARILY_UNAVAILABLE`` (its
SQLAlchemy store maps ``OperationalError`` to it), fast, but with the driver's message:
host, port, driver and SQLAlchemy's help link. A route that lets the error escape (a
FastAPI route, the GraphQL handler) would answer 500. Between the gate and MLflow, this
middleware turns both into ``database_unavailable_refusal()``: the same status and code,
a message for the user, ``Retry-After``. Every other answer passes through as it comes;
only 500 and 503 answers (small error bodies) are held to be looked at.

Recovery needs nothing from here: MLflow's engine checks each pooled connection before
use (``pool_pre_ping``) and opens new ones once the database answers again.
"""

from __future__ import annotations

import json
import logging

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .refusal import database_unavailable_refusal, send_refusal

_logger = logging.getLogger(__name__)

#: MLflow's error code for an ``OperationalError`` of its store.
UNAVAILABLE_CODE = "TEMPORARILY_UNAVAILABLE"
HELD_STATUSES = (500, 503)


def is_database_error(error: BaseException) -> bool:
    """Whether ``error``, or an error it was raised from, is the database not answering."""
    from sqlalchemy.exc import InterfaceError, OperationalError

    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, (OperationalError, InterfaceError)):
            return True
        if getattr(current, "error_code", None) == UNAVAILABLE_CODE:
            return True
        current = current.__cause__ or current.__context__
    return False


def _says_unavailable(body: bytes) -> bool:
    try:
        answer = json.loads(body)
    except ValueError:
        return False
    return isinstance(answer, dict) and answer.get("error_code") == UNAVAILABLE_CODE


class DatabaseUnavailable:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        held: Message | None = None
        chunks: list[bytes] = []
        started = False

        async def watched(message: Message) -> None:
            nonlocal held, started
            if message["type"] == "http.response.start" and message["status"] in HELD_STATUSES:
                held = message
            elif message["type"] == "http.response.body" and held is not None:
                chunks.append(message.get("body", b""))
            else:
                started = started or message["type"] == "http.response.start"
                await send(message)

        try:
            await self.app(scope, receive, watched)
        except Exception as error:
            # An error answered with a 500 and raised on (Starlette's way) is decided here.
            if started or not is_database_error(error):
                if held is not None:
                    await self._release(send, held, chunks)
                raise
            _logger.warning("MLflow's database is unavailable: %s", type(error).__name__)
            await send_refusal(send, database_unavailable_refusal())
            return
        if held is not None:
            await self._release(send, held, chunks)

    @staticmethod
    async def _release(send: Send, answer: Message, chunks: list[bytes]) -> None:
        body = b"".join(chunks)
        if answer["status"] == 503 and _says_unavailable(body):
            await send_refusal(send, database_unavailable_refusal())
            return
        await send(answer)
        await send({"type": "http.response.body", "body": body, "more_body": False})
