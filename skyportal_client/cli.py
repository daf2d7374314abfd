"""skyportal-photometry: upload, read and delete light curves from the command line.

    skyportal-photometry upload points.csv --obj-id ZTF21abc --instrument-id 1 --manifest upload.json
    skyportal-photometry get ZTF21abc --format flux -o ZTF21abc.ecsv
    skyportal-photometry range --instrument-ids 1 --min-date 2021-07-05 --max-date 2021-07-07
    skyportal-photometry delete 1234 105b34c9-ab96-45e1-a22c-a0d15f270787
    skyportal-photometry rollback upload.json
    skyportal-photometry download --objects ids.txt ZTF21abc --cache light_curves/
    skyportal-photometry sync --cache light_curves/
    skyportal-photometry plot ZTF21abc -o ZTF21abc.png
    skyportal-photometry serve --port 5000

The server and token come from --url and --token, or from $SKYPORTAL_URL and
$SKYPORTAL_TOKEN (safer: a command line is visible to other users).  Results
go to stdout, progress and errors to stderr.  The token is never printed.

Exit codes: 0 done; 1 refused or failed, with nothing of it landed (bad rows,
a server error, no connection, every object of a download failing); 2 bad
usage; 3 partly done and resumable (an upload or rollback that stopped
half-way, a download of which some objects failed, a delete that failed after
deleting some of its ids: the message, or running the same command again, says
how to finish it); 130 interrupted by Ctrl-C before anything changed.  Ctrl-C,
pressed once or twice, ends with one line saying what was done and how to go on.
(Also runnable as ``python -m skyportal_client.cli``.)
"""

import argparse
import contextlib
import errno
import os
import signal
import sys
import threading
from typing import Any, Dict, Iterator, List, Optional, Sequence, Union

from dateutil.parser import isoparse

from skyportal_client._front_door.instruments import Instruments
from skyportal_client._light_curves.download import (
    DEFAULT_WORKERS,
    DownloadReport,
    download_light_curves,
    sync_light_curves,
)
from skyportal_client._light_curves.plot import plot_light_curve
from skyportal_client._light_curves.read import get_light_curve, get_photometry_range
from skyportal_client._light_curves.tables import (
    points_file_suffix,
    no_points,
    read_columns,
    require,
    write_csv,
    write_points,
)
from skyportal_client._models.problems import LISTED_PROBLEMS
from skyportal_client._transport.outcome import Outcome
from skyportal_client._uploads.manifest import LANDED, UNACKNOWLEDGED, UploadRecord
from skyportal_client._uploads.pipeline import plan_upload, send_upload
from skyportal_client._uploads.rollback import plan_rollback, rollback
from skyportal_client._util import progress
from skyportal_client.api.photometry_api import PhotometryApi
from skyportal_client.api_client import ApiClient
from skyportal_client.configuration import Configuration
from skyportal_client.exceptions import (
    ApiException,
    ApiTypeError,
    ApiValueError,
    NoCacheError,
    OpenApiException,
    RollbackIncomplete,
    UploadValidationError,
)

# Exit codes: done; refused or failed with nothing of it landed; bad usage; partly done and resumable.
OK, FAILED, USAGE, PARTIAL = 0, 1, 2, 3
# SkyPortal's refusal of a POST holding points it already stores.
DUPLICATE_MESSAGE = "photometry already exists"


# The exit code of a command stopped by Ctrl-C (128 + SIGINT), as shells report it.
INTERRUPTED = 130


class UsageError(Exception):
    """A command line that cannot be carried out; exit code 2."""


