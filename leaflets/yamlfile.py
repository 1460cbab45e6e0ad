"""Read YAML and keep the line of every mapping and key, for ``file:line`` messages.

PyYAML throws positions away once it has built Python objects; a reviewer fixing ``ivig.yaml`` needs the
line, so mappings load as ``LineDict`` (remembering where each key stands) and lists as ``LineList``.

Two YAML features are refused because they let a file say something other than what a reviewer reads:
a key given twice (YAML keeps the last, so a second ``status: verified`` would silently overrule
``status: rejected``), and aliases (``*name``), which can also expand a few lines into gigabytes.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import yaml

from leaflets.errors import FactsError, Problem


class LineDict(dict):
    """A mapping that knows the line it starts on and the line of each key."""

    line: int = 0
    key_lines: dict[Any, int]

    def line_of(self, key: str) -> int:
        """The line of ``key`` if present, else the line of the mapping."""
        return self.key_lines.get(key, self.line)


class LineList(list):
    """A sequence that knows the line it starts on."""

    line: int = 0


class _RefusedError(yaml.MarkedYAMLError):
    """Valid YAML that fact files do not allow (its message needs no syntax hint)."""


class _Loader(yaml.SafeLoader):
    def construct_yaml_timestamp(self, node: yaml.ScalarNode):  # noqa: ANN201 - date or datetime
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError as exc:
            raise _RefusedError(None, None, f"{node.value!r} is not a real date ({exc}); write it like "
                                "2026-11-23", node.start_mark) from None

    def compose_node(self, parent, index):  # noqa: ANN001, ANN201 - PyYAML's signature
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise _RefusedError(
                None, None, f"alias *{event.anchor} is not allowed in fact files; write the value out",
                event.start_mark)
        return super().compose_node(parent, index)

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> LineDict:
        key_lines: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            if not isinstance(key, (str, int, float, bool, type(None), dt.date)):
                raise _RefusedError(None, None, f"a key must be a plain word, got {key!r}", key_node.start_mark)
            if key in key_lines:
                raise _RefusedError(
                    None, None, f"duplicate key {key!r} (first on line {key_lines[key]}); "
                    "a key may appear once per record", key_node.start_mark)
            key_lines[key] = key_node.start_mark.line + 1
        mapping = LineDict(super().construct_mapping(node, deep=True))
        mapping.line = node.start_mark.line + 1
        mapping.key_lines = key_lines
        return mapping

    def construct_sequence(self, node: yaml.SequenceNode, deep: bool = False) -> LineList:
        items = LineList(super().construct_sequence(node, deep=True))
        items.line = node.start_mark.line + 1
        return items


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_yaml_timestamp)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _Loader.construct_mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _Loader.construct_sequence)


class NotUtf8Error(UnicodeError):
    """A text file that is not UTF-8, with the line of the first bad byte."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(f"not UTF-8 (line {line}: {reason}); save the file as UTF-8")
        self.line = line


def read_utf8(path: Path) -> str:
    """The text of ``path``; ``NotUtf8Error`` names the line of the first byte that is not UTF-8."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise NotUtf8Error(data[: exc.start].count(b"\n") + 1, exc.reason) from None


def load_yaml(path: Path) -> Any:
    """Parse ``path``; a syntax error becomes a ``FactsError`` naming the line."""
    try:
        text = read_utf8(path)
    except UnicodeError as exc:
        raise FactsError([Problem(path, getattr(exc, "line", None), str(exc))]) from None
    except OSError as exc:
        raise FactsError([Problem(path, None, f"cannot read: {exc.strerror}")]) from None
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader is a SafeLoader
    except _RefusedError as exc:
        raise FactsError([Problem(path, exc.problem_mark.line + 1, str(exc.problem))]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        what = getattr(exc, "problem", None) or str(exc)
        context = getattr(exc, "context", None)
        detail = f"{context}, {what}" if context else what
        raise FactsError(
            [Problem(path, line, f"YAML syntax error: {detail}; check indentation and quoting on this line")]
        ) from None
