"""The REST API of team permissions, answered by the gate itself.

``GET  /api/2.0/studio-mlflow/access/get?kind=experiment&id=1``
    who has access to a resource: ``{"access": {"kind", "id", "restricted",
    "teams": [{"team", "level"}], "users": [{"user", "level"}]},
    "canManage": bool}`` (manage on it and a role that may grant); for anyone
    who may read the resource.
``POST /api/2.0/studio-mlflow/access/grant`` ``{"kind", "id", "team", "level"}``
    gives a team (or ``everyone``: opens the resource) a level;
``POST /api/2.0/studio-mlflow/access/revoke`` ``{"kind", "id", "team"}``
    takes a team's grant away (``everyone``: restricts the resource to its
    teams and its managers).

Both under ``/ajax-api/2.0/`` too, for the browser. Changing access needs
``manage`` on the resource (its creator, a team with ``manage``, or an
admin), whatever the caller's roles; the gateway's roles decide first
whether the caller may use the operation at all. Answers and errors are in
MLflow's format.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from .access import EVERYONE, Access, AccessError, Resource, ResourceAccess
from .identity import Caller
from .teams import InvalidTeamNameError, check_team_name

GET = "access.get"
GRANT = "access.grant"
REVOKE = "access.revoke"
OPERATIONS = (GET, GRANT, REVOKE)

#: For the permission model's route coverage (``infra/scripts/mlflow_routes.py``).
ROUTES: tuple[tuple[str, str], ...] = tuple(
    (method, f"{root}studio-mlflow/access/{action}")
    for method, action in (("GET", "get"), ("POST", "grant"), ("POST", "revoke"))
    for root in ("/api/2.0/", "/ajax-api/2.0/")
)

_LEVEL_ORDER = {"read": 1, "edit": 2, "manage": 3}


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict[str, object]

    def encode(self) -> bytes:
        return json.dumps(self.body).encode()


def _error(status: int, code: str, message: str) -> Answer:
    return Answer(status, {"error_code": code, "message": message})


def _level_of(current: ResourceAccess, caller: Caller, is_admin: bool) -> int:
    if is_admin:
        return _LEVEL_ORDER["manage"]
    levels = [_LEVEL_ORDER[g.level] for g in current.users if g.user == caller.user]
    levels += [_LEVEL_ORDER[g.level] for g in current.grants if g.team == EVERYONE or g.team in caller.teams]
    return max(levels, default=0)


def _no_access(resource: Resource) -> Answer:
    what = "experiment" if resource.kind == "experiment" else resource.kind.replace("-", " ")
    return _error(
        404,
        "RESOURCE_DOES_NOT_EXIST",
        f"No {what} {resource.key!r} that you have access to. If it exists, it is restricted to "
        "teams you are not in: ask its managers or an MLflow administrator to grant one of your teams access.",
    )


class AccessApi:
    """Answers the three operations for a caller the gate has let through."""

    def __init__(
        self,
        access: Callable[[], Access],
        exists: Callable[[Resource], bool],
        is_admin: Callable[[Caller], bool],
        may_change: Callable[[Caller], bool],
    ) -> None:
        self._access = access
        self._exists = exists
        self._is_admin = is_admin
        # Whether the caller's roles allow granting at all (the gateway's decision).
        self._may_change = may_change

    def answer(self, operation_id: str, caller: Caller, query: bytes, body: bytes | None) -> Answer:
        try:
            params = self._params(operation_id, query, body)
            resource = Resource(str(params.get("kind", "")), str(params.get("id", "")))
        except AccessError as error:
            return _error(400, "INVALID_PARAMETER_VALUE", str(error))
        access = self._access()
        is_admin = self._is_admin(caller)
        if not self._exists(resource):
            return _no_access(resource)
        current = access.access(resource)
        level = _level_of(current, caller, is_admin)
        if level == 0:
            return _no_access(resource)
        may_manage = is_admin or current.managed_by(caller.user, caller.teams)
        if operation_id == GET:
            # What the Access view offers: manage on the resource and a role that may use it.
            can_manage = may_manage and self._may_change(caller)
            return Answer(200, {"access": current.to_json(), "canManage": can_manage})
        if not may_manage:
            return _error(
                403,
                "PERMISSION_DENIED",
                f"You may not change who has access to this {resource.kind.replace('-', ' ')}: "
                "that needs manage on it (its creator, a team with manage, or an MLflow administrator).",
            )
        team = str(params.get("team", ""))
        try:
            if team != EVERYONE:
                check_team_name(team)
            if operation_id == GRANT:
                access.grant(resource, team, str(params.get("level", "")))
            else:
                access.revoke(resource, team)
        except (AccessError, InvalidTeamNameError) as error:
            return _error(400, "INVALID_PARAMETER_VALUE", str(error))
        return Answer(200, {"access": access.access(resource).to_json(), "canManage": True})

    @staticmethod
    def _params(operation_id: str, query: bytes, body: bytes | None) -> Mapping[str, Any]:
        if operation_id == GET:
            parsed = parse_qs(query.decode("latin-1"), keep_blank_values=True)
            return {name: values[-1] for name, values in parsed.items()}
        try:
            params = json.loads(body or b"{}")
        except ValueError:
            raise AccessError("the body is not JSON") from None
        if not isinstance(params, dict):
            raise AccessError('the body must be {"kind", "id", "team"[, "level"]}')
        return params