class Stopped(Exception):
    """A command that stopped and has said what it did; ``code`` is its exit code."""

    def __init__(self, code: int):
        super().__init__(code)
        self.code = code


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the command line ``argv`` (default: sys.argv[1:]); returns the exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    with _one_interrupt():
        try:
            return args.command(args)
        except (ApiValueError, ApiTypeError) as error:  # a value the client's checks refused, before sending it
            print(f"error: {error}", file=sys.stderr)
            return USAGE
        except OSError as error:
            if error.filename is None:  # not about a file: failed on the way
                print(f"error: {error}", file=sys.stderr)
                return FAILED
            print(f"error: {_file_problem(error)}", file=sys.stderr)
            return USAGE
        except OpenApiException as error:  # refused by the server, or failed on the way
            print(f"error: {error}", file=sys.stderr)
            return FAILED
        except (UsageError, ImportError, ValueError, TypeError) as error:  # an option or file the command cannot use
            print(f"error: {error}", file=sys.stderr)
            return USAGE
        except Stopped as stopped:
            return stopped.code
        except KeyboardInterrupt:  # before the command changed anything
            print("Interrupted; nothing was changed on the server: run the same command again to do it.",
                  file=sys.stderr)
            return INTERRUPTED


@contextlib.contextmanager
def _one_interrupt() -> Iterator[None]:
    """The first Ctrl-C stops the command (a KeyboardInterrupt); later ones are ignored, so that
    a second press cannot cut short the command's account of what it did."""
    if threading.current_thread() is not threading.main_thread():  # signals go to the main thread only
        yield
        return

    def interrupt(signum: int, frame: Any) -> None:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


# What to do about a file the command cannot use, by the operating system's reason.
FILE_FIXES = {
    errno.ENOENT: "check the path",
    errno.EACCES: "check the permissions of the file and its directory",
    errno.EPERM: "check the permissions of the file and its directory",
    errno.EISDIR: "give the path of a file, not of a directory",
    errno.ENOTDIR: "a part of the path is a file, not a directory: check the path",
    errno.ENOSPC: "free some space on the disk, or write elsewhere",
    errno.EROFS: "write it on a disk that is not read-only",
}


def _file_problem(error: OSError) -> str:
    """A plain sentence naming the file ``error`` is about and the fix, without the [Errno ...]."""
    reason = (error.strerror or str(error)).rstrip(".")
    fix = FILE_FIXES.get(error.errno or 0, "check the file")
    return f"cannot use {error.filename}: {reason[:1].lower() + reason[1:]}; {fix}"


def _check_input_file(path: str) -> None:
    """Refuses a file to read that is missing, not a regular file, or unreadable, naming the fix."""
    if not os.path.exists(path):
        raise UsageError(f"there is no file {path}")
    if os.path.isdir(path):
        raise UsageError(f"{path} is a directory: give the path of a file in it")
    if not os.path.isfile(path):
        raise UsageError(f"{path} is not a regular file (a pipe or a device, which cannot be read twice): save "
                         "it to a file and give that file's path")
    if not os.access(path, os.R_OK):
        raise UsageError(f"cannot read {path}: permission denied; make it readable (chmod u+r {path})")


def _check_output_file(path: str, what: str) -> None:
    """Refuses a file to write (``what`` it is, for the message) in a directory that is not there or
    cannot be written, or that is a directory itself."""
    if os.path.isdir(path):
        raise UsageError(f"{what} {path} is a directory: give the path of a file to write, such as "
                         f"{os.path.join(path, 'problems.csv' if what == '--report' else 'upload.json')}")
    directory = os.path.dirname(path) or "."
    if not os.path.isdir(directory):
        raise UsageError(f"cannot write {what} {path}: there is no directory {directory}; create it first")
    if not os.access(directory, os.W_OK):
        raise UsageError(f"cannot write {what} {path}: the directory {directory} is not writable; check its "
                         "permissions or write elsewhere")


