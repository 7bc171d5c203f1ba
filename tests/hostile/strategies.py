"""What a hostile or broken client sends: Hypothesis strategies for form fields, query
strings and URL segments. Values are strings (or lists of strings for a field sent
more than once), as they arrive in `request.GET` / `request.POST`."""

from datetime import UTC, date, datetime, timedelta, timezone
from urllib.parse import quote_from_bytes, urlencode

from hypothesis import strategies as st

# Characters that break naive code: NUL and other controls, bidirectional overrides,
# zero-width and combining marks, noncharacters, emoji sequences, digits that are not
# ASCII (Python's int() and \d accept them), odd spaces, case-folding surprises and
# characters that Unicode normalisation (NFKC, as Django does to usernames) makes 18 long.
ODD_CHARACTERS = (
    "\x00", "\x01", "\x07", "\x08", "\t", "\n", "\r", "\r\n", "\x0b", "\x0c", "\x1b", "\x7f", "\x85", "\xa0", "\xad",
    "\u0301", "\u0308", "\u0336", "\u20dd", "Z\u0351\u0357\u0352\u0489",
    "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff",
    "\u200e", "\u200f", "\u061c", "\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069",
    "\u2028", "\u2029", "\u3000", "\u1680",
    "\ufffd", "\ufffe", "\uffff", "\U0010ffff",
    "\U0001f600", "\U0001f469\u200d\U0001f52c", "\U0001f1fa\U0001f1f8", "\U0001f44d\U0001f3fd",
    "\u0130", "\u0131", "\u00df", "\ufb01", "\u2126", "\ufdfa", "\u3392", "\uff10", "\u0661\u0662", "\u096a",
    "\u05e9\u05dc\u05d5\u05dd", "\u0645\u0631\u062d\u0628\u0627", "\u4e2d\u6587",
)

# Values that are the wrong type or shape where a slug, a number, a date or a time is expected.
WRONG_SHAPES = (
    "", " ", "0", "-1", "-0", "00", "1.5", "-2.5e3", "1e309", "-1e309", "NaN", "nan", "Infinity", "-inf", "0x1F", "0o17",
    "1_000", "9" * 40, "-" + "9" * 40, "True", "false", "None", "null", "undefined", "[]", "{}", "[object Object]",
    "any", "ANY", " any ", "video", "VIDEO", "in_office ", "in-office",
    "../", "..\\", "../../../../etc/passwd", "..%2f..%2f", "%2e%2e/", "/", "//evil.example", "http://evil.example/",
    "javascript:alert(1)", "<script>alert(1)</script>", "\"'><svg onload=alert(1)>", "{{ 7|add:7 }}", "{% now 'Y' %}",
    "'; DROP TABLE appointments_appointment; --", "' OR '1'='1", "%s%s%n", "%00", "%", "&", "=", "?", "#", "\\",
    "0000-00-00", "0000-01-01", "0001-01-01", "99999-12-31", "-0001-01-01", "2026-02-30", "2026-13-01", "2026-1-1",
    "9999-12-31", "1900-02-29", "00/00/0000", "02/30/1990", "12/31/99999", "13/13/1313", "1/1/1", "31.12.1999",
    "0001-01-01T00:00:00+23:59", "9999-12-31T23:59:59-23:59", "9999-12-31T23:59:59.999999+00:00",
    "2026-03-08T02:30:00-05:00", "2026-11-01T01:30:00-04:00", "2026-06-01T09:00:00", "2026-06-01T09:00:00Z",
    "2026-06-01 09:00", "2026-06-01T09:00:00+99:00", "2026-W23-1", "T09:00", "24:00", "now", "today", "tomorrow",
)

# Offsets from the widest the datetime module allows to odd ones.
ODD_OFFSETS = [timezone(timedelta(hours=hours, minutes=minutes)) for hours, minutes in ((0, 0), (14, 0), (-12, 0), (5, 45))]
ODD_OFFSETS += [timezone(timedelta(hours=23, minutes=59)), timezone(-timedelta(hours=23, minutes=59)), UTC]

odd_text = st.lists(st.one_of(st.characters(codec="utf-8"), st.sampled_from(ODD_CHARACTERS)), max_size=40).map("".join)
"""Short text of any characters, odd ones weighted up (surrogates cannot be sent as UTF-8)."""

