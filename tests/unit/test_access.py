"""Team permissions over a real MLflow auth store (SQLite), decided by MLflow's own resolver."""

from __future__ import annotations

from pathlib import Path

import pytest

from sagemaker_studio_mlflow.server.access import (
    EVERYONE,
    Access,
    Resource,
    UnknownKindError,
    UnknownLevelError,
)


@pytest.fixture
def store(tmp_path: Path):
    from mlflow.server.auth.sqlalchemy_store import SqlAlchemyStore

    store = SqlAlchemyStore()
    store.init_db(f"sqlite:///{tmp_path / 'auth.db'}")
    return store


def permission(store, user: str, resource: Resource) -> str:
    """What MLflow's auth app folds from the user's roles (``NO_PERMISSIONS`` as the default)."""
    from mlflow.server.auth.permissions import GrantLoadKey
    from mlflow.server.auth.requirements import fold_grants_for_key

    record = store.get_user(user)
    if record.is_admin:
        return "ADMIN"
    grants = store.list_grants(record.id, "default", {resource.resource_type})
    folded = fold_grants_for_key(grants, GrantLoadKey(resource.resource_type, resource.key))
    return "NO_PERMISSIONS" if folded is None else folded.name


EXPERIMENT = Resource("experiment", "7")


def test_a_new_resource_is_open_to_everyone_as_roles_decide(store) -> None:
    access = Access(store)
    access.sync_caller("reader", [], is_admin=False)
    access.open_new(EXPERIMENT)
    assert permission(store, "reader", EXPERIMENT) == "MANAGE"
    assert access.access(EXPERIMENT).restricted is False


def test_restricting_leaves_only_the_teams_levels_and_a_member_with_a_broad_role_keeps_access(store) -> None:
    access = Access(store)
    access.sync_caller("reader", ["team-a"], is_admin=False)
    access.sync_caller("outsider", [], is_admin=False)
    access.sync_caller("viewer", ["team-b"], is_admin=False)
    access.open_new(EXPERIMENT)

    access.grant(EXPERIMENT, "team-a", "edit")
    access.grant(EXPERIMENT, "team-b", "read")
    access.revoke(EXPERIMENT, EVERYONE)

    assert permission(store, "reader", EXPERIMENT) == "EDIT"
    assert permission(store, "viewer", EXPERIMENT) == "READ"
    assert permission(store, "outsider", EXPERIMENT) == "NO_PERMISSIONS"
    current = access.access(EXPERIMENT)
    assert current.restricted is True
    assert [(g.team, g.level) for g in current.grants] == [("team-a", "edit"), ("team-b", "read")]


def test_everyone_may_be_given_a_lower_level_than_a_team(store) -> None:
    access = Access(store)
    access.sync_caller("member", ["team-a"], is_admin=False)
    access.sync_caller("other", [], is_admin=False)
    access.open_new(EXPERIMENT)
    access.grant(EXPERIMENT, EVERYONE, "read")
    access.grant(EXPERIMENT, "team-a", "manage")

    assert permission(store, "other", EXPERIMENT) == "READ"
    assert permission(store, "member", EXPERIMENT) == "MANAGE"
    assert access.may_manage(EXPERIMENT, "member", ["team-a"], is_admin=False)
    assert not access.may_manage(EXPERIMENT, "other", [], is_admin=False)


def test_leaving_a_team_takes_its_access_away_at_the_next_sync(store) -> None:
    access = Access(store)
    access.sync_caller("reader", ["team-a"], is_admin=False)
    access.open_new(EXPERIMENT)
    access.grant(EXPERIMENT, "team-a", "read")
    access.revoke(EXPERIMENT, EVERYONE)
    assert permission(store, "reader", EXPERIMENT) == "READ"

    access.forget_synced()
    access.sync_caller("reader", [], is_admin=False)
    assert permission(store, "reader", EXPERIMENT) == "NO_PERMISSIONS"


def test_the_admins_role_is_mlflows_admin_and_losing_it_ends_that(store) -> None:
    access = Access(store)
    access.sync_caller("boss", [], is_admin=True)
    assert store.get_user("boss").is_admin
    access.forget_synced()
    access.sync_caller("boss", [], is_admin=False)
    assert not store.get_user("boss").is_admin


def test_the_creators_own_grant_counts_as_manage_but_the_grant_for_everyone_does_not(store) -> None:
    access = Access(store)
    access.sync_caller("creator", [], is_admin=False)
    access.sync_caller("other", [], is_admin=False)
    store.grant_user_permission("creator", "experiment", EXPERIMENT.key, "MANAGE")
    access.open_new(EXPERIMENT)

    assert access.may_manage(EXPERIMENT, "creator", [], is_admin=False)
    assert not access.may_manage(EXPERIMENT, "other", [], is_admin=False)
    access.revoke(EXPERIMENT, EVERYONE)
    assert permission(store, "creator", EXPERIMENT) == "MANAGE"
    assert [u.user for u in access.access(EXPERIMENT).users] == ["creator"]


def test_opening_what_nobody_decided_on_leaves_restricted_resources_alone(store) -> None:
    access = Access(store)
    access.sync_caller("reader", [], is_admin=False)
    restricted, undecided = Resource("registered-model", "secret"), Resource("registered-model", "legacy")
    access.open_new(restricted)
    access.revoke(restricted, EVERYONE)

    assert access.open_undecided([restricted, undecided]) == 1
    assert permission(store, "reader", undecided) == "MANAGE"
    assert permission(store, "reader", restricted) == "NO_PERMISSIONS"
    # A new resource under a restricted one's name stays restricted until opened.
    access.open_new(restricted)
    assert permission(store, "reader", restricted) == "NO_PERMISSIONS"
    access.grant(restricted, EVERYONE, "manage")
    assert permission(store, "reader", restricted) == "MANAGE"


def test_bad_levels_kinds_and_team_names_are_refused_in_words(store) -> None:
    access = Access(store)
    with pytest.raises(UnknownLevelError, match="use one of read, edit, manage"):
        access.grant(EXPERIMENT, "team-a", "owner")
    with pytest.raises(UnknownKindError):
        Resource("run", "1")
    with pytest.raises(ValueError, match="not a team name"):
        access.grant(EXPERIMENT, "../admins", "read")
