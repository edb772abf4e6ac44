"""Recurrence expansion against RFC 5545 examples, time zones and DST, properties."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from dateutil import rrule as du_rrule
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from rapport.planner import recurrence

NY = ZoneInfo("America/New_York")
WAW = ZoneInfo("Europe/Warsaw")
UTC = dt.UTC


def expand(start, rule, window_end, tz="America/New_York", hours=1, **kw):
    return recurrence.expand(
        start=start,
        end=start + dt.timedelta(hours=hours),
        time_zone=tz,
        rrule=recurrence.normalize_rrule(rule),
        window_start=start,
        window_end=window_end,
        **kw,
    )


def local_starts(occurrences, tz=NY):
    return [o.start.astimezone(tz).replace(tzinfo=None) for o in occurrences]


def test_rfc5545_daily_for_10_occurrences():
    start = dt.datetime(1997, 9, 2, 9, 0, tzinfo=NY)
    occ = expand(start, "RRULE:FREQ=DAILY;COUNT=10", dt.datetime(1998, 1, 1, tzinfo=UTC))
    assert local_starts(occ) == [dt.datetime(1997, 9, d, 9, 0) for d in range(2, 12)]


def test_rfc5545_weekly_on_tuesday_and_thursday_for_five_weeks():
    start = dt.datetime(1997, 9, 2, 9, 0, tzinfo=NY)
    occ = expand(
        start, "FREQ=WEEKLY;COUNT=10;WKST=SU;BYDAY=TU,TH", dt.datetime(1998, 1, 1, tzinfo=UTC)
    )
    days = [d.day for d in local_starts(occ)]
    assert days == [2, 4, 9, 11, 16, 18, 23, 25, 30, 2]
    assert {d.hour for d in local_starts(occ)} == {9}


def test_rfc5545_monthly_on_first_friday_until_dec_24():
    start = dt.datetime(1997, 9, 5, 9, 0, tzinfo=NY)
    occ = expand(
        start, "FREQ=MONTHLY;UNTIL=19971224T000000Z;BYDAY=1FR", dt.datetime(1998, 6, 1, tzinfo=UTC)
    )
    assert [(d.month, d.day) for d in local_starts(occ)] == [(9, 5), (10, 3), (11, 7), (12, 5)]


def test_rfc5545_every_other_week_crosses_dst_in_local_time():
    start = dt.datetime(1997, 9, 2, 9, 0, tzinfo=NY)
    occ = expand(
        start, "FREQ=WEEKLY;INTERVAL=2;WKST=SU;COUNT=6", dt.datetime(1998, 1, 1, tzinfo=UTC)
    )
    # New York leaves daylight saving time on 26 October 1997: still 09:00 local.
    assert all(d.hour == 9 for d in local_starts(occ))
    assert {o.start.astimezone(UTC).hour for o in occ} == {13, 14}


def test_rfc5545_yearly_in_june_and_july():
    start = dt.datetime(1997, 6, 10, 9, 0, tzinfo=NY)
    occ = expand(start, "FREQ=YEARLY;COUNT=10;BYMONTH=6,7", dt.datetime(2003, 1, 1, tzinfo=UTC))
    assert [(d.year, d.month) for d in local_starts(occ)] == [
        (1997, 6),
        (1997, 7),
        (1998, 6),
        (1998, 7),
        (1999, 6),
        (1999, 7),
        (2000, 6),
        (2000, 7),
        (2001, 6),
        (2001, 7),
    ]


def test_weekly_warsaw_meeting_stays_at_nine_across_dst():
    start = dt.datetime(2025, 3, 17, 9, 0, tzinfo=WAW)  # CET, +01:00
    occ = expand(
        start, "FREQ=WEEKLY;COUNT=4", dt.datetime(2025, 6, 1, tzinfo=UTC), tz="Europe/Warsaw"
    )
    assert [o.start.astimezone(WAW).hour for o in occ] == [9, 9, 9, 9]
    assert [o.start.astimezone(UTC).hour for o in occ] == [8, 8, 7, 7]
    assert all(o.end - o.start == dt.timedelta(hours=1) for o in occ)
    # and back in autumn (CEST -> CET on 26 October 2025)
    autumn = dt.datetime(2025, 10, 20, 9, 0, tzinfo=WAW)
    occ = expand(
        autumn, "FREQ=WEEKLY;COUNT=2", dt.datetime(2026, 1, 1, tzinfo=UTC), tz="Europe/Warsaw"
    )
    assert [o.start.astimezone(WAW).hour for o in occ] == [9, 9]
    assert [o.start.astimezone(UTC).hour for o in occ] == [7, 8]


def test_exdate_and_moved_occurrence():
    start = dt.datetime(2030, 1, 7, 9, 0, tzinfo=UTC)
    second = start + dt.timedelta(days=1)
    third = start + dt.timedelta(days=2)
    moved = third + dt.timedelta(hours=5)
    occ = expand(
        start,
        "FREQ=DAILY;COUNT=4",
        dt.datetime(2030, 2, 1, tzinfo=UTC),
        tz="UTC",
        exdates=[second.isoformat()],
        overrides={third: (moved, moved + dt.timedelta(hours=1), "Moved")},
    )
    assert [o.start for o in occ] == [start, moved, start + dt.timedelta(days=3)]
    assert occ[1].title == "Moved" and occ[1].recurrence_id == third


def test_window_keeps_occurrences_overlapping_its_edges():
    start = dt.datetime(2030, 1, 7, 9, 0, tzinfo=UTC)
    occ = recurrence.expand(
        start=start,
        end=start + dt.timedelta(hours=2),
        time_zone="UTC",
        rrule="FREQ=DAILY",
        window_start=start + dt.timedelta(days=2, hours=1),
        window_end=start + dt.timedelta(days=3, hours=1),
    )
    assert [o.start for o in occ] == [start + dt.timedelta(days=2), start + dt.timedelta(days=3)]


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=SECONDLY",
        "FREQ=WEEKLY;COUNT=2;UNTIL=20300101T000000Z",
        "BYDAY=MO",
        "FREQ=DAILY;BYDAY=XX",
        "nonsense",
    ],
)
def test_invalid_rules_name_rrule(rule):
    with pytest.raises(ValidationError) as info:
        recurrence.normalize_rrule(rule)
    assert "rrule" in info.value.message_dict


def test_series_end_of_finite_and_infinite_rules():
    start = dt.datetime(2030, 1, 7, 9, 0, tzinfo=UTC)
    end = start + dt.timedelta(hours=1)
    assert recurrence.series_end(start=start, end=end, time_zone="UTC", rrule="FREQ=DAILY") is None
    assert recurrence.series_end(
        start=start, end=end, time_zone="UTC", rrule="FREQ=DAILY;COUNT=3"
    ) == end + dt.timedelta(days=2)


RULES = st.sampled_from(
    [
        "FREQ=DAILY",
        "FREQ=DAILY;INTERVAL=3",
        "FREQ=WEEKLY;BYDAY=MO,WE,FR",
        "FREQ=WEEKLY;INTERVAL=2",
        "FREQ=MONTHLY;BYMONTHDAY=15",
        "FREQ=MONTHLY;BYDAY=-1FR",
        "FREQ=YEARLY",
        "FREQ=DAILY;COUNT=20",
    ]
)
ZONES = st.sampled_from(
    ["UTC", "Europe/Warsaw", "America/New_York", "Asia/Kolkata", "Australia/Sydney"]
)


@settings(max_examples=60, deadline=None)
@given(
    rule=RULES,
    tz=ZONES,
    first=st.datetimes(min_value=dt.datetime(2020, 1, 1), max_value=dt.datetime(2035, 1, 1)),
    offset_days=st.integers(min_value=0, max_value=800),
    span_days=st.integers(min_value=1, max_value=60),
    minutes=st.integers(min_value=15, max_value=600),
)
def test_every_occurrence_matches_the_rule_and_lies_in_the_window(
    rule, tz, first, offset_days, span_days, minutes
):
    zone = ZoneInfo(tz)
    first = first.replace(second=0, microsecond=0, tzinfo=zone)
    # a wall time that does not exist (spring gap) is not a valid DTSTART
    if first.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != first.replace(tzinfo=None):
        return
    duration = dt.timedelta(minutes=minutes)
    window_start = first + dt.timedelta(days=offset_days)
    window_end = window_start + dt.timedelta(days=span_days)
    occ = recurrence.expand(
        start=first,
        end=first + duration,
        time_zone=tz,
        rrule=rule,
        window_start=window_start,
        window_end=window_end,
    )
    expected = du_rrule.rrulestr(rule, dtstart=first.replace(tzinfo=None))
    for o in occ:
        assert o.start < window_end and o.end > window_start
        local = o.start.astimezone(zone).replace(tzinfo=None)
        if local.replace(tzinfo=zone).astimezone(UTC) == o.start:  # not in a DST gap
            assert expected.after(local - dt.timedelta(seconds=1), inc=True) == local
        assert o.start >= first.astimezone(UTC) - dt.timedelta(hours=1)
    starts = [o.start for o in occ]
    assert starts == sorted(starts) and len(set(starts)) == len(starts)
    # and nothing the rule produces in the window is missed
    lo = (window_start - duration).astimezone(zone).replace(tzinfo=None)
    hi = window_end.astimezone(zone).replace(tzinfo=None)
    for local in expected.between(lo, hi, inc=True):
        moment = local.replace(tzinfo=zone).astimezone(UTC)
        end = (local + duration).replace(tzinfo=zone).astimezone(UTC)
        if moment < window_end and end > window_start:
            assert moment in starts
