"""Checks for notebook 05/07: role fit, a grant-style learning plan, a time log and the
point at which you would change course."""

from __future__ import annotations

import difflib
import numbers
import re
from typing import Any

from ...reflections.plans import ROLE_NAMES
from ..core import Context, CustomCheck
from ..describe import describe
from ..spec import Mistake
from .form import (
    MultiValueCheck,
    placeholder_mistake,
    require_date,
    require_dict,
    require_keys,
    require_list,
    require_set,
    require_text,
    variant,
)

# -- role and skills ------------------------------------------------------------------------

ROLE_FIELDS = ("role", "skills", "comparative_advantage", "test_of_fit")
MIN_SKILLS = 4
REFERENCE_ROLE = {
    "role": "software engineer",
    "skills": {"distributed systems": {"need": 4, "have": 4},
               "PyTorch internals": {"need": 4, "have": 2},
               "GPU performance work": {"need": 3, "have": 1},
               "reading ML papers": {"need": 3, "have": 2},
               "code review at scale": {"need": 4, "have": 5}},
    "comparative_advantage": "I have run large systems in production for years; few people who "
                             "know alignment well can also make a training cluster reliable, so "
                             "my hours free researchers for research.",
    "test_of_fit": "Contribute a performance fix to an open-source training library within two "
                   "months and ask its maintainers how it compares with their usual "
                   "contributors.",
}
UNKNOWN_ROLE = Mistake(
    "not one of the roles",
    "`role` is not one of the roles in the table.",
    "Copy a role name exactly, e.g. 'research contributor (empirical)'.",
    example=variant(REFERENCE_ROLE, {("role",): "research engineer"}))
RATING_SCALE = Mistake(
    "ratings outside 1 to 5",
    "A rating is above 5 or below 1. The scale is 1 (beginner) to 5 (what the best people in "
    "the role have); a 0-10 scale would make the gaps look twice as big.",
    "Use whole numbers from 1 to 5.",
    example=variant(REFERENCE_ROLE, {("skills", "GPU performance work", "need"): 8}))
SKILLS_AS_LIST = Mistake(
    "skills without ratings",
    "`skills` is a list of names. For each skill the exercise needs two ratings: what the "
    "role needs and what you have now.",
    "Write skills = {\"skill\": {\"need\": 4, \"have\": 2}, ...}.",
    example=variant(REFERENCE_ROLE, {("skills",): list(REFERENCE_ROLE["skills"])}))
ROLE_PLACEHOLDER = placeholder_mistake(variant(REFERENCE_ROLE, {("test_of_fit",): "TODO"}))


def _rating(ctx: Context, value, where: str) -> int:
    ctx.require(isinstance(value, numbers.Integral) and not isinstance(value, bool),
                f"{where} should be a whole number from 1 to 5", [f"got {describe(value)}"],
                mistake=RATING_SCALE if isinstance(value, numbers.Real) else None)
    ctx.require(1 <= value <= 5, f"{where} is {value}", mistake=RATING_SCALE)
    return int(value)


def _verify_role(role, ctx: Context) -> None:
    require_set(ctx, role, "my_role")
    require_dict(ctx, role, "`my_role`")
    require_keys(ctx, role, "`my_role`", ROLE_FIELDS)
    if role["role"] not in ROLE_NAMES:
        close = difflib.get_close_matches(str(role["role"]), ROLE_NAMES, n=1, cutoff=0.4)
        ctx.fail(f"my_role['role'] is {role['role']!r}, not one of the roles",
                 [f"did you mean {close[0]!r}?" if close else
                  "the roles are: " + "; ".join(ROLE_NAMES)], mistake=UNKNOWN_ROLE)
    ctx.passed += 1
    if isinstance(role["skills"], (list, tuple)):
        ctx.fail("my_role['skills'] is a list of names without ratings", mistake=SKILLS_AS_LIST)
    skills = require_dict(ctx, role["skills"], "my_role['skills']")
    ctx.require(len(skills) >= MIN_SKILLS, f"my_role['skills'] has {len(skills)} skills; list "
                f"at least {MIN_SKILLS}", hint="Think of what a week in the role involves.")
    for name, levels in skills.items():
        where = f"my_role['skills'][{name!r}]"
        require_dict(ctx, levels, where)
        require_keys(ctx, levels, where, ("need", "have"))
        _rating(ctx, levels["need"], f"{where}['need']")
        _rating(ctx, levels["have"], f"{where}['have']")
    require_text(ctx, role["comparative_advantage"], "my_role['comparative_advantage']",
                 min_words=20, placeholder=ROLE_PLACEHOLDER)
    require_text(ctx, role["test_of_fit"], "my_role['test_of_fit']", min_words=12,
                 placeholder=ROLE_PLACEHOLDER)


