"""``python -m sagemaker_studio_mlflow.server.prepare``: once per start, before MLflow's workers.

The image's entry point runs it with the environment MLflow will have. It
creates the auth store's database on PostgreSQL when missing (its own
database beside MLflow's, on the same server), runs the auth store's
migrations, and opens every resource nobody has decided on
(``auth_app.prepare_auth_store``). The workers then find the store at its
newest schema and migrate nothing.
"""

from __future__ import annotations

import os
import sys

from sqlalchemy.engine import make_url

from .config import AUTH_DATABASE_URI


def ensure_database(uri: str) -> None:
    """Creates a PostgreSQL database named by ``uri`` when it does not exist (SQLite makes its file itself)."""
    url = make_url(uri)
    if not url.drivername.startswith("postgresql") or not url.database:
        return
    import sqlalchemy

    server = sqlalchemy.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with server.connect() as connection:
            exists = connection.execute(
                sqlalchemy.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": url.database}
            ).scalar()
            if not exists:
                name = url.database.replace('"', '""')
                connection.execute(sqlalchemy.text(f'CREATE DATABASE "{name}"'))
    finally:
        server.dispose()


def main() -> None:
    uri = os.environ.get(AUTH_DATABASE_URI, "")
    backend = os.environ.get("MLFLOW_BACKEND_STORE_URI", "")
    if not uri:
        print(f"prepare: {AUTH_DATABASE_URI} is not set: MLflow runs without team permissions", file=sys.stderr)
        return
    if not backend:
        sys.exit("prepare: MLFLOW_BACKEND_STORE_URI is not set")
    ensure_database(uri)
    from .auth_app import prepare_auth_store

    opened = prepare_auth_store(uri, backend)
    print(f"prepare: the auth store is ready; {opened} resources opened to everyone", file=sys.stderr)


if __name__ == "__main__":
    main()
