"""The demo practice's pictures, drawn here with Pillow: illustrated portraits of the three demo
clinicians, a logo and a waiting room. No photo of a real person or place, nothing downloaded.
seed_demo hands them to the models as uploads, so they pass the same checks and processing as
a photo staff upload (clinic.images).

Each is drawn at twice its size and scaled down, which smooths the edges Pillow draws without
anti-aliasing. Drawings are PNG: lossless input, as a camera's JPEG would be to the pipeline.
"""

import io
from dataclasses import dataclass
from functools import cache

from PIL import Image, ImageDraw

from clinic.branding import Palette, mix

SCALE = 2


@dataclass(frozen=True)
class Look:
    skin: str
    hair: str
    hair_style: str  # "bob", "short" or "bun"
    background: str
    top: str  # the scrubs under the white coat


# The demo clinicians (clinic.demo.PROVIDERS), by slug.
LOOKS = {
    "dana-whitfield": Look(skin="#f1c7a5", hair="#8a5a2b", hair_style="bob", background="#dcebf2", top="#2f6f8f"),
    "marcus-ellery": Look(skin="#8d5a3b", hair="#2b1d16", hair_style="short", background="#e6efe3", top="#3b5b7a"),
    "priya-raman": Look(skin="#c68e65", hair="#1f1a17", hair_style="bun", background="#f2e8dc", top="#6b4f86"),
}
DESCRIPTIONS = {
    "dana-whitfield": "Illustrated portrait of Dr. Dana Whitfield in a white coat, smiling",
    "marcus-ellery": "Illustrated portrait of Dr. Marcus Ellery in a white coat, smiling",
    "priya-raman": "Illustrated portrait of Priya Raman in a white coat, smiling",
}
OFFICE_DESCRIPTION = (
    "Drawing of our waiting room: the front desk under the practice's sign, chairs by a large window, plants"
)


def as_png(image: Image.Image, size: tuple[int, int]) -> bytes:
    buffer = io.BytesIO()
    image.resize(size, Image.Resampling.LANCZOS).save(buffer, "PNG")
    return buffer.getvalue()


def box(*coordinates):
    """Coordinates given at the final size, for the canvas drawn SCALE times larger."""
    return [round(value * SCALE) for value in coordinates]


def vertical_gradient(size, top: str, bottom: str) -> Image.Image:
    width, height = size
    image = Image.new("RGB", size)
    draw = ImageDraw.Draw(image)
    for y in range(height):
        draw.line([(0, y), (width, y)], fill=mix(top, bottom, y / max(1, height - 1)))
    return image


# The drawings never change for the same arguments: drawn once per process (seed_demo runs in many tests).
@cache
def portrait(slug: str) -> bytes:
    """An 800 × 1000 illustrated head-and-shoulders portrait."""
    look = LOOKS[slug]
    width, height = 800, 1000
    image = vertical_gradient((width * SCALE, height * SCALE), look.background, mix(look.background, "#ffffff", 0.6))
    draw = ImageDraw.Draw(image)
    skin_shadow = mix(look.skin, "#000000", 0.15)
    if look.hair_style in ("bob", "bun"):
        draw.ellipse(box(230, 190, 570, 640), fill=look.hair)  # hair behind the head
    # Shoulders in a white coat, scrubs in the V, the neck.
    draw.ellipse(box(90, 690, 710, 1300), fill="#f7f8fa", outline="#d4dbe1", width=SCALE * 4)
    draw.polygon(box(330, 700, 470, 700, 400, 860), fill=look.top)
    draw.rectangle(box(345, 560, 455, 720), fill=skin_shadow)
    draw.line(box(330, 700, 400, 860), fill="#d4dbe1", width=SCALE * 6)
    draw.line(box(470, 700, 400, 860), fill="#d4dbe1", width=SCALE * 6)
    # A stethoscope round the neck.
    draw.arc(box(300, 600, 500, 860), start=20, end=160, fill="#3c4650", width=SCALE * 10)
    draw.ellipse(box(470, 800, 510, 840), fill="#9aa6b0", outline="#3c4650", width=SCALE * 4)
    # The head, ears and features.
    draw.ellipse(box(255, 305, 285, 395), fill=skin_shadow)
    draw.ellipse(box(515, 305, 545, 395), fill=skin_shadow)
    draw.ellipse(box(270, 200, 530, 560), fill=look.skin)
    for eye_x in (345, 455):
        draw.ellipse(box(eye_x - 13, 355, eye_x + 13, 381), fill="#2a2320")
        draw.arc(box(eye_x - 30, 320, eye_x + 30, 350), start=200, end=340, fill=look.hair, width=SCALE * 7)
    draw.arc(box(380, 380, 420, 440), start=20, end=160, fill=skin_shadow, width=SCALE * 5)
    draw.arc(box(340, 420, 460, 500), start=20, end=160, fill="#8c3b3b", width=SCALE * 8)
    # Hair on top.
    if look.hair_style == "short":
        draw.chord(box(262, 180, 538, 400), start=180, end=360, fill=look.hair)
        draw.rectangle(box(262, 285, 285, 340), fill=look.hair)
        draw.rectangle(box(515, 285, 538, 340), fill=look.hair)
    elif look.hair_style == "bob":
        draw.chord(box(255, 170, 545, 420), start=180, end=360, fill=look.hair)
        draw.pieslice(box(180, 170, 470, 420), start=270, end=360, fill=look.hair)
    else:
        draw.ellipse(box(340, 110, 460, 220), fill=look.hair)
        draw.chord(box(262, 185, 538, 400), start=180, end=360, fill=look.hair)
    return as_png(image, (width, height))


