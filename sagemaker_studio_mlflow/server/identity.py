"""Who makes a request, as the gateway vouches for it.

Both gateways set the ``X-Gateway-*`` headers on every request they forward
(``infra/src/apigateway/authorization.ts``, ``GATEWAY_HEADERS``) and drop
any a client sends; ``X-Gateway-Proof`` carries a secret only the gateway and
this app know. Without the proof none of the other headers means anything.

* ``iam``: the principal is the signer's ARN; the user, roles and teams come
  from ``STUDIO_MLFLOW_IDENTITIES`` by the principal's key (an assumed role's
  session removed), and the roles header is ignored. An unknown principal
  has no roles and no teams.
* ``token``: the principal is the Cognito username, which is the user; the
  roles are the comma-separated groups of ``X-Gateway-Roles``, and the teams
  those of them the team rule names (``teams``).
* ``none`` (and anything else): the anonymous caller, without roles.

``GET /iam/identity`` (``IDENTITY_PATH``, ``IDENTITY_PATH`` in
``src/contract.ts``) tells a signed caller who it is: the gateway lets it
through for every execution role, and the gate answers it from the table.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from .teams import TeamRule

AUTHORIZATION_HEADER = "x-gateway-authorization"
PRINCIPAL_HEADER = "x-gateway-principal"
ROLES_HEADER = "x-gateway-roles"
REQUEST_ID_HEADER = "x-gateway-request-id"
PROOF_HEADER = "x-gateway-proof"
GATEWAY_HEADER_PREFIX = "x-gateway-"

IAM = "iam"
TOKEN = "token"
NONE = "none"
ANONYMOUS = "anonymous"

_ASSUMED_ROLE = ":assumed-role/"

#: Who a SigV4 caller is, answered by the gate itself.
IDENTITY_PATH = "/iam/identity"


@dataclass(frozen=True)
class Identity:
    """An IAM principal's user, roles and teams (an entry of ``STUDIO_MLFLOW_IDENTITIES``)."""

    user: str
    roles: tuple[str, ...]
    teams: tuple[str, ...] = ()


@dataclass(frozen=True)
class Caller:
    user: str
    principal: str
    roles: tuple[str, ...]
    authorization: str
    request_id: str
    teams: tuple[str, ...] = ()


class DuplicateGatewayHeaderError(ValueError):
    """A gateway header appears more than once: the gateway sets each exactly once."""

    def __init__(self, name: str) -> None:
        super().__init__(f"{name} appears more than once")
        self.name = name


def gateway_headers(headers: Iterable[tuple[bytes, bytes]]) -> dict[str, str]:
    """The ``X-Gateway-*`` headers of an ASGI request, by lower-cased name."""
    found: dict[str, str] = {}
    for raw_name, raw_value in headers:
        name = raw_name.decode("latin-1").lower()
        if not name.startswith(GATEWAY_HEADER_PREFIX):
            continue
        if name in found:
            raise DuplicateGatewayHeaderError(name)
        found[name] = raw_value.decode("latin-1")
    return found


def proof_matches(presented: str | None, accepted: Sequence[str]) -> bool:
    """Whether the presented proof is one of the accepted ones (current, previous).

    Compared in constant time, against every accepted proof.
    """
    if presented is None:
        return False
    given = presented.encode("latin-1")
    matches = [hmac.compare_digest(given, proof.encode("utf-8")) for proof in accepted]
    return any(matches)


def principal_key(principal: str) -> str:
    """The key of an IAM principal: an assumed role's ARN without its session.

    ``arn:aws:sts::123:assumed-role/RoleName/Session`` becomes
    ``arn:aws:sts::123:assumed-role/RoleName``; other ARNs stay as they are.
    """
    prefix, marker, rest = principal.partition(_ASSUMED_ROLE)
    if not marker or "/" not in rest:
        return principal
    role, _, _session = rest.partition("/")
    return f"{prefix}{marker}{role}"


def split_roles(value: str) -> tuple[str, ...]:
    return tuple(role for role in (part.strip() for part in value.split(",")) if role)


def caller_from_headers(
    headers: Mapping[str, str],
    identities: Mapping[str, Identity],
    team_rule: TeamRule | None = None,
) -> Caller:
    """The caller of a request whose proof was checked."""
    authorization = headers.get(AUTHORIZATION_HEADER, "")
    principal = headers.get(PRINCIPAL_HEADER, "")
    request_id = headers.get(REQUEST_ID_HEADER, "")
    if authorization == IAM and principal:
        identity = identities.get(principal_key(principal))
        if identity is None:
            return Caller(principal, principal, (), authorization, request_id)
        return Caller(
            identity.user, principal, identity.roles, authorization, request_id, identity.teams
        )
    if authorization == TOKEN and principal:
        groups = split_roles(headers.get(ROLES_HEADER, ""))
        teams = (team_rule or TeamRule()).teams_of(groups)
        return Caller(principal, principal, groups, authorization, request_id, teams)
    return Caller(ANONYMOUS, principal or ANONYMOUS, (), authorization, request_id)


def caller_identity(caller: Caller, operations: Iterable[str]) -> dict[str, object]:
    """What ``IDENTITY_PATH`` answers (``ICallerIdentity`` in ``src/contract.ts``)."""
    return {
        "principal": caller.principal,
        "user": caller.user,
        "roles": list(caller.roles),
        "teams": list(caller.teams),
        "operations": sorted(operations),
    }
