"""The rule table: each rule's whole-column check agrees with its value-by-value check, models and
the bulk checks use the same rules, and every problem is found, not the first."""

import math

import hypothesis
import pytest
from hypothesis import strategies as st

from skyportal_client._models.base import Field
from skyportal_client._uploads.checks import check_rows
from skyportal_client._uploads.pipeline import upload_photometry
from skyportal_client.exceptions import UploadValidationError
from skyportal_client.model.photometry_mag_upload import PhotometryMagUpload

FIELDS = {
    "number": Field("number", column=True),
    "nullable positive number": Field("number", column=True, nullable=True, minimum=0, exclusive_minimum=True),
    "integer at least 0": Field("integer", column=True, minimum=0),
    "text of an enum": Field("string", column=True, enum=("ab", "vega")),
    "id-like text": Field("string", column=True, min_length=1, pattern=r"^[0-9A-Za-z._+-]+$"),
}

values = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 5), st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["ab", "vega", "", "ZTF21a", "a b", "ZTF21a\n"]),
)


@pytest.mark.parametrize("kind", sorted(FIELDS))
@hypothesis.settings(max_examples=400)
@hypothesis.given(column=st.lists(values, max_size=12))
@hypothesis.example(column=[1.0, math.nan])  # min() of it is 1.0; NaN is the finite rule's to report
def test_the_column_check_finds_exactly_what_checking_each_value_finds(kind, column):
    field = FIELDS[kind]
    _, together = field.check_column("x", column)
    one_by_one = [(row, problem.kind, problem.detail)
                  for row, value in enumerate(column) for problem in field.check_column("x", [value])[1]]
    assert [(problem.row, problem.kind, problem.detail) for problem in together] == one_by_one


def test_a_column_of_good_values_has_no_problem_and_comes_back_as_sent():
    column = [59000.5, 59001, 59002.25]
    checked, problems = FIELDS["number"].check_column("mjd", column)
    assert problems == [] and checked is column  # nothing copied on the common path


def test_numpy_values_become_plain_numbers():
    numpy = pytest.importorskip("numpy")
    checked, problems = FIELDS["number"].check_column("mjd", numpy.array([59000.5, 59001.0]).astype("float32").tolist()
                                                      + [numpy.float64(1.5)])
    assert problems == [] and [type(value) for value in checked] == [float, float, float]


def test_the_model_and_the_table_check_give_the_same_problem():
    columns = {"obj_id": ["ZTF21a"] * 2, "instrument_id": [1, 1], "mjd": [59000.0, 59000.1], "filter": ["ztfg"] * 2,
               "magsys": ["ab"] * 2, "mag": [19.0, 19.1], "magerr": [0.1, 0.0]}
    _, model_problems = PhotometryMagUpload.check(columns)
    with pytest.raises(UploadValidationError) as raised:
        check_rows(dict(columns), instrument_filters={1: None})
    assert model_problems == raised.value.problems
    assert model_problems[0].detail == "must be greater than 0, not 0.0"


def test_every_problem_of_every_row_is_found():
    columns = {"obj_id": ["ZTF21a"] * 3, "instrument_id": [1, 1, 1], "mjd": [math.nan, 59000.1, "soon"],
               "filter": ["ztfg"] * 3, "magsys": ["ab", "AB", "ab"], "mag": [19.0, None, 19.2],
               "magerr": [-0.1, 0.1, 0.1]}
    _, problems = PhotometryMagUpload.check(columns)
    assert [(problem.row, problem.column, problem.kind) for problem in problems] == [
        (0, "mjd", "not finite"), (0, "magerr", "too small"), (1, "magsys", "not allowed"),
        (1, "limiting_mag", "missing limit"), (1, "mag", "null alone"), (2, "mjd", "wrong type")]


def test_a_bulk_upload_checks_each_row_once(api_client, skyportal_provisioned, monkeypatch):
    """The table is checked once; the requests are made of checked rows and not checked again."""
    calls = []
    original = PhotometryMagUpload.check_values.__func__
    monkeypatch.setattr(PhotometryMagUpload, "check_values",
                        classmethod(lambda cls, values: calls.append(len(values["mjd"])) or original(cls, values)))
    result = upload_photometry(api_client, {"mjd": [59000.0 + i / 10 for i in range(25)], "mag": 19.0, "magerr": 0.1,
                                            "filter": "ztfg"},
                               obj_id=skyportal_provisioned.obj_id, instrument_id=skyportal_provisioned.instrument_id,
                               chunk_size=10)
    assert len(result.ids) == 25 and result.sent == 3
    assert calls == [25]
