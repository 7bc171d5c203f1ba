"""Pictures staff upload: provider portraits, the practice's logo and office photo.

An upload is checked before it is kept (a JPEG, PNG or WebP picture, at most
`MAX_UPLOAD_BYTES` and `MAX_PIXELS`, big enough for the page), with a message next to the
field when it is refused. When the model is saved, the picture is turned upright,
converted to sRGB, cropped to its kind's shape and stored as WebP in the sizes the pages
use; the original and its metadata (EXIF: camera, place, time) are never kept. Names
carry a digest of the upload, so a URL always means the same bytes and is cached for a
year (nginx or `clinic.views.media`). Pages get a `Picture` with `src`, `srcset` and
the stored size.
"""

import hashlib
import io
from dataclasses import dataclass

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import models, transaction
from django.utils.deconstruct import deconstructible
from django.utils.text import slugify
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

# nginx refuses bodies over 10 MB (deploy/nginx/clinic.conf); below that the site answers with a message.
MAX_UPLOAD_BYTES = 8 * 1024 * 1024
# 40 megapixels: any phone or camera photo, but not a "decompression bomb" that fills the memory.
MAX_PIXELS = 40_000_000
ACCEPTED_FORMATS = {"JPEG": "JPEG", "PNG": "PNG", "WEBP": "WebP", "MPO": "JPEG"}  # MPO: some cameras' JPEGs

NOT_A_PICTURE = (
    "This file is not a picture the site can use. Upload a JPEG, PNG or WebP image, such as a photo from a phone "
    "or camera. (iPhone photos in HEIC format: share or export them as JPEG first.)"
)


@dataclass(frozen=True)
class ImageKind:
    """How one kind of picture is checked, shaped and stored."""

    name: str
    description: str  # in messages: "a portrait needs at least …"
    folder: str
    sizes: tuple[int, ...]  # widths, or heights when `by_height`
    minimum: int  # smallest width (or height) accepted
    aspect: float | None = None  # width / height to crop to; None keeps the picture's own shape
    by_height: bool = False
    keep_transparency: bool = False
    quality: int = 80


PORTRAIT = ImageKind(
    "portrait", "A portrait", "providers", sizes=(160, 320, 640), minimum=320, aspect=4 / 5
)
# The header shows the logo 3rem (48 px) high: stored for screens of 1, 2 and 3 device pixels per CSS pixel.
LOGO = ImageKind(
    "logo", "A logo", "practice", sizes=(48, 96, 144), minimum=96, by_height=True, keep_transparency=True, quality=90
)
OFFICE = ImageKind("office", "An office photo", "practice", sizes=(480, 960, 1440), minimum=640, aspect=3 / 2)
KINDS = {kind.name: kind for kind in (PORTRAIT, LOGO, OFFICE)}


def megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def check_upload(upload, kind: ImageKind) -> None:
    """Raise ValidationError, with a message for the person uploading, unless `upload` is a
    picture of an accepted format, size and shape for `kind`."""
    if upload.size is not None and upload.size > MAX_UPLOAD_BYTES:
        raise ValidationError(
            f"This file is {megabytes(upload.size)}; the largest the site accepts is {megabytes(MAX_UPLOAD_BYTES)}. "
            "Save a smaller copy (2000 pixels wide is plenty) and upload that.",
            code="file_too_large",
        )
    upload.seek(0)
    try:
        with Image.open(upload) as image:
            if image.format not in ACCEPTED_FORMATS:
                raise ValidationError(NOT_A_PICTURE, code="not_a_picture")
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise ValidationError(
                    f"This picture is {width} × {height} pixels; the largest the site accepts is "
                    f"{MAX_PIXELS // 1_000_000} megapixels. Save a smaller copy (2000 pixels wide is plenty).",
                    code="too_many_pixels",
                )
            image.load()  # a truncated or damaged file fails here, not when the page is saved
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError, ValueError):
        raise ValidationError(NOT_A_PICTURE, code="not_a_picture") from None
    finally:
        upload.seek(0)
    upright_width, upright_height = (height, width) if _turned_sideways(upload) else (width, height)
    side = upright_height if kind.by_height else upright_width
    if side < kind.minimum:
        measure = "high" if kind.by_height else "wide"
        raise ValidationError(
            f"This picture is only {side} pixels {measure}. {kind.description} needs at least {kind.minimum} "
            "so that it stays sharp on every screen: upload a larger copy.",
            code="too_small",
        )


