"""Reading a submission's files without trusting its file system.

Everything here works on the link itself, never on what it points to: a
symbolic link is never followed (``O_NOFOLLOW``, ``lstat``), a hard link (a
regular file with more than one name) and a device, pipe or socket are
refused, and every refusal comes back as a reason in plain words. Archives
are checked from their central directory before a byte is extracted (member
count, declared sizes, compression ratio, names), then each member is
streamed to disk with its size capped again, so nothing is ever held whole in
memory.
"""

from __future__ import annotations

import datetime
import hashlib
import os
import shutil
import stat
import zipfile
from pathlib import Path, PurePosixPath

MB = 1024 * 1024
MAX_FILE_BYTES = 64 * MB          # one file (a notebook may be 50 MB, see prepare.py)
MAX_ARCHIVE_MEMBERS = 20_000      # an LMS download of 500 students x 20 files
MAX_ARCHIVE_BYTES = 4096 * MB     # all members together, as declared
MAX_CENTRAL_DIRECTORY = 16 * MB   # read before the member count is known
MAX_RATIO = 200                   # uncompressed / compressed, for members over 1 MB
CHUNK = MB


class Refused(Exception):
    """A file was not used (the message says why, in words for the instructor)."""


class UnsafeArchive(Exception):
    """An archive was refused as a whole (the message says why)."""


def lexists(path: Path) -> bool:
    return os.path.lexists(path)


def is_real_dir(path: Path) -> bool:
    """A folder, and not a link to one."""
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except OSError:
        return False


def children(folder: Path) -> list[Path]:
    try:
        return sorted(Path(entry.path) for entry in os.scandir(folder))
    except OSError:
        return []


def remove(path: Path) -> None:
    """Remove a file, a link (not its target) or a folder tree (links inside unfollowed)."""
    if os.path.islink(path) or not is_real_dir(path):
        os.unlink(path)
    else:
        shutil.rmtree(path)


def make_dirs(root: Path, dest: Path) -> None:
    """mkdir -p dest below root; a link on the way (root's own folders) is removed."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    current = root
    for part in Path(dest).relative_to(root).parts:
        current = current / part
        if os.path.islink(current):
            os.unlink(current)
        if not lexists(current):
            current.mkdir()
        elif not is_real_dir(current):
            raise Refused(f"{current} is in the way and is not a folder")


def describe(path: Path, st: os.stat_result) -> str | None:
    """Why `path` (already lstat'ed) may not be used, or None if it is a plain file."""
    mode = st.st_mode
    if stat.S_ISLNK(mode):
        try:
            target = os.readlink(path)[:120]
        except OSError:
            target = "?"
        return (f"is a symbolic link (to {target}); links are never followed, so it was "
                "not used")
    if stat.S_ISREG(mode):
        if st.st_nlink > 1:
            return (f"is a hard link (a file with {st.st_nlink} names, possibly outside the "
                    "submission); it was not used")
        return None
    if stat.S_ISDIR(mode):
        return None
    return "is not a regular file (a device, pipe or socket); it was not used"


def scan(folder: Path, ignored: set[str]) -> tuple[dict[str, Path], dict[str, str]]:
    """(relative name -> path of each plain file, relative name -> why refused) under
    `folder`, walking without following any link. Names in `ignored` are skipped."""
    files: dict[str, Path] = {}
    problems: dict[str, str] = {}
    stack = [Path(folder)]
    while stack:
        current = stack.pop()
        try:
            entries = sorted(os.scandir(current), key=lambda e: e.name)
        except OSError as exc:
            rel = str(current.relative_to(folder))
            problems[rel] = f"{rel} could not be read ({exc.strerror}); it was not used"
            continue
        for entry in entries:
            path = Path(entry.path)
            rel = str(path.relative_to(folder))
            if entry.name in ignored:
                continue
            try:
                st = os.lstat(path)
            except OSError as exc:
                problems[rel] = f"{rel} could not be read ({exc.strerror}); it was not used"
                continue
            why = describe(path, st)
            if why is not None:
                problems[rel] = f"{rel} {why}"
            elif stat.S_ISDIR(st.st_mode):
                stack.append(path)
            else:
                files[rel] = path
    return files, problems


def open_regular(path: Path):
    """Open a plain file for reading, refusing links, hard links and special files,
    checked on the open file itself (so it cannot be swapped after the check)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        if os.path.islink(path):
            raise Refused(describe(path, os.lstat(path))) from None
        raise Refused(f"could not be read ({exc.strerror})") from None
    st = os.fstat(fd)
    why = describe(path, st)
    if why is not None or not stat.S_ISREG(st.st_mode):
        os.close(fd)
        raise Refused(why or "is not a regular file; it was not used")
    return os.fdopen(fd, "rb")


def write_stream(stream, dest: Path, limit: int) -> int:
    """Copy `stream` to a new file `dest` in chunks, at most `limit` bytes."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW | os.O_CLOEXEC,
                 0o644)
    written = 0
    try:
        with os.fdopen(fd, "wb") as out:
            while True:
                chunk = stream.read(CHUNK)
                if not chunk:
                    break
                written += len(chunk)
                if written > limit:
                    raise Refused(f"is larger than {limit // MB} MB; it was not used")
                out.write(chunk)
    except BaseException:
        dest.unlink(missing_ok=True)
        raise
    return written


