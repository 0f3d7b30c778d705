"""Running a piece of test code as a user without rights to a folder: what an operator meets
running ``baozhai`` as themselves beside the service user's files."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

NOBODY = 65534


def without_rights(folder: Path, work: Callable[[], object]) -> str:
    """``repr`` of what ``work()`` returns (or ``raised Name: message``) when ``folder`` may not
    be entered: run by the user ``nobody`` in a forked child when the tests run as root (root
    enters anything), else here with the folder's mode set to 000 meanwhile. For what an
    operator sees running ``baozhai`` as themselves beside the service user's files."""

    def outcome() -> str:
        try:
            return repr(work())
        except Exception as exc:
            return f"raised {type(exc).__name__}: {exc}"

    if os.geteuid() != 0:
        mode = folder.stat().st_mode
        folder.chmod(0)
        try:
            return outcome()
        finally:
            folder.chmod(mode)
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover (the child never returns to pytest)
        os.close(read)
        try:
            os.setgroups([])
            os.setgid(NOBODY)
            os.setuid(NOBODY)
            said = outcome()
        except BaseException as exc:  # anything: the parent must hear back
            said = f"child failed: {exc!r}"
        os.write(write, said.encode("utf-8", "replace"))
        os._exit(0)
    os.close(write)
    chunks = []
    while chunk := os.read(read, 65536):
        chunks.append(chunk)
    os.close(read)
    os.waitpid(child, 0)
    return b"".join(chunks).decode("utf-8")