def _turned_sideways(upload) -> bool:
    """Whether the camera's EXIF orientation turns the picture a quarter turn."""
    upload.seek(0)
    try:
        with Image.open(upload) as image:
            return image.getexif().get(0x0112) in (5, 6, 7, 8)
    finally:
        upload.seek(0)


@deconstructible
class UploadedImageValidator:
    """The model's own check (the admin, the shell and seed_demo all pass it) of a new upload."""

    def __init__(self, kind_name: str):
        self.kind_name = kind_name

    def __call__(self, value):
        # Only a new upload is checked; a stored picture was checked when it came in.
        if value and not getattr(value, "_committed", True):
            check_upload(value.file, KINDS[self.kind_name])

    def __eq__(self, other):
        return isinstance(other, UploadedImageValidator) and other.kind_name == self.kind_name


class ImageUploadFormField(forms.ImageField):
    """Django's ImageField, refusing an oversized file before reading it, in words for staff."""

    default_error_messages = {"invalid_image": NOT_A_PICTURE}

    def to_python(self, data):
        if data and getattr(data, "size", None) and data.size > MAX_UPLOAD_BYTES:
            raise ValidationError(
                f"This file is {megabytes(data.size)}; the largest the site accepts is {megabytes(MAX_UPLOAD_BYTES)}. "
                "Save a smaller copy (2000 pixels wide is plenty) and upload that.",
                code="file_too_large",
            )
        return super().to_python(data)


class UploadedImageField(models.ImageField):
    """A picture stored in the sizes the pages use (see `store_new_uploads`)."""

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": ImageUploadFormField, **kwargs})


@dataclass(frozen=True)
class Rendition:
    width: int
    height: int
    data: bytes


def _upright_srgb(image: Image.Image, keep_transparency: bool) -> Image.Image:
    image = ImageOps.exif_transpose(image)
    profile = image.info.get("icc_profile")
    if profile and image.mode in ("RGB", "RGBA"):
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
            image = ImageCms.profileToProfile(image, source, ImageCms.createProfile("sRGB"), outputMode=image.mode)
        except (ImageCms.PyCMSError, OSError):
            pass  # an unreadable profile: the pixels are kept as they are
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
    if keep_transparency and has_alpha:
        return image.convert("RGBA")
    if has_alpha:
        flat = Image.new("RGB", image.size, "white")
        flat.paste(image.convert("RGBA"), mask=image.convert("RGBA").getchannel("A"))
        return flat
    return image.convert("RGB")


def _cropped(image: Image.Image, aspect: float | None) -> Image.Image:
    """The largest part of `image` in the shape `aspect`, centred across and a little above the middle
    (where faces are in a portrait)."""
    if aspect is None:
        return image
    width, height = image.size
    if width / height > aspect:
        new_width = round(height * aspect)
        left = (width - new_width) // 2
        return image.crop((left, 0, left + new_width, height))
    new_height = round(width / aspect)
    top = round((height - new_height) * 0.35)
    return image.crop((0, top, width, top + new_height))


def make_renditions(upload, kind: ImageKind) -> list[Rendition]:
    """The picture in each of `kind`'s sizes that it is big enough for (never enlarged; a picture
    smaller than the largest size adds its own size), as WebP without metadata, smallest first."""
    upload.seek(0)
    with Image.open(upload) as opened:
        image = _cropped(_upright_srgb(opened, kind.keep_transparency), kind.aspect)
    width, height = image.size
    own = height if kind.by_height else width
    targets = [size for size in kind.sizes if size <= own]
    if own < kind.sizes[-1] and own not in targets:
        targets.append(own)
    renditions = []
    for target in targets:
        if kind.by_height:
            size = (max(1, round(width * target / height)), target)
        else:
            size = (target, max(1, round(height * target / width)))
        # reducing_gap: a fast box reduction first, then Lanczos over the last factor of 3 (as good to the eye).
        resized = image if size == image.size else image.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)
        buffer = io.BytesIO()
        # No exif=, icc_profile= or xmp=: the stored file carries none of the upload's metadata.
        resized.save(buffer, "WEBP", quality=kind.quality, method=4)
        renditions.append(Rendition(size[0], size[1], buffer.getvalue()))
    return renditions


