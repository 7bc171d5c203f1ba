"""Pictures staff upload (clinic.images): refused with a message next to the field when they are
not a usable picture; otherwise stored upright, without metadata, in the sizes the pages use, and
shown with srcset; designed stand-ins where there is none; served with a year's caching."""

import io
import re
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from clinic import images
from clinic.models import Practice, Provider
from tests.factories import make_practice, make_provider, picture_file

pytestmark = pytest.mark.django_db


def stored(settings, name) -> Image.Image:
    return Image.open(Path(settings.MEDIA_ROOT) / name)


def provider_form(provider, **overrides):
    data = {
        "name": provider.name, "slug": provider.slug, "credentials": provider.credentials, "role": provider.role,
        "bio": "", "photo_alt": "Dr. Test at the front desk", "offers_telehealth": "on", "is_active": "on",
        "order": "1", "languages": "English", "npi": "",
        "licences-TOTAL_FORMS": "0", "licences-INITIAL_FORMS": "0", "licences-MIN_NUM_FORMS": "0",
        "licences-MAX_NUM_FORMS": "1000",
    }
    data.update(overrides)
    return data


def post_photo(client, provider, upload):
    return client.post(f"/admin/clinic/provider/{provider.pk}/change/", provider_form(provider, photo=upload))


# --- Refused uploads ----------------------------------------------------------------------

def test_a_file_that_is_not_a_picture_is_refused_next_to_the_photo_field(editor_client):
    provider = make_provider()
    upload = SimpleUploadedFile("portrait.jpg", b"%PDF-1.7 not a picture at all", content_type="image/jpeg")
    response = post_photo(editor_client, provider, upload)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["photo"] == [images.NOT_A_PICTURE]
    assert "Upload a JPEG, PNG or WebP image" in response.content.decode()
    provider.refresh_from_db()
    assert not provider.photo


def test_after_a_refused_upload_the_admin_still_shows_the_photo_as_stored(editor_client):
    provider = make_provider(photo=picture_file(800, 1000), photo_alt="Pat smiling")
    stored = provider.portrait.url_at(160)
    refused = picture_file(100, 125, name="tiny.png")  # too small for a portrait
    response = post_photo(editor_client, provider, refused)
    assert "photo" in response.context["adminform"].form.errors
    html = response.content.decode()
    assert f'<img src="{stored}" alt="" height="96">' in html
    assert "tiny.jpg" not in html


def test_an_oversized_file_is_refused_with_its_size_before_it_is_read(editor_client):
    provider = make_provider()
    upload = SimpleUploadedFile("huge.jpg", b"\xff\xd8" + b"0" * (images.MAX_UPLOAD_BYTES + 1), content_type="image/jpeg")
    response = post_photo(editor_client, provider, upload)
    [message] = response.context["adminform"].form.errors["photo"]
    assert message.startswith("This file is 8.0 MB; the largest the site accepts is 8.0 MB.")
    provider.refresh_from_db()
    assert not provider.photo


@pytest.mark.parametrize("image_format", ["GIF", "BMP", "TIFF"])
def test_a_picture_in_another_format_is_refused_by_the_model(image_format):
    provider = Provider(name="Pat Test", slug="pat-test", role="Physician", photo_alt="Pat smiling")
    provider.photo = picture_file(800, 1000, image_format=image_format)
    with pytest.raises(ValidationError) as error:
        provider.full_clean()
    assert error.value.message_dict["photo"] == [images.NOT_A_PICTURE]


def test_a_picture_of_too_many_pixels_is_refused_before_it_is_decoded():
    provider = Provider(name="Pat Test", slug="pat-test", role="Physician", photo_alt="Pat smiling")
    provider.photo = picture_file(8000, 6000, mode="1")  # 48 megapixels in a few kilobytes
    with pytest.raises(ValidationError) as error:
        provider.full_clean()
    assert error.value.message_dict["photo"][0].startswith("This picture is 8000 × 6000 pixels; the largest")


def test_a_picture_too_small_for_the_page_is_refused_with_the_size_it_needs():
    provider = Provider(name="Pat Test", slug="pat-test", role="Physician", photo_alt="Pat smiling")
    provider.photo = picture_file(200, 250)
    with pytest.raises(ValidationError) as error:
        provider.full_clean()
    assert error.value.message_dict["photo"] == [
        "This picture is only 200 pixels wide. A portrait needs at least 320 so that it stays sharp on every "
        "screen: upload a larger copy."
    ]


def test_a_photo_needs_a_description():
    provider = make_provider()
    provider.photo = picture_file(800, 1000)
    with pytest.raises(ValidationError) as error:
        provider.full_clean()
    assert error.value.message_dict == {"photo_alt": ["Describe the photo for patients who cannot see it."]}


def test_a_logo_and_an_office_photo_each_need_a_description():
    practice = make_practice()
    practice.logo = picture_file(300, 300)
    practice.office_photo = picture_file(1500, 1000)
    with pytest.raises(ValidationError) as error:
        practice.full_clean()
    assert set(error.value.message_dict) == {"logo_alt", "office_photo_alt"}


