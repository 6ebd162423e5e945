"""Labs: one notebook per role that walks through what the role may do in MLflow.

The notebooks live beside this module, one per built-in role, named after it
(``admins.ipynb``, ``readers.ipynb``, ``model-approvers.ipynb``).
``python -m sagemaker_studio_mlflow.labs install --home DIR`` (``install``)
puts the lab of the kernels' role into DIR as ``mlflow-lab-<role>.ipynb``,
once: the Studio lifecycle configuration runs it on every start of a space.

What a user can rely on:

* a lab in the home is the user's: it is never overwritten, edited or not;
* a lab the user deleted stays deleted: the home remembers which labs it was
  given (``.sagemaker-studio-mlflow/labs.json``), and only ``--role`` puts one
  back (still never over a file that is there);
* a user whose role changes gets the new role's lab at the next start, and
  keeps the old one.

The kernels' role is the one the gateway names (``GET /iam/identity``, asked
with the environment of the default Python kernel, as the Jupyter server
extension does). A role without a lab of its own (one an operator defined)
gets the lab of the largest built-in role whose operations it has all of,
read from the permission model packaged with the server app; none when the
gateway cannot be asked, and the line printed says why.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ..kernel_identity import CallerIdentity, fetch_identity, kernel_environment

#: Where the notebooks are, in the installed package.
LABS_DIR = Path(__file__).resolve().parent
#: What the home remembers, beside the lifecycle configuration's log.
MARKER = Path(".sagemaker-studio-mlflow") / "labs.json"


def available_labs() -> dict[str, Path]:
    """The packaged labs by the role they are for."""
    return {path.stem: path for path in sorted(LABS_DIR.glob("*.ipynb"))}


def lab_file_name(role: str) -> str:
    """The lab's name in a user's home."""
    return f"mlflow-lab-{role}.ipynb"


def lab_for(identity: CallerIdentity) -> str | None:
    """The lab for whom the gateway found: the caller's own role's, else the largest one it covers."""
    from ..server.permissions import load_permission_model

    model = load_permission_model()
    labs = [role for role in available_labs() if role in model.roles]

    def size(role: str) -> int:
        return len(model.operations_of([role]))

    named = [role for role in labs if role in identity["roles"]]
    if named:
        return max(named, key=size)
    allowed = set(identity["operations"])
    covered = [role for role in labs if model.operations_of([role]) <= allowed]
    return max(covered, key=size, default=None)


def default_kernel_env() -> dict[str, str]:
    """The ``env`` of the default Python kernel's spec (where the lifecycle configuration puts the SDK's settings)."""
    try:
        from jupyter_client.kernelspec import NATIVE_KERNEL_NAME, KernelSpecManager

        spec = KernelSpecManager().get_kernel_spec(NATIVE_KERNEL_NAME)
    except (
        ImportError,
        KeyError,
        OSError,
        ValueError,
    ):  # no Jupyter, or no such kernel
        return {}
    return {str(key): str(value) for key, value in (spec.env or {}).items()}


@dataclass(frozen=True)
class Outcome:
    """What ``install`` did, in a line for the lifecycle configuration's log."""

    message: str
    #: The role whose lab it is; None when no lab could be chosen.
    role: str | None = None
    #: The lab in the home, when there is one now.
    path: Path | None = None
    #: Whether this call wrote it.
    installed: bool = False


def _read_marker(home: Path) -> dict[str, str]:
    try:
        data = json.loads((home / MARKER).read_text(encoding="utf-8"))
        given = data["given"]
        return {str(role): str(name) for role, name in given.items()}
    except (
        OSError,
        ValueError,
        KeyError,
        TypeError,
        AttributeError,
    ):  # none yet, or not ours to trust
        return {}


def _write_marker(home: Path, given: Mapping[str, str]) -> None:
    marker = home / MARKER
    marker.parent.mkdir(parents=True, exist_ok=True)
    partial = marker.with_name(marker.name + ".tmp")
    partial.write_text(
        json.dumps({"given": dict(sorted(given.items()))}, indent=2) + "\n",
        encoding="utf-8",
    )
    os.replace(partial, marker)


def install(
    home: Path, role: str | None = None, environ: Mapping[str, str] | None = None
) -> Outcome:
    """Put the lab of ``role`` (by default the kernels' role, asked of the gateway) into ``home``, once."""
    labs = available_labs()
    again = role is not None
    if role is None:
        environ = (
            kernel_environment(os.environ, default_kernel_env())
            if environ is None
            else environ
        )
        answer = fetch_identity(environ)
        if answer["kind"] != "ok":
            return Outcome(
                f"no MLflow lab put in {home}: the kernels' role is unknown. {answer['message']}"
            )
        identity = answer["identity"]
        role = lab_for(identity)
        if role is None:
            roles = ", ".join(identity["roles"]) or "none"
            return Outcome(
                f"no MLflow lab put in {home}: none is for the kernels' roles ({roles}); "
                f"the labs are for {', '.join(labs)}."
            )
    if role not in labs:
        return Outcome(
            f"no MLflow lab put in {home}: there is none for {role}; the labs are for {', '.join(labs)}."
        )

    given = _read_marker(home)
    target = home / lab_file_name(role)
    if target.exists():
        if given.get(role) != target.name:
            _write_marker(home, {**given, role: target.name})
        return Outcome(
            f"the MLflow lab for {role} is in {target} already: left as it is.",
            role,
            target,
        )
    if role in given and not again:
        return Outcome(
            f"the MLflow lab for {role} was put in {home} on an earlier start and is gone since: not put back "
            f"(python -m sagemaker_studio_mlflow.labs install --home {home} --role {role} does).",
            role,
        )
    home.mkdir(parents=True, exist_ok=True)
    try:
        with target.open("xb") as copy:  # never over a file that appeared meanwhile
            copy.write(labs[role].read_bytes())
    except FileExistsError:
        return Outcome(
            f"the MLflow lab for {role} is in {target} already: left as it is.",
            role,
            target,
        )
    _write_marker(home, {**given, role: target.name})
    return Outcome(
        f"put the MLflow lab for {role} in {target}", role, target, installed=True
    )