def rendition_name(main_name: str, width: int) -> str:
    """The name of the `width`-wide copy, from the name of the largest ("…-640.webp")."""
    return f"{main_name.rsplit('-', 1)[0]}-{width}.webp"


def store_renditions(storage, upload, kind: ImageKind, stem: str) -> tuple[str, list[int], int, int]:
    """Write the renditions; return the largest one's name, the stored widths and the largest one's size."""
    upload.seek(0)
    digest = hashlib.sha256(upload.read()).hexdigest()[:12]
    renditions = make_renditions(upload, kind)
    prefix = f"{kind.folder}/{slugify(stem)[:60] or 'picture'}-{kind.name}-{digest}"
    for rendition in renditions:
        name = f"{prefix}-{rendition.width}.webp"
        if not storage.exists(name):  # the same upload again: the same bytes are already there
            storage.save(name, ContentFile(rendition.data))
    largest = renditions[-1]
    return f"{prefix}-{largest.width}.webp", [rendition.width for rendition in renditions], largest.width, largest.height


def store_new_uploads(instance, kinds: dict[str, ImageKind], stem: str) -> list[str]:
    """Before `instance` is saved: store each newly uploaded picture in its sizes and fill in
    `<field>_widths`, `<field>_width` and `<field>_height`; forget them for a cleared one.
    Returns the names of the copies the save makes unused (delete them with `delete_on_commit`)."""
    unused = []
    for field_name, kind in kinds.items():
        field_file = getattr(instance, field_name)
        is_new_upload = bool(field_file) and not field_file._committed
        is_cleared = not field_file and bool(getattr(instance, f"{field_name}_widths"))
        if not (is_new_upload or is_cleared):
            continue
        if instance.pk is not None:
            before = type(instance).objects.filter(pk=instance.pk).values(field_name, f"{field_name}_widths").first()
            if before and before[field_name]:
                unused += [rendition_name(before[field_name], width) for width in before[f"{field_name}_widths"] or []]
                unused.append(before[field_name])
        if is_new_upload:
            name, widths, width, height = store_renditions(field_file.storage, field_file.file, kind, stem)
            field_file.name = name
            field_file._committed = True
        else:
            widths, width, height = [], None, None
        setattr(instance, f"{field_name}_widths", widths)
        setattr(instance, f"{field_name}_width", width)
        setattr(instance, f"{field_name}_height", height)
        kept = {field_file.name} | {rendition_name(field_file.name, width) for width in widths} if field_file else set()
        unused = [name for name in unused if name not in kept]
    return sorted(set(unused))


def delete_on_commit(storage, names: list[str]) -> None:
    """Delete stored copies nothing points to any more, once the save that replaced them is committed."""
    if names:
        transaction.on_commit(lambda: [storage.delete(name) for name in names])


@dataclass(frozen=True)
class Picture:
    """A stored picture as a page shows it."""

    file: object  # the FieldFile of the largest copy
    widths: tuple[int, ...]
    width: int | None
    height: int | None
    alt: str

    @property
    def src(self) -> str:
        return self.file.url

    def url_at(self, width: int) -> str:
        return self.file.storage.url(rendition_name(self.file.name, width))

    @property
    def srcset(self) -> str:
        """"…-160.webp 160w, …-320.webp 320w, …": empty for a picture stored before sizes were made."""
        return ", ".join(f"{self.url_at(width)} {width}w" for width in self.widths)


def picture_of(instance, field_name: str, alt: str) -> Picture | None:
    field_file = getattr(instance, field_name)
    if not field_file:
        return None
    return Picture(
        field_file,
        tuple(getattr(instance, f"{field_name}_widths") or ()),
        getattr(instance, f"{field_name}_width"),
        getattr(instance, f"{field_name}_height"),
        alt,
    )
