"""True is no number and no id: every check of "a number" or "an integer" refuses bools, and
takes numpy's integers as ints, whatever it checks (one rule, in skyportal_client._util.checks)."""

import pytest

import skyportal_client
from skyportal_client._front_door.names import name_or_id
from skyportal_client._models.parameters import check_integer
from skyportal_client._util.checks import integer_index, is_integer, is_number
from skyportal_client.exceptions import ApiTypeError


@pytest.mark.parametrize("value, number, integer, index", [
    (3, True, True, 3),
    (2.5, True, False, None),
    (True, False, False, None),
    (False, False, False, None),
    ("3", False, False, None),
    (None, False, False, None),
])
def test_the_kinds_of_values(value, number, integer, index):
    assert (is_number(value), is_integer(value), integer_index(value)) == (number, integer, index)


def test_numpy_integers_are_integers_and_numpy_bools_are_not():
    numpy = pytest.importorskip("numpy")
    assert integer_index(numpy.int64(7)) == 7 and type(integer_index(numpy.int64(7))) is int
    assert integer_index(numpy.float64(7.0)) is None and integer_index(numpy.bool_(True)) is None


@pytest.mark.parametrize("check", [
    lambda: skyportal_client.Timeout(connect=True),
    lambda: skyportal_client.Timeout().for_call(True),
    lambda: check_integer("page_number", True),
    lambda: name_or_id("instrument", True),
])
def test_a_bool_is_refused_where_a_number_or_an_id_is_expected(check):
    with pytest.raises(ApiTypeError):
        check()
