"""Cohort grading: one command from submissions to grades, feedback and a report.

`autograder grade STAGE [ZIP_OR_FOLDER]` (see docs/grading.md). The modules, in
the order a submission meets them:

    collect      inputs -> nbgrader's submitted/ tree (zip_collect for LMS downloads)
    prepare      a submission -> self-contained jobs (nbgrader's sanitising preprocessors)
    tamper       locked/test cells edited, deleted or renamed; monkeypatching in the code
    workers      local worker processes or a Dask cluster; a spare kernel per worker
    execute      one notebook in a sandboxed kernel (nbgrader's Execute, with limits)
    sandbox      bubblewrap (or the strongest fallback); launch: inside the sandbox
    kernel       the kernel manager whose kernel lives in the sandbox
    probe        integrity probes run in the kernel before each test cell
    gradebook    the single writer: nbgrader's grade saving, lock retries
    records      the grader's table in the gradebook: what was graded, what the run saw;
                 the cohort as the gradebook has it now (report, CSV, issues, feedback)
    journal      a log of the grading runs (never read back for results)
    coordinator  the loop that ties these together, with a progress bar
    feedback     per-student HTML with hidden tests removed
    export       nbgrader's grades CSV and the issues list
    report       the cohort report with figures
    synthetic    generated courses and cohorts for the tests and the benchmark

This package must stay light to import: `launch` runs inside every sandbox.
"""
