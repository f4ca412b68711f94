"""Date expressions at a moment (`placement.cib.dates`), as Pacemaker 2.1.5 evaluates them.

Examples per form, properties against Python's own calendar, and (when installed) the
real ``crm_simulate`` asked where a resource goes under a date rule at a fixed
``execution-date``.
"""

from __future__ import annotations

import datetime as dt
import shutil
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from placement.cib import dates, import_cib
from placement.cib.dates import Moment
from tests.cib.cibxml import cib, dummy, option, our_placement, pacemaker_placement

UTC_NOON = Moment.parse("2019-09-23 12:00:00 Z")  # a Monday, ISO week 39, day 266


def expression(text: str) -> ET.Element:
    return ET.fromstring(text)


def at(text: str) -> Moment:
    moment = Moment.parse(text)
    assert moment is not None, text
    return moment


# ----------------------------------------------------------------------------- parsing


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2019-09-23 18:00:00 -05:00", "2019-09-23T23:00:00+00:00"),
        ("2019-09-23 18:00:00 +05:30", "2019-09-23T12:30:00+00:00"),
        ("2019-09-23T18:00:00Z", "2019-09-23T18:00:00+00:00"),
        ("20190923T180000Z", "2019-09-23T18:00:00+00:00"),
        ("2019-09-23", "2019-09-23T00:00:00+00:00"),  # a date alone is UTC midnight
        ("2019-266", "2019-09-23T00:00:00+00:00"),  # ordinal date
        ("2009-W01-1", "2008-12-29T00:00:00+00:00"),  # ISO week date
        ("2009-W53-7", "2010-01-03T00:00:00+00:00"),
        ("2019-09-23 24:00:00 Z", "2019-09-24T00:00:00+00:00"),
        ("epoch", "1970-01-01T00:00:00+00:00"),
    ],
)
def test_dates_parse_as_crm_time_new(text: str, expected: str) -> None:
    moment = at(text)
    assert moment.utc_seconds() == _utc_seconds(dt.datetime.fromisoformat(expected))


@pytest.mark.parametrize("text", ["", "2019-02-30", "2019-13-01", "2019-367", "2019-09-23 25:00:00", "tomorrow"])
def test_what_pacemaker_cannot_read_is_no_date(text: str) -> None:
    assert Moment.parse(text) is None


def test_an_offset_counts_only_after_a_blank_or_as_z() -> None:
    # compat(pacemaker): crm_time_parse looks for "Z", else for a blank; "+02:00" glued
    # to the time is ignored and the local zone is used.
    glued, spaced = at("2019-09-23 12:00:00+02:00"), at("2019-09-23 12:00:00 +02:00")
    assert spaced.offset == 7200
    assert glued.offset == time.localtime().tm_gmtoff


def _utc_seconds(when: dt.datetime) -> int:
    epoch = at("epoch").utc_seconds()
    return epoch + int((when - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)).total_seconds())


# ----------------------------------------------------------------------------- fields


@settings(max_examples=300, deadline=None)
@given(st.datetimes(min_value=dt.datetime(1, 1, 1), max_value=dt.datetime(9998, 12, 31)))
def test_fields_agree_with_pythons_calendar(when: dt.datetime) -> None:
    moment = at(when.strftime("%Y-%m-%d %H:%M:%S") + " Z")
    year, week, weekday = when.isocalendar()
    assert moment.gregorian() == (when.year, when.month, when.day)
    assert moment.time_of_day() == (when.hour, when.minute, when.second)
    assert moment.days == when.timetuple().tm_yday
    assert moment.iso_week() == (year, week, weekday)  # Monday = 1


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=4_000_000_000), st.integers(min_value=-14, max_value=14))
def test_epoch_seconds_round_trip_in_any_zone(epoch: int, hours: int) -> None:
    moment = Moment.from_epoch(epoch, hours * 3600)
    assert moment.utc_seconds() - at("epoch").utc_seconds() == epoch
    local = dt.datetime.fromtimestamp(epoch, dt.timezone(dt.timedelta(hours=hours)))
    assert moment.gregorian() == (local.year, local.month, local.day)
    assert moment.time_of_day() == (local.hour, local.minute, local.second)


def test_months_keep_the_day_clamped_to_the_month() -> None:
    assert at("2019-01-31").add_months(1).gregorian() == (2019, 2, 28)
    assert at("2019-11-30").add_months(3).gregorian() == (2020, 2, 29)
    assert at("2020-03-31").add_months(-13).gregorian() == (2019, 2, 28)


