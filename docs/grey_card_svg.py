"""Draw docs/grey-card.svg: where the grey card goes in a clinic photo, and which card works.

Run ``python docs/grey_card_svg.py`` to redraw it (standard library only). The card's grey is
the sRGB value of a neutral 18 % reflectance (L* 49.5): #767676.
"""

from __future__ import annotations

from pathlib import Path

OUT = Path(__file__).with_name("grey-card.svg")
CARD = "#767676"  # sRGB of 18 % reflectance: L* = 116 * 0.18^(1/3) - 16 = 49.5
SKIN = "#e3b497"
HAIR = "#5a3b2a"
INK = "#1e2a33"


def _text(x: float, y: float, words: str, *, size: int = 15, weight: str = "normal") -> str:
    return (
        f'<text x="{x}" y="{y}" font-family="sans-serif" font-size="{size}" '
        f'font-weight="{weight}" fill="{INK}">{words}</text>'
    )


def _face(cx: float, cy: float) -> list[str]:
    return [
        f'<ellipse cx="{cx}" cy="{cy - 20}" rx="118" ry="150" fill="{HAIR}"/>',
        f'<rect x="{cx - 28}" y="{cy + 120}" width="56" height="30" fill="{SKIN}"/>',
        f'<ellipse cx="{cx}" cy="{cy + 10}" rx="100" ry="135" fill="{SKIN}"/>',
        f'<path d="M{cx - 100},{cy - 40} Q{cx},{cy - 170} {cx + 100},{cy - 40} '
        f'Q{cx + 40},{cy - 95} {cx - 100},{cy - 40}Z" fill="{HAIR}"/>',
        f'<ellipse cx="{cx - 40}" cy="{cy - 5}" rx="16" ry="8" fill="#fff"/>',
        f'<ellipse cx="{cx + 40}" cy="{cy - 5}" rx="16" ry="8" fill="#fff"/>',
        f'<circle cx="{cx - 40}" cy="{cy - 5}" r="6" fill="#4b3a2a"/>',
        f'<circle cx="{cx + 40}" cy="{cy - 5}" r="6" fill="#4b3a2a"/>',
        f'<path d="M{cx - 60},{cy - 28} q20,-10 40,0 M{cx + 20},{cy - 28} q20,-10 40,0" '
        f'stroke="{HAIR}" stroke-width="5" fill="none"/>',
        f'<path d="M{cx},{cy + 5} l-10,35 h20" stroke="#b98a70" stroke-width="3" fill="none"/>',
        f'<path d="M{cx - 30},{cy + 75} q30,18 60,0" stroke="#a4584b" stroke-width="6" '
        f'fill="none" stroke-linecap="round"/>',
    ]


def _good_card(x: float, y: float) -> list[str]:
    # The card, held beside the cheek by a hand (fingers at its lower edge).
    return [
        f'<rect x="{x}" y="{y}" width="90" height="120" rx="4" fill="{CARD}" '
        f'stroke="#555" stroke-width="1"/>',
        f'<rect x="{x + 18}" y="{y + 112}" width="54" height="40" rx="14" fill="{SKIN}"/>',
    ]


def _patched_card(x: float, y: float) -> list[str]:
    return [
        f'<rect x="{x}" y="{y}" width="90" height="120" rx="4" fill="{CARD}" stroke="#555"/>',
        f'<rect x="{x + 8}" y="{y + 8}" width="34" height="34" fill="#fff" stroke="#999"/>',
        f'<rect x="{x + 48}" y="{y + 8}" width="34" height="34" fill="#000"/>',
        f'<path d="M{x - 8},{y - 8} L{x + 98},{y + 128} M{x + 98},{y - 8} L{x - 8},{y + 128}" '
        f'stroke="#b3261e" stroke-width="6" stroke-linecap="round"/>',
    ]


def draw() -> str:
    parts = [
        '<svg xmlns="http://www.w3.org/2000/svg" width="760" height="460" '
        'viewBox="0 0 760 460" role="img" '
        'aria-label="A face photographed with a plain 18 % grey card held beside the cheek">',
        '<rect width="760" height="460" fill="#f4f6f8"/>',
        '<rect x="20" y="20" width="420" height="420" rx="10" fill="#dfe5ea"/>',
        *_face(200, 232),
        *_good_card(320, 200),
        _text(36, 48, "In the frame: the card beside the cheek", size=16, weight="bold"),
        _text(36, 408, "Same light as the skin, flat to the camera,"),
        _text(36, 426, "not touching the frame's edge, no shadow across it."),
        _text(470, 60, "This card works", size=16, weight="bold"),
        *_good_card(470, 80),
        _text(575, 110, "plain, uniform"),
        _text(575, 130, "18 % grey (neutral),"),
        _text(575, 150, "matte, nothing"),
        _text(575, 170, "printed on its face"),
        _text(470, 255, "This one does not", size=16, weight="bold"),
        *_patched_card(470, 275),
        _text(575, 305, "white and black"),
        _text(575, 325, "patches, colour charts,"),
        _text(575, 345, "logos or grids: not"),
        _text(575, 365, "found as a card"),
        "</svg>",
    ]
    return "\n".join(parts) + "\n"


if __name__ == "__main__":
    OUT.write_text(draw(), encoding="utf-8")
    print(f"written: {OUT}")
