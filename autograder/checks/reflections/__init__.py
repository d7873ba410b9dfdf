"""Old name of :mod:`autograder.checks.alignment_reflections`: re-export shims, nothing else.

Stage folders map to check packages by one rule (``NN_name`` -> ``autograder.checks.<name>``),
so stage 05's checks moved to ``alignment_reflections``. Notebooks saved, and gradebooks
made, before the move import ``autograder.checks.reflections.<module>``; each module here
re-exports its namesake so they keep working. Do not import from here in new code.
``autograder.checks.registry.MOVED_MODULES`` lists this package (so no check is counted
twice); tests/test_naming.py proves each shim re-exports every public name.
"""
