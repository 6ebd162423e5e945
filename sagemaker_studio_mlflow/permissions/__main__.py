"""``python -m sagemaker_studio_mlflow.permissions show|grant|revoke``.

At MLflow's tracking URI (``MLFLOW_TRACKING_URI``, the gateway), signed as
the MLflow SDK's calls are. Exit status 0 on success, 1 when the server
refuses (its message is printed), 2 for a bad command line.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from . import EVERYONE, KINDS, LEVELS, AccessRequestError, grant, revoke, show


def _resource(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("kind", choices=KINDS, help="what the id names")
    parser.add_argument("id", help="an experiment's id, or a registered model's or prompt's name")


def describe(answer: dict[str, Any]) -> str:
    access = answer["access"]
    what = f"{access['kind']} {access['id']}"
    lines = [f"{what}: {'restricted' if access['restricted'] else 'open to everyone (as their roles allow)'}"]
    for grant_ in access["teams"]:
        who = "everyone" if grant_["team"] == EVERYONE else f"team {grant_['team']}"
        lines.append(f"  {who:<24} {grant_['level']}")
    for user in access["users"]:
        lines.append(f"  user {user['user']:<19} {user['level']}")
    if not answer.get("canManage"):
        lines.append("  (you may not change this)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m sagemaker_studio_mlflow.permissions",
        description="See and change which teams may reach an experiment or a registered model.",
    )
    parser.add_argument("--json", action="store_true", help="print the server's answer as JSON")
    commands = parser.add_subparsers(dest="command", required=True)
    _resource(commands.add_parser("show", help="who has access"))
    give = commands.add_parser("grant", help=f"give a team (or {EVERYONE}: open it) a level")
    _resource(give)
    give.add_argument("--team", required=True, help=f"a team, or {EVERYONE}")
    give.add_argument("--level", required=True, choices=LEVELS)
    take = commands.add_parser("revoke", help=f"take a team's access away ({EVERYONE}: restrict it)")
    _resource(take)
    take.add_argument("--team", required=True, help=f"a team, or {EVERYONE}")
    args = parser.parse_args(argv)
    try:
        if args.command == "show":
            answer = show(args.kind, args.id)
        elif args.command == "grant":
            answer = grant(args.kind, args.id, args.team, args.level)
        else:
            answer = revoke(args.kind, args.id, args.team)
    except AccessRequestError as error:
        print(f"{error.error_code}: {error}", file=sys.stderr)
        return 1
    print(json.dumps(answer, indent=2) if args.json else describe(answer))
    return 0


if __name__ == "__main__":
    sys.exit(main())