# ----------------------------------------------------------------------------- date_spec


def _reference_in_range(text: str, value: int) -> bool:
    """The documented reading of a date_spec field: N, N-M, N-, -M, inclusive."""
    low_text, dash, high_text = text.partition("-")
    if not dash:
        return value == int(text)
    low = int(low_text) if low_text else None
    high = int(high_text) if high_text else None
    return (low is None or value >= low) and (high is None or value <= high)


@given(
    st.integers(min_value=0, max_value=400),
    st.integers(min_value=0, max_value=400),
    st.sampled_from(["{a}", "{a}-{b}", "{a}-", "-{b}"]),
    st.integers(min_value=0, max_value=400),
)
def test_a_date_spec_field_is_an_inclusive_range(a: int, b: int, form: str, value: int) -> None:
    text = form.format(a=a, b=b)
    assert dates.in_range(text, value) == _reference_in_range(text, value)


@pytest.mark.parametrize("text", ["9 - 16", "x", "-", "9-x"])
def test_an_unreadable_field_restricts_nothing(text: str) -> None:
    # compat(pacemaker): check_one's "undetermined" passes
    assert dates.in_range(text, 3)


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ('hours="12"', True),
        ('hours="9-11"', False),
        ('hours="9-16" weekdays="1-5"', True),
        ('weekdays="6-7"', False),
        ('weekdays="1"', True),  # Monday is 1
        ('monthdays="23" months="9" years="2019"', True),
        ('yeardays="266"', True),
        ('weeks="39" weekyears="2019"', True),
        ('minutes="0-5" seconds="0"', True),
        ('moon="7"', True),  # nethack's phase: 0 new … 4 full … 7
        ('moon="4"', False),
        ("", True),
    ],
)
def test_date_spec(spec: str, expected: bool) -> None:
    element = expression(f'<date_expression operation="date_spec"><date_spec id="s" {spec}/></date_expression>')
    assert dates.holds(element, UTC_NOON) is expected


# ----------------------------------------------------------------------------- operations


@pytest.mark.parametrize(
    ("attributes", "expected"),
    [
        ('operation="in_range" start="2019-09-23 12:00:00 Z" end="2019-09-23 13:00:00 Z"', True),  # start inclusive
        ('operation="in_range" start="2019-09-23 11:00:00 Z" end="2019-09-23 12:00:00 Z"', True),  # end inclusive
        ('operation="in_range" start="2019-09-23 12:00:01 Z"', False),
        ('operation="in_range" end="2019-09-23 11:59:59 Z"', False),
        ('start="2019-09-23 11:00:00 Z" end="2019-09-23 13:00:00 Z"', True),  # in_range is the default
        ('operation="in_range"', False),  # needs a start or an end
        ('operation="gt" start="2019-09-23 12:00:00 Z"', False),  # strictly after
        ('operation="gt" start="2019-09-23 11:59:59 Z"', True),
        ('operation="lt" end="2019-09-23 12:00:00 Z"', False),  # strictly before
        ('operation="lt" end="2019-09-23 12:00:01 Z"', True),
        ('operation="gt"', False),
        ('operation="lt" start="2020-01-01"', False),  # lt reads only the end
        ('operation="gt" start="not a date"', False),
        ('operation="sometime" start="2019-01-01"', False),
    ],
)
def test_date_operations(attributes: str, expected: bool) -> None:
    assert dates.holds(expression(f"<date_expression {attributes}/>"), UTC_NOON) is expected


@pytest.mark.parametrize(
    ("duration", "expected"),
    [
        ('hours="1"', False),  # 10:00 + 1 h ends before noon
        ('hours="2"', True),  # the end is inclusive
        ('minutes="119"', False),
        ('days="1"', True),
        ('months="1"', True),
        ('years="-1"', False),
        ('weeks="x"', False),  # unreadable fields add nothing: the end stays at the start
    ],
)
def test_in_range_with_a_duration(duration: str, expected: bool) -> None:
    element = expression(
        f'<date_expression operation="in_range" start="2019-09-23 10:00:00 Z"><duration id="d" {duration}/>'
        "</date_expression>"
    )
    assert dates.holds(element, UTC_NOON) is expected


# ----------------------------------------------------------------------------- crm_simulate

EXECUTION = 1569240000  # 2019-09-23 12:00:00 UTC, a Monday

