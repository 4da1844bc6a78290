"""The release number of ATMP-KG (``atmpkg --version``), stamped on every store it builds, and the
git commit of the data a store is built from, where the data is a clone's.

>>> __version__.count(".")
2
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

__version__ = "0.2.0"

#: The hex digits of the build inputs' fingerprint (``store.folder.fingerprint``) that a citation
#: and ``atmpkg --version`` show: as a commit's first digits, enough to tell two data apart
FINGERPRINT_DIGITS = 12


def _git(folder: Path, *args: str) -> str | None:
    """What ``git -C folder args`` prints, or None where git is missing or fails."""
    try:
        done = subprocess.run(
            # a repository's own configuration may name commands git runs (core.fsmonitor)
            ["git", "-C", str(folder), "-c", "core.fsmonitor=false", *args],
            capture_output=True,
            text=True,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def data_commit(folder: Path, *others: Path) -> str | None:
    """The git commit that holds the data files of ``folder`` (a clone's ``graph/data``), with
    ``-dirty`` after it where a file of it or of ``others`` (the other folders a build reads: the
    ontology, the rules, the checks) differs from it, or where one of those is no folder of that
    commit; None where git does not track ``folder`` (a wheel installed into a virtual
    environment, even one inside a clone, or no git), so that a store never names a commit its
    data is not from, nor one that gives other triples (rev32 F6).

    >>> import tempfile
    >>> data_commit(Path(tempfile.mkdtemp())) is None
    True
    """
    if shutil.which("git") is None or not _git(folder, "ls-files", "--", "."):
        return None
    commit = _git(folder, "rev-parse", "HEAD")
    if commit is None:
        return None
    for read in (folder, *others):
        # an untracked file the build reads is data no commit holds
        changed = _git(read, "status", "--porcelain", "--untracked-files=all", "--", ".")
        if changed is None or changed or _git(read, "rev-parse", "HEAD") != commit:
            return commit + "-dirty"
    return commit