def _parser() -> argparse.ArgumentParser:
    connection = argparse.ArgumentParser(add_help=False)
    # SUPPRESS: given after the command, they must not reset the values given before it.
    connection.add_argument("--url", default=argparse.SUPPRESS,
                            help="the SkyPortal server (default $SKYPORTAL_URL, else https://fritz.science)")
    connection.add_argument("--token", default=argparse.SUPPRESS,
                            help="the API token (default $SKYPORTAL_TOKEN)")
    connection.add_argument("--retries", type=_count, default=argparse.SUPPRESS,
                            help="retries of a request that failed on the way (default 3; 0 for none)")
    parser = argparse.ArgumentParser(
        prog="skyportal-photometry", parents=[connection],
        description="Upload, read and delete photometry on a SkyPortal server such as Fritz.",
        epilog="Exit codes: 0 done, 1 refused or failed with nothing landed, 2 bad usage, "
               "3 partly done and resumable (the message says how to finish), 130 interrupted before anything "
               "changed.")
    commands = parser.add_subparsers(title="commands", required=True, metavar="COMMAND")

    upload = commands.add_parser("upload", parents=[connection], help="check and upload a CSV or ECSV file")
    upload.add_argument("file", help="a .csv or .ecsv file, one point per row")
    upload.add_argument("--obj-id", help="the object, if the file has no obj_id column")
    instrument = upload.add_mutually_exclusive_group()
    instrument.add_argument("--instrument-id", type=int, help="the instrument's id, if the file has no "
                            "instrument_id column")
    instrument.add_argument("--instrument", metavar="NAME",
                            help='the instrument by name, such as "ZTF", if the file has no instrument_id column')
    upload.add_argument("--magsys", default="ab", help="the magnitude system, if the file has no magsys column")
    upload.add_argument("--group-ids", type=_group_ids, help='groups to share with: "1,2" or "all"')
    upload.add_argument("--put", action="store_true",
                        help="upsert with PUT: safe to repeat, keeps stored points, cannot be rolled back")
    upload.add_argument("--manifest", help="JSON file recording what landed, to resume or roll back the upload")
    upload.add_argument("--nan-as-nondetection", action="store_true",
                        help="read NaN, and empty flux cells, as missing values: a NaN mag, magerr or flux, or an "
                             "empty flux, makes its row a non-detection (refused by default)")
    upload.add_argument("--report", metavar="FILE",
                        help="write every problem the checks find to FILE as CSV (row, column, kind, detail)")
    upload.add_argument("--dry-run", action="store_true", help="check every row and show the requests; send nothing")
    upload.set_defaults(command=_upload)

    get = commands.add_parser("get", parents=[connection], help="an object's light curve")
    get.add_argument("obj_id", help="the object's id, such as ZTF21aaqjmps")
    _add_output_options(get, formats=("mag", "flux", "both"))
    get.set_defaults(command=_get)

    range_ = commands.add_parser("range", parents=[connection], help="points by instrument and date")
    range_.add_argument("--instrument-ids", type=_integers, help='e.g. "1,2"')
    range_.add_argument("--min-date", type=_date, help="earliest time, ISO 8601 UTC, e.g. 2021-07-05T12:00:00")
    range_.add_argument("--max-date", type=_date, help="latest time, ISO 8601 UTC")
    _add_output_options(range_, formats=("mag", "flux"))
    range_.set_defaults(command=_range)

    delete = commands.add_parser("delete", parents=[connection],
                                 help="delete points by id, or whole uploads by upload_id")
    delete.add_argument("ids", nargs="+", metavar="ID",
                        help="a photometry id (a number) or an upload_id (all points of one POST)")
    delete.set_defaults(command=_delete)

    rollback_ = commands.add_parser("rollback", parents=[connection], help="delete what an upload added")
    rollback_.add_argument("manifest", help="the --manifest file of a POST upload")
    rollback_.add_argument("--delete-settled", action="store_true",
                           help="also delete the points of chunks settled by PUT after an unanswered POST "
                                "(only if none of them was on the server before the upload)")
    rollback_.set_defaults(command=_rollback)

    download = commands.add_parser("download", parents=[connection],
                                   help="many objects' light curves into a cache directory, kept up to date")
    download.add_argument("--objects", nargs="+", required=True, metavar="FILE|ID",
                          help="object ids, or files of them: one per line, or a .csv file's obj_id column")
    download.add_argument("--format", choices=("mag", "flux", "both"), default="mag",
                          help="mag (mag, magerr, limiting_mag), flux (flux, fluxerr in µJy, zp) or both "
                               "(default mag)")
    download.add_argument("--magsys", default="ab", type=str.lower,
                          help="the magnitude system of the output, in any case (default ab)")
    _add_cache_options(download)
    download.set_defaults(command=_download)

    sync = commands.add_parser("sync", parents=[connection],
                               help="bring every light curve of a cache directory up to date")
    _add_cache_options(sync)
    sync.set_defaults(command=_sync)

    plot = commands.add_parser("plot", parents=[connection], help="draw a light curve into an image file")
    plot.add_argument("source", metavar="OBJ_ID|FILE",
                      help="an object id (its light curve is fetched), or a .csv or .ecsv file such as a cached one")
    plot.add_argument("-o", "--output", required=True, help="the image: FILE.png, FILE.pdf, FILE.svg ...")
    plot.add_argument("--format", choices=("mag", "flux"), default=None,
                      help="draw magnitudes or fluxes (default: magnitudes when the points have them)")
    plot.add_argument("--magsys", default="ab", type=str.lower,
                      help="the magnitude system to fetch in, in any case (default ab)")
    plot.add_argument("--title", help="the plot's title (default: the object's id)")
    plot.set_defaults(command=_plot)

    serve = commands.add_parser("serve", help="run the embedded SkyPortal-compatible test server")
    serve.add_argument("--host", default="127.0.0.1",
                       help="the address to listen on (default %(default)s: this machine only)")
    serve.add_argument("--port", type=_port, default=5000, help="0 picks a free port (default 5000)")
    serve.add_argument("--db-path", help="SQLite file to keep the data in (default: memory)")
    serve.add_argument("--env-file", default="skyportal-test-server.env",
                       help="where to write SKYPORTAL_URL and SKYPORTAL_TOKEN (default %(default)s)")
    serve.set_defaults(command=_serve)
    return parser


