"""plot_light_curve, rendered with the Agg backend: what was drawn, and that the file is an image."""

import subprocess
import sys

import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")

from matplotlib.colors import to_rgba  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from support.upload_bodies import fresh_mjds  # noqa: E402

from skyportal_client._light_curves.download import download_light_curves  # noqa: E402
from skyportal_client._light_curves.plot import (  # noqa: E402
    FILTER_COLOURS,
    plot_light_curve,
)
from skyportal_client._light_curves.read import get_light_curve  # noqa: E402
from skyportal_client.api.photometry_api import PhotometryApi  # noqa: E402
from skyportal_client.exceptions import ApiValueError  # noqa: E402

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def observed(api_client, skyportal_provisioned):
    """Detections in ztfg and ztfr, non-detections in ztfg and ztfi; returns the uploaded columns."""
    columns = {"mjd": fresh_mjds(6), "filter": ["ztfg", "ztfr", "ztfg", "ztfr", "ztfg", "ztfi"],
               "mag": [19.1, 18.9, 19.3, 18.7, None, None], "magerr": [0.05, 0.04, 0.08, 0.03, None, None],
               "limiting_mag": [21.0, 21.0, 21.0, 21.0, 20.5, 20.1]}
    PhotometryApi(api_client).api_photometry_post(unknown_base_type={
        **columns, "obj_id": skyportal_provisioned.obj_id, "instrument_id": skyportal_provisioned.instrument_id,
        "magsys": "ab"})
    return columns


def new_axes():
    return Figure(figsize=(6, 4), dpi=50).add_subplot()


def series(ax):
    """{label: (x, y, error half-heights)} of the error-bar series, and {label: (x, y)} of the limit markers."""
    drawn = {}
    for container in ax.containers:
        points, _, (bars,) = container
        heights = [abs(segment[1][1] - segment[0][1]) / 2 for segment in bars.get_segments()]
        drawn[container.get_label()] = (list(points.get_xdata()), list(points.get_ydata()), heights)
    limits = {line.get_label(): (list(line.get_xdata()), list(line.get_ydata())) for line in ax.lines
              if line.get_marker() == "v"}
    return drawn, limits


def test_magnitudes_one_series_per_filter_limits_as_triangles_and_the_axis_inverted(api_client, observed,
                                                                                     skyportal_provisioned):
    points = get_light_curve(api_client, skyportal_provisioned.obj_id)
    ax = new_axes()
    assert plot_light_curve(points, ax) is ax
    drawn, limits = series(ax)
    mjd = observed["mjd"]
    assert list(drawn) == ["ztfg", "ztfr"]
    assert drawn["ztfg"][:2] == ([mjd[0], mjd[2]], [19.1, 19.3])
    assert drawn["ztfg"][2] == pytest.approx([0.05, 0.08]) and drawn["ztfr"][2] == pytest.approx([0.04, 0.03])
    assert limits == {"ztfg (limit)": ([mjd[4]], [20.5]), "ztfi (limit)": ([mjd[5]], [20.1])}
    assert ax.yaxis_inverted() and not ax.xaxis_inverted()
    for container in ax.containers:
        assert to_rgba(container[0].get_color()) == to_rgba(FILTER_COLOURS[container.get_label()])
    limit_lines = [line for line in ax.lines if line.get_marker() == "v"]
    assert [to_rgba(line.get_markeredgecolor()) for line in limit_lines] == \
        [to_rgba("#008000"), to_rgba("#FFA500")]
    assert (ax.get_xlabel(), ax.get_ylabel(), ax.get_title()) == ("MJD", "Magnitude (AB)", skyportal_provisioned.obj_id)
    assert [text.get_text() for text in ax.get_legend().get_texts()] == \
        ["ztfg", "ztfg (limit)", "ztfr", "ztfi (limit)"]


def test_the_png_is_a_valid_image_with_the_filters_colours(api_client, observed, skyportal_provisioned, tmp_path):
    image = pytest.importorskip("matplotlib.image")
    ax = plot_light_curve(get_light_curve(api_client, skyportal_provisioned.obj_id), new_axes())
    path = tmp_path / "lc.png"
    ax.figure.savefig(path)
    assert path.read_bytes()[:8] == PNG_SIGNATURE
    pixels = image.imread(path)
    assert pixels.shape == (200, 300, 4)
    colours = {tuple(round(channel, 2) for channel in pixel[:3]) for row in pixels for pixel in row}
    assert (0.0, 0.5, 0.0) in colours and (1.0, 0.0, 0.0) in colours  # ztfg's and ztfr's markers


def test_fluxes_with_limits_at_five_times_the_flux_error_and_the_axis_upright(api_client, observed,
                                                                              skyportal_provisioned):
    points = get_light_curve(api_client, skyportal_provisioned.obj_id, format="flux")
    drawn, limits = series(plot_light_curve(points, ax := new_axes()))
    assert list(drawn) == ["ztfg", "ztfr"] and set(limits) == {"ztfg (limit)", "ztfi (limit)"}
    non_detection = next(point for point in points if point["filter"] == "ztfi")
    assert limits["ztfi (limit)"][1] == [5 * non_detection["fluxerr"]]
    assert drawn["ztfr"][1] == [point["flux"] for point in points if point["filter"] == "ztfr"]
    assert not ax.yaxis_inverted() and ax.get_ylabel() == "Flux (µJy)"


def test_format_both_is_drawn_in_magnitudes_unless_asked_for_fluxes(api_client, observed, skyportal_provisioned):
    points = get_light_curve(api_client, skyportal_provisioned.obj_id, format="both")
    assert plot_light_curve(points, new_axes()).yaxis_inverted()
    assert not plot_light_curve(points, new_axes(), space="flux").yaxis_inverted()