def copy_regular(src: Path, dest: Path, limit: int = MAX_FILE_BYTES) -> int:
    with open_regular(src) as stream:
        return write_stream(stream, dest, limit)


def read_regular(path: Path, limit: int) -> bytes:
    """The bytes of a plain file of at most `limit` bytes (Refused otherwise)."""
    with open_regular(path) as stream:
        data = stream.read(limit + 1)
    if len(data) > limit:
        raise Refused(f"is larger than {limit // MB} MB; it was not used")
    return data


def hash_regular(path: Path) -> bytes:
    h = hashlib.sha256()
    with open_regular(path) as stream:
        for chunk in iter(lambda: stream.read(CHUNK), b""):
            h.update(chunk)
    return h.digest()


def check_timestamp(path: Path) -> str | None:
    """Why the submission's timestamp.txt cannot be used, or None (also if absent)."""
    if not lexists(path):
        return None
    try:
        text = read_regular(path, 4096).decode("utf-8", errors="replace").strip()
    except Refused as exc:
        return f"timestamp.txt {exc}; graded without a submission time"
    if not text:
        return None
    from nbgrader.utils import parse_utc

    try:
        parse_utc(text)
    except (ValueError, OverflowError, TypeError):
        return (f"timestamp.txt does not hold a date ({text[:60]!r}); graded without a "
                "submission time, so no late penalty applies")
    return None


# -- archives ---------------------------------------------------------------------------

def _member_problem(info: zipfile.ZipInfo) -> str | None:
    name = info.filename
    pure = PurePosixPath(name.replace("\\", "/"))
    if pure.is_absolute() or ".." in pure.parts or (len(name) > 1 and name[1] == ":"):
        return "has a path that leaves the archive (absolute or with '..'); it was refused"
    kind = stat.S_IFMT(info.external_attr >> 16) if info.create_system == 3 else 0  # Unix
    if kind == stat.S_IFLNK:
        return "is a symbolic link inside the archive; links are never followed"
    if kind and kind not in (stat.S_IFREG, stat.S_IFDIR):
        return "is not a regular file inside the archive; it was refused"
    if info.flag_bits & 0x1:
        return "is encrypted; it was refused"
    if info.file_size > MAX_FILE_BYTES:
        return (f"would be {info.file_size // MB} MB once extracted (more than "
                f"{MAX_FILE_BYTES // MB} MB); it was refused")
    if info.file_size > MB and info.file_size > MAX_RATIO * max(1, info.compress_size):
        return (f"is compressed {info.file_size // max(1, info.compress_size)} to 1 (a zip "
                f"bomb?; more than {MAX_RATIO} to 1 is refused)")
    return None


class ZipSource:
    """The members of a .zip, checked before extraction; iterate for
    (name, opener or None, date or reason), as :func:`.collect._collect_files` wants."""

    def __init__(self, path: Path):
        self.path = Path(path)
        try:
            self.handle = open_regular(self.path)
        except Refused as exc:
            raise UnsafeArchive(str(exc)) from None
        try:
            # zipfile's private end-record reader (not in typeshed): counts, not members
            end = zipfile._EndRecData(self.handle)  # type: ignore[attr-defined]
            if end is None:
                raise UnsafeArchive("it is not a zip file (or it is damaged)")
            members = end[zipfile._ECD_ENTRIES_TOTAL]  # type: ignore[attr-defined]
            cd_size = end[zipfile._ECD_SIZE]  # type: ignore[attr-defined]
            if members > MAX_ARCHIVE_MEMBERS:
                raise UnsafeArchive(f"it has {members} members, more than "
                                    f"{MAX_ARCHIVE_MEMBERS} (nothing was extracted)")
            if cd_size > MAX_CENTRAL_DIRECTORY:
                raise UnsafeArchive(f"its table of contents is {cd_size // MB} MB, more than "
                                    f"{MAX_CENTRAL_DIRECTORY // MB} MB")
            self.handle.seek(0)
            self.zip = zipfile.ZipFile(self.handle)
            infos = self.zip.infolist()
            if len(infos) > MAX_ARCHIVE_MEMBERS:
                raise UnsafeArchive(f"it has {len(infos)} members, more than "
                                    f"{MAX_ARCHIVE_MEMBERS} (nothing was extracted)")
            total = sum(i.file_size for i in infos if not i.is_dir())
            if total > MAX_ARCHIVE_BYTES:
                raise UnsafeArchive(f"its members would take {total // MB} MB once "
                                    f"extracted, more than {MAX_ARCHIVE_BYTES // MB} MB "
                                    "(nothing was extracted)")
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
            self.handle.close()
            raise UnsafeArchive(f"it could not be read as a zip file ({exc})") from None
        except UnsafeArchive:
            self.handle.close()
            raise
        self.infos = infos

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.zip.close()
        self.handle.close()

    def __iter__(self):
        for info in self.infos:
            if info.is_dir():
                continue
            name = info.filename.replace("\\", "/").lstrip("/")
            why = _member_problem(info)
            if why is not None:
                yield name, None, why
                continue
            try:
                when = datetime.datetime(*info.date_time).timestamp()
            except (ValueError, OverflowError):
                when = 0.0
            yield name, (lambda info=info: self.zip.open(info)), when
