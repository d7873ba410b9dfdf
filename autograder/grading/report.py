"""The cohort report: what the cohort got right, what it got wrong, and what to teach again.

One page per assignment (``reports/<assignment>/report.html``) and an index
over every graded assignment (``reports/index.html``). Everything comes from
the gradebook as it is now (records.cohort_entries): the scores, manual grades
from formgrader included, and what the grader recorded with them (the
diagnoses the check framework named in each failure, which solution cells a
student changed). For each exercise a student either passed it, attempted it
and got it wrong, did not attempt it (its solution cells are still the
handout's), or did not submit it (no submission, the notebook could not be
graded); only the first two count towards its pass rate, so "what to teach
again" is never a list of exercises people have not reached yet. Figures are
embedded in the page, and also saved as PNGs next to it.
"""

from __future__ import annotations

import base64
import html
import io
import statistics
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ..notebooks import exercises
from .course import Course
from .records import cohort_entries, graded_assignments

TEACH_AGAIN = 0.6   # exercises passed by fewer than this share of the cohort


@dataclass
class ExerciseStat:
    notebook: str
    number: str
    title: str
    cells: list[str]                  # "notebook/grade_id" of its test cells
    solutions: list[str] = field(default_factory=list)   # ... of its solution cells
    passed: int = 0
    wrong: int = 0                    # attempted, and some test failed
    not_attempted: int = 0            # submitted, solution cells as handed out
    not_submitted: int = 0            # no submission, or the notebook was not graded

    @property
    def attempted(self) -> int:
        return self.passed + self.wrong

    @property
    def rate(self) -> float:
        """Share of the students who attempted it that passed it."""
        return self.passed / self.attempted if self.attempted else 0.0


def _fraction(entry: dict) -> float | None:
    max_score = entry.get("max_score") or 0
    return None if not max_score else float(entry.get("score") or 0) / max_score


def _solution_cells(release, header: int, cells: list[str], name: str) -> list[str]:
    """The solution cells between an exercise's header and its last test cell."""
    from ..notebooks import nbgrader_meta

    last = max(i for i, c in enumerate(release.cells)
               if f"{name}/{nbgrader_meta(c).get('grade_id')}" in cells)
    return [f"{name}/{nbgrader_meta(c)['grade_id']}" for c in release.cells[header:last + 1]
            if nbgrader_meta(c).get("solution") and nbgrader_meta(c).get("grade_id")]


def classify(entry: dict | None, stat: ExerciseStat) -> str:
    """One student's standing on one exercise: "passed", "wrong", "not attempted" or
    "not submitted" (`entry` None: no submission)."""
    if entry is None:
        return "not submitted"
    if entry.get("notebooks", {}).get(stat.notebook, {}).get("status", "failed") == "failed":
        return "not submitted"
    outcomes = [entry.get("cells", {}).get(key) for key in stat.cells]
    if any(o is None for o in outcomes):
        return "not submitted"
    if all(o.get("score") is not None and o["score"] >= o["max_score"] for o in outcomes):
        return "passed"
    attempted = entry.get("attempted", {})
    if stat.solutions and all(key in attempted for key in stat.solutions) and \
            not any(attempted[key] for key in stat.solutions):
        return "not attempted"
    return "wrong"


def exercise_stats(course: Course, assignment: str, notebooks: list[str],
                   entries: list[dict], missing: int = 0) -> list[ExerciseStat]:
    """Per exercise: how many students passed, got it wrong, did not attempt it, did not
    submit it (`missing`: students of the course with no submission at all)."""
    stats = []
    for name in notebooks:
        release = course.release_notebook(assignment, name)
        for ex in exercises(release):
            cells = [f"{name}/{c.grade_id}" for c in ex.graded if c.kind == "tests"]
            if cells:
                stats.append(ExerciseStat(name, ex.number, ex.title, cells,
                                          _solution_cells(release, ex.header_index, cells,
                                                          name)))
    for stat in stats:
        stat.not_submitted += missing
        for entry in entries:
            standing = classify(entry, stat)
            if standing == "passed":
                stat.passed += 1
            elif standing == "wrong":
                stat.wrong += 1
            elif standing == "not attempted":
                stat.not_attempted += 1
            else:
                stat.not_submitted += 1
    return stats