CROSS_CHECKS = [
    '<date_expression id="d" operation="in_range" start="2019-09-23 12:00:00 Z" end="2019-09-23 12:30:00 Z"/>',
    '<date_expression id="d" operation="in_range" start="2019-09-23 11:00:00 Z" end="2019-09-23 12:00:00 Z"/>',
    '<date_expression id="d" operation="in_range" start="2019-09-23 11:00:00 Z"><duration id="u" minutes="59"/>'
    "</date_expression>",
    '<date_expression id="d" operation="gt" start="2019-09-23 12:00:00 Z"/>',
    '<date_expression id="d" operation="lt" end="2019-09-23 12:00:01 Z"/>',
    '<date_expression id="d" operation="gt" start="2019-09-23 06:00:00 -05:00"/>',
    '<date_expression id="d" operation="date_spec"><date_spec id="s" weekdays="1"/></date_expression>',
    '<date_expression id="d" operation="date_spec"><date_spec id="s" weekdays="7"/></date_expression>',
    '<date_expression id="d" operation="date_spec"><date_spec id="s" hours="9-11"/></date_expression>',
    '<date_expression id="d" operation="date_spec"><date_spec id="s" hours="12-" minutes="-0"/></date_expression>',
    '<date_expression id="d" operation="date_spec"><date_spec id="s" hours="9 - 11"/></date_expression>',
    '<date_expression id="d" operation="date_spec"><date_spec id="s" weeks="39" yeardays="266"/></date_expression>',
    '<date_expression id="d" operation="date_spec"><date_spec id="s" moon="3"/></date_expression>',
    '<date_expression id="d" operation="date_spec"><date_spec id="s" moon="7"/></date_expression>',
    '<date_expression id="d" operation="date_spec"><date_spec id="s" monthdays="23" months="9-"/></date_expression>',
    '<date_expression id="d" operation="gt" start="2019-W39-1"/>',
    '<date_expression id="d" operation="lt" end="2019-266"/>',
    '<date_expression id="d" operation="in_range" start="2019-09-23T12:00:00+02:00"/>',  # offset ignored
    '<date_expression id="d" operation="in_range" start="2019-09-23 12:00:00 +02:00"/>',
    '<date_expression id="d" operation="in_range" end="2019-09-22 24:00:00 Z"><duration id="u" hours="12"/>'
    "</date_expression>",
    '<date_expression id="d" operation="in_range" start="2018-09-23 12:00:00 Z"><duration id="u" years="1"/>'
    "</date_expression>",
    '<date_expression id="d" operation="in_range" start="2019-08-23 12:00:00 Z"><duration id="u" months="1"/>'
    "</date_expression>",
]


def _date_cib(date_expression: str) -> str:
    rule = (
        '<rsc_location id="l" rsc="a"><rule id="r" score="INFINITY" boolean-op="and">'
        '<expression id="e" attribute="#uname" operation="eq" value="bob"/>'
        f"{date_expression}</rule></rsc_location>"
    )
    return cib(
        dummy("a"),
        rule + '<rsc_location id="p" rsc="a" node="alice" score="10"/>',
        options=option("stonith-enabled", "false"),
        root=f'have-quorum="true" execution-date="{EXECUTION}"',
    )


@pytest.mark.parametrize("date_expression", CROSS_CHECKS)
def test_a_date_rule_in_a_location_is_decided_at_the_execution_date(tmp_path: Path, date_expression: str) -> None:
    path = tmp_path / "cib.xml"
    path.write_text(_date_cib(date_expression))
    ours = our_placement(path)
    expected_node = "bob" if dates.holds(ET.fromstring(date_expression), Moment.from_epoch(EXECUTION)) else "alice"
    assert ours == {("a", expected_node)}
    assert any("execution-date" in warning for warning in import_cib(path).warnings)


@pytest.mark.skipif(shutil.which("crm_simulate") is None, reason="crm_simulate (pacemaker-cli-utils) not installed")
@pytest.mark.parametrize("date_expression", CROSS_CHECKS)
def test_crm_simulate_decides_the_date_rule_alike(tmp_path: Path, date_expression: str) -> None:
    path = tmp_path / "cib.xml"
    path.write_text(_date_cib(date_expression))
    theirs = pacemaker_placement(path)
    holds = dates.holds(ET.fromstring(date_expression), Moment.from_epoch(EXECUTION))
    assert theirs == {("a", "bob" if holds else "alice")}
