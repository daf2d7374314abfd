"""The front door: ``SkyPortal`` (``skyportal.py``) and what it offers, one class per kind of thing
on the server, each sending its requests through one shared ApiClient: ``Photometry``,
``Sources``, ``Instruments``, ``Telescopes`` and ``Groups``; names resolved to ids (``names.py``) and keywords
checked with a hint (``keywords.py``);
the pages of a list walked (``pages.py``)."""

from skyportal_client._front_door.groups import Groups
from skyportal_client._front_door.instruments import Instruments
from skyportal_client._front_door.photometry import Photometry
from skyportal_client._front_door.sources import Sources
from skyportal_client._front_door.telescopes import Telescopes

__all__ = ["Photometry", "Sources", "Instruments", "Telescopes", "Groups"]