def diagnosis_counts(entries: list[dict], cells: list[str] | None = None) -> Counter:
    """(check, diagnosis) -> number of students whose failure named it (in `cells`)."""
    counts: Counter = Counter()
    for entry in entries:
        seen = set()
        for key, cell in entry.get("cells", {}).items():
            if cells is not None and key not in cells:
                continue
            for name in cell.get("diagnoses", []):
                seen.add((cell.get("check") or key.split("/")[-1], name))
        counts.update(seen)
    return counts


def _png(fig) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    return buffer.getvalue()


def _figures(entries: list[dict], stats: list[ExerciseStat], diagnoses: Counter,
             assignment: str) -> dict[str, bytes]:
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    figures = {}
    fractions = [f for f in (_fraction(e) for e in entries) if f is not None]
    fig, ax = plt.subplots(figsize=(6.5, 3.2))
    ax.hist([100 * f for f in fractions], bins=[i * 10 for i in range(11)],
            color="#4c72b0", edgecolor="white")
    if fractions:
        median = 100 * statistics.median(fractions)
        ax.axvline(median, color="#c44e52", linestyle="--")
        ax.text(median, ax.get_ylim()[1] * 0.92, f" median {median:.0f}%", color="#c44e52")
    ax.set_xlabel("score so far (% of all points; written answers count once graded)")
    ax.set_ylabel("students")
    # the default locator is a MaxNLocator, which takes integer= (typed as a Locator)
    ax.yaxis.get_major_locator().set_params(integer=True)  # type: ignore[call-arg]
    ax.set_title(f"{assignment}: score distribution ({len(fractions)} students)")
    figures["scores.png"] = _png(fig)
    plt.close(fig)

    if stats:
        fig, ax = plt.subplots(figsize=(6.5, 0.45 * len(stats) + 1.2))
        labels = [f"{s.number} {s.title[:30]} ({s.passed} of {s.attempted} passed)"
                  for s in stats][::-1]
        rates = [100 * s.rate for s in stats][::-1]
        colors = ["#c44e52" if r < 100 * TEACH_AGAIN else "#55a868" for r in rates]
        ax.barh(labels, rates, color=colors)
        ax.axvline(100 * TEACH_AGAIN, color="grey", linestyle=":")
        ax.set_xlim(0, 100)
        ax.set_xlabel("of the students who attempted it, % passing every autograded test")
        ax.set_title("Pass rate per exercise (red: below the teach-again line)")
        figures["pass_rates.png"] = _png(fig)
        plt.close(fig)

    top = diagnoses.most_common(10)
    if top:
        fig, ax = plt.subplots(figsize=(6.5, 0.45 * len(top) + 1.2))
        ax.barh([f"{check}: {name}"[:60] for (check, name), _ in top][::-1],
                [n for _, n in top][::-1], color="#dd8452")
        ax.set_xlabel("students whose failing check named this mistake")
        ax.xaxis.get_major_locator().set_params(integer=True)  # type: ignore[call-arg]
        ax.set_title("Most frequent diagnoses")
        figures["diagnoses.png"] = _png(fig)
        plt.close(fig)
    return figures


def _img(figures: dict[str, bytes], name: str) -> str:
    if name not in figures:
        return ""
    data = base64.b64encode(figures[name]).decode()
    return f'<img src="data:image/png;base64,{data}" alt="{name}">'


STYLE = ("body{font-family:sans-serif;max-width:60em;margin:2em auto;line-height:1.45;"
         "color:#222}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;"
         "padding:.25em .6em;text-align:left;vertical-align:top}th{background:#f3f3f3}"
         ".bad{color:#c44e52;font-weight:bold}img{max-width:100%;margin:.5em 0}"
         "small{color:#666}")


