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

from .config import load_settings
from .gate import StudioGate
from .unavailable import DatabaseUnavailable


def create_app() -> ASGIApp:
    settings = load_settings(os.environ)
    # MLflow's server package sets itself up, when first imported, from the
    # environment `mlflow server` prepares: import it once that is in place.
    from mlflow.server import app as flask_app
    from mlflow.server.fastapi_app import create_fastapi_app

    from .authorship import claim_authorship, record_authorship

    return StudioGate(
        DatabaseUnavailable(create_fastapi_app(flask_app)),
        model=settings.model,
        identities=settings.identities,
        proofs=settings.proofs,
        audit=settings.audit,
        claim_authorship=claim_authorship,
        record_authorship=record_authorship,
    )
