"""Give the learner a working copy of the curriculum that updates never clobber.

``sync(curriculum, workspace)`` copies every file of ``curriculum/`` into
``workspace/`` and records, in ``workspace/.workspace.json``, what it copied:
the file's hash and, for a notebook, a fingerprint of every cell's type and
source (:mod:`.merge`). Run again after pulling a new version of the
repository, it compares per file what it copied last time (the *base*), what
is in the workspace now, and what is upstream now.

A notebook counts as *changed by the learner* only when what they wrote
changed: its cells' types and sources. JupyterLab rewrites a notebook when it
is opened, run or validated (metadata, outputs, execution counts, trust); that
is not a change.

=============================  ===============  =============================================
the learner's copy             upstream         what happens
=============================  ===============  =============================================
missing, never copied          any              copied ("added")
missing, copied before         any              copied again ("restored")
nothing written (opened, run)  unchanged        nothing
nothing written (opened, run)  changed          replaced by the new version, outputs and all
                                                ("updated")
written in                     unchanged        nothing
written in                     changed          merged (:func:`.merge.merge`): the new
                                                version with the learner's answers and cells;
                                                their file is first copied to
                                                backups/DATE/PATH ("merged")
not a readable notebook, or    changed          left as it is; the new version is written to
what was copied is unknown                      updates/STAGE/NEW-NAME ("kept yours")
(record lost), or not a
notebook and changed
present, not in the record     any              as the row above, unless identical in content
=============================  ===============  =============================================

Nothing the learner wrote is ever lost: their file is either left alone or
copied to ``backups/`` before the merged version replaces it. Every write goes
to a temporary file first and is then renamed into place, so a crash leaves
either the old file or the new one, never half of one. ``backups/`` and
``updates/`` are outside the stage folders, so the progress report does not
count their notebooks.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..notebooks import NotebookError, exercises, load_cells
from ..progress.store import MANIFEST
from . import merge as nbmerge
from .merge import NotebookUnreadable

MANIFEST_VERSION = 2
SKIP_PARTS = {".ipynb_checkpoints", "__pycache__", ".DS_Store"}
BACKUPS = "backups"     # the learner's file before an update merged into it
UPDATES = "updates"     # a new version that could not be merged, beside nothing of theirs


class WorkspaceError(Exception):
    """The workspace cannot be made (the message says why and what to do)."""


@dataclass(frozen=True)
class Change:
    kind: str            # added, restored, updated, merged, kept yours, removed upstream
    path: str            # relative to the workspace, posix
    beside: str | None = None         # where the new version went ("kept yours")
    details: tuple[str, ...] = ()     # what changed upstream, in words
    carried: tuple[str, ...] = ()     # what of the learner's went into the new version
    attention: tuple[str, ...] = ()   # what the learner should look at
    backup: str | None = None         # their file before the update (written in)
    reason: str | None = None         # why it was not merged ("kept yours")
    damaged: bool = False             # ... because it is not a readable notebook


@dataclass
class SyncResult:
    workspace: Path
    created: bool
    files: int
    changes: list[Change] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def of_kind(self, kind: str) -> list[Change]:
        return [c for c in self.changes if c.kind == kind]

    def summary(self) -> str:
        """What a learner reads after `python3 manage.py lab`."""
        name = self.workspace.name + "/"
        lines = [f"[workspace] warning: {w}" for w in self.warnings]
        if self.created:
            lines.append(f"[workspace] created {name} with {self.files} files from the "
                         "curriculum. Work there: updates never overwrite what you write.")
            return "\n".join(lines)
        if not self.changes:
            lines.append(f"[workspace] {name} is up to date with the curriculum "
                         f"({self.files} files).")
            return "\n".join(lines)
        lines.append(f"[workspace] the curriculum has changed since {name} was last updated:")
        symbols = {"added": "+", "restored": "+", "updated": "~", "merged": "*",
                   "kept yours": "!", "removed upstream": "-"}
        for change in self.changes:
            line = f"  {symbols.get(change.kind, ' ')} {change.kind:17s} {change.path}"
            if change.kind == "updated" and change.backup:
                line += (" (you had only deleted or emptied cells; your file as it was: "
                         f"{name}{change.backup})")
            elif change.kind == "updated":
                line += " (you had not written in it; its outputs were cleared)"
            elif change.kind == "restored":
                line += " (it was missing)"
            elif change.kind == "removed upstream":
                line += " (no longer in the curriculum; your copy stays)"
            lines.append(line)
            if change.kind == "merged":
                lines.append("      the new version now holds your work: "
                             + "; ".join(change.carried))
                lines += [f"      look at: {a}" for a in change.attention]
                lines.append(f"      your file as it was: {name}{change.backup}")
            if change.kind == "kept yours":
                lines.append(f"      {change.reason}, so it was left as it is; the new "
                             f"version is at {name}{change.beside}")
                if change.damaged:
                    lines.append("      copy your text out of it with a text editor, or repair "
                                 "it; or move it away and run this again to get the new "
                                 "version in its place")
                else:
                    lines.append("      open both, and copy your answers into the new one (or "
                                 "the new parts into yours)")
            lines += [f"      upstream: {d}" for d in change.details]
        return "\n".join(lines)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _files(source: Path) -> dict[str, Path]:
    found = {}
    for path in sorted(source.rglob("*")):
        rel = path.relative_to(source)
        if path.is_file() and not (set(rel.parts) & SKIP_PARTS):
            found[rel.as_posix()] = path
    return found


def beside_name(rel: str) -> str:
    """Where a new version goes when it cannot be merged: '00_x/01_y.ipynb' ->
    'updates/00_x/NEW-01_y.ipynb' (visibly not the original, even cut short in the file
    browser, and outside the stage folders, so it is not counted as a notebook)."""
    path = Path(rel)
    return (Path(UPDATES) / path.parent / f"NEW-{path.name}").as_posix()


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _write_atomic(target: Path, data: bytes) -> None:
    """Write `data` to `target` through a temporary file and a rename (0666 less the umask)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        os.chmod(tmp, 0o666 & ~_umask())
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_manifest(workspace: Path) -> tuple[dict[str, dict], str | None]:
    """({path: entry}, a warning if it was unreadable).

    An entry is {"base": hash of the file copied, "upstream": hash of the newest
    upstream version seen, "cells": cell records of the copy (notebooks)}.
    Version 1 records have no "cells"; :func:`_base_cells` finds them again.
    """
    path = workspace / MANIFEST
    if not path.exists():
        return {}, None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        files = data["files"]
        assert isinstance(files, dict) and all(isinstance(e, dict) for e in files.values())
        return files, None
    except (OSError, ValueError, KeyError, AssertionError, TypeError):
        return {}, (f"{MANIFEST} was unreadable, so every notebook already in the workspace "
                    "that differs from the curriculum is treated as yours and kept as it is")


