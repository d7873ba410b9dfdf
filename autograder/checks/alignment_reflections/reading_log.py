"""Checks for notebook 05/01: the reading log, and hours read per week.

check_reading_log looks at the form of the log (dates, known readings, minutes,
one-line takeaways); check_hours_per_week compares the learner's weekly totals
with a day-by-day count.
"""

from __future__ import annotations

import datetime as dt
import numbers
from typing import Any

from ...readings import KEYS, closest_keys, reading
from ..core import Context, CustomCheck, FunctionCheck
from ..describe import describe, preview
from ..spec import Case, Mistake
from .form import (
    placeholder_mistake,
    require_date,
    require_dict,
    require_distinct,
    require_keys,
    require_list,
    require_set,
    require_text,
    similarity,
    variant,
)

FIELDS = ("date", "reading", "minutes", "takeaway")
MIN_SESSIONS = 3
MAX_SESSION_MINUTES = 300

# A correct log, written for the tests (the notebook's example and solution differ).
REFERENCE_LOG = [
    {"date": "2025-03-03", "reading": "ngo_first_principles", "minutes": 55,
     "takeaway": "The argument rests on four premises, and the agency premise carries the most "
                 "weight."},
    {"date": "2025-03-05", "reading": "cotra_hard", "minutes": 40,
     "takeaway": "Good training scores are compatible with several different learned motives."},
    {"date": "2025-03-10", "reading": "nanda_landscape", "minutes": 50,
     "takeaway": "Agendas differ mainly in which threat model they assume and how they hope "
                 "to be used."},
    {"date": "2025-03-12", "reading": "A Mathematical Framework for Transformer Circuits",
     "minutes": 30, "takeaway": "Attention heads can be read as separate circuits adding "
                                "into a shared residual stream."},
]

SINGLE_ENTRY = Mistake(
    "a single session instead of a list",
    "`reading_log` is one dict, but a log is a *list* of sessions, one dict per sitting.",
    "Put square brackets around your dict: reading_log = [{...}, {...}].",
    example=REFERENCE_LOG[0])
DATE_FORMAT = Mistake(
    "date not in YYYY-MM-DD form",
    "Dates written like 03/05/2025 or 'March 5' are ambiguous (is 03/05 the 3rd of May or "
    "the 5th of March?) and cannot be sorted or counted by week.",
    "Write dates as 'YYYY-MM-DD' strings, e.g. '2025-03-05' (ISO 8601).",
    example=variant(REFERENCE_LOG, {(1, "date"): "05/03/2025"}))
UNKNOWN_KEY = Mistake(
    "unknown reading key",
    "The `reading` of a session is neither a key of the reading list nor a title. Keys are "
    "the snake_case names in the first column of the reading list table (a typo is the "
    "usual cause).",
    "Copy the key from the table, e.g. 'cotra_hard'. For a text that is not on the list, "
    "write its full title instead (with spaces).",
    example=variant(REFERENCE_LOG, {(1, "reading"): "cotra_hrad"}))
HOURS_NOT_MINUTES = Mistake(
    "hours instead of minutes",
    "Every session is 5 or fewer 'minutes' long, which looks like hours (1.5 for an hour and "
    "a half). The summary and plot count minutes, so your reading would look 60 times "
    "smaller than it was.",
    "Write minutes: an hour and a half is 90.",
    example=[dict(e, minutes=m) for e, m in zip(REFERENCE_LOG, (1, 0.75, 1.5, 0.5),
                                                strict=True)])
TITLE_AS_TAKEAWAY = Mistake(
    "the title as the takeaway",
    "The takeaway repeats the title of the reading. A takeaway is what *you* took from it: "
    "the one idea you would tell a friend about.",
    "Write one sentence that would still be true and useful if the title were hidden.",
    example=variant(REFERENCE_LOG, {(1, "takeaway"): "why ai alignment could be hard with "
                                                     "modern deep learning"}))
SAME_TAKEAWAY = Mistake(
    "the same takeaway for every session",
    "Two sessions have the same takeaway. Each sitting should leave you with its own idea, "
    "even when you continue the same reading.",
    "Write what was new in that sitting: the section you read, the claim you noticed.",
    example=variant(REFERENCE_LOG, {(2, "takeaway"): REFERENCE_LOG[0]["takeaway"]}))
