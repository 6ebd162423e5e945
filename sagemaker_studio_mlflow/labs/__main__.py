"""``python -m sagemaker_studio_mlflow.labs install --home DIR [--role ROLE | --all]``.

Prints a line per lab: what it put where, or why it put nothing. Exit status 0 when
the home has the lab (new or already there) or nothing was to be done, 1 when
no lab could be chosen (the gateway could not say the role, or no lab fits
it), 2 for a bad command line.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import available_labs, install


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m sagemaker_studio_mlflow.labs",
        description="Put the MLflow lab of your role into your home, once; a copy you have is never overwritten.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    put = commands.add_parser(
        "install", help="put the lab of the kernels' role (or of --role) into --home"
    )
    put.add_argument(
        "--home", type=Path, required=True, help="where the lab goes (in Studio: $HOME)"
    )
    which = put.add_mutually_exclusive_group()
    which.add_argument(
        "--role",
        choices=sorted(available_labs()),
        help="this role's lab instead of the kernels' role's; puts back a lab you deleted",
    )
    which.add_argument(
        "--all",
        action="store_true",
        help="every role's lab (the local stack's JupyterLab has them all)",
    )
    args = parser.parse_args(argv)
    roles = sorted(available_labs()) if args.all else [args.role]
    chosen = True
    for role in roles:
        try:
            outcome = install(args.home, role)
        except OSError as error:
            print(f"no MLflow lab put in {args.home}: {error}", flush=True)
            return 1
        print(outcome.message, flush=True)
        chosen = chosen and outcome.role is not None
    return 0 if chosen else 1


if __name__ == "__main__":
    sys.exit(main())
