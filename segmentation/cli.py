"""`python -m segmentation SUBCOMMAND ...`: the library from a shell.

Each subcommand lives in `segmentation/commands/<name>.py` with `add_parser(subparsers)`
(which sets `func`) so subcommands grow without touching this file. Bad input exits 2
with one line ``error: ...`` on stderr, never a traceback.

Options every subcommand shares are added here: `--date-order dmy|mdy` (for dates such as
01/02/2024 that could be either) reaches every file the command reads through
`io.reading_defaults`. After a command succeeds, the judgements made while reading its files
(the order of ambiguous dates, Excel serial dates, the sheet read) are printed on stderr as
``note: ...`` lines.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

from . import commands
from .errors import DataError

__all__ = ["main", "build_parser"]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse prints usage + message; keep one line
        print(f"error: {message}", file=sys.stderr)
        raise SystemExit(2)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m segmentation", description=__doc__.splitlines()[0])
    subparsers = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{commands.__name__}.{info.name}")
        module.add_parser(subparsers)
    for subparser in subparsers.choices.values():
        _add_shared_options(subparser)
    return parser


def _add_shared_options(parser: argparse.ArgumentParser) -> None:
    if any(action.dest == "file" for action in parser._positionals._group_actions):
        # Every FILE may be a folder or glob of Parquet/CSV files, or a database URL (segmentation.sources).
        where = parser.add_mutually_exclusive_group()
        where.add_argument("--table", metavar="NAME", help="when FILE is a database URL: the table to read")
        where.add_argument("--query", metavar="SQL", help="when FILE is a database URL or a folder: one SELECT "
                           "statement to read (a folder's files are the table `source`)")
    if "--date-order" not in parser._option_string_actions:  # a command may define its own
        parser.add_argument("--date-order", choices=("dmy", "mdy"), default=None,
                            help="read dates such as 01/02/2024 day-first (dmy) or month-first (mdy); "
                                 "default: detected, with a note when the values allow both")


def main(argv: list[str] | None = None) -> int:
    # Not `io`: a command that never calls load_table (rfm on a plain CSV) should not wait for its readers.
    from ._io_defaults import reading_defaults

    args = build_parser().parse_args(argv)
    if "://" in str(getattr(args, "file", "")):
        from .sources import keep_password

        args.file = keep_password(args.file)  # every message and note names the URL without its password
    loaded = []
    try:
        if any("://" in str(getattr(args, option, None) or "") for option in ("customers", "transactions", "events")):
            from .sources import check_side_sources

            check_side_sources(args)
        with reading_defaults(date_order=getattr(args, "date_order", None), on_load=loaded.append):
            code = int(args.func(args) or 0)
        _print_reading_notes(loaded)
        return code
    except DataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        _stop_spark()


def _stop_spark() -> None:
    """A Spark session the command started ends with it (its JVM would otherwise outlive the command)."""
    sources = sys.modules.get("segmentation.sources")
    for session in (getattr(sources, "_SPARK", None) or {}).values():
        session.stop()


def _print_reading_notes(tables) -> None:
    """What a user of the command line must know about how the files were read, once each."""
    lines = []
    for table in tables:
        if len(table.sheets) > 1:
            lines.append(f"Read sheet '{table.sheet}' of '{table.name}' (sheets: "
                         f"{', '.join(repr(s) for s in table.sheets)}); choose another with --sheet NAME.")
        for column, note in table.date_notes.items():
            guessed = column in table.ambiguous_dates and table.date_order is None
            lines.append(note + (" Use --date-order dmy or mdy to choose." if guessed else ""))
    for line in dict.fromkeys(lines):
        print(f"note: {line}", file=sys.stderr)
