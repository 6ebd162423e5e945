"""The ``mlflow.app`` entry point: ``mlflow server --app-name sagemaker-studio-mlflow``.

``create_app`` is a factory without arguments (uvicorn calls it in each
worker): it reads the settings (``config``), builds MLflow's own ASGI app
(its FastAPI routes, with the Flask app mounted under them, as plain
``mlflow server`` serves them) and puts the gate in front of it, with the
authorship hook that makes the caller the author of what it creates; between
them, ``DatabaseUnavailable`` words MLflow's 503 while its database is down.
"""

from __future__ import annotations

import os

from starlette.types import ASGIApp

from .access_api import GRANT, AccessApi
from .auth_app import (
    AuthSettings,
    access,
    caller_is_admin,
    configure_environment,
    create_auth_app,
    record_creation,
    resource_exists,
)
from .config import load_settings
from .gate import StudioGate
from .unavailable import DatabaseUnavailable


def create_app() -> ASGIApp:
    settings = load_settings(os.environ)
    if settings.auth_database_uri is not None:
        # Read by MLflow's auth app when it is first imported.
        configure_environment(settings.auth_database_uri)
    # MLflow's server package sets itself up, when first imported, from the
    # environment `mlflow server` prepares: import it once that is in place.
    from mlflow.server import app as flask_app
    from mlflow.server.fastapi_app import create_fastapi_app

    from .authorship import claim_authorship, record_authorship

    access_api: AccessApi | None = None
    if settings.auth_database_uri is None:
        mlflow_app = create_fastapi_app(flask_app)
        record = record_authorship
    else:
        grant = settings.model.operations[GRANT]
        access_api = AccessApi(
            access, resource_exists, caller_is_admin, lambda caller: settings.model.allowed(grant, caller.roles)
        )
        mlflow_app = create_auth_app(
            flask_app, AuthSettings(settings.proofs, settings.identities, settings.team_rule, settings.model)
        )

        def record(operation_id: str, user: str, answer: bytes) -> None:
            record_authorship(operation_id, user, answer)
            record_creation(operation_id, user, answer)

    return StudioGate(
        DatabaseUnavailable(mlflow_app),
        model=settings.model,
        identities=settings.identities,
        proofs=settings.proofs,
        audit=settings.audit,
        claim_authorship=claim_authorship,
        record_authorship=record,
        team_rule=settings.team_rule,
        access_api=access_api,
    )
