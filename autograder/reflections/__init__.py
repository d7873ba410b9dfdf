"""Library code for stage 05 (alignment reading reflections).

Each module has one job:

- reading_log: summarise and plot a learner's reading log
- chains: probabilities of a chain of claims (an argument, a theory of change) and its picture
- landscape: the research agendas of notebook 03 and the importance-by-fit map
- (scoring rules and reliability plots come from autograder.calibration, shared with stage 03)
- practice: the calibration practice set resolved by the learner's own experiments
- questions: the field's big forecasting questions of notebook 06
- plans: learning plans and time logs (notebook 07)
- rubrics: keep the graders' copy of each rubric in sync (see docs in that module)

The reading list itself is :mod:`autograder.readings`; the checks the notebooks
call are in :mod:`autograder.checks.alignment_reflections`.
"""
