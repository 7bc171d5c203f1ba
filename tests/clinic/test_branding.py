import pytest
from django.core.exceptions import ValidationError

from clinic.branding import Palette, contrast_problems, contrast_ratio, darkest_passing_shade, validate_brand_colour
from tests.factories import make_practice


def test_contrast_ratio_matches_wcag_reference_values():
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast_ratio("#ffffff", "#ffffff") == pytest.approx(1.0)
    assert contrast_ratio("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)


def test_the_default_colour_passes_every_pairing():
    assert contrast_problems("#0b5670") == []


def test_a_light_colour_is_refused_naming_the_pairing_and_a_darker_shade():
    with pytest.raises(ValidationError) as refused:
        validate_brand_colour("#ff8800")
    message = refused.value.messages[0]
    assert "White text on buttons: 2.4:1, where WCAG AA needs 4.5:1" in message
    assert darkest_passing_shade("#ff8800") in message
    assert contrast_problems(darkest_passing_shade("#ff8800")) == []


def test_bootstrap_blue_fails_only_on_tinted_backgrounds():
    problems = contrast_problems("#0d6efd")
    assert problems and all("tinted" in problem or "footer" in problem for problem in problems)


@pytest.mark.parametrize("typed", ["0b5670", "#0b567", "#0b56zz", "blue", ""])
def test_it_refuses_what_is_not_a_hex_colour(typed):
    with pytest.raises(ValidationError, match="six hexadecimal digits"):
        validate_brand_colour(typed)


def test_every_derived_colour_is_a_hex_colour():
    palette = Palette("#2e7d32")
    assert all(value.startswith("#") and len(value) == 7 for key, value in palette.css_variables().items() if not key.endswith("-rgb"))
    assert palette.css_variables()["--clinic-primary-rgb"] == "46, 125, 50"


@pytest.mark.django_db
def test_the_practice_refuses_an_unreadable_colour_on_save_through_full_clean():
    practice = make_practice(brand_colour="#ffcc00")
    with pytest.raises(ValidationError) as refused:
        practice.full_clean()
    assert "brand_colour" in refused.value.message_dict