def _add_output_options(parser: argparse.ArgumentParser, formats: Sequence[str]) -> None:
    described = {"mag": "mag (mag, magerr, limiting_mag)", "flux": "flux (flux, fluxerr in µJy, zp)", "both": "both"}
    parser.add_argument("--format", choices=formats, default="mag",
                        help=", ".join(described[name] for name in formats) + " (default mag)")
    parser.add_argument("--magsys", default="ab", type=str.lower,
                        help="the magnitude system of the output, in any case (default ab)")
    parser.add_argument("-o", "--output", help="write to FILE.csv, FILE.ecsv or FILE.json (default: CSV on stdout)")


def _add_cache_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--cache", required=True, metavar="DIR",
                        help="the directory keeping a CSV file per light curve, and its Etag (download makes it "
                             "if missing)")
    parser.add_argument("--workers", type=_positive, default=DEFAULT_WORKERS,
                        help="requests under way at once, within the rate limit (default %(default)s)")
    parser.add_argument("--max-age", type=_seconds, default=None, metavar="TIME",
                        help="use a light curve the server confirmed less than TIME ago without asking, e.g. "
                             "3600, 90m, 12h or 2d (default: ask about each)")


def _seconds(text: str) -> float:
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    number, unit = (text[:-1], units[text[-1]]) if text[-1:] in units else (text, 1)
    try:
        seconds = float(number) * unit
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected seconds, or a number ending in s, m, h or d, not {text!r}") \
            from None
    if not seconds >= 0:
        raise argparse.ArgumentTypeError(f"expected a time of 0 or more, not {text!r}")
    return seconds


def _count(text: str) -> int:
    try:
        count = int(text)
    except ValueError:
        count = -1
    if count < 0:
        raise argparse.ArgumentTypeError(f"expected a whole number, 0 or more, not {text!r}")
    return count


def _positive(text: str) -> int:
    count = _count(text)
    if count == 0:
        raise argparse.ArgumentTypeError("expected a whole number, 1 or more, not '0'")
    return count


