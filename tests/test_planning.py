"""The stage-00 plan figure says what to fill in when `my_plan` is blank (the hub's feedback
page showed a raw TypeError from the unfilled cell), and draws the plan once it is filled in."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402

from autograder.checks.orientation import EXAMPLE_PLAN  # noqa: E402
from autograder.planning import plot_my_plan, total_weeks  # noqa: E402
from autograder.stages import STAGES  # noqa: E402


@pytest.mark.parametrize(("blank", "says"), [
    (None, "`my_plan` is not filled in yet"),
    ({}, "`my_plan` is not filled in yet"),
    ("10 hours", "`my_plan` should be a dict like the example above, not a str"),
    ({"weeks": 30}, "`my_plan` has no 'hours_per_week' yet"),
    ({"hours_per_week": None, "weeks": None},
     "`my_plan` has no 'hours_per_week' and no 'weeks' yet"),
])
def test_a_blank_plan_says_what_to_fill_in(blank, says):
    with pytest.raises(ValueError, match=f"^{says}.*run this cell again") as raised:
        plot_my_plan(blank)
    assert not isinstance(raised.value, TypeError)


def test_a_filled_plan_is_drawn_at_its_pace():
    import matplotlib.pyplot as plt

    ax = plot_my_plan(EXAMPLE_PLAN)
    pace = EXAMPLE_PLAN["hours_per_week"]
    assert ax.get_title() == (f"Your pace, {pace:g} h/week: about {total_weeks(pace):.0f} weeks "
                              f"(you planned {EXAMPLE_PLAN['weeks']})")
    assert len(ax.patches) == len(STAGES)          # one bar per stage
    plt.close(ax.figure)
