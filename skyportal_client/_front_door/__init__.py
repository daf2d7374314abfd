"""The front door: ``SkyPortal`` (``skyportal.py``) and what it offers, one class per kind of thing
on the server, each sending its requests through one shared ApiClient: ``Photometry``,
``Sources``, ``Instruments``, ``Telescopes`` and ``Groups``, and for an alert broker's step
``Candidates``, ``Annotations``, ``Thumbnails`` (with ``cutouts.py`` drawing them), ``Streams``,
``Filters`` and ``Classifications``; names resolved to ids (``names.py``); keywords checked with a
hint (``keywords.py``); the pages of a list walked (``pages.py``); a HEAD's answer read
(``existence.py``)."""

from skyportal_client._front_door.annotations import Annotations
from skyportal_client._front_door.candidates import Candidates
from skyportal_client._front_door.classifications import Classifications
from skyportal_client._front_door.filters import Filters
from skyportal_client._front_door.groups import Groups
from skyportal_client._front_door.instruments import Instruments
from skyportal_client._front_door.photometry import Photometry
from skyportal_client._front_door.sources import Sources
from skyportal_client._front_door.streams import Streams
from skyportal_client._front_door.telescopes import Telescopes
from skyportal_client._front_door.thumbnails import Thumbnails

__all__ = ["Photometry", "Sources", "Instruments", "Telescopes", "Groups", "Candidates", "Annotations", "Thumbnails",
           "Streams", "Filters", "Classifications"]