PLACEHOLDER = placeholder_mistake(variant(REFERENCE_LOG, {(0, "takeaway"): "TODO"}))


def _verify_reading_log(log, ctx: Context) -> None:
    require_set(ctx, log, "reading_log")
    entries = require_list(ctx, log, "`reading_log`", min_items=1, single=SINGLE_ENTRY)
    takeaways = {}
    minutes_seen = []
    for i, entry in enumerate(entries):
        where = f"session {i + 1}"
        require_dict(ctx, entry, where)
        require_keys(ctx, entry, where, FIELDS)
        date = require_date(ctx, entry["date"], f"the date of {where}", mistake=DATE_FORMAT)
        where = f"session {i + 1} ({date})"
        name = entry["reading"]
        ctx.require(isinstance(name, str) and name.strip() != "",
                    f"the reading of {where} should be a key or a title in quotes",
                    [f"got {describe(name)}"])
        if name not in KEYS and " " not in name.strip():
            close = closest_keys(name)
            ctx.fail(f"{where}: {name!r} is not a key of the reading list",
                     [f"did you mean {' or '.join(map(repr, close))}?"] if close else [],
                     mistake=UNKNOWN_KEY)
        minutes = entry["minutes"]
        ctx.require(isinstance(minutes, numbers.Real) and not isinstance(minutes, bool)
                    and float(minutes) > 0, f"the minutes of {where} should be a positive number",
                    [f"got {describe(minutes)}"])
        ctx.require(minutes <= MAX_SESSION_MINUTES,
                    f"{where} says {minutes:g} minutes, more than {MAX_SESSION_MINUTES} in one "
                    "sitting", hint="Split a long day into sessions, or check that you wrote "
                                    "minutes.")
        minutes_seen.append(float(minutes))
        text = require_text(ctx, entry["takeaway"], f"the takeaway of {where}", min_words=6,
                            max_words=40, one_line=True, placeholder=PLACEHOLDER)
        if name in KEYS and similarity(text, reading(name).title) >= 0.8:
            ctx.fail(f"the takeaway of {where} is the title of the reading",
                     [f"got {preview(text)}"], mistake=TITLE_AS_TAKEAWAY)
        takeaways[where] = text
    if len(minutes_seen) >= 2:
        ctx.require(max(minutes_seen) > 5, "every session is 5 minutes or shorter",
                    [f"minutes: {minutes_seen}"], mistake=HOURS_NOT_MINUTES)
    require_distinct(ctx, takeaways, "takeaways", mistake=SAME_TAKEAWAY)
    missing = MIN_SESSIONS - len(entries)
    ctx.require(missing <= 0, f"your log has {len(entries)} session"
                f"{'s' if len(entries) != 1 else ''}; log at least {MIN_SESSIONS} "
                f"({missing} more) to finish this exercise",
                hint="Every entry so far is in the right form. Come back after your next "
                     "reading sessions and add them.")


check_reading_log = CustomCheck(
    "reading_log", _verify_reading_log, reference=REFERENCE_LOG,
    mistakes=[SINGLE_ENTRY, DATE_FORMAT, UNKNOWN_KEY, HOURS_NOT_MINUTES, TITLE_AS_TAKEAWAY,
              SAME_TAKEAWAY, PLACEHOLDER])


# -- hours per week ---------------------------------------------------------------


def _weekly_hours_by_day_count(log):
    """Oracle: walk every day from the first Monday to the last session, one at a time."""
    minutes_on: dict[Any, float] = {}
    for entry in log:
        day = dt.date.fromisoformat(entry["date"])
        minutes_on[day] = minutes_on.get(day, 0) + entry["minutes"]
    first, last = min(minutes_on), max(minutes_on)
    day = first
    while day.weekday() != 0:          # back to that week's Monday
        day -= dt.timedelta(days=1)
    out: dict[Any, float] = {}
    week_start = day
    while day <= last:
        if day.weekday() == 0:
            week_start = day
            out[week_start.isoformat()] = 0.0
        out[week_start.isoformat()] += minutes_on.get(day, 0) / 60
        day += dt.timedelta(days=1)
    return out


def _session(date: dt.date, minutes: int) -> dict:
    return {"date": date.isoformat(), "reading": "cotra_hard", "minutes": minutes,
            "takeaway": "a session made up for this check"}