def _write_manifest(workspace: Path, source: Path, files: dict[str, dict]) -> None:
    data = {"version": MANIFEST_VERSION, "source": str(source),
            "updated": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "files": files,
            "about": "Written by `python3 manage.py lab` (autograder.lab): what was copied "
                     "from the curriculum (file hashes, and per notebook cell a fingerprint "
                     "of its source), so that updates tell what you wrote. Do not edit."}
    _write_atomic(workspace / MANIFEST, (json.dumps(data, indent=1, sort_keys=True) + "\n")
                  .encode())


def describe_update(old: Path, new: Path) -> tuple[str, ...]:
    """In words, how the upstream notebook `new` differs from `old` (exercises and checks)."""
    if old.suffix != ".ipynb":
        return ()
    try:
        old_cells, new_cells = load_cells(old), load_cells(new)
    except NotebookError:
        return ()
    before = {e.number: e for e in exercises(old_cells)}
    after = {e.number: e for e in exercises(new_cells)}
    details = []
    added = [f"{n} {after[n].title}" for n in after if n not in before]
    removed = [f"{n} {before[n].title}" for n in before if n not in after]
    renamed = [f"{n} {after[n].title}" for n in after
               if n in before and (before[n].title, before[n].minutes)
               != (after[n].title, after[n].minutes)]
    if added:
        details.append("new exercises: " + "; ".join(added))
    if removed:
        details.append("exercises no longer there: " + "; ".join(removed))
    if renamed:
        details.append("exercises retitled or re-timed: " + "; ".join(renamed))

    def tests(cells):
        return {(c.get("metadata") or {}).get("nbgrader", {}).get("grade_id"): c["source"]
                for c in cells if c.get("cell_type") == "code"
                and ((c.get("metadata") or {}).get("nbgrader") or {}).get("grade")
                and not ((c.get("metadata") or {}).get("nbgrader") or {}).get("solution")}

    old_tests, new_tests = tests(old_cells), tests(new_cells)
    changed = sorted(g for g in new_tests if g in old_tests and new_tests[g] != old_tests[g])
    if changed:
        details.append("check cells changed: " + ", ".join(changed))
    old_text = {c["source"] for c in old_cells if c.get("cell_type") == "markdown"}
    reworded = sum(c["source"] not in old_text for c in new_cells
                   if c.get("cell_type") == "markdown")
    if reworded:
        details.append(f"{reworded} text cell(s) new or reworded")
    return tuple(details)