def test_a_cached_file_and_a_table_draw_what_the_records_draw(api_client, observed, skyportal_provisioned, tmp_path):
    obj_id = skyportal_provisioned.obj_id
    points = get_light_curve(api_client, obj_id)
    (result,) = download_light_curves(api_client, [obj_id], cache=tmp_path, as_=None)
    expected = series(plot_light_curve(points, new_axes()))
    assert series(plot_light_curve(result.path, new_axes())) == expected
    pandas = pytest.importorskip("pandas")
    assert series(plot_light_curve(pandas.read_csv(result.path), new_axes())) == expected
    pytest.importorskip("astropy")
    assert series(plot_light_curve(get_light_curve(api_client, obj_id, as_="astropy"), new_axes())) == expected


def test_light_curves_compose_on_axes_of_ones_own(api_client, observed, skyportal_provisioned):
    points = get_light_curve(api_client, skyportal_provisioned.obj_id)
    figure = Figure()
    left, right = figure.subplots(1, 2)
    plot_light_curve(points, left, title="magnitudes")
    plot_light_curve(get_light_curve(api_client, skyportal_provisioned.obj_id, format="flux"), right)
    assert (left.get_title(), right.get_title()) == ("magnitudes", skyportal_provisioned.obj_id)
    plot_light_curve(points, left)  # a second light curve on the same axes
    assert left.yaxis_inverted(), "drawing on an inverted axis keeps it inverted"
    assert len(left.containers) == 4 and left.get_title() == "magnitudes"


def test_other_filters_take_the_colour_cycle_in_order(tmp_path):
    points = [{"mjd": 59000.0 + index, "filter": band, "mag": 19.0, "magerr": 0.1, "magsys": "ab"}
              for index, band in enumerate(["sdssr", "ztfr", "atlaso", "sdssr"])]
    ax = plot_light_curve(points, new_axes())
    cycle = matplotlib.rcParams["axes.prop_cycle"].by_key()["color"]
    assert [container.get_label() for container in ax.containers] == ["ztfr", "sdssr", "atlaso"]
    assert [to_rgba(container[0].get_color()) for container in ax.containers] == \
        [to_rgba("#FF0000"), to_rgba(cycle[0]), to_rgba(cycle[1])]
    assert ax.get_title() == ""  # no obj_id column


def test_without_an_ax_a_pyplot_figure_is_made():
    pyplot = pytest.importorskip("matplotlib.pyplot")
    ax = plot_light_curve([{"mjd": 59000.0, "filter": "ztfg", "mag": 19.0, "magerr": 0.1}])
    try:
        assert ax.figure in [pyplot.figure(number) for number in pyplot.get_fignums()]
    finally:
        pyplot.close(ax.figure)


@pytest.mark.parametrize("points, message", [
    ([], "The light curve has no points: there is nothing to draw"),
    ([{"mjd": 59000.0, "filter": "ztfg", "mag": None, "magerr": None, "limiting_mag": None}],
     "None of the light curve's 1 points has a mag or a limit: there is nothing to draw"),
])
def test_a_light_curve_without_a_point_to_draw_is_refused(points, message):
    ax = new_axes()
    with pytest.raises(ValueError, match=message):
        plot_light_curve(points, ax)
    assert not ax.has_data() and ax.get_xlabel() == ""


def test_the_mjd_axis_shows_whole_mjds_without_an_offset(api_client, observed, skyportal_provisioned):
    ax = plot_light_curve(get_light_curve(api_client, skyportal_provisioned.obj_id), new_axes())
    ax.figure.canvas.draw()
    labels = [float(label.get_text().replace("\N{MINUS SIGN}", "-")) for label in ax.get_xticklabels()]
    assert ax.xaxis.get_offset_text().get_text() == ""
    low, high = ax.get_xlim()
    assert all(low - 1 <= label <= high + 1 for label in labels) and min(labels) > 50000


def test_a_single_point_is_drawn_over_a_day_either_side(api_client, skyportal, skyportal_provisioned):
    [mjd] = fresh_mjds(1)
    ax = plot_light_curve([{"mjd": mjd, "filter": "ztfg", "mag": 19.0, "magerr": 0.1}], new_axes())
    assert ax.get_xlim() == (mjd - 1, mjd + 1)


@pytest.mark.parametrize("points, space, message", [
    ([{"mjd": 59000.0, "mag": 19.0}], None, "needs the columns mjd and filter; it has no filter"),
    ([{"mjd": 59000.0, "filter": "ztfg", "mag": 19.0}], "flux", "no flux column: plot it with space='mag'"),
    ([{"mjd": 59000.0, "filter": "ztfg", "mag": 19.0}], "counts", "space must be one of mag, flux"),
])
def test_what_cannot_be_drawn_is_said(points, space, message):
    with pytest.raises(ApiValueError, match=message):
        plot_light_curve(points, new_axes(), space=space)


def test_without_matplotlib_the_error_names_the_extra(monkeypatch):
    for module in [name for name in sys.modules if name.split(".")[0] == "matplotlib"]:
        monkeypatch.delitem(sys.modules, module)
    for module in ("matplotlib", "matplotlib.pyplot"):
        monkeypatch.setitem(sys.modules, module, None)
    with pytest.raises(ImportError, match=r'pip install "skyportal-client\[plot\]"'):
        plot_light_curve([{"mjd": 59000.0, "filter": "ztfg", "mag": 19.0}])


def test_importing_the_package_loads_no_optional_module():
    check = ("import sys, skyportal_client, skyportal_client._light_curves.plot, skyportal_client._light_curves.download; "
             "print(sorted(m for m in ('matplotlib', 'tqdm', 'astropy', 'pandas') if m in sys.modules))")
    run = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0 and run.stdout.strip() == "[]", run.stderr