# --- What is stored -----------------------------------------------------------------------

def test_an_uploaded_portrait_is_stored_in_the_sizes_the_pages_use_without_its_metadata(editor_client, settings):
    provider = make_provider()
    exif = Image.Exif()
    exif[0x010F] = "Phone maker"  # the camera's make: the kind of detail never kept
    response = post_photo(editor_client, provider, picture_file(1200, 1600, image_format="JPEG", exif=exif.tobytes()))
    assert response.status_code == 302
    provider.refresh_from_db()
    assert provider.photo_widths == [160, 320, 640]
    assert (provider.photo_width, provider.photo_height) == (640, 800)  # cropped to 4:5
    assert provider.photo.name.endswith("-640.webp")
    for width in (160, 320, 640):
        with stored(settings, images.rendition_name(provider.photo.name, width)) as copy:
            assert copy.format == "WEBP"
            assert copy.size == (width, width * 5 // 4)
            assert not copy.getexif() and "exif" not in copy.info and "icc_profile" not in copy.info


def test_a_small_portrait_is_never_enlarged():
    provider = make_provider(photo=picture_file(400, 500), photo_alt="Pat smiling")
    assert provider.photo_widths == [160, 320, 400]
    assert (provider.photo_width, provider.photo_height) == (400, 500)


def test_a_phone_photo_taken_sideways_is_stored_upright(settings):
    exif = Image.Exif()
    exif[0x0112] = 6  # "turn a quarter to the right": the sensor's 1000 × 800 is a 800 × 1000 portrait
    provider = make_provider(
        photo=picture_file(1000, 800, image_format="JPEG", exif=exif.tobytes()), photo_alt="Pat smiling"
    )
    assert (provider.photo_width, provider.photo_height) == (640, 800)
    with stored(settings, provider.photo.name) as copy:
        # The orange band along the sensor's top edge is now down the right-hand side.
        assert copy.convert("RGB").getpixel((635, 400))[0] > 200
        assert copy.convert("RGB").getpixel((5, 400))[0] < 100


def test_a_logo_keeps_its_clear_background_and_is_stored_by_height(settings):
    practice = make_practice()
    practice.logo = picture_file(600, 300, mode="RGBA")
    practice.logo_alt = "Test Spine Practice logo"
    practice.save()
    practice = Practice.load(fresh=True)
    assert practice.logo_widths == [96, 192, 288]  # 48, 96 and 144 high
    with stored(settings, practice.logo.name) as copy:
        assert copy.mode == "RGBA" and copy.getpixel((10, 5))[3] == 0


def test_replacing_a_photo_deletes_the_old_copies_once_saved(settings, django_capture_on_commit_callbacks):
    provider = make_provider(photo=picture_file(800, 1000), photo_alt="Pat smiling")
    old_names = [images.rendition_name(provider.photo.name, width) for width in provider.photo_widths]
    provider.photo = picture_file(900, 1000)
    with django_capture_on_commit_callbacks(execute=True):
        provider.save()
    assert not any((Path(settings.MEDIA_ROOT) / name).exists() for name in old_names)
    assert all(
        (Path(settings.MEDIA_ROOT) / images.rendition_name(provider.photo.name, width)).exists()
        for width in provider.photo_widths
    )


def test_clearing_a_photo_forgets_its_sizes_and_deletes_the_copies(settings, django_capture_on_commit_callbacks):
    provider = make_provider(photo=picture_file(800, 1000), photo_alt="Pat smiling")
    name = provider.photo.name
    provider.photo = None
    with django_capture_on_commit_callbacks(execute=True):
        provider.save()
    provider.refresh_from_db()
    assert (provider.photo_widths, provider.photo_width, provider.photo_height) == ([], None, None)
    assert not (Path(settings.MEDIA_ROOT) / name).exists()


# --- On the pages ---------------------------------------------------------------------------

def img_tags(html, css_class):
    return re.findall(rf'<img class="{css_class}"[^>]*>', html)


def test_the_team_page_offers_every_stored_size_with_srcset(client):
    provider = make_provider(photo=picture_file(800, 1000), photo_alt="Dr. Test smiling in the clinic")
    [img] = img_tags(client.get("/team/").content.decode(), "provider-photo")
    srcset = ", ".join(f"{provider.portrait.url_at(width)} {width}w" for width in (160, 320, 640))
    assert f'srcset="{srcset}" sizes="240px"' in img
    assert f'src="{provider.photo.url}"' in img
    assert 'width="640" height="800"' in img and 'alt="Dr. Test smiling in the clinic"' in img


def test_a_providers_page_shows_the_portrait_with_srcset(client):
    provider = make_provider(photo=picture_file(800, 1000), photo_alt="Dr. Test smiling in the clinic")
    [img] = img_tags(client.get(f"/team/{provider.slug}/").content.decode(), "provider-portrait")
    assert 'sizes="160px"' in img and f"{provider.portrait.url_at(160)} 160w" in img


def test_the_header_and_home_page_show_the_logo_and_office_photo_with_their_descriptions(client):
    practice = make_practice()
    practice.logo = picture_file(400, 200, mode="RGBA")
    practice.logo_alt = "Test Spine Practice logo"
    practice.office_photo = picture_file(1800, 1200)
    practice.office_photo_alt = "Our waiting room"
    practice.save()
    html = client.get("/").content.decode()
    [logo] = img_tags(html, "site-logo")
    assert 'sizes="96px"' in logo and 'alt="Test Spine Practice logo"' in logo  # 48 px high, twice as wide
    [office] = img_tags(html, "office-photo")
    assert 'alt="Our waiting room"' in office and "960w" in office and "1440w" in office
    assert 'class="office-illustration"' not in html


def test_a_provider_without_a_photo_gets_their_initials_in_the_practice_colour(client):
    provider = make_provider(name="Morgan Ellis Tate")
    team = client.get("/team/").content.decode()
    assert '<span class="face-initials provider-photo" aria-hidden="true">MET</span>' in team
    page = client.get(f"/team/{provider.slug}/").content.decode()
    assert '<span class="face-initials provider-portrait" aria-hidden="true">MET</span>' in page
    home = client.get("/").content.decode()
    assert '<span class="face-initials team-face" aria-hidden="true">MET</span>' in home
    assert "<img" not in team + page + home


def test_a_practice_without_an_office_photo_shows_the_drawing_of_an_office(client):
    make_practice()
    html = client.get("/").content.decode()
    assert '<svg class="office-illustration"' in html and 'aria-hidden="true"' in html
    assert not img_tags(html, "office-photo") and not img_tags(html, "site-logo")


def test_pictures_below_the_first_screen_load_lazily_and_those_on_it_do_not(client):
    practice = make_practice()
    practice.logo, practice.logo_alt = picture_file(300, 300), "Logo"
    practice.office_photo, practice.office_photo_alt = picture_file(1800, 1200), "Our waiting room"
    practice.save()
    for order in (1, 2, 3):
        make_provider(order=order, photo=picture_file(800, 1000), photo_alt=f"Clinician {order}")
    home = client.get("/").content.decode()
    assert 'loading="lazy"' not in img_tags(home, "site-logo")[0]
    assert all('loading="lazy"' in img for img in img_tags(home, "team-face") + img_tags(home, "office-photo"))
    first, *others = img_tags(client.get("/team/").content.decode(), "provider-photo")
    assert 'loading="lazy"' not in first
    assert len(others) == 2 and all('loading="lazy"' in img for img in others)


# --- Served without nginx -----------------------------------------------------------------

def test_stored_pictures_are_served_with_a_years_caching(client):
    provider = make_provider(photo=picture_file(800, 1000), photo_alt="Pat smiling")
    response = client.get(provider.portrait.url_at(160))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/webp"
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    assert Image.open(io.BytesIO(b"".join(response.streaming_content))).size == (160, 200)


def test_only_pictures_are_served_from_the_media_folder(client, settings):
    (Path(settings.MEDIA_ROOT) / "notes.txt").write_text("not for the web")
    assert client.get("/media/notes.txt").status_code == 404
    assert client.get("/media/missing.webp").status_code == 404


def test_a_name_too_long_for_the_file_system_is_not_found_not_an_error(client):
    assert client.get("/media/" + "a" * 300 + ".jpg").status_code == 404
    assert client.get("/media/providers/" + "a" * 260 + ".webp").status_code == 404


# --- The admin ------------------------------------------------------------------------------

def test_the_admin_shows_the_stored_photo_beside_the_upload(editor_client):
    provider = make_provider(photo=picture_file(800, 1000), photo_alt="Pat smiling")
    html = editor_client.get(f"/admin/clinic/provider/{provider.pk}/change/").content.decode()
    assert f'<img src="{provider.portrait.url_at(160)}" alt="" height="96"> 640 × 800 pixels at most' in html
    assert "at most 8 MB" in html  # the field's help text


def test_every_picture_field_has_help_text_and_a_description_field():
    for model, fields in ((Provider, ["photo"]), (Practice, ["logo", "office_photo"])):
        for name in fields:
            assert model._meta.get_field(name).help_text
            assert model._meta.get_field(f"{name}_alt").help_text


def test_the_demo_ships_its_own_pictures_through_the_same_checks(demo, settings):
    practice = Practice.load(fresh=True)
    assert practice.logo_alt and practice.office_photo_alt
    assert practice.office_photo_widths == [480, 960, 1440]
    for provider in Provider.objects.filter(slug__in=["dana-whitfield", "marcus-ellery", "priya-raman"]):
        assert provider.photo_widths == [160, 320, 640] and provider.photo_alt
        assert (Path(settings.MEDIA_ROOT) / provider.photo.name).exists()
