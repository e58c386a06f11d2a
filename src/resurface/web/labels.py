"""A form field's name as the person filling the form in sees it."""

from __future__ import annotations

import re

_ROW = re.compile(r"^(goal|areas|photos)[-\[](\d+)\]?[.-]?(.*)$")
_ROW_WORD = {"goal": "Goal", "areas": "Area", "photos": "Photo"}


# Fields whose form label is not their name in words.
_LABELS = {
    "display_name": "Full name",
    "timezone": "Time zone",
    "public_url": "Public address",
    "active": "May sign in",
}


def field_label(name: str) -> str:
    """A form field's name as the person filling it in sees it, rows counted from 1:
    ``goal-0`` -> "Goal 1", ``areas[1].energy_mj`` -> "Area 2: energy mj",
    ``photos-0-file`` -> "Photo 1: file"."""
    row = _ROW.match(name)
    if row:
        kind, index, rest = row.groups()
        label = f"{_ROW_WORD[kind]} {int(index) + 1}"
        return f"{label}: {rest.replace('_', ' ')}" if rest else label
    if name in _LABELS:
        return _LABELS[name]
    text = name.replace("_", " ").replace("-", " ")
    return text[:1].upper() + text[1:]
