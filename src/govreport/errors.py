"""Mistakes a user can fix, told in one line: what the CLI prints instead of a traceback.

A UserError is raised where the mistake is found (a file that is not a folder, a
release that does not exist); describe() turns it, or any OS error, into the
one line the command line prints. Retrying cannot fix either, so the flow's
tasks retry only what is_transient() allows.
"""

from __future__ import annotations

import errno


class UserError(Exception):
    """A mistake in what the user asked for, stated as `<file>: <problem>`."""

    exit_code = 2


# OS errors that say the path itself is wrong: waiting and retrying gives the same answer.
_PERMANENT_ERRNOS = {
    errno.ENOENT,
    errno.EISDIR,
    errno.ENOTDIR,
    errno.EEXIST,
    errno.EACCES,
    errno.EPERM,
    errno.EROFS,
    errno.ENAMETOOLONG,
}


def describe(exc: BaseException) -> str:
    """One line naming the file (when there is one) and the problem."""
    if isinstance(exc, UserError):
        return str(exc)
    if isinstance(exc, OSError) and exc.filename is not None:
        names = f"{exc.filename}" + (f" -> {exc.filename2}" if exc.filename2 is not None else "")
        return f"{names}: {exc.strerror or exc}"
    first_line = (str(exc).strip().splitlines() or [""])[0]
    return f"{type(exc).__name__}: {first_line}" if first_line else type(exc).__name__


def is_transient(exc: BaseException) -> bool:
    """Whether trying again may succeed: network and I/O hiccups, not user mistakes or bad data."""
    if isinstance(exc, UserError):
        return False
    if isinstance(exc, OSError):
        return exc.errno not in _PERMANENT_ERRNOS
    return isinstance(exc, (TimeoutError, ConnectionError))


def retry_if_transient(task, task_run, state) -> bool:
    """A Prefect task's retry_condition_fn: retry only errors that is_transient() allows."""
    exc = state.data if isinstance(getattr(state, "data", None), BaseException) else None
    return exc is None or is_transient(exc)