def _git_version(source: Path, rel: str, sha256: str, limit: int = 300) -> bytes | None:
    """The version of curriculum file `rel` whose SHA-256 is `sha256`, from git history.

    Workspaces made before cell records existed (manifest version 1) know only the
    hash of what was copied; in a clone, git still has that version.
    """
    try:
        top = subprocess.run(["git", "-C", str(source), "rev-parse", "--show-toplevel"],
                             capture_output=True, text=True, timeout=20, check=True)
        root = Path(top.stdout.strip()).resolve()
        path = (source / rel).resolve().relative_to(root)
        log = subprocess.run(["git", "-C", str(root), "log", f"-n{limit}", "--format=%H",
                              "--", path.as_posix()], capture_output=True, text=True,
                             timeout=60, check=True)
        for commit in log.stdout.split():
            blob = subprocess.run(["git", "-C", str(root), "show",
                                   f"{commit}:{path.as_posix()}"],
                                  capture_output=True, timeout=20)
            if blob.returncode == 0 and hashlib.sha256(blob.stdout).hexdigest() == sha256:
                return blob.stdout
    except (OSError, ValueError, subprocess.SubprocessError):
        return None
    return None


def _records(data: bytes) -> list[dict] | None:
    try:
        nb = json.loads(data)
        return nbmerge.cell_records(nb) if isinstance(nb.get("cells"), list) else None
    except (ValueError, AttributeError, TypeError):
        return None


def _base_cells(entry: dict | None, source: Path, rel: str, mine: bytes,
                new: bytes) -> list[dict] | None:
    """The cell records of the version that was copied, or None when it is unknown."""
    if not entry or not entry.get("base"):
        return None
    if isinstance(entry.get("cells"), list):
        return entry["cells"]
    base = entry["base"]
    for data in (new, mine):       # version 1 records: the copy may still be at hand
        if hashlib.sha256(data).hexdigest() == base:
            return _records(data)
    found = _git_version(source, rel, base)
    return _records(found) if found is not None else None


class _Sync:
    """One run of :func:`sync`: the manifest, the result, and the backup folder's name."""

    def __init__(self, source: Path, workspace: Path, result: SyncResult,
                 manifest: dict[str, dict]):
        self.source, self.workspace, self.result, self.manifest = (
            source, workspace, result, manifest)
        self.stamp = time.strftime("%Y-%m-%d_%H%M%S")
        self.when = time.strftime("%Y-%m-%d")

    def fresh(self, rel: str, data: bytes) -> None:
        """Record that the workspace now holds upstream's `data` as it is."""
        entry: dict[str, Any] = {"base": hashlib.sha256(data).hexdigest()}
        entry["upstream"] = entry["base"]
        if rel.endswith(".ipynb"):
            cells = _records(data)
            if cells is not None:
                entry["cells"] = cells
        self.manifest[rel] = entry

    def backup(self, rel: str, data: bytes) -> str:
        """Copy the learner's `data` to backups/STAMP/rel; return that path."""
        target = Path(BACKUPS) / self.stamp / rel
        _write_atomic(self.workspace / target, data)
        return target.as_posix()

    def beside(self, rel: str, data: bytes, reason: str, details: tuple[str, ...],
               damaged: bool = False) -> None:
        """Leave the learner's file alone; write the new version under updates/."""
        target = self.workspace / beside_name(rel)
        if target.exists() and target.read_bytes() != data:
            self.backup(beside_name(rel), target.read_bytes())   # an older NEW- copy
        if not target.exists() or target.read_bytes() != data:
            _write_atomic(target, data)
        self.result.changes.append(Change("kept yours", rel, beside_name(rel), details,
                                          reason=reason, damaged=damaged))

    def file(self, rel: str, src: Path) -> None:
        data = src.read_bytes()
        up = hashlib.sha256(data).hexdigest()
        target = self.workspace / rel
        entry = self.manifest.get(rel)
        if not target.exists():
            _write_atomic(target, data)
            self.fresh(rel, data)
            if not self.result.created:
                self.result.changes.append(Change("restored" if entry else "added", rel))
            return
        mine = target.read_bytes()
        if mine == data:                    # identical to upstream, whatever happened before
            self.fresh(rel, data)
            return
        if rel.endswith(".ipynb"):
            self.notebook(rel, src, data, mine, entry)
            return
        if entry is not None and hashlib.sha256(mine).hexdigest() == entry.get("base"):
            _write_atomic(target, data)     # untouched: safe to update
            self.fresh(rel, data)
            self.result.changes.append(Change("updated", rel))
            return
        entry = dict(entry or {"base": None})
        if entry.get("upstream") != up:
            self.beside(rel, data, "you have changed it", ())
        self.manifest[rel] = {**entry, "upstream": up}

    def notebook(self, rel: str, src: Path, data: bytes, mine: bytes,
                 entry: dict | None) -> None:
        up = hashlib.sha256(data).hexdigest()
        target = self.workspace / rel
        seen = dict(entry or {"base": None})
        try:
            new = nbmerge.read_notebook(src)
        except NotebookUnreadable as exc:
            self.result.warnings.append(f"the curriculum's {rel} is damaged ({exc}); "
                                        f"your copy was left as it is")
            return
        try:
            theirs = nbmerge.read_notebook(target)
        except NotebookUnreadable as exc:
            reason = f"your copy is not a notebook JupyterLab can open: {exc}"
            if seen.get("upstream") != up:
                self.beside(rel, data, reason, describe_update(target, src), damaged=True)
            else:
                self.result.warnings.append(
                    f"{rel}: {reason}. Repair it, or move it away and run this again to get "
                    "a fresh copy")
            self.manifest[rel] = {**seen, "upstream": up}
            return
        if nbmerge.written(theirs) == nbmerge.written(new):
            self.fresh(rel, data)                 # same content as upstream: adopt it
            return
        base = _base_cells(entry, self.source, rel, mine, data)
        if base is not None and "cells" not in seen:
            seen["cells"] = base                  # a version-1 record, upgraded
        if base is None:
            if seen.get("upstream") != up:
                self.beside(rel, data, "it is not known which version you started from",
                            describe_update(target, src))
            self.manifest[rel] = {**seen, "upstream": up}
            return
        if seen.get("base") == up or [r["sha"] for r in base] == nbmerge.written(new):
            self.manifest[rel] = {**seen, "upstream": up}   # upstream unchanged in content
            return
        details = describe_update(target, src)
        if nbmerge.written(theirs) == [r["sha"] for r in base]:
            _write_atomic(target, data)           # opened, run or validated only
            self.fresh(rel, data)
            self.result.changes.append(Change("updated", rel, details=details))
            return
        merged = nbmerge.merge(theirs, base, new, self.when)
        backup = self.backup(rel, mine)           # written in: kept, whatever comes next
        if not merged.changed:                    # e.g. they only deleted or emptied cells
            _write_atomic(target, data)
            self.fresh(rel, data)
            self.result.changes.append(Change("updated", rel, details=details, backup=backup))
            return
        _write_atomic(target, nbmerge.dumps(merged.notebook))
        self.fresh(rel, data)
        self.result.changes.append(Change("merged", rel, details=details,
                                          carried=tuple(merged.carried),
                                          attention=tuple(merged.attention), backup=backup))


