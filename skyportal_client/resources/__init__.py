"""What ``SkyPortal`` offers, one class per kind of thing on the server, each sending its
requests through one shared ApiClient: ``Photometry``, ``Sources``, ``Instruments``,
``Telescopes`` and ``Groups``."""

from skyportal_client.resources.groups import Groups
from skyportal_client.resources.instruments import Instruments
from skyportal_client.resources.photometry import Photometry
from skyportal_client.resources.sources import Sources
from skyportal_client.resources.telescopes import Telescopes

__all__ = ["Photometry", "Sources", "Instruments", "Telescopes", "Groups"]
