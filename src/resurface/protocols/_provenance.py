"""The sourcing rule: every number in a protocol file says where it comes from.

A number is accepted when it, or a mapping that encloses it (below the top level of the file),
carries ``source:`` - a citation, or list of citations, each naming a year - or
``expert_opinion: true`` with a ``note:`` telling the clinic that the value is its own setting.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from resurface.domain.errors import ProtocolError

PROVENANCE_KEYS = frozenset({"source", "expert_opinion", "note"})
_YEAR = re.compile(r"\b(19|20)\d\d\b")


def check_numbers_are_sourced(data: object, file: str) -> None:
    """Raise ``ProtocolError`` naming the first number that has neither a source nor the flag."""
    _walk(data, file, path="", covered=False, top=True)


def key_path(parts: Sequence[object]) -> str:
    """``("rules", 3, "when")`` -> ``rules[3].when``."""
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text or "<top level>"


def _walk(node: object, file: str, path: str, covered: bool, top: bool) -> None:
    if isinstance(node, dict):
        declares = _declares_provenance(node, file, path)
        inner_covered = covered or (declares and not top)
        for key, value in node.items():
            if key in PROVENANCE_KEYS:
                continue
            child = f"{path}.{key}" if path else str(key)
            _walk(value, file, child, inner_covered, top=False)
    elif isinstance(node, list):
        for index, item in enumerate(node):
            _walk(item, file, f"{path}[{index}]", covered, top=False)
    elif isinstance(node, bool):
        return
    elif isinstance(node, int | float) and not covered:
        raise ProtocolError(
            file,
            path,
            f"the number {node} has no `source:` (paper, year) and no `expert_opinion: true` "
            "with a `note:`",
        )


def _declares_provenance(node: dict[object, object], file: str, path: str) -> bool:
    source = node.get("source")
    flagged = node.get("expert_opinion", False)
    here = path or "<top level>"
    if not isinstance(flagged, bool):
        raise ProtocolError(file, f"{here}.expert_opinion", "must be true or false")
    if flagged and not str(node.get("note") or "").strip():
        raise ProtocolError(
            file, f"{here}.note", "an expert-opinion value needs a note for the clinic"
        )
    if source is None:
        return flagged
    citations = [source] if isinstance(source, str) else source
    if not isinstance(citations, list) or not citations:
        raise ProtocolError(file, f"{here}.source", "must be a citation or a list of citations")
    for citation in citations:
        if not isinstance(citation, str) or not _YEAR.search(citation):
            raise ProtocolError(
                file, f"{here}.source", f"{citation!r} is not a citation naming a year"
            )
    return True
