"""A user's code reading models, as a type checker sees it: never run, only checked by mypy
(``tox -e typecheck``, and test_model_field_types.py). Each ``assert_type`` fails the check
when the type mypy infers is another one, ``Any`` included."""

from typing import TYPE_CHECKING, List, Optional, Union

from skyportal_client.model.group import Group
from skyportal_client.model.instrument import Instrument
from skyportal_client.model.photometry_mag_upload import PhotometryMagUpload
from skyportal_client.model.source import Source
from skyportal_client.model.source_response import SourceResponse
from skyportal_client.model.telescope import Telescope

if TYPE_CHECKING:  # mypy's own stubs have it; it is not needed at run time
    from typing_extensions import assert_type


def read(answer: SourceResponse, instrument: Instrument, upload: PhotometryMagUpload) -> None:
    source = answer.data
    assert_type(source, Source)
    assert_type(source.ra, Optional[float])
    assert_type(source.id, Optional[str])
    assert_type(source.transient, Optional[bool])
    assert_type(source.groups, Optional[List[Group]])
    assert_type(instrument.id, int)
    assert_type(instrument.telescope, Optional[Telescope])
    assert_type(upload.mjd, Union[float, List[float]])
    assert_type(upload.mag, Optional[Union[Optional[float], List[Optional[float]]]])