@cache
def logo(brand: str) -> bytes:
    """A 512 × 512 mark with a clear background: a white spine on a rounded square in the brand colour."""
    size = 512
    image = Image.new("RGBA", (size * SCALE, size * SCALE), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle(box(16, 16, 496, 496), radius=110 * SCALE, fill=brand)
    # Vertebrae, narrowing and swaying gently like a spine.
    sways = [-14, -4, 8, 14, 8, -4, -14]
    for index, sway in enumerate(sways):
        half = 88 - index * 7
        top = 88 + index * 50
        centre = 256 + sway
        draw.rounded_rectangle(box(centre - half, top, centre + half, top + 36), radius=16 * SCALE, fill="#ffffff")
    draw.arc(box(86, 60, 426, 470), start=110, end=250, fill=mix(brand, "#ffffff", 0.55), width=SCALE * 14)
    buffer = io.BytesIO()
    image.resize((size, size), Image.Resampling.LANCZOS).save(buffer, "PNG")
    return buffer.getvalue()


@cache
def office(brand: str) -> bytes:
    """An 1800 × 1200 drawing of the waiting room, in the brand's shades."""
    palette = Palette(brand)
    width, height = 1800, 1200
    image = Image.new("RGB", (width * SCALE, height * SCALE), mix(brand, "#ffffff", 0.88))
    draw = ImageDraw.Draw(image)
    # Floor boards, ceiling lights.
    draw.rectangle(box(0, 880, 1800, 1200), fill="#c9a57f")
    for x in range(0, 1800, 150):
        draw.line(box(x, 880, x - 60, 1200), fill="#b8946e", width=SCALE * 3)
    draw.rectangle(box(0, 870, 1800, 890), fill="#ffffff")
    for x in (300, 900, 1500):
        draw.rectangle(box(x - 90, 0, x + 90, 18), fill="#fdf6d8")
    # A wide window on the right: sky, lawn, trees.
    window = (1000, 150, 1700, 700)
    sky = vertical_gradient(((window[2] - window[0]) * SCALE, (window[3] - window[1]) * SCALE), "#b9dcf0", "#e8f4fa")
    image.paste(sky, tuple(box(window[0], window[1])))
    draw.rectangle(box(1000, 560, 1700, 700), fill="#a8cf98")
    for x, radius in ((1120, 90), (1300, 120), (1560, 100)):
        draw.rectangle(box(x - 10, 520, x + 10, 620), fill="#7a5a3c")
        draw.ellipse(box(x - radius, 520 - radius * 2, x + radius, 540), fill="#5f9a5b")
    draw.rectangle(box(*window), outline="#ffffff", width=SCALE * 22)
    draw.line(box(1350, 150, 1350, 700), fill="#ffffff", width=SCALE * 16)
    # The practice's sign and the front desk.
    draw.rounded_rectangle(box(170, 160, 770, 380), radius=30 * SCALE, fill="#ffffff")
    draw.rounded_rectangle(box(210, 200, 350, 340), radius=28 * SCALE, fill=brand)
    for index in range(4):
        half = 40 - index * 6
        draw.rounded_rectangle(box(280 - half, 215 + index * 30, 280 + half, 235 + index * 30), radius=8 * SCALE, fill="#ffffff")
    for row, length in ((230, 360), (290, 280)):
        draw.rounded_rectangle(box(380, row, 380 + length, row + 30), radius=15 * SCALE, fill=palette.brand_dark)
    draw.rectangle(box(120, 620, 820, 960), fill=brand)
    draw.rectangle(box(100, 585, 840, 630), fill=palette.brand_dark)
    draw.rectangle(box(120, 700, 820, 712), fill=mix(brand, "#ffffff", 0.3))
    draw.rectangle(box(560, 500, 700, 585), fill="#2d3a44")  # a screen on the desk
    draw.rectangle(box(620, 560, 640, 590), fill="#2d3a44")
    # Chairs along the window.
    for x in (1010, 1240, 1470):
        draw.rounded_rectangle(box(x, 700, x + 190, 900), radius=24 * SCALE, fill=palette.brand_dark)
        draw.rounded_rectangle(box(x - 10, 860, x + 200, 930), radius=20 * SCALE, fill=mix(brand, "#000000", 0.1))
        draw.rectangle(box(x + 10, 930, x + 26, 1010), fill="#3c4650")
        draw.rectangle(box(x + 164, 930, x + 180, 1010), fill="#3c4650")
    # A plant by the desk.
    draw.polygon(box(880, 1010, 980, 1010, 965, 880, 895, 880), fill="#b4744a")
    for x0, y0, x1, y1 in ((860, 640, 930, 900), (920, 600, 990, 890), (890, 700, 1010, 880), (840, 720, 950, 890)):
        draw.ellipse(box(x0, y0, x1, y1), fill="#4f8a4c")
    return as_png(image, (width, height))
