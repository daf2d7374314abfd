"""GET /api/sysinfo and GET /api/enum_types, as SkyPortal 1.4.0 answers them."""

from . import envelope
from .bandpasses import BANDPASS_NAMES
from .base import Handler, public
from .conversions import ALLOWED_MAGSYSTEMS

# The enum lists of a SkyPortal 1.4.0 with the default configuration, in its order.
SPECTRUM_TYPES = ("source", "host", "host_center")
THUMBNAIL_TYPES = ("new", "ref", "sub", "sdss", "dr8", "ls", "ps1", "sm", "hst", "chandra", "jwst",
                   "new_gz", "ref_gz", "sub_gz")
FOLLOWUP_PRIORITIES = ("1", "2", "3", "4", "5")
FOLLOWUP_API_CLASSNAMES = (
    "MMAAPI", "GENERICAPI", "SLACKAPI", "ATLASAPI", "COLIBRIAPI", "GROWTHINDIAMMAAPI", "KAITAPI",
    "SEDMAPI", "SEDMV2API", "IOOAPI", "IOIAPI", "SPRATAPI", "SINISTROAPI", "SPECTRALAPI", "FLOYDSAPI",
    "MUSCATAPI", "NICERAPI", "PS1API", "SOARGHTSAPI", "SOARGHTSIMAGERAPI", "SOARTSPECAPI", "UVOTXRTAPI",
    "UVOTXRTMMAAPI", "TAROTAPI", "TESSAPI", "TRTAPI", "WINTERAPI", "SPRINGAPI", "ZTFAPI", "ZTFMMAAPI",
    "GEMINIAPI", "BINOSPECAPI", "MMIRSAPI", "TTTAPI", "NEWFIRMAPI", "RUBINMMAAPI", "NGPSAPI",
)
ANALYSIS_TYPES = ("lightcurve_fitting", "spectrum_fitting", "meta_analysis")
ANALYSIS_INPUT_TYPES = ("photometry", "spectra", "redshift", "annotations", "comments", "classifications")
AUTHENTICATION_TYPES = ("none", "header_token", "api_key", "HTTPBasicAuth", "HTTPDigestAuth", "OAuth1")


class SysInfoHandler(Handler):
    @public
    def get(self) -> envelope.Response:
        """SkyPortal's handler needs no token.  The git log is empty here, as
        on an install without a git checkout."""
        return envelope.success({"gitlog": []})


class EnumTypesHandler(Handler):
    def get(self) -> envelope.Response:
        return envelope.success({
            "ALLOWED_SPECTRUM_TYPES": SPECTRUM_TYPES,
            "ALLOWED_MAGSYSTEMS": ALLOWED_MAGSYSTEMS,
            "ALLOWED_BANDPASSES": BANDPASS_NAMES,
            "THUMBNAIL_TYPES": THUMBNAIL_TYPES,
            "FOLLOWUP_PRIORITIES": FOLLOWUP_PRIORITIES,
            "ALLOWED_API_CLASSNAMES": FOLLOWUP_API_CLASSNAMES,
            "ANALYSIS_TYPES": ANALYSIS_TYPES,
            "ANALYSIS_INPUT_TYPES": ANALYSIS_INPUT_TYPES,
            "AUTHENTICATION_TYPES": AUTHENTICATION_TYPES,
        })
