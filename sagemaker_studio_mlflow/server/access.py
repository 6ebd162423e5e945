"""Team permissions on experiments and registered models, kept in MLflow's auth store.

MLflow's auth app decides every request on a resource from the grants of the
caller's roles there (``mlflow.server.auth``), and that is the layer behind
our gate. This module writes those grants so that they mean what our users
expect:

* The store's default permission is ``NO_PERMISSIONS``: a resource no grant
  reaches is invisible, and searches leave it out.
* Every caller holds the role ``studio-everyone``. An *open* resource, which
  is every resource until someone restricts it, has a ``MANAGE`` grant on it:
  the gateway's roles alone decide what a caller may do there, as before
  team permissions.
* A team is the role ``studio-team:<team>``, held by its members. Granting a
  team a level on a resource is a grant of that role.
* Restricting a resource removes its grant for everyone, and records the
  restriction (``studio-restricted``, a role nobody holds) so that opening
  every resource nobody has decided on, at a deploy, leaves it alone.
* Whoever creates a resource manages it (MLflow's own grant to its creator),
  and the ``admins`` role is MLflow's admin, whom nothing restricts.

Why no ``DENY``: in MLflow a ``DENY`` on any of a caller's roles beats every
other grant, the creator's included, so a team member who also holds a broad
role would lose access. Here nobody outside a restricted resource's teams
holds any grant on it, which MLflow reads as no access, and the levels of
several grants add up (the highest wins).

Levels: ``read`` (MLflow's ``READ``), ``edit`` (``EDIT``: change and add
runs, versions, tags) and ``manage`` (``MANAGE``: also delete, and change
who has access). What a caller's roles do not allow, no level gives.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .teams import check_team_name

if TYPE_CHECKING:
    from mlflow.server.auth.entities import RolePermission
    from mlflow.server.auth.sqlalchemy_store import SqlAlchemyStore

# mlflow.server.auth is imported where it is used: importing it sets up
# MLflow's server, which must wait until `mlflow server` has prepared it.

EVERYONE = "everyone"
EVERYONE_ROLE = "studio-everyone"
RESTRICTED_ROLE = "studio-restricted"
TEAM_ROLE_PREFIX = "studio-team:"
#: Grants live in MLflow's default workspace: this app runs without workspaces.
WORKSPACE = "default"

LEVELS: dict[str, str] = {"read": "READ", "edit": "EDIT", "manage": "MANAGE"}
_LEVEL_OF_PERMISSION = {permission: level for level, permission in LEVELS.items()}

#: The kinds of resource a team may be given, as the API names them, and
#: MLflow's resource types for them (a prompt is a registered model).
KINDS: dict[str, str] = {
    "experiment": "experiment",
    "registered-model": "registered_model",
    "prompt": "prompt",
}

#: How long a worker trusts that a caller's roles in the store match its claims.
SYNC_SECONDS = 30.0


class AccessError(ValueError):
    """A request about access that cannot be carried out, in words."""


class UnknownLevelError(AccessError):
    def __init__(self, level: str) -> None:
        super().__init__(f"{level!r} is not a level: use one of {', '.join(LEVELS)}")


class UnknownKindError(AccessError):
    def __init__(self, kind: str) -> None:
        super().__init__(f"{kind!r} is not a kind of resource: use one of {', '.join(KINDS)}")


@dataclass(frozen=True)
class Resource:
    """An experiment (by id), a registered model or a prompt (by name)."""

    kind: str
    key: str

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise UnknownKindError(self.kind)
        if not self.key:
            raise AccessError(f"a {self.kind} needs an id or a name")

    @property
    def resource_type(self) -> str:
        return KINDS[self.kind]


@dataclass(frozen=True)
class Grant:
    """A team's level on a resource; the team ``everyone`` is every caller."""

    team: str
    level: str


@dataclass(frozen=True)
class UserGrant:
    """A user's own level on a resource: its creator's ``manage``."""

    user: str
    level: str