check_my_role = CustomCheck(
    "my_role", _verify_role, reference=REFERENCE_ROLE,
    mistakes=[UNKNOWN_ROLE, RATING_SCALE, SKILLS_AS_LIST, ROLE_PLACEHOLDER])


# -- the learning plan ------------------------------------------------------------------------

PLAN_FIELDS = ("hours_per_week", "weeks", "milestones", "paper_to_replicate", "feedback_from")
MIN_MILESTONES = 4
MIN_REPLICATION_HOURS = 20
REFERENCE_PLAN = {
    "hours_per_week": 12,
    "weeks": 30,
    "milestones": [
        {"week": 6, "deliverable": "linear algebra and calculus stages done with every check "
                                   "passing", "evidence": "progress report shows both stages "
                                                          "complete"},
        {"week": 14, "deliverable": "NumPy transformer trained on the sorting task",
         "evidence": "above 99% accuracy on held-out sequences"},
        {"week": 24, "deliverable": "replication of the chosen paper's main figure",
         "evidence": "code public and the figure matches within noise"},
        {"week": 30, "deliverable": "blog post on the replication and applications to three "
                                    "teams", "evidence": "post published and applications sent"},
    ],
    "paper_to_replicate": {"title": "Deep Reinforcement Learning from Human Preferences",
                           "why": "It is the root of preference-based fine-tuning and "
                                  "small enough to reproduce on one machine.",
                           "hours": 120},
    "feedback_from": "a study group of three, and one engineer at an alignment lab every two "
                     "months",
}
OUT_OF_ORDER = Mistake(
    "milestones out of order",
    "Your milestones are not in order of week. A plan is read from start to finish, and out "
    "of order it hides which milestone comes first.",
    "Sort the milestones by week.",
    example=variant(REFERENCE_PLAN, {("milestones", 1, "week"): 26}))
AFTER_THE_END = Mistake(
    "a milestone after the end of the plan",
    "A milestone's week is later than the plan's last week.",
    "Either extend `weeks` or move the milestone inside the plan.",
    example=variant(REFERENCE_PLAN, {("milestones", 3, "week"): 40}))
REPLICATION_TOO_BIG = Mistake(
    "a replication bigger than the whole plan",
    "The replication alone needs more hours than your whole plan has (hours a week x weeks).",
    "Choose a smaller paper, or plan more weeks; a first replication of a typical ML paper "
    "takes tens to a few hundred hours.",
    example=variant(REFERENCE_PLAN, {("paper_to_replicate", "hours"): 400}))
REPLICATION_TOO_SMALL = Mistake(
    "a replication in an afternoon",
    f"Fewer than {MIN_REPLICATION_HOURS} hours for a paper replication is very optimistic: "
    "setting up, debugging and matching the paper's numbers take most of the time. One stated "
    "bar for research engineers is reproducing a typical ML paper in a few hundred hours.",
    "Estimate each part (reading, environment, code, training runs, debugging, write-up) and "
    "add them up.",
    example=variant(REFERENCE_PLAN, {("paper_to_replicate", "hours"): 6}))
PLAN_PLACEHOLDER = placeholder_mistake(variant(REFERENCE_PLAN, {("feedback_from",): "tbd"}))


def _whole(ctx: Context, value, where: str, lo: int, hi: int) -> int:
    ctx.require(isinstance(value, numbers.Integral) and not isinstance(value, bool)
                and lo <= int(value) <= hi, f"{where} should be a whole number from {lo} to {hi}",
                [f"got {describe(value)}"])
    return int(value)


