"""Every public exception survives pickling with its message and attributes, so that it crosses
process pools, multiprocessing and Dask as it was raised."""

import concurrent.futures
import inspect
import pickle

import pytest

from skyportal_client import exceptions
from skyportal_client._models.problems import Problem
from skyportal_client._transport.outcome import Outcome
from skyportal_client._transport.retry import RetryEvent
from skyportal_client._uploads.rollback import RollbackResult

PUBLIC_EXCEPTIONS = sorted((cls for name, cls in vars(exceptions).items()
                            if inspect.isclass(cls) and issubclass(cls, BaseException) and not name.startswith("_")
                            and cls.__module__ == exceptions.__name__), key=lambda cls: cls.__name__)

ANSWER = dict(message="Invalid filter", server_version="1.4.0", method="POST", path="/api/photometry", attempts=2,
              history=(RetryEvent("POST", "/api/photometry", "503", 0.5),), outcome=Outcome.REFUSED,
              hint="check the filter", headers={"Content-Type": "application/json"}, body=b'{"status": "error"}')
CONNECTION = dict(method="GET", path="/api/sysinfo", attempts=3, outcome=Outcome.UNKNOWN, hint="try again")
PROBLEMS = [Problem(3, "mag", "implausible value", "is 99.0, outside [-30, 40]"), Problem(None, "mjd", "x", "y")]


def example(cls):
    """One instance of the exception class ``cls``, with every attribute it has set."""
    if issubclass(cls, exceptions.ApiConnectionError):
        return cls("Connection refused", **CONNECTION)
    if issubclass(cls, exceptions.ApiException):
        return cls(400, "Bad Request", **ANSWER)
    if cls is exceptions.NameLookupError:
        return cls("No instrument named 'ZTFF': did you mean ZTF (id 1)?", kind="instrument", name="ZTFF",
                   candidates=(("ZTF", 1),))
    if cls is exceptions.UploadValidationError:
        return cls(PROBLEMS)
    if cls is exceptions.RollbackIncomplete:
        return cls("3 points kept", RollbackResult(5, already_removed=1, kept=3))
    return cls(f"a {cls.__name__} for the test")


def attributes(error):
    return {name: value for name, value in vars(error).items()}


@pytest.mark.parametrize("cls", PUBLIC_EXCEPTIONS, ids=lambda cls: cls.__name__)
def test_every_public_exception_pickles_with_its_message_and_attributes(cls):
    error = example(cls)
    again = pickle.loads(pickle.dumps(error))
    assert type(again) is cls
    assert (str(again), again.args) == (str(error), error.args)
    assert attributes(again) == attributes(error)
    if isinstance(error, exceptions.RollbackIncomplete):
        assert (again.result, again.result.kept, again.result.already_removed) == (5, 3, 1)


def raise_example(name):
    raise example(getattr(exceptions, name))


def test_every_public_exception_crosses_a_process_pool():
    with concurrent.futures.ProcessPoolExecutor(max_workers=1) as pool:
        futures = {cls: pool.submit(raise_example, cls.__name__) for cls in PUBLIC_EXCEPTIONS}
        for cls, future in futures.items():
            with pytest.raises(cls) as raised:
                future.result()
            assert type(raised.value) is cls
            assert str(raised.value) == str(example(cls))
            assert attributes(raised.value) == attributes(example(cls))


def test_the_examples_cover_the_classes_with_attributes_of_their_own():
    assert {exceptions.NameLookupError, exceptions.UploadValidationError, exceptions.RollbackIncomplete,
            exceptions.ApiException, exceptions.ApiConnectionError} <= set(PUBLIC_EXCEPTIONS)
    assert len(PUBLIC_EXCEPTIONS) >= 20