@dataclass(frozen=True)
class ResourceAccess:
    resource: Resource
    #: Whether it is restricted: no grant for everyone.
    restricted: bool
    grants: tuple[Grant, ...]
    #: Users with a grant of their own (its creator).
    users: tuple[UserGrant, ...]

    def to_json(self) -> dict[str, object]:
        return {
            "kind": self.resource.kind,
            "id": self.resource.key,
            "restricted": self.restricted,
            "teams": [{"team": g.team, "level": g.level} for g in self.grants],
            "users": [{"user": g.user, "level": g.level} for g in self.users],
        }

    def managed_by(self, user: str, teams: Sequence[str]) -> bool:
        """``manage`` of the user's own or of one of its teams.

        The grant for everyone does not count: an open resource's access is
        changed by those who manage it, not by every caller.
        """
        if any(g.user == user and g.level == "manage" for g in self.users):
            return True
        return any(g.team in teams and g.level == "manage" for g in self.grants if g.team != EVERYONE)


def level_permission(level: str) -> str:
    try:
        return LEVELS[level]
    except KeyError:
        raise UnknownLevelError(level) from None


def team_role(team: str) -> str:
    return f"{TEAM_ROLE_PREFIX}{check_team_name(team)}"


class Access:
    """Team permissions over one MLflow auth store (``mlflow.server.auth.store``)."""

    def __init__(self, store: SqlAlchemyStore) -> None:
        self.store = store
        self._clock = time.monotonic
        self._synced: dict[str, tuple[tuple[str, ...], bool, float]] = {}
        self._lock = threading.Lock()

    # -- roles --------------------------------------------------------------

    def _role_id(self, name: str) -> int:
        from mlflow.exceptions import MlflowException

        try:
            return int(self.store.get_role_by_name(WORKSPACE, name).id)
        except MlflowException:
            pass
        try:
            return int(self.store.create_role(name, WORKSPACE).id)
        except MlflowException:
            # Another worker made it first.
            return int(self.store.get_role_by_name(WORKSPACE, name).id)

    def _grant_row(self, role_id: int, resource: Resource) -> RolePermission | None:
        from mlflow.server.auth.db.models import SqlRolePermission

        with self.store.ManagedSessionMaker() as session:
            row = (
                session.query(SqlRolePermission)
                .filter(
                    SqlRolePermission.role_id == role_id,
                    SqlRolePermission.resource_type == resource.resource_type,
                    SqlRolePermission.resource_pattern == resource.key,
                )
                .first()
            )
            return None if row is None else row.to_mlflow_entity()

    def _set_grant(self, role_id: int, resource: Resource, permission: str) -> None:
        existing = self._grant_row(role_id, resource)
        if existing is None:
            self.store.add_role_permission(role_id, resource.resource_type, resource.key, permission)
        elif existing.permission != permission:
            self.store.update_role_permission(existing.id, permission)

    def _remove_grant(self, role_id: int, resource: Resource) -> bool:
        existing = self._grant_row(role_id, resource)
        if existing is None:
            return False
        self.store.remove_role_permission(existing.id)
        return True

    # -- callers ------------------------------------------------------------

    def sync_caller(self, user: str, teams: Sequence[str], is_admin: bool) -> None:
        """Makes the store's user match what the gateway says of the caller.

        The user exists (with a password nobody knows: nobody signs in to
        MLflow's auth app), is MLflow's admin exactly when it has the
        ``admins`` role, holds ``studio-everyone`` and the roles of its teams
        and of no other team.
        """
        wanted = tuple(sorted(set(teams)))
        now = self._clock()
        with self._lock:
            seen = self._synced.get(user)
        if seen is not None and seen[0] == wanted and seen[1] == is_admin and now - seen[2] < SYNC_SECONDS:
            return
        self._sync(user, wanted, is_admin)
        with self._lock:
            self._synced[user] = (wanted, is_admin, now)

    def _sync(self, user: str, teams: tuple[str, ...], is_admin: bool) -> None:
        from mlflow.exceptions import MlflowException

        store = self.store
        if not store.has_user(user, use_primary=True):
            try:
                store.create_user(user, secrets.token_urlsafe(32), is_admin=is_admin)
            except MlflowException:
                pass  # another worker made it first
        record = store.get_user(user)
        if bool(record.is_admin) != is_admin:
            store.update_user(user, is_admin=is_admin)
        held = {role.name: int(role.id) for role in store.list_user_roles(record.id)}
        wanted = {EVERYONE_ROLE, *(team_role(team) for team in teams)}
        for name in wanted - held.keys():
            try:
                store.assign_role_to_user(record.id, self._role_id(name))
            except MlflowException:
                pass  # assigned meanwhile by another worker
        for name, role_id in held.items():
            if name.startswith(TEAM_ROLE_PREFIX) and name not in wanted:
                try:
                    store.unassign_role_from_user(record.id, role_id)
                except MlflowException:
                    pass

    def forget_synced(self) -> None:
        with self._lock:
            self._synced.clear()

    # -- resources ----------------------------------------------------------

    def open_new(self, resource: Resource) -> None:
        """A resource just created: open to everyone, unless it was restricted before (a reused name)."""
        restricted = self._grant_row(self._role_id(RESTRICTED_ROLE), resource) is not None
        if not restricted:
            self._set_grant(self._role_id(EVERYONE_ROLE), resource, LEVELS["manage"])

    def open_undecided(self, resources: Iterable[Resource]) -> int:
        """Opens every resource that is neither open nor restricted; how many it opened."""
        everyone = self._role_id(EVERYONE_ROLE)
        restricted = self._role_id(RESTRICTED_ROLE)
        opened = 0
        for resource in resources:
            if self._grant_row(everyone, resource) is None and self._grant_row(restricted, resource) is None:
                self._set_grant(everyone, resource, LEVELS["manage"])
                opened += 1
        return opened

    def grant(self, resource: Resource, team: str, level: str) -> None:
        permission = level_permission(level)
        if team == EVERYONE:
            self._remove_grant(self._role_id(RESTRICTED_ROLE), resource)
            self._set_grant(self._role_id(EVERYONE_ROLE), resource, permission)
        else:
            self._set_grant(self._role_id(team_role(team)), resource, permission)

    def revoke(self, resource: Resource, team: str) -> bool:
        """Takes a team's grant away; for ``everyone``, restricts the resource. Whether anything changed."""
        if team == EVERYONE:
            self._set_grant(self._role_id(RESTRICTED_ROLE), resource, LEVELS["read"])
            return self._remove_grant(self._role_id(EVERYONE_ROLE), resource)
        return self._remove_grant(self._role_id(team_role(team)), resource)

    def forget(self, resource: Resource) -> None:
        """A deleted resource's grants go with it (a new one of the same name starts open)."""
        from mlflow.server.auth.db.models import SqlRolePermission

        with self.store.ManagedSessionMaker(read_only=False) as session:
            session.query(SqlRolePermission).filter(
                SqlRolePermission.resource_type == resource.resource_type,
                SqlRolePermission.resource_pattern == resource.key,
            ).delete()

    def access(self, resource: Resource) -> ResourceAccess:
        from mlflow.server.auth.db.models import (
            SqlRole,
            SqlRolePermission,
            SqlUser,
            SqlUserRoleAssignment,
        )

        teams: list[Grant] = []
        users: list[UserGrant] = []
        restricted = False
        open_ = False
        with self.store.ManagedSessionMaker() as session:
            rows = (
                session.query(SqlRole.id, SqlRole.name, SqlRolePermission.permission)
                .join(SqlRolePermission, SqlRolePermission.role_id == SqlRole.id)
                .filter(
                    SqlRole.workspace == WORKSPACE,
                    SqlRolePermission.resource_type == resource.resource_type,
                    SqlRolePermission.resource_pattern == resource.key,
                )
                .all()
            )
            for role_id, name, permission in rows:
                level = _LEVEL_OF_PERMISSION.get(permission)
                if level is None:
                    continue
                if name == EVERYONE_ROLE:
                    open_ = True
                    teams.append(Grant(EVERYONE, level))
                elif name == RESTRICTED_ROLE:
                    restricted = True
                elif name.startswith(TEAM_ROLE_PREFIX):
                    teams.append(Grant(name[len(TEAM_ROLE_PREFIX) :], level))
                else:
                    # A user's own grant (MLflow's synthetic role per user).
                    holders = (
                        session.query(SqlUser.username)
                        .join(SqlUserRoleAssignment, SqlUserRoleAssignment.user_id == SqlUser.id)
                        .filter(SqlUserRoleAssignment.role_id == role_id)
                        .all()
                    )
                    users.extend(UserGrant(holder, level) for (holder,) in holders)
        return ResourceAccess(
            resource,
            restricted=restricted or not open_,
            grants=tuple(sorted(teams, key=lambda g: (g.team != EVERYONE, g.team))),
            users=tuple(sorted(users, key=lambda g: g.user)),
        )

    def may_manage(self, resource: Resource, user: str, teams: Sequence[str], is_admin: bool) -> bool:
        """Whether a caller may change who has access: an admin, or ``manage`` of its own or a team's."""
        return is_admin or self.access(resource).managed_by(user, teams)