def _verify_plan(plan, ctx: Context) -> None:
    require_set(ctx, plan, "learning_plan")
    require_dict(ctx, plan, "`learning_plan`")
    require_keys(ctx, plan, "`learning_plan`", PLAN_FIELDS)
    hours = plan["hours_per_week"]
    ctx.require(isinstance(hours, numbers.Real) and not isinstance(hours, bool)
                and 1 <= float(hours) <= 60, "learning_plan['hours_per_week'] should be a number "
                "from 1 to 60", [f"got {describe(hours)}"],
                hint="People studying full time on a grant report about 20 focused hours a "
                     "week; alongside a job, 8 to 12 is sustainable.")
    weeks = _whole(ctx, plan["weeks"], "learning_plan['weeks']", 1, 156)
    milestones = require_list(ctx, plan["milestones"], "learning_plan['milestones']",
                              min_items=MIN_MILESTONES)
    previous = 0
    for i, m in enumerate(milestones):
        where = f"milestone {i}"
        require_dict(ctx, m, where)
        require_keys(ctx, m, where, ("week", "deliverable", "evidence"))
        week = _whole(ctx, m["week"], f"the week of {where}", 1, 1000)
        ctx.require(week <= weeks, f"{where} is in week {week}, after the plan's last week "
                    f"({weeks})", mistake=AFTER_THE_END)
        ctx.require(week >= previous, f"{where} (week {week}) comes after a milestone in week "
                    f"{previous}", mistake=OUT_OF_ORDER)
        previous = week
        require_text(ctx, m["deliverable"], f"the deliverable of {where}", min_words=5,
                     placeholder=PLAN_PLACEHOLDER)
        require_text(ctx, m["evidence"], f"the evidence of {where}", min_words=4,
                     placeholder=PLAN_PLACEHOLDER)
    paper = require_dict(ctx, plan["paper_to_replicate"], "learning_plan['paper_to_replicate']")
    require_keys(ctx, paper, "learning_plan['paper_to_replicate']", ("title", "why", "hours"))
    require_text(ctx, paper["title"], "the paper's title", min_words=2,
                 placeholder=PLAN_PLACEHOLDER)
    require_text(ctx, paper["why"], "why this paper", min_words=10,
                 placeholder=PLAN_PLACEHOLDER)
    paper_hours = paper["hours"]
    ctx.require(isinstance(paper_hours, numbers.Real) and not isinstance(paper_hours, bool)
                and float(paper_hours) > 0, "the replication's hours should be a positive number",
                [f"got {describe(paper_hours)}"])
    ctx.require(paper_hours >= MIN_REPLICATION_HOURS,
                f"the replication is planned at {paper_hours:g} hours",
                mistake=REPLICATION_TOO_SMALL)
    total = float(hours) * weeks
    ctx.require(paper_hours <= total, f"the replication needs {paper_hours:g} hours but the "
                f"whole plan has {total:g}", mistake=REPLICATION_TOO_BIG)
    require_text(ctx, plan["feedback_from"], "learning_plan['feedback_from']", min_words=5,
                 placeholder=PLAN_PLACEHOLDER)


check_learning_plan = CustomCheck(
    "learning_plan", _verify_plan, reference=REFERENCE_PLAN,
    mistakes=[OUT_OF_ORDER, AFTER_THE_END, REPLICATION_TOO_BIG, REPLICATION_TOO_SMALL,
              PLAN_PLACEHOLDER])


# -- the time log and when to change course ------------------------------------------------

LOG_FIELDS = ("week", "hours", "on")
COURSE_FIELDS = ("review_every_weeks", "signals", "plan_b", "stop_rule")
MAX_WEEK_HOURS = 80
NUMBER = re.compile(r"\d")
REFERENCE_TIME_LOG = [
    {"week": "2025-02-03", "hours": 11, "on": "linear algebra notebooks 01 and 02"},
    {"week": "2025-02-10", "hours": 7.5, "on": "linear algebra 03, reading Cotra"},
    {"week": "2025-02-17", "hours": 12, "on": "linear algebra 04 and 05"},
]
REFERENCE_COURSE = {
    "review_every_weeks": 6,
    "signals": ["fewer than 6 hours a week for 3 weeks in a row",
                "stage 04 not finished by week 20",
                "no interview after 10 applications to engineering roles"],
    "plan_b": "Take an ML engineering job outside alignment for two years, keep reading two "
              "hours a week, and apply again with a stronger engineering record.",
    "stop_rule": "If two funding applications and ten job applications all fail, I stop "
                 "trying to enter the field directly and support it from my current job.",
}
WEEK_DATE = Mistake(
    "week not in YYYY-MM-DD form",
    "Write each week as the date it starts, 'YYYY-MM-DD', so the log can be sorted and "
    "compared with the plan.",
    "For example '2025-02-03'.",
    example=(variant(REFERENCE_TIME_LOG, {(1, "week"): "week 2"}), REFERENCE_COURSE))
