"""Which of a caller's groups are teams.

Roles decide which operations a caller has (the gateway, first gate); teams
decide which restricted experiments and registered models it reaches
(``access``). A token caller's teams are the Cognito groups that the rule
names: those starting with a prefix, or those in a list. An IAM caller's
teams come from its entry in ``STUDIO_MLFLOW_IDENTITIES``.

``STUDIO_MLFLOW_TEAMS`` holds the rule as JSON, ``{"groupPrefix": "team-"}``
(the default) or ``{"groups": ["team-a", "team-b"]}``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

DEFAULT_GROUP_PREFIX = "team-"

#: A team's name, as Cognito allows a group's and MLflow a role's.
TEAM_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")

#: Not a team: the name stands for every caller (``access.EVERYONE``).
RESERVED_NAMES = frozenset({"everyone"})


class InvalidTeamNameError(ValueError):
    def __init__(self, name: str) -> None:
        super().__init__(
            f"{name!r} is not a team name: letters, digits, '.', '_' and '-', "
            "starting with a letter or digit, 100 at most"
        )
        self.name = name


def check_team_name(name: str) -> str:
    if not TEAM_NAME.match(name) or name in RESERVED_NAMES:
        raise InvalidTeamNameError(name)
    return name


@dataclass(frozen=True)
class TeamRule:
    """Groups that are teams: ``prefix`` matches by start, ``groups`` by name."""

    prefix: str | None = DEFAULT_GROUP_PREFIX
    groups: frozenset[str] = frozenset()

    def is_team(self, group: str) -> bool:
        if group in RESERVED_NAMES or not TEAM_NAME.match(group):
            return False
        if group in self.groups:
            return True
        return self.prefix is not None and group.startswith(self.prefix) and group != self.prefix

    def teams_of(self, groups: Iterable[str]) -> tuple[str, ...]:
        return tuple(sorted({group for group in groups if self.is_team(group)}))
