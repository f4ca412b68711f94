"""Date expressions (``<date_expression>``) at one moment, the way Pacemaker 2.1.5 reads them.

Pacemaker evaluates time-based rules against the scheduler's "now": the CIB's
``execution-date`` under crm_simulate, the current time otherwise. Its date type
(``crm_time_t``, lib/common/iso8601.c) is a year, a day of that year, a second of that
day and an offset from UTC; `Moment` is the same four numbers, so what Pacemaker derives
from them (the hour of ``date_spec``, the ISO week, the phase of the moon) is derived
from the same fields. The parser copies ``parse_date``'s quirks on purpose, because a
CIB means what Pacemaker reads: a date without a time is UTC midnight, a time without an
offset is in the local zone, and an offset counts only after a space or as ``Z``
(``12:00:00+02:00`` is local time, ``12:00:00 +02:00`` is not).

>>> noon = Moment.parse("2019-09-23 12:00:00 -05:00")
>>> holds(_element('<date_expression operation="gt" start="2019-09-23 09:00:00 -05:00"/>'), noon)
True
>>> holds(_element('<date_expression operation="date_spec"><date_spec hours="9-16" weekdays="1-5"/>'
...                '</date_expression>'), noon)
True
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final
from weakref import WeakKeyDictionary
from xml.etree.ElementTree import Element, fromstring

from placement.cib.values import parse_int_prefix

if TYPE_CHECKING:
    from placement.cib.xml import Document

_DAY: Final = 86400
_HOUR: Final = 3600
# One ``%d`` of sscanf: optional blanks, a sign, digits.
_INT: Final = r"\s*([+-]?\d+)"
# strtoll's prefix: blanks, a sign, digits (the rest is left over).
_LL: Final = re.compile(r"\s*([+-]?\d+)")


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def _year_days(year: int) -> int:
    return 366 if _leap(year) else 365


def _month_days(month: int, year: int) -> int:
    if not 1 <= month <= 12:
        return 0
    if month == 2 and _leap(year):
        return 29
    return (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)[month - 1]


def _days_before_year(year: int) -> int:
    y = year - 1
    return 365 * y + y // 4 - y // 100 + y // 400


def _ordinal(year: int, month: int, day: int) -> int:
    return day + sum(_month_days(m, year) for m in range(1, month))


def _january1_weekday(year: int) -> int:
    """Monday = 1 … Sunday = 7 (``crm_time_january1_weekday``)."""
    yy = (year - 1) % 100
    century = (year - 1) - yy
    return 1 + ((((century // 100) % 4) * 5 + yy + yy // 4) % 7)


def _weeks_in_year(year: int) -> int:
    if _january1_weekday(year) == 4 or _january1_weekday(year + 1) == 5:
        return 53
    return 52


@dataclass(frozen=True, slots=True)
class Moment:
    """A ``crm_time_t``: ``days`` is the day of ``years`` (1…366), ``seconds`` the second of
    that day in the moment's own zone, ``offset`` that zone's seconds east of UTC."""

    years: int
    days: int
    seconds: int = 0
    offset: int = 0

    # ------------------------------------------------------------------ construction

    @classmethod
    def from_epoch(cls, epoch: int, offset: int | None = None) -> Moment:
        """``crm_time_set_timet``: the epoch second in the local zone (or at ``offset``)."""
        if offset is None:
            offset = time.localtime(epoch).tm_gmtoff
        return cls(1970, 1, 0, 0)._shifted(epoch + offset, offset)

    @classmethod
    def parse(cls, text: str) -> Moment | None:
        """``parse_date`` (ISO 8601 date and time, ordinal and week dates, ``epoch``), or
        None where Pacemaker's ``crm_time_new`` gives no time."""
        if not text:
            return None
        if text[0] == "T" or (len(text) > 2 and text[2] == ":"):
            # compat(pacemaker): a bare time is on today's date, by the real clock.
            today = cls.from_epoch(int(time.time()))
            return cls._with_time(today.years, today.days, text[1:] if text[0] == "T" else text)
        if text[:5].lower() == "epoch" and (len(text) == 5 or text[5] == "/" or text[5].isspace()):
            return cls(1970, 1, 0, 0)
        years, days = _parse_day(text)
        if years is None or days is None:
            return None
        rest = text[_span(text) :]
        time_text = rest[1:] if rest[:1] in (" ", "T") else None
        return cls._with_time(years, days, time_text)

    @classmethod
    def _with_time(cls, years: int, days: int, time_text: str | None) -> Moment | None:
        seconds, offset = 0, 0
        if time_text is not None:
            parsed = _parse_time(time_text)
            if parsed is None:
                return None
            seconds, offset = parsed
        moment = cls(years, days, 0, offset)
        if seconds == _DAY:  # 24:00:00 is the next day's midnight
            moment = moment.add_days(1)
            seconds = 0
        if not (1 <= moment.days <= _year_days(moment.years)) or not 0 <= seconds < _DAY:
            return None  # crm_time_check
        return cls(moment.years, moment.days, seconds, offset)

    # ------------------------------------------------------------------ arithmetic

    def _absolute_day(self) -> int:
        return _days_before_year(self.years) + self.days

    def _shifted(self, seconds: int, offset: int) -> Moment:
        """This moment's day plus ``seconds`` (any sign), normalised, in zone ``offset``."""
        total = (self._absolute_day() - 1) * _DAY + self.seconds + seconds
        day, second = divmod(total, _DAY)
        day += 1
        years = max(1, day // 366)
        while _days_before_year(years + 1) < day:
            years += 1
        while _days_before_year(years) >= day:
            years -= 1
        return Moment(years, day - _days_before_year(years), second, offset)

    def utc_seconds(self) -> int:
        """Seconds since year 1 in UTC: what ``crm_time_compare`` orders by."""
        return (self._absolute_day() - 1) * _DAY + self.seconds - self.offset

    def add_seconds(self, extra: int) -> Moment:
        return self._shifted(extra, self.offset)

    def add_days(self, extra: int) -> Moment:
        return self._shifted(extra * _DAY, self.offset)

    def add_months(self, extra: int) -> Moment:
        """``crm_time_add_months``: same day of the month, clamped to the month's length."""
        year, month, day = self.gregorian()
        month0 = month - 1 + extra
        year += month0 // 12
        month = month0 % 12 + 1
        day = min(day, _month_days(month, year))
        return Moment(year, _ordinal(year, month, day), self.seconds, self.offset)

    def add_years(self, extra: int) -> Moment:
        # compat(pacemaker): only the year moves, so day 366 of a leap year becomes
        # 1 January of the following year once normalised.
        return Moment(self.years + extra, self.days, self.seconds, self.offset).add_seconds(0)

    # ------------------------------------------------------------------ fields

    def gregorian(self) -> tuple[int, int, int]:
        """Year, month, day of the month (``crm_time_get_gregorian``)."""
        days, month = self.days, 1
        while month <= 12 and days > _month_days(month, self.years):
            days -= _month_days(month, self.years)
            month += 1
        return self.years, month, days

    def time_of_day(self) -> tuple[int, int, int]:
        hours, rest = divmod(self.seconds, _HOUR)
        return hours, rest // 60, rest % 60

    def iso_week(self) -> tuple[int, int, int]:
        """Week-numbering year, week (1…53), weekday (Monday = 1), as ``crm_time_get_isoweek``."""
        jan1 = _january1_weekday(self.years)
        weekday = 1 + ((self.days + jan1 - 2) % 7)
        if self.days <= 8 - jan1 and jan1 > 4:
            return self.years - 1, _weeks_in_year(self.years - 1), weekday
        if _year_days(self.years) - self.days < 4 - weekday:
            return self.years + 1, 1, weekday
        week = (self.days + (7 - weekday) + (jan1 - 1)) // 7
        return self.years, week - 1 if jan1 > 4 else week, weekday

    def moon(self) -> int:
        """The phase of the moon, 0 (new) … 7, 4 full (nethack's rule, ``phase_of_the_moon``)."""
        golden = (self.years % 19) + 1
        epact = (11 * golden + 18) % 30
        if (epact == 25 and golden > 11) or epact == 24:
            epact += 1
        return ((((self.days + epact) * 6) + 11) % 177) // 22 & 7


def _span(text: str) -> int:
    """``strspn(text, "0123456789-W")``."""
    index = 0
    while index < len(text) and text[index] in "0123456789-W":
        index += 1
    return index


def _scan(pattern: str, text: str) -> list[int]:
    """The numbers ``sscanf`` converts before the first mismatch (its return value = len)."""
    values: list[int] = []
    position = 0
    for piece in re.split(r"(%\d*d)", pattern):
        if not piece:
            continue
        if piece.startswith("%"):
            width = piece[1:-1]
            match = re.compile(rf"\s*([+-]?\d{{1,{width}}})" if width else _INT).match(text, position)
            if match is None:
                break
            values.append(int(match.group(1)))
            position = match.end()
        elif text.startswith(piece, position):
            position += len(piece)
        else:
            break
    return values


def _parse_day(text: str) -> tuple[int | None, int | None]:
    """Year and day of the year of the date part: ``YYYY-MM-DD``, ``YYYYMMDD``, ``YYYY-DDD``,
    ``YYYY-Www-D``."""
    values = _scan("%d-%d-%d", text)
    if len(values) == 1:
        values = _scan("%4d%2d%2d", text)
    if len(values) == 3:
        year, month, day = values
        if month > 12 or day > _month_days(month, year) or day < 1:
            return None, None
        return year, _ordinal(year, month, day)
    values = _scan("%d-%d", text)
    if len(values) == 2:
        year, day = values
        return (year, day) if 1 <= day <= _year_days(year) else (None, None)
    values = _scan("%d-W%d-%d", text)
    if len(values) == 3:
        year, week, day = values
        if week > _weeks_in_year(year) or not 1 <= day <= 7:
            return None, None
        jan1 = _january1_weekday(year)
        start = Moment(year, 1).add_days(-1 + (week - 1) * 7 + ((1 - jan1) if jan1 <= 4 else (8 - jan1)) + day)
        return start.years, start.days
    return None, None


def _parse_seconds(text: str) -> int | None:
    """``crm_time_parse_sec``: ``hh[:mm[:ss]]`` or ``hhmmss``, up to 24:00:00."""
    values = _scan("%d:%d:%d", text)
    if len(values) == 1:
        values = _scan("%2d%2d%2d", text)
    if not values:
        return None
    hour, minute, second = [*values, 0, 0][:3]
    if min(hour, minute, second) < 0:
        return None  # unsigned in Pacemaker: far out of range
    if (hour >= 24 and (hour, minute, second) != (24, 0, 0)) or minute >= 60 or second >= 60:
        return None
    return hour * _HOUR + minute * 60 + second


def _parse_time(text: str) -> tuple[int, int] | None:
    """Second of the day and UTC offset of the time part (``crm_time_parse``)."""
    seconds = _parse_seconds(text)
    if seconds is None:
        return None
    zulu = text.find("Z")
    if zulu >= 0:
        offset_text: str | None = text[zulu:]
    else:
        blank = text.find(" ")
        offset_text = text[blank:].lstrip() if blank >= 0 else None
    if offset_text is None:
        # compat(pacemaker): no offset after a blank = the local zone, as of now.
        return seconds, time.localtime().tm_gmtoff
    if offset_text.startswith("Z") or not offset_text or offset_text[0] not in "+-0123456789":
        return seconds, 0
    sign = -1 if offset_text[0] == "-" else 1
    offset = _parse_seconds(offset_text[1:] if offset_text[0] in "+-" else offset_text)
    return None if offset is None else (seconds, sign * offset)


# ----------------------------------------------------------------------------- the moment

# The moment each document is judged at, by its root element, and whether it was needed.
_NOW: WeakKeyDictionary[Element, tuple[Moment, str]] = WeakKeyDictionary()
_USED: WeakKeyDictionary[Element, bool] = WeakKeyDictionary()


def set_now(document: Document, epoch: int | None) -> None:
    """Judge ``document``'s date rules at ``epoch`` unless it has an ``execution-date``."""
    if epoch is not None and not parse_int_prefix(document.root.get("execution-date")):
        _NOW[document.root] = (Moment.from_epoch(epoch), "the given time")


def now_of(document: Document) -> Moment:
    """The scheduler's "now" for ``document``: its ``execution-date`` (as crm_simulate
    uses it), else the time given to the import, else the current time — taken once, so
    every rule of one import sees the same moment."""
    _USED[document.root] = True
    found = _NOW.get(document.root)
    if found is None:
        execution = document.root.get("execution-date")
        epoch = parse_int_prefix(execution) if execution else 0
        if epoch:  # compat(pacemaker): set_effective_date ignores an execution-date of 0
            found = (Moment.from_epoch(epoch), "the CIB's execution-date")
        else:
            found = (Moment.from_epoch(int(time.time())), "the current time, the CIB has no execution-date")
        _NOW[document.root] = found
    return found[0]


def evaluated_at(document: Document) -> str | None:
    """If a date rule of ``document`` was evaluated: a note saying at which moment."""
    if not _USED.get(document.root):
        return None
    moment, source = _NOW[document.root]
    year, month, day = moment.gregorian()
    hours, minutes, seconds = moment.time_of_day()
    sign = "-" if moment.offset < 0 else "+"
    zone = f"{sign}{abs(moment.offset) // _HOUR:02d}:{abs(moment.offset) % _HOUR // 60:02d}"
    return (
        f"date rules evaluated at {year:04d}-{month:02d}-{day:02d} {hours:02d}:{minutes:02d}:{seconds:02d}"
        f" {zone} ({source}): the imported configuration is the one in force at that moment"
    )


# ----------------------------------------------------------------------------- expressions


def holds(element: Element, now: Moment) -> bool:
    """Whether the ``<date_expression>`` ``element`` passes at ``now`` (``pe__eval_date_expr``).

    Anything Pacemaker cannot decide (no start for ``gt``, an unparsable date, an unknown
    operation) fails, as its "undetermined" result does.
    """
    start = Moment.parse(element.get("start", "")) if element.get("start") is not None else None
    end = Moment.parse(element.get("end", "")) if element.get("end") is not None else None
    duration = element.find("duration")
    if start is not None and end is None and duration is not None:
        end = _plus_duration(start, duration)
    operation = (element.get("operation") or "in_range").lower()
    instant = now.utc_seconds()
    if operation == "in_range":
        if start is None and end is None:
            return False
        if start is not None and instant < start.utc_seconds():
            return False
        return end is None or instant <= end.utc_seconds()  # both ends inclusive
    if operation == "date_spec":
        return cron_holds(element.find("date_spec"), now)
    if operation == "gt":
        return start is not None and instant > start.utc_seconds()
    if operation == "lt":
        return end is not None and instant < end.utc_seconds()
    return False


def _plus_duration(start: Moment, duration: Element) -> Moment:
    """``pe_parse_xml_duration``: years, months, weeks, days, hours, minutes, seconds, in order."""
    end = start
    for field in ("years", "months", "weeks", "days", "hours", "minutes", "seconds"):
        match = _LL.match(duration.get(field) or "")
        value = int(match.group(1)) if match else 0
        if value == 0 or not -(2**31) <= value < 2**31:
            continue
        if field == "years":
            end = end.add_years(value)
        elif field == "months":
            end = end.add_months(value)
        else:
            scale = {"weeks": 7 * _DAY, "days": _DAY, "hours": _HOUR, "minutes": 60, "seconds": 1}[field]
            end = end.add_seconds(value * scale)
    return end


# The fields ``pe_cron_range_satisfied`` checks, in its order, and how to read each from now.
_CRON_FIELDS: Final = (
    ("years", lambda t: t.gregorian()[0]),
    ("months", lambda t: t.gregorian()[1]),
    ("monthdays", lambda t: t.gregorian()[2]),
    ("hours", lambda t: t.time_of_day()[0]),
    ("minutes", lambda t: t.time_of_day()[1]),
    ("seconds", lambda t: t.time_of_day()[2]),
    ("yeardays", lambda t: t.days),
    ("weekyears", lambda t: t.iso_week()[0]),
    ("weeks", lambda t: t.iso_week()[1]),
    ("weekdays", lambda t: t.iso_week()[2]),
    ("moon", lambda t: t.moon()),
)


def cron_holds(spec: Element | None, now: Moment) -> bool:
    """A ``<date_spec>``: every field given holds at ``now`` (a missing spec holds)."""
    for name, field in _CRON_FIELDS:
        text = spec.get(name) if spec is not None else None
        if text is not None and not in_range(text, field(now)):
            return False
    return True


def in_range(text: str, value: int) -> bool:
    """One ``date_spec`` field: ``N``, ``N-M``, ``N-`` or ``-M``, bounds inclusive.

    compat(pacemaker): a value ``pcmk__parse_ll_range`` cannot read ("9 - 16", "x")
    places no restriction (``check_one`` returns "undetermined", which passes).
    """
    bounds = _range(text)
    if bounds is None:
        return True
    low, high = bounds
    if low == high or (low != -1 and high != -1):
        return low <= value <= high
    if low == -1:
        return value <= high
    return value >= low


def _range(text: str) -> tuple[int, int] | None:
    """``pcmk__parse_ll_range``: (start, end) with -1 for an open side, None if unreadable."""
    if not text or text == "-":
        return None
    if text[0] == "-":
        match = _LL.fullmatch(text[1:])
        return (-1, int(match.group(1))) if match else None
    match = _LL.match(text)
    if match is None:
        return None
    low, rest = int(match.group(1)), text[match.end() :]
    if not rest:
        return low, low
    if rest[0] != "-":
        return None
    if len(rest) == 1:
        return low, -1
    end = _LL.fullmatch(rest[1:])
    return (low, int(end.group(1))) if end else None


def _element(text: str) -> Element:
    """An element from XML text (for the examples)."""
    return fromstring(text)