def sync(source: str | Path, workspace: str | Path) -> SyncResult:
    """Bring `workspace` up to date with `source` (curriculum/) without losing any work."""
    source, workspace = Path(source).resolve(), Path(workspace).resolve()
    if not source.is_dir():
        raise WorkspaceError(f"{source} is not a folder: there is no curriculum to copy")
    if workspace.exists() and not workspace.is_dir():
        raise WorkspaceError(f"{workspace} exists and is not a folder; move it away and "
                             "run this again")
    if workspace == source or source in workspace.parents:
        raise WorkspaceError("the workspace cannot be inside the curriculum folder")
    created = not workspace.exists() or not ((workspace / MANIFEST).exists() or any(
        p.name not in SKIP_PARTS for p in workspace.iterdir()))
    workspace.mkdir(parents=True, exist_ok=True)
    manifest, warning = read_manifest(workspace)
    result = SyncResult(workspace, created, 0, warnings=[warning] if warning else [])
    run = _Sync(source, workspace, result, manifest)
    upstream_files = _files(source)
    for rel, src in upstream_files.items():
        run.file(rel, src)
    for rel in sorted(set(manifest) - set(upstream_files)):
        if manifest[rel].get("removed"):
            continue
        manifest[rel] = {**manifest[rel], "removed": True}
        if (workspace / rel).exists():
            result.changes.append(Change("removed upstream", rel))
    result.files = len(upstream_files)
    _write_manifest(workspace, source, manifest)
    return result


def archive(workspace: str | Path, out: str | Path | None = None) -> Path:
    """Zip the learner's work (notebooks, other files, progress) and return the zip's path."""
    workspace = Path(workspace).resolve()
    if not (workspace / MANIFEST).is_file():
        raise WorkspaceError(f"{workspace} is not a workspace (no {MANIFEST})")
    stamp = time.strftime("%Y%m%d-%H%M")
    out = Path(out) if out else workspace / f"my-work-{stamp}.zip"
    with tempfile.TemporaryDirectory() as tmp:
        staging = Path(tmp) / f"my-work-{stamp}"
        shutil.copytree(workspace, staging, ignore=shutil.ignore_patterns(
            *SKIP_PARTS, "my-work-*.zip", ".jupyter*"))
        made = shutil.make_archive(str(Path(tmp) / "archive"), "zip", root_dir=tmp,
                                   base_dir=staging.name)
        shutil.move(made, out)
    return out
