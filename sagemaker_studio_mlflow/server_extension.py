"""The Jupyter server extension: ``GET <base_url>sagemaker-studio-mlflow/identity``.

It tells the JupyterLab extension whom notebooks act as in MLflow
(``kernel_identity.fetch_identity``), signed with the server's own AWS
credentials, which are the kernels' too, and with the environment of the
default kernel. Enabled by
``jupyter-config/jupyter_server_config.d/sagemaker_studio_mlflow.json``,
which the wheel installs into ``etc/jupyter``.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from jupyter_server.base.handlers import APIHandler
from jupyter_server.utils import url_path_join
from tornado import web

from .kernel_identity import IdentityAnswer, fetch_identity, kernel_environment

#: Where the endpoint lives below the server's base URL (``IDENTITY_ENDPOINT`` in ``src/identity/kernel.ts``).
IDENTITY_ENDPOINT = "sagemaker-studio-mlflow/identity"


def default_kernel_env(serverapp: Any) -> dict[str, str]:
    """The ``env`` of the default kernel's spec (empty when there is none to read)."""
    try:
        name = serverapp.kernel_manager.default_kernel_name
        spec = serverapp.kernel_spec_manager.get_kernel_spec(name)
    except (AttributeError, KeyError, OSError, ValueError):  # no such kernel (NoSuchKernel is a KeyError)
        return {}
    env = getattr(spec, "env", None) or {}
    return {str(key): str(value) for key, value in env.items()}


class IdentityHandler(APIHandler):
    """Whom notebooks act as: always 200, with the identity or the problem (``IdentityAnswer``)."""

    @web.authenticated
    async def get(self) -> None:
        import os

        environ = kernel_environment(os.environ, default_kernel_env(self.serverapp))
        # A blocking HTTP call: off the event loop.
        answer: IdentityAnswer = await asyncio.get_running_loop().run_in_executor(None, fetch_identity, environ)
        self.set_header("Content-Type", "application/json")
        self.set_header("Cache-Control", "no-store")
        self.finish(json.dumps(answer))


def _load_jupyter_server_extension(serverapp: Any) -> None:
    web_app = serverapp.web_app
    route = url_path_join(web_app.settings["base_url"], IDENTITY_ENDPOINT)
    web_app.add_handlers(".*$", [(route, IdentityHandler)])
    serverapp.log.info("sagemaker-studio-mlflow: %s answers whom notebooks act as in MLflow", route)