SAME_WEEK = Mistake(
    "the same week twice",
    "Two entries are for the same week, so that week is counted twice in the plot.",
    "Add the hours into one entry per week.",
    example=(variant(REFERENCE_TIME_LOG, {(2, "week"): "2025-02-10"}), REFERENCE_COURSE))
MINUTES_NOT_HOURS = Mistake(
    "minutes instead of hours",
    f"A week has more than {MAX_WEEK_HOURS} 'hours', which looks like minutes.",
    "Divide by 60: 450 minutes is 7.5 hours.",
    example=(variant(REFERENCE_TIME_LOG, {(1, "hours"): 450}), REFERENCE_COURSE))
UNMEASURABLE = Mistake(
    "a signal you cannot measure",
    "A signal to change course should be something you can check without fooling yourself: "
    "a number of hours, weeks, applications, a date. A signal with no number in it ('if I "
    "lose motivation') is easy to explain away when the time comes.",
    "Put a number in it: how many weeks, how many hours, by which week.",
    example=(REFERENCE_TIME_LOG, variant(REFERENCE_COURSE, {("signals", 1):
                                                            "if I lose motivation"})))
COURSE_PLACEHOLDER = placeholder_mistake(
    (REFERENCE_TIME_LOG, variant(REFERENCE_COURSE, {("plan_b",): "TODO"})))


def _verify_course(values, ctx: Context) -> None:
    log, course = values
    require_set(ctx, log, "time_log")
    entries = require_list(ctx, log, "`time_log`", min_items=2)
    seen: dict[Any, int] = {}
    for i, entry in enumerate(entries):
        where = f"time_log entry {i}"
        require_dict(ctx, entry, where)
        require_keys(ctx, entry, where, LOG_FIELDS)
        week = require_date(ctx, entry["week"], f"the week of {where}", mistake=WEEK_DATE)
        ctx.require(week not in seen, f"{where} and entry {seen.get(week)} are both for the "
                    f"week of {week}", mistake=SAME_WEEK)
        seen[week] = i
        hours = entry["hours"]
        ctx.require(isinstance(hours, numbers.Real) and not isinstance(hours, bool)
                    and float(hours) >= 0, f"the hours of {where} should be a number of hours",
                    [f"got {describe(hours)}"])
        ctx.require(hours <= MAX_WEEK_HOURS, f"{where} has {hours:g} hours",
                    mistake=MINUTES_NOT_HOURS)
        require_text(ctx, entry["on"], f"'on' of {where}", min_words=2,
                     placeholder=COURSE_PLACEHOLDER)
    require_set(ctx, course, "change_course")
    require_dict(ctx, course, "`change_course`")
    require_keys(ctx, course, "`change_course`", COURSE_FIELDS)
    _whole(ctx, course["review_every_weeks"], "change_course['review_every_weeks']", 1, 26)
    signals = require_list(ctx, course["signals"], "change_course['signals']", min_items=2)
    for i, signal in enumerate(signals):
        text = require_text(ctx, signal, f"signal {i}", min_words=4,
                            placeholder=COURSE_PLACEHOLDER)
        ctx.require(bool(NUMBER.search(text)), f"signal {i} has no number in it",
                    [f"got {text!r}"], mistake=UNMEASURABLE)
    require_text(ctx, course["plan_b"], "change_course['plan_b']", min_words=12,
                 placeholder=COURSE_PLACEHOLDER)
    require_text(ctx, course["stop_rule"], "change_course['stop_rule']", min_words=12,
                 placeholder=COURSE_PLACEHOLDER)


check_course_correction = MultiValueCheck(
    "change_course", _verify_course, reference=(REFERENCE_TIME_LOG, REFERENCE_COURSE),
    mistakes=[WEEK_DATE, SAME_WEEK, MINUTES_NOT_HOURS, UNMEASURABLE, COURSE_PLACEHOLDER])