# C901 exception: to be split (data, figures, HTML) once the concurrent grading/ work has
# landed.
def build_report(course: Course, assignment: str, notebooks: list[str],  # noqa: C901
                 cohort: tuple[list[dict], list[str]] | None = None) -> Path:
    """Write reports/<assignment>/report.html (and its PNGs); return its path.

    cohort: (entries, students without a submission), as records.cohort_entries
    gives them (read from the gradebook when not given)."""
    e = html.escape
    folder = course.reports_dir(assignment)
    folder.mkdir(parents=True, exist_ok=True)
    entries, missing = cohort if cohort is not None else cohort_entries(course, assignment)
    stats = exercise_stats(course, assignment, notebooks, entries, len(missing))
    diagnoses = diagnosis_counts(entries)
    figures = _figures(entries, stats, diagnoses, assignment)
    for name, data in figures.items():
        (folder / name).write_bytes(data)

    fractions = [f for f in (_fraction(x) for x in entries) if f is not None]
    seconds = [x.get("seconds", 0.0) for x in entries]
    parts = [f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{e(assignment)}: "
             f"cohort report</title><style>{STYLE}</style></head><body>",
             f"<h1>{e(assignment)}: cohort report</h1>",
             f"<p>{len(entries)} students graded"
             + (f"; {len(missing)} more in the gradebook have not submitted this stage "
                f"({e(', '.join(missing[:12]))}{', ...' if len(missing) > 12 else ''})"
                if missing else "") + ". "]
    if fractions:
        parts.append(f"Median score {100 * statistics.median(fractions):.0f}%, mean "
                     f"{100 * statistics.mean(fractions):.0f}%. ")
    if seconds:
        parts.append(f"Median execution time {statistics.median(seconds):.1f} s per "
                     "submission.")
    parts.append("</p>")

    weak = [s for s in stats if s.attempted and s.rate < TEACH_AGAIN]
    parts.append("<h2>What to teach again</h2>")
    if weak:
        parts.append("<ul>")
        for stat in sorted(weak, key=lambda s: s.rate):
            common = [f"{name} ({n})" for (_, name), n in
                      diagnosis_counts(entries, stat.cells).most_common(3)]
            parts.append(f"<li><b>Exercise {e(stat.number)}: {e(stat.title)}</b>, passed by "
                         f"{100 * stat.rate:.0f}% of those who attempted it "
                         f"({stat.passed}/{stat.attempted})"
                         + (f"; most common mistakes: {e(', '.join(common))}" if common else "")
                         + "</li>")
        parts.append("</ul>")
    else:
        parts.append(f"<p>Every exercise was passed by at least {100 * TEACH_AGAIN:.0f}% of "
                     "the students who attempted it.</p>")
    parts.append("<p><small>Only students who attempted an exercise count here: one whose "
                 "solution cells are still as handed out did not attempt it, and one with no "
                 "graded notebook did not submit it (both are in the table below).</small>"
                 "</p>")

    parts.append("<h2>Scores</h2>" + _img(figures, "scores.png"))
    parts.append("<h2>Pass rate per exercise</h2>" + _img(figures, "pass_rates.png"))
    if stats:
        parts.append("<table><tr><th>exercise</th><th>notebook</th><th>passed / attempted"
                     "</th><th>attempted, wrong</th><th>not attempted</th><th>not submitted"
                     "</th></tr>")
        for stat in stats:
            cls = " class='bad'" if stat.attempted and stat.rate < TEACH_AGAIN else ""
            rate = f" ({100 * stat.rate:.0f}%)" if stat.attempted else ""
            parts.append(f"<tr><td>{e(stat.number)} {e(stat.title)}</td><td>"
                         f"{e(stat.notebook)}</td><td{cls}>{stat.passed}/{stat.attempted}"
                         f"{rate}</td><td>{stat.wrong}</td><td>{stat.not_attempted}</td>"
                         f"<td>{stat.not_submitted}</td></tr>")
        parts.append("</table>")
    parts.append("<h2>Most frequent diagnoses</h2>")
    if diagnoses:
        parts.append(_img(figures, "diagnoses.png"))
        parts.append("<table><tr><th>check</th><th>diagnosis</th><th>students</th></tr>")
        for (check, name), n in diagnoses.most_common(20):
            parts.append(f"<tr><td>{e(check)}</td><td>{e(name)}</td><td>{n}</td></tr>")
        parts.append("</table>")
    else:
        parts.append("<p>No failing check named a known mistake.</p>")

    attention = []
    for entry in entries:
        reasons = [f"{n}: {i.get('reason')}" for n, i in sorted(entry.get("notebooks", {})
                                                                .items())
                   if i.get("status") in ("failed", "partial")]
        flags = [f"{f['severity']}: {f['kind']} ({f['detail']})" for f in entry.get("flags", [])]
        if reasons or flags:
            attention.append((entry["student"], entry.get("score"), entry.get("max_score"),
                              reasons, flags))
    parts.append(f"<h2>Submissions that need a look ({len(attention)})</h2>")
    if attention:
        parts.append("<p><small>untrusted: the notebook's test cells were scored 0 and marked "
                     "for manual grading in formgrader; restored: nbgrader put the real cells "
                     "back, the score stands; review: worth reading, score unchanged. Full "
                     "list: issues.csv.</small></p><table><tr><th>student</th><th>score</th>"
                     "<th>not graded / stopped early</th><th>flags</th></tr>")
        for student, score, max_score, reasons, flags in attention:
            parts.append(f"<tr><td>{e(student)}</td><td>{score:g}/{max_score:g}</td><td>"
                         + "<br>".join(e(r) for r in reasons) + "</td><td>"
                         + "<br>".join(e(f) for f in flags[:8])
                         + (f"<br>... {len(flags) - 8} more" if len(flags) > 8 else "")
                         + "</td></tr>")
        parts.append("</table>")
    from .collect import renamed_students

    renamed = renamed_students(course, assignment)
    if renamed:
        parts.append(f"<h2>Student ids and the names they were submitted under "
                     f"({len(renamed)})</h2><p><small>Ids keep letters of any script; two "
                     "names that would give the same id get a short suffix. grades.csv has "
                     "the same mapping (column submitted_as).</small></p><table><tr>"
                     "<th>student id</th><th>submitted as</th></tr>")
        for student, name in sorted(renamed.items()):
            parts.append(f"<tr><td>{e(student)}</td><td>{e(name)}</td></tr>")
        parts.append("</table>")
    parts.append("<p><small>Built from the gradebook (manual grades included). Files: "
                 "grades.csv (nbgrader's export), issues.csv, journal.jsonl (a log of the "
                 "grading runs); feedback/&lt;student&gt;/"
                 f"{e(assignment)}/ holds each student's HTML feedback.</small></p>")
    parts.append("</body></html>")
    path = folder / "report.html"
    path.write_text("".join(parts), encoding="utf-8")
    return path


