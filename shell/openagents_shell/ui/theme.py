"""Theme tokens: colours (light and dark), spacing, type scale and radii.

Elements name colours by token (``"fg"``, ``"accent"``…); the display list resolves them against the
active :class:`Theme`, so switching light/dark redraws without rebuilding or re-laying out a view.
A literal CSS colour (``"#rrggbb"``) passes through unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass

#: The shipped face (static/fonts, Inter variable, Latin subset); canvas falls back per glyph for the rest.
FONT_FAMILY = "Inter, system-ui, sans-serif"
MONO_FAMILY = "ui-monospace, 'DejaVu Sans Mono', monospace"

#: Spacing scale in CSS px (4-px grid): SPACE[2] == 8.
SPACE: tuple[int, ...] = (0, 4, 8, 12, 16, 24, 32, 48, 64)

#: Type scale (px): body text is 15 px like the skeleton's stylesheet.
TYPE: dict[str, float] = {"caption": 12.0, "small": 13.0, "body": 15.0, "lead": 17.0,
                          "h3": 18.0, "h2": 22.0, "h1": 28.0}

RADIUS: dict[str, float] = {"none": 0.0, "sm": 4.0, "md": 6.0, "lg": 10.0, "pill": 999.0}

#: Breakpoints (CSS px of viewport width): phones from 360, tablets from 640, desktops from 1024.
BREAKPOINTS: dict[str, int] = {"phone": 0, "tablet": 640, "desktop": 1024}


def breakpoint(width: float) -> str:
    """The widest breakpoint whose minimum ``width`` reaches."""
    name = "phone"
    for key, minimum in BREAKPOINTS.items():
        if width >= minimum:
            name = key
    return name


@dataclass(frozen=True, slots=True)
class Theme:
    name: str
    colors: dict[str, str]

    def color(self, token: str | None) -> str | None:
        if token is None or token.startswith(("#", "rgb")):
            return token
        return self.colors[token]


# Same values as static/styles.css, so the skeleton and the drawn app agree. Contrast of fg/muted/accent
# on bg is at least 4.5:1 in both schemes (WCAG AA for body text).
LIGHT = Theme("light", {
    "bg": "#f7f7f8", "surface": "#ffffff", "fg": "#1b1d21", "muted": "#5d6270", "accent": "#2f5fe0",
    "accent_fg": "#ffffff", "border": "#d5d8df", "subtle": "#e3e5ea", "danger": "#b3261e",
    "danger_bg": "#fdecea", "focus": "#2f5fe0", "code_bg": "#eef0f3", "shadow": "rgba(0,0,0,0.18)",
    "selected": "#dfe7fd", "scrim": "rgba(0,0,0,0.45)",
    # syntax highlighting (ui/highlight.py), each at least 4.5:1 on code_bg
    "code_keyword": "#8a2bb9", "code_string": "#0a6b2e", "code_comment": "#5d6270", "code_number": "#9a4a00",
    "code_name": "#2452c9", "code_builtin": "#a3245a",
})
DARK = Theme("dark", {
    "bg": "#15161a", "surface": "#1e2026", "fg": "#e8e9ec", "muted": "#a3a9b6", "accent": "#8fb0ff",
    "accent_fg": "#0d1020", "border": "#3a3d47", "subtle": "#262830", "danger": "#f2b8b5",
    "danger_bg": "#3b1f1e", "focus": "#8fb0ff", "code_bg": "#262830", "shadow": "rgba(0,0,0,0.5)",
    "selected": "#2a3455", "scrim": "rgba(0,0,0,0.6)",
    "code_keyword": "#d2a8ff", "code_string": "#9fdca5", "code_comment": "#a3a9b6", "code_number": "#f0b27a",
    "code_name": "#8fb0ff", "code_builtin": "#f49ac1",
})


def theme_for(dark: bool) -> Theme:
    return DARK if dark else LIGHT
