"""Bandpass names the embedded server accepts as ``filter``.

SkyPortal allows every sncosmo built-in bandpass plus the instance's
``additional_bandpasses``; this is the commonly used part of that list.
Uploads and instruments naming anything else get SkyPortal's "not allowed"
answer.
"""

ALLOWED_BANDPASSES = frozenset(
    """
    bessellux bessellb bessellv bessellr besselli
    standard::u standard::b standard::v standard::r standard::i
    desg desr desi desz desy desu
    sdssu sdssg sdssr sdssi sdssz
    ztfg ztfr ztfi ztf::g ztf::r ztf::i
    atlasc atlaso
    ps1::g ps1::r ps1::i ps1::z ps1::y ps1::w ps1::open
    uvot::b uvot::u uvot::uvm2 uvot::uvw1 uvot::uvw2 uvot::v uvot::white
    2massj 2massh 2massks
    cspb cspv3014 cspv3009 cspv9844 cspys cspjs cspyd cspjd csphs csphd cspk
    cspg cspr cspi cspu
    gaia::g gaia::gbp gaia::grp
    galex::fuv galex::nuv
    lsstu lsstg lsstr lssti lsstz lssty
    keplercam::us keplercam::b keplercam::v keplercam::r keplercam::i
    goto::l goto::r goto::g goto::b
    swiftxrt nicerxti tess
    """.split()
)