def _random_log(rng, start: dt.date, days: int, n: int) -> list[dict]:
    offsets = rng.choice(days, size=n, replace=True)
    log = [_session(start + dt.timedelta(days=int(o)), int(rng.integers(10, 120)))
           for o in offsets]
    order = rng.permutation(n)           # the log is not in date order
    return [log[i] for i in order]


def _hours_cases(rng):
    gap = [_session(dt.date(2025, 3, 4), 50), _session(dt.date(2025, 3, 6), 40),
           _session(dt.date(2025, 3, 27), 70), _session(dt.date(2025, 3, 25), 20)]
    return [
        Case("4 sessions over 4 weeks, with two weeks of no reading", (gap,)),
        Case("9 sessions over 6 weeks, not in date order",
             (_random_log(rng, dt.date(2025, 4, 2), 40, 9),)),
        Case("2 sessions on the same Sunday", ([_session(dt.date(2025, 5, 4), 30),
                                                _session(dt.date(2025, 5, 4), 45)],)),
        Case("sessions across New Year (a week that starts in December)",
             ([_session(dt.date(2024, 12, 31), 60), _session(dt.date(2025, 1, 2), 30),
               _session(dt.date(2025, 1, 9), 45)],)),
    ]


def _minutes_variant(log):
    return {k: v * 60 for k, v in _weekly_hours_by_day_count(log).items()}


def _skip_empty_weeks(log):
    return {k: v for k, v in _weekly_hours_by_day_count(log).items() if v > 0}


def _per_day(log):
    out: dict[Any, float] = {}
    for entry in log:
        out[entry["date"]] = out.get(entry["date"], 0) + entry["minutes"] / 60
    return out


def _sunday_weeks(log):
    out: dict[Any, float] = {}
    for entry in log:
        day = dt.date.fromisoformat(entry["date"])
        start = day - dt.timedelta(days=(day.weekday() + 1) % 7)
        out[start.isoformat()] = out.get(start.isoformat(), 0) + entry["minutes"] / 60
    first, last = min(out), max(out)
    week = dt.date.fromisoformat(first)
    while week.isoformat() <= last:
        out.setdefault(week.isoformat(), 0.0)
        week += dt.timedelta(days=7)
    return out


def _last_session_only(log):
    out: dict[Any, float] = {}
    for entry in log:
        day = dt.date.fromisoformat(entry["date"])
        monday = (day - dt.timedelta(days=day.weekday())).isoformat()
        out[monday] = entry["minutes"] / 60          # overwrites instead of adding
    full = _weekly_hours_by_day_count(log)
    return {k: out.get(k, 0.0) for k in full}


check_hours_per_week = FunctionCheck(
    "hours_per_week", _weekly_hours_by_day_count, _hours_cases, dtype=None, rtol=1e-9,
    mistakes=[
        Mistake("minutes, not hours",
                "Your totals are 60 times too big: you added up the minutes but did not turn "
                "them into hours.",
                "Divide each week's minutes by 60.", variant=_minutes_variant),
        Mistake("empty weeks left out",
                "Weeks in which you read nothing are missing from your result. They should be "
                "there with 0.0: a gap is the most useful thing this summary can show you.",
                "After adding up the sessions, walk from the first week to the last in steps "
                "of 7 days and give every week a value (dict.setdefault or a loop).",
                variant=_skip_empty_weeks),
        Mistake("one entry per day",
                "Your keys are the days of the sessions, so sessions in the same week are not "
                "added together.",
                "Turn each date into the Monday of its week: date - timedelta(days="
                "date.weekday()).", variant=_per_day),
        Mistake("weeks starting on Sunday",
                "Your weeks start on Sunday. This exercise uses ISO weeks, which start on "
                "Monday (date.weekday() is 0 on Mondays).",
                "Subtract date.weekday() days to reach the Monday.", variant=_sunday_weeks),
        Mistake("overwrote instead of adding",
                "Weeks with several sessions show only one session's time: an assignment "
                "`weekly[week] = ...` replaced the earlier sessions instead of adding to them.",
                "Add to the week's total: weekly[week] = weekly.get(week, 0) + hours.",
                variant=_last_session_only),
    ],
    hint="Group the sessions by the Monday of their week, add their minutes, convert to "
         "hours, and include empty weeks with 0.0.")