def _port(text: str) -> int:
    port = _count(text)
    if port > 65535:
        raise argparse.ArgumentTypeError(f"expected a port from 0 to 65535 (0 picks a free one), not {text!r}")
    return port


def _date(text: str) -> str:
    try:
        isoparse(text)
    except (ValueError, OverflowError):
        raise argparse.ArgumentTypeError(f"expected an ISO 8601 time, such as 2021-07-05 or 2021-07-05T12:00:00, "
                                         f"not {text!r}") from None
    return text


def _integers(text: str) -> List[int]:
    try:
        return [int(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected numbers separated by commas, not {text!r}") from None


def _group_ids(text: str) -> Union[List[int], str]:
    return "all" if text == "all" else _integers(text)


def _client(args: argparse.Namespace) -> ApiClient:
    configuration = Configuration(host=getattr(args, "url", None), token=getattr(args, "token", None),
                                  retries=getattr(args, "retries", None), host_source="--url",
                                  token_source="--token")
    if not configuration.token:
        raise UsageError("no token: set $SKYPORTAL_TOKEN (or pass --token)")
    return ApiClient(configuration)


def _say_stopped(error: BaseException, advice: str) -> None:
    """One line for Ctrl-C, saying what was done and how to go on; the error and the advice otherwise."""
    if isinstance(error, KeyboardInterrupt):
        print(f"Interrupted. {advice}", file=sys.stderr)
    else:
        print(f"error: {error}\n{advice}", file=sys.stderr)


def _upload(args: argparse.Namespace) -> int:
    _check_input_file(args.file)
    for option, path in (("--manifest", args.manifest), ("--report", args.report)):
        if path:
            _check_output_file(path, option)
    with _client(args) as api_client:
        instrument_id = args.instrument_id
        if args.instrument is not None:
            instrument_id = Instruments(api_client).id_of(args.instrument)
        try:
            plan = plan_upload(api_client, args.file, obj_id=args.obj_id, instrument_id=instrument_id,
                               group_ids=args.group_ids, magsys=args.magsys,
                               nan_as_nondetection=args.nan_as_nondetection, report=args.report)
        except UploadValidationError as error:
            print(f"error: {error}", file=sys.stderr)
            if args.report:
                print(f"Every problem is listed in {args.report}. Nothing was sent.", file=sys.stderr)
            elif len(error.problems) > LISTED_PROBLEMS:
                print("--report FILE writes every one of them to FILE as CSV. Nothing was sent.", file=sys.stderr)
            return FAILED
        if args.dry_run:
            print(f"{_count_of(plan.row_count, 'point')} checked, in {plan.space} space; "
                  f"{_count_of(len(plan.chunks), 'request')} "
                  f"of up to {plan.chunk_size} points would be sent (nothing was):")
            for chunk in plan.chunks:
                print(f"  {chunk.obj_id}: {len(chunk.rows)} points")
            return OK
        record = UploadRecord.for_upload(args.manifest, plan.chunks, plan.row_count, "put" if args.put else "post",
                                         api_client.configuration.host)
        try:
            with contextlib.closing(progress.on_stderr()) as bar:
                result = send_upload(api_client, plan, record, progress=bar)
        except (Exception, KeyboardInterrupt) as error:
            return _upload_stopped(error, record, plan.row_count, args)
    print(f"{_count_of(len(result.ids), 'point')} landed ({_count_of(result.sent, 'request')} sent, "
          f"{result.skipped} already recorded in the manifest)")
    for upload_id in result.upload_ids:
        print(f"upload_id {upload_id}")
    return OK


def _count_of(count: int, thing: str) -> str:
    """``count`` things, in words: "1 point", "2 points"."""
    return f"{count} {thing}{'' if count == 1 else 's'}"


def _upload_stopped(error: BaseException, record: UploadRecord, row_count: int, args: argparse.Namespace) -> int:
    """Say what landed of an upload that stopped, and how to finish it; the exit code."""
    landed, unknown = record.points_in(LANDED), record.points_in(UNACKNOWLEDGED)
    if not landed and not unknown:
        advice = "Nothing was stored."
        if DUPLICATE_MESSAGE in (getattr(error, "message", None) or ""):
            advice += (" SkyPortal already has some of these points (an earlier upload?): --put keeps them "
                       "and stores the rest.")
        elif isinstance(error, KeyboardInterrupt):
            advice += " Run the same command again to upload the points."
        _say_stopped(error, advice)
        return INTERRUPTED if isinstance(error, KeyboardInterrupt) else FAILED
    told = f"{landed} of {row_count} points landed" + (f", and {unknown} more may have" if unknown else "")
    if args.manifest:
        advice = (f"{told}; {args.manifest} records them: run the same command again to send the rest "
                  "(nothing is stored twice).")
    elif args.put:
        advice = f"{told}: run the same command again; PUT keeps the points already stored."
    else:
        advice = (f"{told}. Sending them by POST again would be refused as duplicates: run the command again "
                  "with --put, which keeps the stored points and adds the rest (with --manifest, an upload "
                  "resumes by itself and can be rolled back).")
    _say_stopped(error, advice)
    return PARTIAL


def _get(args: argparse.Namespace) -> int:
    _check_output(args.output)
    with _client(args) as api_client:
        points = get_light_curve(api_client, args.obj_id, format=args.format, magsys=args.magsys)
    return _output(points, args.output, no_points(args.format))


def _range(args: argparse.Namespace) -> int:
    if args.instrument_ids is None and args.min_date is None and args.max_date is None:
        raise UsageError("range needs --instrument-ids, --min-date or --max-date: without them SkyPortal would "
                         "send every point the token can see, in one answer")
    if args.min_date is not None and args.max_date is not None and _utc(args.min_date) > _utc(args.max_date):
        raise UsageError(f"--min-date {args.min_date} is after --max-date {args.max_date}, so no point is between "
                         "them: swap them")
    _check_output(args.output)
    with _client(args) as api_client:
        points = get_photometry_range(api_client, instrument_ids=args.instrument_ids, min_date=args.min_date,
                                      max_date=args.max_date, format=args.format, magsys=args.magsys)
    return _output(points, args.output, no_points(args.format, annotations=True))


def _utc(text: str) -> Any:
    """The moment of an ISO 8601 time, naive ones read as UTC (as SkyPortal reads them)."""
    moment = isoparse(text)
    offset = moment.utcoffset()
    return moment if offset is None else moment.replace(tzinfo=None) - offset


def _check_output(path: Optional[str]) -> None:
    """Refuses an output file that could not be written, before the points are downloaded."""
    if path:
        points_file_suffix(path)
        _check_directory(path)


def _check_directory(path: str) -> None:
    directory = os.path.dirname(path)
    if directory and not os.path.isdir(directory):
        raise UsageError(f"cannot write {path}: there is no directory {directory}")


def _output(points: List[Dict[str, Any]], path: Optional[str], empty: Any) -> int:
    """Writes the points to ``path`` (by its suffix) or as CSV to stdout; ``empty`` is what a
    CSV of no point holds: the header of the columns the points would have."""
    if path:
        write_points(empty if not points and points_file_suffix(path) == ".csv" else points, path)
        print(f"{_count_of(len(points), 'point')} written to {path}", file=sys.stderr)
    else:
        write_csv(points or empty, sys.stdout)
    return OK


def _delete(args: argparse.Namespace) -> int:
    with _client(args) as api_client:
        api = PhotometryApi(api_client)
        for done, key in enumerate(args.ids):
            try:
                if key.isascii() and key.isdigit():  # "²".isdigit() is true too
                    api.api_photometry_photometry_id_delete(int(key))
                    print(f"deleted point {key}")
                else:
                    print(f"upload {key}: {api.api_photometry_bulk_delete_upload_id_delete(key)['data']}")
            except (Exception, KeyboardInterrupt) as error:
                if not done:  # nothing deleted: the error alone says it all
                    raise
                # The error's own "Nothing was changed" is about this id only: say what the command did.
                untried = args.ids[done + 1:]
                # An id the server refused would be refused again: the rest is what a re-run can still delete.
                refused = getattr(error, "outcome", None) is Outcome.REFUSED
                rest = untried if refused else args.ids[done:]
                print(f"error: {done} of {len(args.ids)} deleted; not deleted: {key} ({_reason(error)})"
                      + "".join(f", {other}" for other in untried) + (" (not tried)" if untried else "")
                      + (f". To finish: skyportal-photometry delete {' '.join(rest)}" if rest else ""),
                      file=sys.stderr)
                return PARTIAL
    return OK


def _reason(error: BaseException) -> str:
    """Why a request failed, in a few words: the server's message, or what went wrong on the way."""
    if isinstance(error, KeyboardInterrupt):
        return "interrupted"
    if isinstance(error, ApiException):
        reason = f"HTTP {error.status}: {error.summary}" if error.status else error.summary or str(error)
        return reason.rstrip(".") + ("; it may have been deleted" if error.may_have_reached_server else "")
    return str(error).rstrip(".")


def _rollback(args: argparse.Namespace) -> int:
    _check_input_file(args.manifest)
    with _client(args) as api_client:
        configuration = api_client.configuration
        plan = plan_rollback(args.manifest, host=configuration.host, delete_settled=args.delete_settled)
        print(plan.describe(configuration.rate_limit, configuration.rate_limit_burst), file=sys.stderr)
        done = [0]
        try:
            with contextlib.closing(progress.on_stderr()) as bar:
                def report(points: int, total: int) -> None:
                    done[0] = points
                    bar(points, total)

                result = rollback(api_client, args.manifest, delete_settled=args.delete_settled, progress=report)
        except RollbackIncomplete as incomplete:
            print(f"error: {incomplete}", file=sys.stderr)
            return PARTIAL if incomplete.result.removed or incomplete.result.already_removed else FAILED
        except (Exception, KeyboardInterrupt) as error:
            if not done[0] and not plan.already_removed:
                _say_stopped(error, "Nothing was removed." + (
                    " Run the same command again to roll back." if isinstance(error, KeyboardInterrupt) else ""))
                return INTERRUPTED if isinstance(error, KeyboardInterrupt) else FAILED
            _say_stopped(error, f"{done[0] + plan.already_removed} points of the upload are removed; "
                                f"{args.manifest} records them: run the same command again to remove the rest.")
            return PARTIAL
    before = f"; {result.already_removed} were removed before" if result.already_removed else ""
    print(f"{result.removed} points removed{before}; {args.manifest} records the rollback")
    return OK


def _download(args: argparse.Namespace) -> int:
    if os.path.exists(args.cache) and not os.path.isdir(args.cache):
        raise UsageError(f"--cache {args.cache} is a file, not a directory: give a directory (download makes it "
                         "if it is missing)")
    obj_ids = _object_ids(args.objects)
    with _client(args) as api_client, _resumable(args):
        report = download_light_curves(api_client, obj_ids, cache=args.cache, format=args.format,
                                       magsys=args.magsys, as_=None, max_age=args.max_age, workers=args.workers,
                                       progress=True)
    return _report(report)


def _sync(args: argparse.Namespace) -> int:
    with _client(args) as api_client, _resumable(args):
        try:
            report = sync_light_curves(api_client, args.cache, max_age=args.max_age, workers=args.workers,
                                       progress=True)
        except NoCacheError:
            raise UsageError(f"{args.cache} holds no light curve cache: sync only updates one that download made; "
                             f"run download --objects ... --cache {args.cache} first") from None
    return _report(report)


@contextlib.contextmanager
def _resumable(args: argparse.Namespace) -> Iterator[None]:
    """Says, on Ctrl-C, that the same command picks up where this one stopped."""
    try:
        yield
    except KeyboardInterrupt:
        print(f"Interrupted. Every light curve downloaded so far is in {args.cache}: run the same command again "
              "to go on (add --max-age 1h to skip asking about those again).", file=sys.stderr)
        raise Stopped(INTERRUPTED) from None


def _object_ids(arguments: Sequence[str]) -> List[str]:
    """The ids named on the command line: each argument that is a file holds ids, one per
    line (blank lines and # comments skipped) or, for a .csv file, in its obj_id column."""
    ids = []
    for argument in arguments:
        if not os.path.isfile(argument):
            ids.append(_not_a_missing_file(argument))
        elif argument.lower().endswith(".csv"):
            column = read_columns(argument).get("obj_id")
            if column is None:
                raise UsageError(f"{argument} has no obj_id column")
            ids.extend(str(obj_id) for obj_id in column if obj_id is not None)
        else:
            with open(argument, encoding="utf-8-sig") as handle:  # a byte-order mark would open the first id
                ids.extend(line.strip() for line in handle if line.strip() and not line.lstrip().startswith("#"))
    if not ids:
        raise UsageError("no object ids in " + " ".join(arguments))
    return ids


def _not_a_missing_file(argument: str) -> str:
    """``argument``, an object id; UsageError when it names a file that is not there (an id
    has no slash, and none ends in .txt, .csv or .ecsv)."""
    if "/" in argument or os.sep in argument or argument.lower().endswith((".txt", ".csv", ".ecsv")):
        raise UsageError(f"no such file: {argument}")
    return argument


def _report(report: DownloadReport) -> int:
    """A line per object on stdout, then the counts; the exit code: 3 when some objects failed
    (the same command tries them again), 1 when all did."""
    for result in report:
        print(result.describe())
    print(report.summary())
    if not report.failed:
        return OK
    return FAILED if len(report.failed) == len(report) else PARTIAL


def _plot(args: argparse.Namespace) -> int:
    figure = require("matplotlib.figure").Figure(figsize=(8, 5))
    image_type = os.path.splitext(args.output)[1].lstrip(".").lower()
    if image_type not in figure.canvas.get_supported_filetypes():
        raise UsageError(f"cannot write {args.output}: name an image file ending in "
                         f"{', '.join('.' + name for name in sorted(figure.canvas.get_supported_filetypes()))}")
    _check_directory(args.output)
    if os.path.isfile(args.source):
        points = read_columns(args.source)  # which refuses what is not .csv or .ecsv
    else:
        with _client(args) as api_client:
            points = read_columns(get_light_curve(api_client, _not_a_missing_file(args.source),
                                                  format=args.format or "mag", magsys=args.magsys))
    if args.format is not None and points and args.format not in points:
        other = "mag" if args.format == "flux" else "flux"
        raise UsageError(f"{args.source} has no {args.format} column: plot it with --format {other}, or without "
                         "--format")
    try:
        plot_light_curve(points, figure.add_subplot(), space=args.format, title=args.title)
    except ValueError as error:  # no point to draw: refused, not bad usage
        print(f"error: {error}; {args.output} was not written", file=sys.stderr)
        return FAILED
    figure.savefig(args.output)
    print(f"{args.output} written", file=sys.stderr)
    return OK


def _serve(args: argparse.Namespace) -> int:
    from skyportal_client.testing import SkyPortalTestServer

    with SkyPortalTestServer(port=args.port, db_path=args.db_path, host=args.host) as server:
        # The token goes to a file only the user can read, never to the terminal.
        descriptor = os.open(args.env_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.fchmod(descriptor, 0o600)  # an existing file keeps its mode through O_CREAT
        with os.fdopen(descriptor, "w") as handle:
            handle.write(f"SKYPORTAL_URL={server.url}\nSKYPORTAL_TOKEN={server.token}\n")
        print(f"Serving SkyPortal's photometry API at {server.url}; its URL and admin token are in "
              f"{args.env_file} (load them with: set -a; . {args.env_file}; set +a). Ctrl-C stops.", flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass
    return OK


if __name__ == "__main__":
    sys.exit(main())
