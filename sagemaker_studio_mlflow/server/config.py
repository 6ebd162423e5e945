"""The app's settings, from ``STUDIO_MLFLOW_*`` environment variables.

Every problem stops the app at start, with an error naming the variable:

* ``STUDIO_MLFLOW_GATEWAY_PROOF`` (required, at least 32 printable ASCII
  characters) and ``STUDIO_MLFLOW_GATEWAY_PROOF_PREVIOUS`` (optional, the
  same rules; accepted too while the proof is rotated);
* ``STUDIO_MLFLOW_ROLES`` (optional): JSON ``{"<role>": ["<operation id>", ...]}``,
  the deployment's role table; without it the artifact's built-in roles;
* ``STUDIO_MLFLOW_IDENTITIES`` (optional): JSON
  ``{"<principal key>": {"user": "<name>", "roles": ["<role>", ...], "teams": [...]}}``
  (``teams`` optional);
* ``STUDIO_MLFLOW_TEAMS`` (optional): which Cognito groups are teams, JSON
  ``{"groupPrefix": "team-"}`` (the default) or ``{"groups": ["<team>", ...]}``;
* ``STUDIO_MLFLOW_AUTH_DATABASE_URI`` (optional): the store of MLflow's auth
  app, the per-resource layer (``access``); without it the app runs without
  team permissions;
* ``STUDIO_MLFLOW_AUDIT_LOG`` (required): a file to append to, or ``-``.

MLflow's own static prefix is refused: the permission model's paths have none.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .audit import AuditLog, AuditLogNotWritableError, open_audit_log
from .identity import Identity, principal_key
from .permissions import PermissionModel, UnknownOperationError, load_permission_model
from .teams import InvalidTeamNameError, TeamRule, check_team_name

PROOF = "STUDIO_MLFLOW_GATEWAY_PROOF"
PREVIOUS_PROOF = "STUDIO_MLFLOW_GATEWAY_PROOF_PREVIOUS"
ROLES = "STUDIO_MLFLOW_ROLES"
IDENTITIES = "STUDIO_MLFLOW_IDENTITIES"
TEAMS = "STUDIO_MLFLOW_TEAMS"
AUTH_DATABASE_URI = "STUDIO_MLFLOW_AUTH_DATABASE_URI"
AUDIT_LOG = "STUDIO_MLFLOW_AUDIT_LOG"
#: What ``mlflow server --static-prefix`` sets (``mlflow.server.handlers``).
MLFLOW_STATIC_PREFIX = "_MLFLOW_STATIC_PREFIX"

MIN_PROOF_LENGTH = 32
# A header value as both gateways send it: printable ASCII, no spaces.
_PROOF_CHARACTERS = re.compile(r"^[\x21-\x7e]+$")


class ConfigError(ValueError):
    """A setting the app cannot start with; ``variable`` names it."""

    def __init__(self, variable: str, problem: str) -> None:
        super().__init__(f"{variable}: {problem}")
        self.variable = variable


class MissingSettingError(ConfigError):
    def __init__(self, variable: str) -> None:
        super().__init__(variable, "is required")


class WeakProofError(ConfigError):
    """A proof shorter than ``MIN_PROOF_LENGTH`` or not a plain header value."""


class InvalidJsonSettingError(ConfigError):
    """A JSON setting that does not parse."""


class InvalidSettingShapeError(ConfigError):
    """A JSON setting that parses but is not what the variable holds."""


class UnknownOperationSettingError(ConfigError):
    """A role table that names an operation the permission model does not have."""


class AuditLogSettingError(ConfigError):
    """An audit log that cannot be appended to."""


class UnsupportedSettingError(ConfigError):
    """An MLflow setting the app cannot decide requests under."""


@dataclass(frozen=True)
class Settings:
    proofs: tuple[str, ...]
    model: PermissionModel
    identities: Mapping[str, Identity]
    audit: AuditLog
    team_rule: TeamRule = field(default_factory=TeamRule)
    auth_database_uri: str | None = None


def _proof(environ: Mapping[str, str], variable: str, required: bool) -> str | None:
    value = environ.get(variable, "")
    if not value:
        if required:
            raise MissingSettingError(variable)
        return None
    if len(value) < MIN_PROOF_LENGTH:
        raise WeakProofError(variable, f"must be at least {MIN_PROOF_LENGTH} characters long")
    if not _PROOF_CHARACTERS.match(value):
        raise WeakProofError(variable, "must be printable ASCII characters without spaces")
    return value


def _json(environ: Mapping[str, str], variable: str) -> Any:
    text = environ.get(variable, "").strip()
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError as error:
        raise InvalidJsonSettingError(variable, f"is not JSON ({error})") from None


def _strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) and item for item in value)


def _roles(environ: Mapping[str, str]) -> dict[str, list[str]] | None:
    table = _json(environ, ROLES)
    if table is None:
        return None
    if not isinstance(table, dict) or not all(_strings(ids) for ids in table.values()):
        raise InvalidSettingShapeError(ROLES, 'must be {"<role>": ["<operation id>", ...]}')
    return table


def _identities(environ: Mapping[str, str]) -> dict[str, Identity]:
    table = _json(environ, IDENTITIES)
    if table is None:
        return {}
    shape = 'must be {"<principal>": {"user": "<name>", "roles": ["<role>", ...], "teams": [...]}}'
    if not isinstance(table, dict):
        raise InvalidSettingShapeError(IDENTITIES, shape)
    identities: dict[str, Identity] = {}
    for key, entry in table.items():
        if (
            not key
            or not isinstance(entry, dict)
            or not isinstance(entry.get("user"), str)
            or not entry["user"]
            or not _strings(entry.get("roles"))
            or not (entry.get("teams") is None or _strings(entry["teams"]))
        ):
            raise InvalidSettingShapeError(IDENTITIES, f"{key!r}: {shape}")
        if principal_key(key) != key:
            raise InvalidSettingShapeError(
                IDENTITIES, f"{key!r} names a session: use {principal_key(key)!r}"
            )
        teams = tuple(entry.get("teams") or ())
        try:
            for team in teams:
                check_team_name(team)
        except InvalidTeamNameError as error:
            raise InvalidSettingShapeError(IDENTITIES, f"{key!r}: {error}") from None
        identities[key] = Identity(entry["user"], tuple(entry["roles"]), teams)
    return identities


def _team_rule(environ: Mapping[str, str]) -> TeamRule:
    rule = _json(environ, TEAMS)
    if rule is None:
        return TeamRule()
    shape = 'must be {"groupPrefix": "<prefix>"} or {"groups": ["<team>", ...]}'
    if not isinstance(rule, dict) or len(rule) != 1:
        raise InvalidSettingShapeError(TEAMS, shape)
    if "groupPrefix" in rule:
        prefix = rule["groupPrefix"]
        if not isinstance(prefix, str) or not prefix:
            raise InvalidSettingShapeError(TEAMS, shape)
        return TeamRule(prefix=prefix)
    groups = rule.get("groups")
    if not _strings(groups):
        raise InvalidSettingShapeError(TEAMS, shape)
    try:
        return TeamRule(prefix=None, groups=frozenset(check_team_name(g) for g in groups))
    except InvalidTeamNameError as error:
        raise InvalidSettingShapeError(TEAMS, str(error)) from None


def load_settings(environ: Mapping[str, str]) -> Settings:
    """Everything the gate needs, or the first setting it cannot start with."""
    if environ.get(MLFLOW_STATIC_PREFIX):
        raise UnsupportedSettingError(
            MLFLOW_STATIC_PREFIX, "a static prefix is not supported: the permission model's paths have none"
        )
    proof = _proof(environ, PROOF, required=True)
    previous = _proof(environ, PREVIOUS_PROOF, required=False)
    proofs = tuple(p for p in (proof, previous) if p is not None)
    roles = _roles(environ)
    try:
        model = load_permission_model(roles)
    except UnknownOperationError as error:
        raise UnknownOperationSettingError(ROLES, str(error)) from None
    identities = _identities(environ)
    for key, identity in identities.items():
        unknown = [role for role in identity.roles if role not in model.roles]
        if unknown:
            raise InvalidSettingShapeError(IDENTITIES, f"{key!r} has unknown roles {unknown}")
    target = environ.get(AUDIT_LOG, "")
    if not target:
        raise MissingSettingError(AUDIT_LOG)
    try:
        audit = open_audit_log(target)
    except AuditLogNotWritableError as error:
        raise AuditLogSettingError(AUDIT_LOG, f"cannot be appended to: {error}") from None
    return Settings(
        proofs,
        model,
        identities,
        audit,
        team_rule=_team_rule(environ),
        auth_database_uri=environ.get(AUTH_DATABASE_URI) or None,
    )
