"""Units: durations, sizes, rates and fractions, and the errors for bad ones."""

from __future__ import annotations

import math
import re

import pytest

from hadr_model.errors import SpecError
from hadr_model.units import (
    DURATION_UNITS,
    HOURS_PER_YEAR,
    MINUTES_PER_YEAR,
    duration_unit_pattern,
    format_duration,
    parse_duration,
    parse_fraction,
    parse_rate,
    parse_size,
)


def test_year_constants():
    assert HOURS_PER_YEAR == 365 * 24
    assert MINUTES_PER_YEAR == 525_600


@pytest.mark.parametrize(
    ("value", "hours"),
    [
        (4, 4.0),
        (0.5, 0.5),
        ("4", 4.0),
        ("30s", 30 / 3600),
        ("15m", 0.25),
        ("15min", 0.25),
        ("15 minutes", 0.25),
        ("4h", 4.0),
        ("2.5hr", 2.5),
        ("30d", 720.0),
        ("2w", 336.0),
        ("1y", 8760.0),
        ("1Y", 8760.0),
        ("1e3h", 1000.0),
        (".5d", 12.0),
        ("  3 h ", 3.0),
    ],
)
def test_parse_duration(value, hours):
    assert parse_duration(value, "f") == pytest.approx(hours, rel=1e-12)


def test_zero_duration_only_when_allowed():
    assert parse_duration(0, "rpo", allow_zero=True) == 0.0
    assert parse_duration("0s", "rpo", allow_zero=True) == 0.0
    with pytest.raises(SpecError, match=r"rpo: got 0; expected .*more than zero"):
        parse_duration(0, "rpo")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (-1, "more than zero"),
        ("-5m", "more than zero"),
        ("5 fortnights", "known time unit"),
        ("5kg", "known time unit"),
        ("abc", "a duration"),
        ("", "a duration"),
        (None, "a duration"),
        (True, "a duration"),
        ([1], "a duration"),
        (math.nan, "more than zero"),
        (math.inf, "at most a million years"),
        ("1e999h", "at most a million years"),
        ("2000000y", "at most a million years"),
        (10**400, "at most a million years"),  # an int beyond the float range
    ],
)
def test_bad_durations(value, expected):
    with pytest.raises(SpecError, match=expected) as caught:
        parse_duration(value, "zone.mttr")
    assert caught.value.field == "zone.mttr"
    assert str(caught.value).startswith("zone.mttr: got ")


@pytest.mark.parametrize(
    ("value", "size"),
    [(500, 500.0), ("500B", 500.0), ("2KB", 2e3), ("2TB", 2e12), ("1.5GB", 1.5e9),
     ("100MiB", 100 * 2**20), ("1TiB", 2**40), ("2tb", 2e12)],
)
def test_parse_size(value, size):
    assert parse_size(value, "data.db.size") == pytest.approx(size, rel=1e-12)


@pytest.mark.parametrize("value", ["2XB", "0GB", -1, "lots", None, "1e30TB", 10**400])
def test_bad_sizes(value):
    with pytest.raises(SpecError) as caught:
        parse_size(value, "data.db.size")
    assert caught.value.field == "data.db.size"


@pytest.mark.parametrize(
    ("value", "bytes_per_hour"),
    [("200MB/s", 200e6 * 3600), ("1TB/h", 1e12), ("60GB/min", 60e9 * 60), ("1GiB/s", 2**30 * 3600)],
)
def test_parse_rate(value, bytes_per_hour):
    assert parse_rate(value, "r") == pytest.approx(bytes_per_hour, rel=1e-12)


@pytest.mark.parametrize("value", ["200MB", "200MB/fortnight", "a/b/c", 200, "0MB/s"])
def test_bad_rates(value):
    with pytest.raises(SpecError) as caught:
        parse_rate(value, "restore.throughput")
    assert caught.value.field == "restore.throughput"


@pytest.mark.parametrize(
    ("value", "fraction"),
    [(0.6, 0.6), ("60%", 0.6), ("99.99%", 0.9999), (1, 1.0), (0, 0.0), ("100%", 1.0), (" 5 % ", 0.05)],
)
def test_parse_fraction(value, fraction):
    assert parse_fraction(value, "f") == pytest.approx(fraction, rel=1e-15)


@pytest.mark.parametrize("value", ["150%", 1.5, -0.1, "x%", "60", None, math.nan, 10**400])
def test_bad_fractions(value):
    with pytest.raises(SpecError) as caught:
        parse_fraction(value, "objectives.availability")
    assert caught.value.field == "objectives.availability"


# Every accepted spelling and its length in hours, written out here (not read from the table).
ALIASES = {
    **dict.fromkeys(("s", "sec", "secs", "second", "seconds"), 1 / 3600),
    **dict.fromkeys(("m", "min", "mins", "minute", "minutes"), 1 / 60),
    **dict.fromkeys(("h", "hr", "hrs", "hour", "hours"), 1.0),
    **dict.fromkeys(("d", "day", "days"), 24.0),
    **dict.fromkeys(("w", "wk", "wks", "week", "weeks"), 7 * 24.0),
    **dict.fromkeys(("y", "yr", "yrs", "year", "years"), 365 * 24.0),
}


def test_the_table_holds_exactly_the_documented_aliases():
    assert {name for _, _, names in DURATION_UNITS for name in names} == set(ALIASES)


