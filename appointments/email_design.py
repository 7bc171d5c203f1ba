"""The look of the HTML part of our emails: the practice's colours (clinic.branding) as inline styles.

Mail programs ignore or strip stylesheets (Gmail keeps a <style> block only in some apps, Outlook
drops much of it), so every element carries its own `style` attribute, written once here and
read by templates/appointments/email/_base.html and its partials as `{{ style.<name> }}`. The
Content-Security-Policy that forbids `style=""` on the site's pages does not apply to a mail.

A calm layout for older readers on phones: one column at most 600 px wide, system fonts at 18 px
with generous line spacing, the practice's name in a band of its colour at the top, actions as
large buttons (at least 48 px tall), and nothing fetched from anywhere: no images, web fonts or
tracking pixels, so the email reads the same with remote content blocked.

Every colour pairing used is listed in `colour_pairs`, which the tests hold to WCAG 2.2 AA for
any brand colour the practice is allowed to save.
"""

from clinic.branding import FOOTER_BACKGROUND, TEXT_MINIMUM, WHITE, Palette

TEXT = "#1f2933"
MUTED_TEXT = "#3e4c59"
RULE = "#d9dee3"
FONTS = "-apple-system, BlinkMacSystemFont, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif"


def colour_pairs(palette: Palette) -> list[tuple[str, str, str, float]]:
    """(what readers see, foreground, background, the minimum ratio) for every pairing the emails use."""
    return [
        ("The practice's name in the top band", WHITE, palette.brand, TEXT_MINIMUM),
        ("Text on white", TEXT, WHITE, TEXT_MINIMUM),
        ("Links on white", palette.brand, WHITE, TEXT_MINIMUM),
        ("White text on buttons", WHITE, palette.brand, TEXT_MINIMUM),
        ("Text in the tinted details panel", TEXT, palette.soft, TEXT_MINIMUM),
        ("Headings in the tinted details panel", palette.brand, palette.soft, TEXT_MINIMUM),
        ("Footer text", MUTED_TEXT, FOOTER_BACKGROUND, TEXT_MINIMUM),
        ("Links in the footer", palette.brand, FOOTER_BACKGROUND, TEXT_MINIMUM),
    ]


def styles(palette: Palette) -> dict[str, str]:
    """The inline style of each kind of element, by the name the templates use."""
    text = f"font-family: {FONTS}; color: {TEXT};"
    return {
        "body": f"margin: 0; padding: 0; background-color: {FOOTER_BACKGROUND}; -webkit-text-size-adjust: 100%;",
        "outer": f"width: 100%; background-color: {FOOTER_BACKGROUND};",
        "outer_cell": "padding: 16px 8px;",
        "card": f"width: 100%; max-width: 600px; background-color: {WHITE}; border: 1px solid {RULE}; border-radius: 8px;",
        "band": f"background-color: {palette.brand}; padding: 20px 24px; border-radius: 8px 8px 0 0;",
        "practice_name": f"margin: 0; font-family: {FONTS}; font-size: 22px; line-height: 1.3; font-weight: bold; color: {WHITE};",
        "content": f"padding: 24px; {text} font-size: 18px; line-height: 1.6;",
        "p": f"margin: 0 0 18px 0; {text} font-size: 18px; line-height: 1.6;",
        "h2": f"margin: 28px 0 8px 0; font-family: {FONTS}; font-size: 20px; line-height: 1.35; font-weight: bold; color: {TEXT};",
        "notice": f"margin: 0 0 18px 0; padding: 14px 16px; border-left: 4px solid {palette.brand}; background-color: {palette.soft}; "
                  f"{text} font-size: 18px; line-height: 1.6;",
        "ul": f"margin: 0 0 18px 0; padding: 0 0 0 24px; {text} font-size: 18px; line-height: 1.6;",
        "li": "margin: 0 0 6px 0;",
        "panel": f"width: 100%; margin: 0 0 18px 0; background-color: {palette.soft}; border-radius: 8px;",
        "panel_cell": "padding: 16px;",
        "panel_heading": f"margin: 0 0 8px 0; font-family: {FONTS}; font-size: 18px; font-weight: bold; color: {palette.brand};",
        "term": f"padding: 4px 12px 4px 0; vertical-align: top; {text} font-size: 18px; line-height: 1.5; font-weight: bold; "
                "white-space: nowrap;",
        "value": f"padding: 4px 0; vertical-align: top; {text} font-size: 18px; line-height: 1.5;",
        "button_wrap": "margin: 0 0 18px 0;",
        "button": f"display: inline-block; padding: 14px 24px; background-color: {palette.brand}; color: {WHITE}; "
                  f"font-family: {FONTS}; font-size: 18px; line-height: 1.3; font-weight: bold; text-decoration: none; "
                  f"border-radius: 8px; border: 2px solid {palette.brand_dark};",
        "link": f"color: {palette.brand}; text-decoration: underline; word-break: break-word; overflow-wrap: anywhere;",
        "footer": f"padding: 20px 24px; background-color: {FOOTER_BACKGROUND}; border-top: 1px solid {RULE}; "
                  f"border-radius: 0 0 8px 8px; font-family: {FONTS}; color: {MUTED_TEXT}; font-size: 16px; line-height: 1.6;",
        "footer_p": f"margin: 0 0 10px 0; font-family: {FONTS}; color: {MUTED_TEXT}; font-size: 16px; line-height: 1.6;",
        "footer_link": f"color: {palette.brand}; text-decoration: underline;",
    }
