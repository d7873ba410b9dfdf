"""Give the learner a working copy of the curriculum that updates never clobber.

``sync(curriculum, workspace)`` copies every file of ``curriculum/`` into
``workspace/`` and records, in ``workspace/.workspace.json``, the hash of
what it copied. Run again after pulling a new version of the repository, it
compares three things per file: what it copied last time, what is in the
workspace now, and what is upstream now.

==========================  ==================  ==========================================
the learner's copy          upstream            what happens
==========================  ==================  ==========================================
missing, never copied       any                 copied ("added")
missing, copied before      any                 copied again ("restored")
unchanged since copied      unchanged           nothing
unchanged since copied      changed             replaced by the new version ("updated")
changed by the learner      unchanged           nothing
changed by the learner      changed             left alone; the new version is written
                                                beside it as NAME.upstream-HASH.ipynb
                                                ("kept yours")
present, not in manifest    differs             treated as changed by the learner
==========================  ==================  ==========================================

Nothing the learner wrote is ever overwritten or deleted. Every write goes to
a temporary file first and is then renamed into place, so a crash leaves
either the old file or the new one, never half of one.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..progress.catalog import CatalogError, exercises, load_cells
from ..progress.store import MANIFEST

MANIFEST_VERSION = 1
SKIP_PARTS = {".ipynb_checkpoints", "__pycache__", ".DS_Store"}


class WorkspaceError(Exception):
    """The workspace cannot be made (the message says why and what to do)."""


@dataclass(frozen=True)
class Change:
    kind: str            # added, restored, updated, kept yours, removed upstream
    path: str            # relative to the workspace, posix
    beside: str | None = None         # where the new version went ("kept yours")
    details: tuple[str, ...] = ()     # what changed upstream, in words


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
                         "curriculum. Work there: updates never overwrite what you change.")
            return "\n".join(lines)
        if not self.changes:
            lines.append(f"[workspace] {name} is up to date with the curriculum "
                         f"({self.files} files).")
            return "\n".join(lines)
        lines.append(f"[workspace] the curriculum has changed since {name} was last updated:")
        symbols = {"added": "+", "restored": "+", "updated": "~", "kept yours": "!",
                   "removed upstream": "-"}
        for change in self.changes:
            line = f"  {symbols.get(change.kind, ' ')} {change.kind:17s} {change.path}"
            if change.kind == "updated":
                line += " (you had not changed it)"
            elif change.kind == "restored":
                line += " (it was missing)"
            elif change.kind == "removed upstream":
                line += " (no longer in the curriculum; your copy stays)"
            lines.append(line)
            if change.kind == "kept yours":
                lines.append(f"      you have changed it, so it was left as it is; the new version "
                             f"is at {name}{change.beside}")
                lines.append("      open both, and copy your answers into the new one (or the "
                             "new parts into yours)")
            lines += [f"      {d}" for d in change.details]
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


def beside_name(rel: str, upstream_digest: str) -> str:
    """'00_x/01_y.ipynb' -> '00_x/01_y.upstream-3f2a9c1e.ipynb'."""
    path = Path(rel)
    return path.with_name(f"{path.stem}.upstream-{upstream_digest[:8]}{path.suffix}").as_posix()


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
    """({path: {"base": hash, "upstream": hash}}, a warning if it was unreadable)."""
    path = workspace / MANIFEST
    if not path.exists():
        return {}, None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        files = data["files"]
        assert isinstance(files, dict)
        return files, None
    except (OSError, ValueError, KeyError, AssertionError, TypeError):
        return {}, (f"{MANIFEST} was unreadable, so every notebook already in the workspace "
                    "is treated as yours and kept as it is")


def _write_manifest(workspace: Path, source: Path, files: dict[str, dict]) -> None:
    data = {"version": MANIFEST_VERSION, "source": str(source),
            "updated": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "files": files,
            "about": "Written by `python3 manage.py lab` (autograder.lab): the hash of "
                     "every file copied from the curriculum, so that updates never overwrite "
                     "a file you changed. Do not edit."}
    _write_atomic(workspace / MANIFEST, (json.dumps(data, indent=1, sort_keys=True) + "\n")
                  .encode())


def describe_update(old: Path, new: Path) -> tuple[str, ...]:
    """In words, how the upstream notebook `new` differs from `old` (exercises and checks)."""
    if old.suffix != ".ipynb":
        return ()
    try:
        old_cells, new_cells = load_cells(old), load_cells(new)
    except CatalogError:
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
    upstream_files = _files(source)
    for rel, src in upstream_files.items():
        data = src.read_bytes()
        up = hashlib.sha256(data).hexdigest()
        target = workspace / rel
        entry = manifest.get(rel)
        if not target.exists():
            _write_atomic(target, data)
            manifest[rel] = {"base": up, "upstream": up}
            if not created:
                result.changes.append(Change("restored" if entry else "added", rel))
            continue
        mine = digest(target)
        if mine == up:                      # identical to upstream, whatever happened before
            manifest[rel] = {"base": up, "upstream": up}
            continue
        if entry is not None and mine == entry.get("base"):   # untouched: safe to update
            details = describe_update(target, src)
            _write_atomic(target, data)
            manifest[rel] = {"base": up, "upstream": up}
            result.changes.append(Change("updated", rel, details=details))
            continue
        # The learner changed it (or we cannot tell): never overwrite.
        if entry is None:
            entry = {"base": None, "upstream": None}
        if entry.get("upstream") != up:
            beside = beside_name(rel, up)
            if not (workspace / beside).exists():
                _write_atomic(workspace / beside, data)
            result.changes.append(Change("kept yours", rel, beside,
                                         describe_update(target, src)))
        manifest[rel] = {"base": entry.get("base"), "upstream": up}
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
