"""Units: durations, sizes, rates and fractions, and the errors for bad ones."""

from __future__ import annotations

import math

import pytest

from hadr_model.errors import SpecError
from hadr_model.units import (
    HOURS_PER_YEAR,
    MINUTES_PER_YEAR,
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


@pytest.mark.parametrize(
    ("hours", "text"),
    [(10 / 3600, "10 s"), (0.25, "15 min"), (4, "4 h"), (30, "30 h"), (72, "3 d"), (math.inf, "inf")],
)
def test_format_duration(hours, text):
    assert format_duration(hours) == text


def test_99_99_percent_is_52_56_minutes_per_year():
    assert (1 - 0.9999) * MINUTES_PER_YEAR == pytest.approx(52.56, rel=1e-9)
