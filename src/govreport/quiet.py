"""How much a command-line run says: settings made before Prefect, Dask or GX are imported.

Prefect reads its settings from the environment when first imported, and Dask
workers (other processes) inherit it, so the levels are set there. A value the
user set already wins.
"""

from __future__ import annotations

import logging
import os
import warnings

LEVELS = {"quiet": "ERROR", "normal": "WARNING", "verbose": "INFO"}

# The embedded Prefect server migrates a new database on its first start: on a busy machine that takes far
# longer than Prefect's default wait of 20 s, and a run should not fail for it.
STARTUP_TIMEOUT_SECONDS = "600"


def configure(verbosity: str = "normal") -> None:
    """Prefect without telemetry and without its server banner, Dask's `distributed` at warning level, and
    Python's warnings from libraries off unless --verbose."""
    level = LEVELS[verbosity]
    defaults = {
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",  # its heartbeat also raced the first run's database
        "DO_NOT_TRACK": "1",
        "GX_ANALYTICS_ENABLED": "False",
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": STARTUP_TIMEOUT_SECONDS,
        "PREFECT_LOGGING_LEVEL": level,  # also hides "Starting temporary server ...", logged at INFO
        # The embedded server is part of this run, not a service the user runs: its shutdown under load logs
        # cancelled event flushes as ERROR tracebacks that say nothing about the data.
        "PREFECT_SERVER_LOGGING_LEVEL": "CRITICAL" if verbosity != "verbose" else "WARNING",
        "PREFECT_LOGGING_LOG_PRINTS": "false" if verbosity != "verbose" else "true",
        "DASK_LOGGING__DISTRIBUTED": "warning" if verbosity != "quiet" else "error",
    }
    for name, value in defaults.items():
        os.environ.setdefault(name, value)
    logging.getLogger("distributed").setLevel(os.environ["DASK_LOGGING__DISTRIBUTED"].upper())
    if verbosity != "verbose":
        # Libraries' own deprecation notices are for their developers, not for someone publishing data.
        os.environ.setdefault("PYTHONWARNINGS", "ignore")  # also for subprocesses: Dask workers, served runs
        warnings.simplefilter("ignore")


class _NoFailureLogs(logging.Filter):
    """Without --debug a failed run is reported by the command in a few lines: Prefect's error records and the
    tracebacks they carry would only repeat it at length."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.ERROR:
            return False
        if record.getMessage().startswith(("Finished in state Failed", "Finished in state Crashed")):
            return False
        record.exc_info, record.exc_text = None, None
        return True


def hide_failure_logs() -> None:
    """Keep Prefect's failure records (and their tracebacks) off the terminal; the command reports failures."""
    loggers = [logging.getLogger()] + [
        logging.getLogger(name) for name in list(logging.root.manager.loggerDict) if name.startswith("prefect")
    ]
    for logger in loggers:
        for handler in logger.handlers:
            handler.addFilter(_NoFailureLogs())
