"""The MLflow extension for JupyterLab in Amazon SageMaker Studio.

This package ships the prebuilt JupyterLab extension; JupyterLab finds it in
``share/jupyter/labextensions/sagemaker-studio-mlflow`` without Node.js. Its
Jupyter server extension (``server_extension``) tells it whom notebooks act
as in MLflow.
"""

from __future__ import annotations

try:
    from ._version import __version__
except ImportError:  # a source tree that was never built
    from importlib.metadata import PackageNotFoundError, version

    try:
        __version__ = version("sagemaker-studio-mlflow")
    except PackageNotFoundError:
        __version__ = "0.0.0+unknown"

__all__ = ["__version__"]


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    """Where JupyterLab finds the prebuilt extension in a development install."""
    return [{"src": "labextension", "dest": "sagemaker-studio-mlflow"}]


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    """The Jupyter server extension, enabled by the wheel's ``jupyter_server_config.d`` file."""
    return [{"module": "sagemaker_studio_mlflow.server_extension"}]
