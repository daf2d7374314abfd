"""sp.photometry.download, sync and plot: the front door's verbs over bulk_download and
light_curve_plot, against the server under test."""

import sys

import pytest
from support.light_curve_samples import objects_with_points

import skyportal_client


@pytest.fixture
def sp(skyportal):
    with skyportal_client.SkyPortal(skyportal.url, skyportal.token,
                                    rate_limit=None if skyportal.embedded else 5.0) as client:
        yield client


@pytest.fixture
def two(skyportal, skyportal_provisioned, sp):
    """Two objects with three points each (ztfg, ztfr, and a ztfi non-detection)."""
    return objects_with_points(skyportal, skyportal_provisioned, sp.api_client, 2)


def test_download_caches_and_then_revalidates(sp, two, tmp_path):
    first = sp.photometry.download(two, cache=tmp_path, as_="records")
    assert [result.status for result in first] == ["fetched", "fetched"]
    assert first.light_curves == {obj_id: sp.photometry.get(obj_id) for obj_id in two}
    again = sp.photometry.download(two, cache=tmp_path, format="mag", magsys="ab", as_=None, workers=1,
                                   max_age=None, progress=None)
    assert [(result.status, result.reason) for result in again] == [("unchanged", "not modified on the server (304)")] * 2
    assert again.light_curves == {}
    assert sp.photometry.sync(tmp_path, workers=2).summary() == "2 objects: 0 fetched, 2 unchanged, 0 failed"


def test_sync_of_a_directory_holding_no_cache_is_refused(sp, tmp_path):
    with pytest.raises(skyportal_client.CacheError, match="holds no light curve cache") as raised:
        sp.photometry.sync(tmp_path / "light_curvs")
    assert isinstance(raised.value, ValueError) and not (tmp_path / "light_curvs").exists()


def test_download_without_a_cache_keeps_the_light_curves_in_memory(sp, two):
    pytest.importorskip("pandas")
    report = sp.photometry.download(two, format="flux", as_="pandas")
    assert [len(report.light_curves[obj_id]) for obj_id in two] == [3, 3]
    assert "flux" in report.light_curves[two[0]].columns


def test_plot_an_object_by_its_id_its_points_or_its_cached_file(sp, two, tmp_path):
    pytest.importorskip("matplotlib")
    from matplotlib.figure import Figure

    def drawn(ax):
        return [text.get_text() for text in ax.get_legend().get_texts()], bool(ax.yaxis_inverted())

    (result,) = sp.photometry.download(two[:1], cache=tmp_path)
    expected = (["ztfg", "ztfr", "ztfi (limit)"], True)
    ax = Figure().add_subplot()
    assert sp.photometry.plot(two[0], ax) is ax and drawn(ax) == expected
    assert drawn(sp.photometry.plot(result.light_curve, Figure().add_subplot())) == expected
    assert drawn(sp.photometry.plot(result.path, Figure().add_subplot())) == expected
    flux = sp.photometry.plot(two[0], Figure().add_subplot(), space="flux", title="fluxes")
    assert (flux.get_ylabel(), flux.get_title(), drawn(flux)[1]) == ("Flux (µJy)", "fluxes", False)


def test_plot_without_matplotlib_fetches_nothing(sp, two, skyportal_server, monkeypatch):
    for module in [name for name in sys.modules if name.split(".")[0] == "matplotlib"]:
        monkeypatch.delitem(sys.modules, module)
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    skyportal_server.clear_requests()
    with pytest.raises(ImportError, match=r'pip install "skyportal-client\[plot\]"'):
        sp.photometry.plot(two[0])
    assert skyportal_server.requests == []
