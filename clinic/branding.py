"""The practice's brand colour, and every colour the pages derive from it.

Staff choose one colour (Practice.brand_colour). Buttons, links, checked boxes, focus
rings, the announcement bar and tinted panels are all derived from it here, so one
place decides whether a combination is readable. `contrast_problems` is the check on
save (WCAG 2.2 AA: 4.5:1 for text, 3:1 for the edges of controls and focus rings,
success criteria 1.4.3 and 1.4.11); a colour that fails is refused with the failing
combination named and a darker colour that would pass.
"""

import re
from dataclasses import dataclass

from django import forms
from django.core.exceptions import ValidationError

DEFAULT_BRAND_COLOUR = "#0b5670"
WHITE = "#ffffff"
FOOTER_BACKGROUND = "#f4f6f8"
TEXT_MINIMUM = 4.5
CONTROL_MINIMUM = 3.0
HEX_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")


def parse_hex(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def to_hex(rgb: tuple[float, float, float]) -> str:
    return "#" + "".join(f"{max(0, min(255, round(channel))):02x}" for channel in rgb)


def mix(colour: str, other: str, share_of_other: float) -> str:
    """`colour` with `share_of_other` (0 to 1) of `other` mixed in, channel by channel."""
    first, second = parse_hex(colour), parse_hex(other)
    return to_hex(tuple(a + (b - a) * share_of_other for a, b in zip(first, second, strict=True)))


def relative_luminance(colour: str) -> float:
    """WCAG 2.2's definition (sRGB channels linearised, then weighted)."""

    def linear(channel: int) -> float:
        value = channel / 255
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue = (linear(channel) for channel in parse_hex(colour))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast_ratio(foreground: str, background: str) -> float:
    lighter, darker = sorted((relative_luminance(foreground), relative_luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


@dataclass(frozen=True)
class Palette:
    """Every colour the pages use that follows the brand colour."""

    brand: str

    @property
    def brand_dark(self) -> str:
        """Hover and pressed buttons, the skip link."""
        return mix(self.brand, "#000000", 0.25)

    @property
    def bar(self) -> str:
        """The announcement bar behind white text."""
        return mix(self.brand, "#000000", 0.45)

    @property
    def soft(self) -> str:
        """Tinted panels that carry brand-coloured links and text."""
        return mix(self.brand, WHITE, 0.92)

    @property
    def focus_ring(self) -> str:
        return self.brand

    @property
    def brand_rgb(self) -> str:
        """For Bootstrap's `--bs-*-rgb` variables: "11, 86, 112"."""
        return ", ".join(str(channel) for channel in parse_hex(self.brand))

    def css_variables(self) -> dict[str, str]:
        """The custom properties the stylesheet reads (static/css/site.css)."""
        return {
            "--clinic-primary": self.brand,
            "--clinic-primary-rgb": self.brand_rgb,
            "--clinic-primary-dark": self.brand_dark,
            "--clinic-bar": self.bar,
            "--clinic-soft": self.soft,
            "--clinic-focus": self.focus_ring,
        }

    def combinations(self) -> list[tuple[str, str, str, float]]:
        """(what patients see, foreground, background, the minimum ratio) for every pairing the pages use."""
        return [
            ("White text on buttons", WHITE, self.brand, TEXT_MINIMUM),
            ("White text on pressed buttons", WHITE, self.brand_dark, TEXT_MINIMUM),
            ("Links and outlined buttons on white", self.brand, WHITE, TEXT_MINIMUM),
            ("Links in the footer", self.brand, FOOTER_BACKGROUND, TEXT_MINIMUM),
            ("Links and text in tinted panels", self.brand, self.soft, TEXT_MINIMUM),
            ("White text on the announcement bar", WHITE, self.bar, TEXT_MINIMUM),
            ("Focus rings and checkbox edges on white", self.focus_ring, WHITE, CONTROL_MINIMUM),
        ]


def contrast_problems(colour: str) -> list[str]:
    """What a patient could not read with this brand colour; empty when every pairing passes."""
    palette = Palette(colour.lower())
    return [
        f"{where}: {contrast_ratio(foreground, background):.1f}:1, where WCAG AA needs {minimum:g}:1"
        for where, foreground, background, minimum in palette.combinations()
        if contrast_ratio(foreground, background) < minimum
    ]


def darkest_passing_shade(colour: str) -> str:
    """The lightest shade of `colour` (mixed with black in small steps) that passes every check."""
    for step in range(1, 21):
        candidate = mix(colour, "#000000", step * 0.05)
        if not contrast_problems(candidate):
            return candidate
    return DEFAULT_BRAND_COLOUR


def validate_brand_colour(colour: str) -> None:
    """The model field's validator: a #rrggbb colour that every pairing on the pages can read."""
    if not HEX_COLOUR.fullmatch(colour or ""):
        raise ValidationError("Enter a colour as # and six hexadecimal digits, for example #0b5670.", code="invalid")
    problems = contrast_problems(colour)
    if problems:
        raise ValidationError(
            "Some text would be too hard to read with this colour. %(problems)s. A darker shade such as %(suggestion)s passes.",
            code="contrast",
            params={"problems": "; ".join(problems), "suggestion": darkest_passing_shade(colour)},
        )


class BrandColourField(forms.CharField):
    """The admin's box for the colour: takes it as people paste it (" #0B5670 ", "0b5670") and
    keeps "#0b5670". The box's own limit is wider than the seven characters kept, so a pasted
    space never cuts the last digit off before the check can say what is wrong."""

    PASTE_ROOM = 20

    def widget_attrs(self, widget):
        return {**super().widget_attrs(widget), "maxlength": str(self.PASTE_ROOM)}

    def to_python(self, value):
        value = super().to_python(value).replace(" ", "")
        if re.fullmatch(r"[0-9a-fA-F]{6}", value):
            value = "#" + value
        return value.lower() if HEX_COLOUR.fullmatch(value) else value


def palette_for(practice) -> Palette:
    colour = getattr(practice, "brand_colour", "") or DEFAULT_BRAND_COLOUR
    return Palette(colour.lower())