def build_index(course: Course) -> Path | None:
    """reports/index.html: the score distribution of every graded assignment."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    root = course.root / "reports"
    assignments = graded_assignments(course)
    if not assignments:
        return None
    root.mkdir(parents=True, exist_ok=True)
    data = []
    for name in assignments:
        entries, _ = cohort_entries(course, name)
        data.append([100 * f for f in (_fraction(x) for x in entries) if f is not None])
    fig, ax = plt.subplots(figsize=(1.3 * len(assignments) + 3, 3.5))
    ax.boxplot(data, showmeans=True)
    ax.set_xticks(range(1, len(assignments) + 1), assignments, rotation=20)
    ax.set_ylabel("score (%)")
    ax.set_ylim(-5, 105)
    ax.set_title("Score distribution per stage")
    png = _png(fig)
    plt.close(fig)
    (root / "scores_per_stage.png").write_bytes(png)
    e = html.escape
    rows = "".join(f"<tr><td><a href='{e(n)}/report.html'>{e(n)}</a></td><td>{len(d)}</td>"
                   f"<td>{statistics.median(d) if d else 0:.0f}%</td></tr>"
                   for n, d in zip(assignments, data, strict=True))
    page = (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>Cohort reports</title>"
            f"<style>{STYLE}</style></head><body><h1>Cohort reports</h1>"
            f"<img src='data:image/png;base64,{base64.b64encode(png).decode()}' "
            "alt='scores per stage'><table><tr><th>stage</th><th>students</th>"
            f"<th>median</th></tr>{rows}</table></body></html>")
    path = root / "index.html"
    path.write_text(page, encoding="utf-8")
    return path
