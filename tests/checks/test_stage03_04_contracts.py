"""Stages 03 and 04: every promise of an exercise is a visible case (issue 13).

For each exercise, the likely wrong implementations listed here (written from the
exercise's text and docstring, not from the registered mistakes) must fail the
*visible* check, and a correct but differently written implementation must pass.
Every check of the two stages also has a general hint, shown when no known
mistake matches. (The backward-pass checks of 04_transformer/05_backward are
being split by another change and are left out here.)
"""

from __future__ import annotations

import pytest

from autograder.checks import all_checks

OWNED = {name: check for name, check in all_checks().items()
         if (".probability." in name or ".transformer." in name) and ".backward." not in name}


def _short(name: str) -> str:
    return name.removeprefix("autograder.checks.")


def test_the_stages_have_their_checks():
    assert len(OWNED) >= 70


@pytest.mark.parametrize("name", sorted(OWNED), ids=_short)
def test_every_check_has_a_general_hint(name):
    hint = OWNED[name].hint
    assert isinstance(hint, str) and len(hint.strip()) >= 20, (
        f"{name} has no general hint for mistakes nobody registered: {hint!r}")
