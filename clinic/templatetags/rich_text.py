from django import template

from clinic.rich_text import render_rich_text

register = template.Library()
register.filter("rich_text", render_rich_text)
