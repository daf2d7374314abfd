"""Draw a light curve with matplotlib: magnitude or flux against MJD, a colour per filter.

matplotlib is optional (``pip install "skyportal-client[plot]"``) and imported only
when a light curve is drawn.

Detections are drawn with their error bars; non-detections as downward triangles at
their limit: the limiting magnitude, or in flux space the 5-sigma flux limit SkyPortal
reports (five times the flux error). Magnitudes are drawn with the y axis inverted,
brighter up. The MJD axis shows whole MJDs (59400, not 0.00 + 5.94e4), a single
day's points are drawn over two days around them, not over thousands, and a light
curve without a point to draw is refused.  ZTF's filters have the colours SkyPortal's photometry plot gives them
(green ztfg, red ztfr, orange ztfi); other filters take matplotlib's colour cycle.

Example::

    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from skyportal_client._light_curves.plot import plot_light_curve
    >>> points = [{"obj_id": "ZTF21abc", "mjd": 59400.1, "filter": "ztfg", "mag": 19.1, "magerr": 0.05},
    ...           {"obj_id": "ZTF21abc", "mjd": 59401.2, "filter": "ztfr", "mag": None, "limiting_mag": 20.9}]
    >>> ax = plot_light_curve(points)
    >>> ax.get_title(), bool(ax.yaxis_inverted()), [text.get_text() for text in ax.get_legend().get_texts()]
    ('ZTF21abc', True, ['ztfg', 'ztfr (limit)'])
"""

from __future__ import annotations

import math
from typing import Any, Dict, List, Optional, Tuple

from skyportal_client._light_curves.tables import read_columns, require
from skyportal_client.conversions import OUTPUT_LIMIT_NSIGMA
from skyportal_client.exceptions import ApiValueError

# SkyPortal's photometry plot colours each filter by its effective wavelength; these are
# the colours it gives ZTF's three.
FILTER_COLOURS = {"ztfg": "#008000", "ztfr": "#FF0000", "ztfi": "#FFA500"}
SPACES = ("mag", "flux")
LIMIT_MARKER = "v"
# The MJD axis around points all taken at one time: a day either side.
SINGLE_TIME_MARGIN = 1.0


def plot_light_curve(light_curve: Any, ax: Any = None, *, space: Optional[str] = None,
                     title: Optional[str] = None) -> Any:
    """Draw ``light_curve`` on ``ax`` and return ``ax``.

    Args:
        light_curve: the points: a list of dicts (as ``get_light_curve`` returns them), an
            astropy Table, a pandas DataFrame, or the path of a .csv or .ecsv file (a
            cached light curve, or one written by ``skyportal-photometry get``). It needs
            mjd and filter columns, and mag (with magerr and limiting_mag) or flux (with
            fluxerr).
        ax: the matplotlib Axes to draw on, so that light curves can be composed into
            figures of your own; by default a new figure's, made with pyplot.
        space: "mag" or "flux"; by default magnitudes when the points have them.
        title: the plot's title; by default the object's id, when every point is of one
            object and ``ax`` has no title yet.

    Each filter is one error-bar series labelled with its name (``ax.containers``),
    and its non-detections one line of triangle markers labelled "<filter> (limit)".
    Raises ApiValueError for a light curve with no point to draw.
    """
    columns = read_columns(light_curve)
    space = _space(columns, space)
    by_filter = _rows_by_filter(columns)
    split = {band: _split(columns, rows, space) for band, rows in by_filter.items()}
    times = [point[0] for detections, limits in split.values() for point in detections + limits]
    if not times:
        rows = len(columns.get("mjd", []))
        raise ApiValueError("The light curve has no points: there is nothing to draw" if not rows else
                            f"None of the light curve's {rows} points has a {space} or a limit: there is nothing to draw")
    if ax is None:
        _, ax = require("matplotlib.pyplot").subplots()
    had_data = ax.has_data()
    cycle = iter(require("matplotlib").rcParams["axes.prop_cycle"].by_key()["color"])
    drawn = []  # (artist, label), in the order the legend lists them
    for band, (detections, limits) in split.items():
        colour = FILTER_COLOURS.get(band) or next(cycle, "black")
        if detections:
            x, y, error = zip(*detections)
            drawn.append((ax.errorbar(x, y, yerr=error, fmt="o", color=colour, markersize=4, elinewidth=1,
                                      capsize=0, label=band), band))
        if limits:
            x, y = zip(*limits)
            (line,) = ax.plot(x, y, linestyle="none", marker=LIMIT_MARKER, markersize=5, color=colour,
                              markerfacecolor="none", label=f"{band} (limit)")
            drawn.append((line, line.get_label()))
    ax.set_xlabel("MJD")
    _show_whole_mjds(ax)
    if not had_data and min(times) == max(times):
        # Else matplotlib widens a single time by 5% of itself: thousands of days around an MJD.
        ax.set_xlim(min(times) - SINGLE_TIME_MARGIN, max(times) + SINGLE_TIME_MARGIN)
    if space == "mag":
        systems = {value for value in columns.get("magsys", []) if value is not None}
        ax.set_ylabel(f"Magnitude ({systems.pop().upper()})" if len(systems) == 1 else "Magnitude")
        if not ax.yaxis_inverted():  # drawn onto an inverted axis already, it stays so
            ax.invert_yaxis()
    else:
        ax.set_ylabel("Flux (µJy)")
    objects = {value for value in columns.get("obj_id", []) if value is not None}
    if title is not None:
        ax.set_title(title)
    elif len(objects) == 1 and not ax.get_title():
        ax.set_title(objects.pop())
    if drawn:
        # matplotlib lists lines before error bars; a filter's limits go right after its detections,
        # below what the axes held already.
        ours = {id(artist) for artist, _ in drawn}
        others = [(artist, label) for artist, label in zip(*ax.get_legend_handles_labels()) if id(artist) not in ours]
        ax.legend(*zip(*(others + drawn)))
    return ax