huge_text = st.builds(
    lambda unit, size: (unit * (size // len(unit) + 1))[:size],
    st.one_of(st.sampled_from(("a", "9", "\U0001f600", "\u202e", "\x00", "\u0301", "é", "<b>")), odd_text.filter(bool)),
    st.integers(min_value=10_000, max_value=100_000),
)
"""10,000 to 100,000 characters: a pasted book, a padding attack."""

EDGE_DATES = (
    date.min, date(1, 1, 7), date(1899, 12, 31), date(1900, 2, 28), date(1970, 1, 1), date(2000, 2, 29), date(2038, 1, 19),
    date(9999, 12, 25), date(9999, 12, 28), date.max,
)
"""The first and last days Python can represent (a week from them overflows), and other famous edges."""

any_date = st.one_of(
    st.sampled_from(EDGE_DATES).map(date.isoformat),
    st.dates().map(date.isoformat),
    st.dates().map(lambda day: f"{day.month:02}/{day.day:02}/{day.year:04}"),
    st.sampled_from(WRONG_SHAPES[WRONG_SHAPES.index("0000-00-00"):]),
)
"""A day in the forms this site reads (2026-06-01, 06/01/2026), possibly out of range or impossible."""

wrong_types = st.one_of(
    st.sampled_from(WRONG_SHAPES),
    st.integers(min_value=-(2**80), max_value=2**80).map(str),
    st.floats().map(repr),
    any_date,
    st.datetimes(timezones=st.sampled_from(ODD_OFFSETS)).map(datetime.isoformat),
    st.datetimes(min_value=datetime(9999, 12, 31), timezones=st.sampled_from(ODD_OFFSETS)).map(datetime.isoformat),
    st.datetimes(max_value=datetime(1, 1, 1, 23, 59), timezones=st.sampled_from(ODD_OFFSETS)).map(datetime.isoformat),
    st.datetimes().map(datetime.isoformat),  # naive
)
"""Numbers where dates are expected, dates far out of range, negative ids, paths."""

hostile_value = st.one_of(odd_text, wrong_types, huge_text)
"""One hostile value for one field."""


def sent_as(valid: str):
    """What a client may send for a field whose valid value is `valid`: that value, a
    hostile one, the field twice or more (QueryDict's .get() takes the last), or 1,001
    copies (more fields than Django accepts)."""
    return st.one_of(
        st.just(valid),
        hostile_value,
        st.lists(st.one_of(st.just(valid), hostile_value), min_size=2, max_size=4),
        # Rarely: a flood that every request with it answers 400, so it would hide the rest.
        st.integers(min_value=0, max_value=15).flatmap(
            lambda roll: st.just([valid] * 1001) if roll == 0 else st.lists(st.just(valid), min_size=2, max_size=3)
        ),
    )


def near_misses(free_starts: list[str]):
    """Times next to free ones: the same instant in another offset (still free), a few minutes
    off the step, an hour or a day or a year away, at night, in the past."""
    return st.builds(
        lambda start, shift, offset: (datetime.fromisoformat(start) + shift).astimezone(offset).isoformat(),
        st.sampled_from(free_starts),
        st.sampled_from([timedelta(0), timedelta(minutes=1), timedelta(minutes=-7), timedelta(minutes=15), timedelta(hours=1),
                         timedelta(hours=-9), timedelta(days=1), timedelta(days=-1), timedelta(days=-30), timedelta(days=365)]),
        st.sampled_from(ODD_OFFSETS),
    )


MISSING = object()

QUERY_NAMES = (
    "visit", "mode", "provider", "week", "start", "new_start", "p", "page", "next", "q", "format", "utm_source",
    "lang", "form_stamp", "website", "csrfmiddlewaretoken", "token", "id", "slug", "state", "preferred_days",
)
field_names = st.one_of(st.sampled_from(QUERY_NAMES), odd_text)


@st.composite
def mutations_of(draw, valid: dict, *, extra_fields=True):
    """A form based on `valid` with some fields replaced, left out or duplicated, and perhaps
    extra fields. Shrinks towards the valid form, so a failure shows the fewest changes."""
    names = sorted(valid)
    # A third unchanged, a third with one or two fields changed, a third with any number: both
    # forms that go through and forms broken in many ways at once are tried.
    changed = draw(st.one_of(
        st.just(set()), st.sets(st.sampled_from(names), min_size=1, max_size=2), st.sets(st.sampled_from(names))
    )) if names else set()
    data = {}
    for name in names:
        value = valid[name]
        if name not in changed:
            data[name] = value
            continue
        if isinstance(value, list):  # a multiple-choice field: any list of any values
            ticked = st.sampled_from(value) if value else st.nothing()
            sent = draw(st.one_of(st.just(MISSING), st.lists(st.one_of(ticked, hostile_value), max_size=30)))
        else:
            sent = draw(st.one_of(st.just(MISSING), sent_as(value)))
        if sent is not MISSING:
            data[name] = sent
    if extra_fields:
        for name, value in draw(st.dictionaries(field_names, st.one_of(hostile_value, st.lists(odd_text)), max_size=2)).items():
            data.setdefault(name, value)
    return data


hostile_query = st.one_of(
    st.dictionaries(field_names, st.one_of(hostile_value, st.lists(hostile_value, min_size=2, max_size=3)), max_size=4).map(
        lambda params: urlencode(params, doseq=True)
    ),
    st.binary(max_size=200).map(lambda raw: quote_from_bytes(raw, safe="=&;+")),
    st.sampled_from(("", "=", "&&&", "a=1&a=2&a=3", "%", "%zz", "%ff%fe", "%00=%00", "?", "#frag")),
    st.integers(min_value=2000, max_value=20_000).map(lambda size: "q=" + "a" * size),
)
"""A query string as sent on the wire: from a dict of hostile values, or random bytes percent-encoded."""

random_slugs = st.one_of(
    st.from_regex(r"[-a-zA-Z0-9_]{1,80}", fullmatch=True),  # matches <slug:...>, reaches the view
    st.text(max_size=60).map(lambda text: quote_from_bytes(text.encode(), safe="")),
    st.binary(min_size=1, max_size=60).map(lambda raw: quote_from_bytes(raw, safe="")),
    st.sampled_from(("..", ".", "%2e%2e", "%00", "%2F")),
    st.integers(min_value=200, max_value=5000).map(lambda size: "a" * size),
)
"""A path segment: slug-shaped, any text or random bytes, percent-encoded as on the wire."""


def with_query(path: str, query: str) -> str:
    return f"{path}?{query}" if query else path


def form_body(data: dict) -> str:
    """A urlencoded POST body, as a browser sends this site's forms; lists become repeated fields."""
    return urlencode(data, doseq=True)


def last_value(value):
    """The value a view reads with QueryDict.get(): the last one sent."""
    return value[-1] if isinstance(value, list) else value
