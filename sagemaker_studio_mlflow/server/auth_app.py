"""MLflow's own auth app behind the gate: the per-resource layer of team permissions.

``create_auth_app`` wraps MLflow's Flask app with ``mlflow.server.auth`` and
configures it (``auth_config_text``): its store at
``STUDIO_MLFLOW_AUTH_DATABASE_URI``, default permission ``NO_PERMISSIONS``
(see ``access``), and ``authorize_from_gateway`` as its authorization
function, which takes the caller from the gateway's headers, as the gate does,
and makes the store's user match it (``Access.sync_caller``) before MLflow
decides.

``prepare_auth_store`` runs once per start, before the workers (the image's
entry point): it migrates the store, creates MLflow's bootstrap admin (a
user nobody signs in as) and opens every experiment and registered model
that nobody has decided on yet, so that turning team permissions on changes
nothing until someone restricts a resource.
"""

from __future__ import annotations

import json
import os
import secrets
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .access import Access, Resource
from .identity import (
    ANONYMOUS,
    PROOF_HEADER,
    Caller,
    Identity,
    caller_from_headers,
    proof_matches,
)
from .permissions import PUBLIC, PermissionModel
from .teams import TeamRule

if TYPE_CHECKING:
    from flask import Flask, Response

#: The role whose members are MLflow's admins, whom no team restriction reaches.
ADMIN_ROLE = "admins"
#: MLflow's auth app needs an admin of its own; nobody signs in as it.
BOOTSTRAP_ADMIN = "studio-mlflow-bootstrap-admin"
AUTHORIZATION_FUNCTION = f"{__name__}:authorize_from_gateway"
AUTH_CONFIG_PATH = "MLFLOW_AUTH_CONFIG_PATH"
#: The auth store's pool per worker, and the variables that change it. MLflow
#: would give it the tracking store's (40 + 40, for log_batch's two connections
#: per thread); its queries are short and one at a time, so a small pool serves a
#: worker's threads without doubling the connections a task opens.
AUTH_POOL_SIZE = "STUDIO_MLFLOW_AUTH_POOL_SIZE"
AUTH_MAX_OVERFLOW = "STUDIO_MLFLOW_AUTH_MAX_OVERFLOW"
AUTH_POOL_DEFAULTS: Mapping[str, str] = {AUTH_POOL_SIZE: "10", AUTH_MAX_OVERFLOW: "10"}
#: MLflow's pool settings, which its engines read when they are created.
_MLFLOW_POOL = {AUTH_POOL_SIZE: "MLFLOW_SQLALCHEMYSTORE_POOL_SIZE", AUTH_MAX_OVERFLOW: "MLFLOW_SQLALCHEMYSTORE_MAX_OVERFLOW"}
#: A registered model with this tag "true" is a prompt.
PROMPT_TAG = "mlflow.prompt.is_prompt"

#: Operations whose answer names a new resource, opened to everyone.
CREATES: Mapping[str, str] = {
    "experiments.create": "experiment",
    "registered-models.create": "registered-model",
}


@dataclass(frozen=True)
class AuthSettings:
    proofs: tuple[str, ...]
    identities: Mapping[str, Identity]
    team_rule: TeamRule
    model: PermissionModel


_settings: AuthSettings | None = None
_access: Access | None = None


def auth_config_text(database_uri: str) -> str:
    return "\n".join(
        [
            "[mlflow]",
            "default_permission = NO_PERMISSIONS",
            f"database_uri = {database_uri}",
            f"admin_username = {BOOTSTRAP_ADMIN}",
            f"authorization_function = {AUTHORIZATION_FUNCTION}",
            "grant_default_workspace_access = false",
            "",
        ]
    )


def configure_environment(database_uri: str, environ: os._Environ[str] | dict[str, str] = os.environ) -> None:
    """Points MLflow's auth app at its config, which it reads when first imported."""
    if "%" in database_uri:
        # configparser would read it as an interpolation.
        database_uri = database_uri.replace("%", "%%")
    folder = Path(tempfile.gettempdir()) / "sagemaker-studio-mlflow"
    folder.mkdir(mode=0o700, exist_ok=True)
    config = folder / f"auth-{os.getpid()}.ini"
    config.write_text(auth_config_text(database_uri))
    config.chmod(0o600)
    environ[AUTH_CONFIG_PATH] = str(config)
    # Only for the bootstrap admin, which nobody signs in as.
    environ.setdefault("MLFLOW_AUTH_ADMIN_PASSWORD", secrets.token_urlsafe(32))


def access() -> Access:
    if _access is None:
        raise RuntimeError("the auth app is not set up (create_auth_app)")
    return _access


def create_auth_app(flask_app: Flask, settings: AuthSettings) -> Any:
    """MLflow's ASGI app with the auth app on it (``configure_environment`` first)."""
    global _settings, _access
    from mlflow.server import auth

    _settings = settings
    with _auth_pool_settings(os.environ):
        app = auth.create_app(flask_app)
    _access = Access(auth.store)
    return app


@contextmanager
def _auth_pool_settings(environ: os._Environ[str]) -> Iterator[None]:
    """MLflow's pool variables set to the auth store's while its engine is made (at start, one thread)."""
    saved = {variable: environ.get(variable) for variable in _MLFLOW_POOL.values()}
    try:
        for ours, mlflows in _MLFLOW_POOL.items():
            environ[mlflows] = environ.get(ours) or AUTH_POOL_DEFAULTS[ours]
        yield
    finally:
        for variable, value in saved.items():
            if value is None:
                environ.pop(variable, None)
            else:
                environ[variable] = value