def _show_whole_mjds(ax: Any) -> None:
    """MJDs written out in full on the x axis, not as small numbers plus an offset ("+5.94e4")."""
    formatter = ax.xaxis.get_major_formatter()
    if isinstance(formatter, require("matplotlib.ticker").ScalarFormatter):  # not axes of dates or categories
        formatter.set_useOffset(False)
        formatter.set_scientific(False)


def _space(columns: Dict[str, list], space: Optional[str]) -> str:
    missing = [name for name in ("mjd", "filter") if name not in columns]
    if missing and columns:
        raise ApiValueError(f"A light curve to plot needs the columns mjd and filter; it has no {', '.join(missing)}")
    if space is None:
        space = "mag" if "mag" in columns or "flux" not in columns else "flux"
    if space not in SPACES:
        raise ApiValueError(f"space must be one of {', '.join(SPACES)}, not {space!r}")
    if columns and space not in columns:
        raise ApiValueError(f"The light curve has no {space} column: plot it with space="
                            f"{'flux' if space == 'mag' else 'mag'!r}, or fetch it with format={space!r}")
    return space


def _rows_by_filter(columns: Dict[str, list]) -> Dict[str, List[int]]:
    """Row numbers of each filter: ZTF's in the order g, r, i first, then the others as they come."""
    rows: Dict[str, List[int]] = {band: [] for band in FILTER_COLOURS}
    for row, band in enumerate(columns.get("filter", [])):
        rows.setdefault(band, []).append(row)
    return {band: found for band, found in rows.items() if found}


def _split(columns: Dict[str, list], rows: List[int],
           space: str) -> Tuple[List[Tuple[Any, Any, Any]], List[Tuple[Any, Any]]]:
    """(mjd, value, error) of the detections and (mjd, limit) of the non-detections among ``rows``."""
    mjd = columns["mjd"]
    values = columns[space]
    errors = columns.get("magerr" if space == "mag" else "fluxerr", [None] * len(mjd))
    limits = columns.get("limiting_mag", [None] * len(mjd))
    detections, non_detections = [], []
    for row in rows:
        if values[row] is not None:
            error = errors[row]
            detections.append((mjd[row], values[row], math.nan if error is None else error))
        elif space == "mag" and limits[row] is not None:
            non_detections.append((mjd[row], limits[row]))
        elif space == "flux" and errors[row] is not None:
            non_detections.append((mjd[row], OUTPUT_LIMIT_NSIGMA * errors[row]))
    return detections, non_detections
