"""Path templates of the permission model, and how a decoded path matches them.

The semantics are those of the gateway's matcher
(``infra/src/permissions/path-template.ts``): ``{x}`` takes one non-empty
segment, ``{x}suffix`` one that ends in ``suffix`` (and has more than it),
``{x+}`` one or more non-empty segments, literals match exactly (case
included). When several templates match, each match is ranked segment by
segment (literal, then parameter with suffix, then parameter, then greedy)
and the most specific wins.

The gateway matches the raw path and refuses escapes MLflow would decode
otherwise than they read; here the path is the one MLflow routes on, already
decoded, so there are no escapes left to refuse. What is still refused: dot
segments (``.``, ``..``: a layer on the way might resolve them), backslashes
(some read them as separators) and paths longer than any route. Empty
segments (``//``, a trailing ``/``) match no parameter, so no template
but the root's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import IntEnum
from typing import Union

#: Longer paths are refused rather than matched: no MLflow route needs them.
MAX_PATH_SEGMENTS = 256

_PARAM = re.compile(r"^\{([A-Za-z_][A-Za-z0-9_]*)(\+?)\}(.*)$")


class SegmentRank(IntEnum):
    """How specific a segment match is: lower wins when templates overlap."""

    LITERAL = 0
    PARAM_WITH_SUFFIX = 1
    PARAM = 2
    GREEDY = 3


@dataclass(frozen=True)
class Literal:
    text: str


@dataclass(frozen=True)
class Param:
    name: str
    suffix: str


@dataclass(frozen=True)
class Greedy:
    name: str


Segment = Union[Literal, Param, Greedy]


class InvalidPathTemplateError(ValueError):
    """A template of the permission model that cannot be parsed."""

    def __init__(self, template: str, reason: str) -> None:
        super().__init__(f"Invalid path template {template!r}: {reason}")


@dataclass(frozen=True)
class PathTemplate:
    source: str
    segments: tuple[Segment, ...]

    @property
    def is_greedy(self) -> bool:
        """Whether it matches paths of several lengths (it has a ``{x+}``)."""
        return any(isinstance(segment, Greedy) for segment in self.segments)

    @property
    def literal_prefix(self) -> tuple[str, ...]:
        """The literal segments it starts with, which every path it matches starts with."""
        prefix: list[str] = []
        for segment in self.segments:
            if not isinstance(segment, Literal):
                break
            prefix.append(segment.text)
        return tuple(prefix)


@dataclass(frozen=True)
class TemplateMatch:
    """How a path matched a template: each segment's rank, and the parameters' values."""

    ranks: tuple[SegmentRank, ...]
    params: dict[str, str]


def parse_path_template(template: str) -> PathTemplate:
    """Parses ``/a/{b}/{c+}/{d}:suffix`` into segment patterns."""
    if not template.startswith("/"):
        raise InvalidPathTemplateError(template, 'must start with "/"')
    segments = tuple(_parse_segment(template, text) for text in template[1:].split("/"))
    for first, second in zip(segments, segments[1:]):
        # Two greedy parameters in a row could split the path anywhere.
        if isinstance(first, Greedy) and isinstance(second, Greedy):
            raise InvalidPathTemplateError(template, "adjacent greedy parameters")
    return PathTemplate(template, segments)


def _parse_segment(template: str, text: str) -> Segment:
    param = _PARAM.match(text)
    if param is None:
        if "{" in text or "}" in text:
            raise InvalidPathTemplateError(template, f'bad segment "{text}"')
        return Literal(text)
    name, greedy, suffix = param.groups()
    if "{" in suffix or "}" in suffix:
        raise InvalidPathTemplateError(template, f'bad segment "{text}"')
    if greedy:
        if suffix:
            raise InvalidPathTemplateError(template, "greedy parameter with suffix")
        return Greedy(name)
    return Param(name, suffix)


def path_segments(path: str) -> list[str] | None:
    """The segments of a decoded path, or None when it is not matched at all."""
    if not path.startswith("/") or "\\" in path:
        return None
    segments = path[1:].split("/")
    if len(segments) > MAX_PATH_SEGMENTS or any(s in (".", "..") for s in segments):
        return None
    return segments


def match_path_template(template: PathTemplate, segments: list[str]) -> TemplateMatch | None:
    """Matches segments against a template, the most specific way when there are several.

    Depth-first over (pattern, segment) positions, trying the choice with the
    lower rank first, so the first success is the most specific match.
    """
    patterns = template.segments
    if not template.is_greedy:
        return _match_fixed(patterns, segments)
    ranks: list[SegmentRank] = [SegmentRank.LITERAL] * len(segments)
    taken: list[int] = [0] * len(segments)  # the pattern that consumed each segment
    failed: set[tuple[int, int]] = set()

    def search(p: int, s: int) -> bool:
        if p == len(patterns) or s == len(segments):
            return p == len(patterns) and s == len(segments)
        if (p, s) in failed:
            return False
        pattern = patterns[p]
        segment = segments[s]
        taken[s] = p
        if isinstance(pattern, Literal):
            ranks[s] = SegmentRank.LITERAL
            found = segment == pattern.text and search(p + 1, s + 1)
        elif isinstance(pattern, Param):
            ranks[s] = SegmentRank.PARAM_WITH_SUFFIX if pattern.suffix else SegmentRank.PARAM
            found = (
                len(segment) > len(pattern.suffix)
                and segment.endswith(pattern.suffix)
                and search(p + 1, s + 1)
            )
        else:
            ranks[s] = SegmentRank.GREEDY
            # Stop here and let the next pattern take the next segment (a lower
            # rank than staying greedy), else take the next segment too.
            found = segment != "" and (search(p + 1, s + 1) or search(p, s + 1))
        if not found:
            failed.add((p, s))
        return found

    if not search(0, 0):
        return None
    params: dict[str, str] = {}
    for index, segment in enumerate(segments):
        pattern = patterns[taken[index]]
        if isinstance(pattern, Param):
            params[pattern.name] = segment[: len(segment) - len(pattern.suffix)]
        elif isinstance(pattern, Greedy):
            params[pattern.name] = (
                f"{params[pattern.name]}/{segment}" if pattern.name in params else segment
            )
    return TemplateMatch(tuple(ranks), params)


def _match_fixed(patterns: tuple[Segment, ...], segments: list[str]) -> TemplateMatch | None:
    """The match of a template without greedy parameter: segment for segment."""
    if len(patterns) != len(segments):
        return None
    ranks: list[SegmentRank] = []
    params: dict[str, str] = {}
    for pattern, segment in zip(patterns, segments):
        if isinstance(pattern, Literal):
            if segment != pattern.text:
                return None
            ranks.append(SegmentRank.LITERAL)
        else:
            assert isinstance(pattern, Param)
            suffix = pattern.suffix
            if len(segment) <= len(suffix) or not segment.endswith(suffix):
                return None
            ranks.append(SegmentRank.PARAM_WITH_SUFFIX if suffix else SegmentRank.PARAM)
            params[pattern.name] = segment[: len(segment) - len(suffix)]
    return TemplateMatch(tuple(ranks), params)


def compare_ranks(a: tuple[SegmentRank, ...], b: tuple[SegmentRank, ...]) -> int:
    """Negative when ``a`` is the more specific match, 0 when equally specific."""
    for x, y in zip(a, b):
        if x != y:
            return int(x) - int(y)
    return len(a) - len(b)


def template_shape(template: PathTemplate) -> str:
    """The template with parameter names erased: equal shapes match the same paths."""

    def shape(segment: Segment) -> str:
        if isinstance(segment, Literal):
            return segment.text
        if isinstance(segment, Param):
            return "{}" + segment.suffix
        return "{+}"

    return "/" + "/".join(shape(s) for s in template.segments)