def caller_is_admin(caller: Caller) -> bool:
    return ADMIN_ROLE in caller.roles


def resource_exists(resource: Resource) -> bool:
    """Whether MLflow has the resource (a deleted experiment still counts: it can be restored)."""
    from mlflow.exceptions import MlflowException
    from mlflow.server.handlers import _get_model_registry_store, _get_tracking_store

    try:
        if resource.kind == "experiment":
            _get_tracking_store().get_experiment(resource.key)
        else:
            _get_model_registry_store().get_registered_model(resource.key)
    except MlflowException:
        return False
    return True


def _refusal(status: int, error_code: str, message: str) -> Response:
    from flask import jsonify

    response = jsonify({"error_code": error_code, "message": message})
    response.status_code = status
    return response


def _caller_of_request() -> Caller | None:
    from flask import request

    settings = _settings
    if settings is None:
        return None
    headers = {name.lower(): value for name, value in request.headers.items() if name.lower().startswith("x-gateway-")}
    if not proof_matches(headers.get(PROOF_HEADER), settings.proofs):
        return None
    return caller_from_headers(headers, settings.identities, settings.team_rule)


def _is_public(method: str, path: str) -> bool:
    """A route anyone may call (the UI's page and files, the version): it holds nobody's data."""
    settings = _settings
    match = None if settings is None else settings.model.match(method, path)
    return match is not None and match.operation.access == PUBLIC


def authorize_from_gateway() -> Any:
    """MLflow's ``authorization_function``: the caller the gateway vouches for.

    The gate has checked the proof already; it is checked again here since
    this is what MLflow trusts. Cached for the request (MLflow asks several
    times).
    """
    from flask import g, request
    from werkzeug.datastructures import Authorization

    cached = g.get("studio_mlflow_authorization")
    if cached is not None:
        return cached
    caller = _caller_of_request()
    if caller is None:
        return _refusal(401, "UNAUTHENTICATED", "This request did not come through the MLflow gateway.")
    if caller.user == ANONYMOUS:
        if not _is_public(request.method, request.path):
            return _refusal(401, "UNAUTHENTICATED", "Sign in to MLflow first.")
        # MLflow's auth app checks nothing for its admin; the route holds nobody's data.
        username = BOOTSTRAP_ADMIN
    else:
        access().sync_caller(caller.user, caller.teams, is_admin=caller_is_admin(caller))
        username = caller.user
    authorization = Authorization("basic", {"username": username, "password": ""})
    g.studio_mlflow_authorization = authorization
    return authorization


def record_creation(operation_id: str, user: str, body: bytes) -> None:
    """Opens a resource the caller has just created (the gate calls it after a 2xx answer)."""
    kind = CREATES.get(operation_id)
    if kind is None or _access is None:
        return
    try:
        answer = json.loads(body)
    except ValueError:
        return
    if kind == "experiment":
        key = answer.get("experiment_id")
    else:
        model = answer.get("registered_model") or {}
        key = model.get("name")
        if _is_prompt(model):
            kind = "prompt"
    if isinstance(key, str) and key:
        _access.open_new(Resource(kind, key))


def _is_prompt(model: Mapping[str, Any]) -> bool:
    tags = model.get("tags") or []
    return any(t.get("key") == PROMPT_TAG and t.get("value") == "true" for t in tags)


#: The experiment MLflow makes itself when it first starts, not through an API.
DEFAULT_EXPERIMENT = Resource("experiment", "0")


def _every_resource(backend_store_uri: str) -> Iterator[Resource]:
    """Every experiment and registered model in MLflow's database, read without MLflow's store.

    MLflow's store would migrate the database and make the default
    experiment on its first start, here without the server's artifact root.
    A database MLflow has not set up yet has none.
    """
    import sqlalchemy

    engine = sqlalchemy.create_engine(backend_store_uri)
    try:
        tables = set(sqlalchemy.inspect(engine).get_table_names())
        with engine.connect() as connection:
            if "experiments" in tables:
                for (experiment_id,) in connection.execute(sqlalchemy.text("SELECT experiment_id FROM experiments")):
                    yield Resource("experiment", str(experiment_id))
            if "registered_models" in tables:
                prompts: set[str] = set()
                if "registered_model_tags" in tables:
                    prompts = {
                        name
                        for (name,) in connection.execute(
                            sqlalchemy.text(
                                "SELECT name FROM registered_model_tags WHERE key = :key AND value = 'true'"
                            ),
                            {"key": PROMPT_TAG},
                        )
                    }
                for (name,) in connection.execute(sqlalchemy.text("SELECT name FROM registered_models")):
                    yield Resource("prompt" if name in prompts else "registered-model", name)
    finally:
        engine.dispose()


def prepare_auth_store(database_uri: str, backend_store_uri: str) -> int:
    """Once per start, before the workers: migrations, the bootstrap admin, opening what nobody decided on.

    Returns how many resources it opened.
    """
    configure_environment(database_uri)
    from mlflow.server import auth

    auth.store.init_db(database_uri)
    if not auth.store.has_user(BOOTSTRAP_ADMIN, use_primary=True):
        auth.store.create_user(BOOTSTRAP_ADMIN, os.environ["MLFLOW_AUTH_ADMIN_PASSWORD"], is_admin=True)
    return Access(auth.store).open_undecided([DEFAULT_EXPERIMENT, *_every_resource(backend_store_uri)])
