"""The command line's one error path: every failure leaves as one `error: …` line and a non-zero exit.

Usage mistakes (an unknown option, a missing argument), user errors raised by the
commands, and OS errors (a file that is not there, a folder where a file should
be) are printed as one line on stderr. With --debug the traceback is shown too.
"""

from __future__ import annotations

import sys

import typer
from rich.console import Console
from rich.markup import escape
from typer.core import TyperGroup

from govreport.errors import UserError, describe

err = Console(stderr=True, soft_wrap=True)


class Settings:
    """Set by the top-level options before any command runs."""

    debug = False
    quiet = False


def print_error(message: str) -> None:
    err.print(f"[red]error:[/] {escape(message)}", highlight=False)


class OneErrorLine(TyperGroup):
    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        try:
            code = super().main(
                args=args, prog_name=prog_name, complete_var=complete_var, standalone_mode=False, **extra
            )
        except typer.TyperException as e:  # usage: an unknown option, a missing argument, a bad value
            ctx = getattr(e, "ctx", None)
            if type(e).__name__ == "NoArgsIsHelpError":
                typer.echo(ctx.get_help(), err=True)
            else:
                hint = f" (see {ctx.command_path} -h)" if ctx is not None else ""
                print_error(e.format_message() + hint)
            code = e.exit_code
        except typer.Abort:
            print_error("interrupted")
            code = 130
        except Exception as e:  # noqa: BLE001 - the boundary: everything leaves as one line
            if Settings.debug:
                raise
            print_error(
                describe(e) + ("" if isinstance(e, (UserError, OSError)) else " (run with --debug for the traceback)")
            )
            code = e.exit_code if isinstance(e, UserError) else 1
        code = code if isinstance(code, int) else 0
        if standalone_mode:
            sys.exit(code)
        return code