@pytest.mark.parametrize("unit", sorted(ALIASES))
def test_every_alias_in_every_written_form(unit):
    hours = ALIASES[unit]
    for text in (f"3{unit}", f"3 {unit}", f" 3  {unit} ", f"3{unit.upper()}" if unit != "m" else "3m",
                 f"3{unit.capitalize()}" if unit != "m" else "3 m"):
        assert parse_duration(text, "f") == pytest.approx(3 * hours, rel=1e-12), text
    assert parse_rate(f"3.6GB/{unit}", "r") == pytest.approx(3.6e9 / hours, rel=1e-12)
    # The JSON Schema's pattern accepts the same spellings.
    assert re.fullmatch(duration_unit_pattern(), unit)
    assert bool(re.fullmatch(duration_unit_pattern(), unit.upper())) is (unit != "m")   # 'M' is refused


@pytest.mark.parametrize(("text", "hours"), [("10 mins", 1 / 6), ("5000hrs", 5000.0), ("60min", 1.0),
                                             ("5 minutes", 5 / 60), ("2 wks", 336.0), ("1.5 yrs", 13140.0),
                                             ("90 secs", 0.025), ("4H", 4.0), ("15MIN", 0.25), ("2 Hrs", 2.0)])
def test_the_spellings_a_newcomer_writes(text, hours):
    assert parse_duration(text, "zone.mttr") == pytest.approx(hours, rel=1e-12)


def _refusal(value, field="roles.app.mttr"):
    with pytest.raises(SpecError) as caught:
        parse_duration(value, field)
    error = caught.value
    assert error.field == field and error.value == value
    assert str(error).startswith(f"{field}: got {value!r}; expected ")
    return error.expected


@pytest.mark.parametrize("value", ["1M", "15 M", "1.5M"])
def test_a_capital_m_is_refused_as_ambiguous(value):
    expected = _refusal(value)
    assert "'M', which is ambiguous (minute? month? mega?)" in expected
    assert "write 'min' for minutes" in expected and "'30d' or '730h'" in expected


@pytest.mark.parametrize("value", ["2mo", "2 MO", "1 month", "3 months", "1Mon", "6mth"])
def test_a_month_is_refused_with_a_hint(value):
    expected = _refusal(value)
    assert "a month, which has no fixed length: write e.g. '30d' or '730h'" in expected


def test_a_capital_m_in_a_rate_is_refused_too():
    with pytest.raises(SpecError, match=r"restore\.throughput: got '100MB/M'; .*ambiguous") as caught:
        parse_rate("100MB/M", "restore.throughput")
    assert caught.value.field == "restore.throughput"


@pytest.mark.parametrize("value", ["5 fortnights", "1M", "2mo", "abc"])
def test_the_error_lists_every_accepted_unit(value):
    expected = _refusal(value)
    listed = expected.split("time units, in any case but 'M': ", 1)[1]
    assert [part.split(" = ")[0].split(", ") for part in listed.split("; ")] == \
        [list(names) for names in (("s", "sec", "secs", "second", "seconds"), ("m", "min", "mins", "minute", "minutes"),
                                   ("h", "hr", "hrs", "hour", "hours"), ("d", "day", "days"),
                                   ("w", "wk", "wks", "week", "weeks"), ("y", "yr", "yrs", "year", "years"))]


def test_the_schema_pattern_refuses_what_the_parser_refuses():
    pattern = duration_unit_pattern()
    for unit in ("M", "mo", "MO", "month", "months", "ms", "fortnight", "mm", "hh"):
        assert not re.fullmatch(pattern, unit), unit
    for unit in ("m", "MIN", "Mins", "HRS", "Y", "wK"):
        assert re.fullmatch(pattern, unit), unit


@pytest.mark.parametrize(
    ("hours", "text"),
    [(10 / 3600, "10 s"), (0.25, "15 min"), (4, "4 h"), (30, "30 h"), (72, "3 d"), (math.inf, "inf"),
     (5 / 60, "5 min"), (3.8, "3.8 h"), (50.4, "2.1 d"), (0, "0 s"), (math.nan, "nan"),
     # the boundaries: below each the smaller unit, from it the larger one (after rounding to 3 digits)
     (59 / 3600, "59 s"), (59.9 / 3600, "59.9 s"), (59.99 / 3600, "1 min"), (1 / 60, "1 min"),
     (59.9 / 60, "59.9 min"), (59.99 / 60, "1 h"), (1.0, "1 h"), (47.9, "47.9 h"), (47.99, "2 d"), (48, "2 d"),
     (HOURS_PER_YEAR, "365 d"), (2 * HOURS_PER_YEAR - 24, "729 d"), (2 * HOURS_PER_YEAR, "2 y"),
     (10 * HOURS_PER_YEAR, "10 y"), (1234.5 * HOURS_PER_YEAR, "1,230 y"),
     # three significant digits
     (1 / 3 * 24, "8 h"), (10 / 3, "3.33 h"), (100 / 3 / 60, "33.3 min"), (1e-9, "3.6e-06 s"), (-0.25, "-15 min")],
)
def test_format_duration(hours, text):
    assert format_duration(hours) == text


def test_format_duration_reads_back_within_its_rounding():
    for hours in (0.001, 0.0833, 0.77, 1.5, 11.1, 47.0, 100.0, 5000.0, 50_000.0, 123_456.0):
        number, unit = format_duration(hours).split(" ")
        back = parse_duration(f"{number.replace(',', '')}{unit}", "f")
        assert back == pytest.approx(hours, rel=5e-3), (hours, format_duration(hours))


def test_99_99_percent_is_52_56_minutes_per_year():
    assert (1 - 0.9999) * MINUTES_PER_YEAR == pytest.approx(52.56, rel=1e-9)
