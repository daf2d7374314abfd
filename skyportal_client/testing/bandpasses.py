"""The bandpass names a SkyPortal 1.4.0 instance with the default configuration
allows as ``filter``, in its own order (the ``bandpasses`` enum, also listed by
``GET /api/enum_types``).

They are sncosmo 2.13's built-in bandpasses followed by the
``additional_bandpasses`` of SkyPortal's default config.  Uploads and
instruments naming anything else get SkyPortal's "not allowed" answers.
"""

SNCOSMO_BANDPASSES = tuple("""
    bessellux bessellb bessellv bessellr besselli standard::u standard::b standard::v
    standard::r standard::i desu desg desr desi desz desy sdssu sdssg sdssr sdssi sdssz
    f435w f475w f555w f606w f625w f775w f850lp nicf110w nicf160w f098m f105w f110w f125w
    f127m f139m f140w f153m f160w f218w f225w f275w f300x f336w f350lp f390w f689m f763m
    f845m f438w uvf475w uvf555w uvf606w uvf625w uvf775w uvf814w uvf850lp kepler cspb csphs
    csphd cspjs cspjd cspv3009 cspv3014 cspv9844 cspys cspyd cspg cspi cspk cspr cspu f070w
    f090w f115w f150w f200w f277w f356w f444w f140m f162m f182m f210m f250m f300m f335m
    f360m f410m f430m f460m f480m f560w f770w f1000w f1130w f1280w f1500w f1800w f2100w
    f2550w f1065c f1140c f1550c f2300c lsstu lsstg lsstr lssti lsstz lssty keplercam::us
    keplercam::b keplercam::v keplercam::r keplercam::i 4shooter2::us 4shooter2::b
    4shooter2::v 4shooter2::r 4shooter2::i f062 f087 f106 f129 f158 f184 f213 f146 ztfg ztfr
    ztfi uvot::b uvot::u uvot::uvm2 uvot::uvw1 uvot::uvw2 uvot::v uvot::white ps1::open
    ps1::g ps1::r ps1::i ps1::z ps1::y ps1::w atlasc atlaso 2massj 2massh 2massks gaia::gbp
    gaia::g gaia::grp gaia::grvs tess galex::fuv galex::nuv gotob gotog gotol gotor
    skymapperu skymapperg skymapperr skymapperi skymapperz ztf::g ztf::r ztf::i megacam6::g
    megacam6::r megacam6::i megacam6::i2 megacam6::z hsc::g hsc::r hsc::r2 hsc::i hsc::i2
    hsc::z hsc::y
""".split())

CONFIG_ADDITIONAL_BANDPASSES = tuple("""
    swiftxrt nicerxti radio-0.34GHz radio-1.4GHz radio-3GHz radio-6GHz radio-10GHz
    radio-15GHz radio-22GHz radio-33GHz radio-45GHz sma-230GHz sma-345GHz sma-400GHz
""".split())

BANDPASS_NAMES = SNCOSMO_BANDPASSES + CONFIG_ADDITIONAL_BANDPASSES
ALLOWED_BANDPASSES = frozenset(BANDPASS_NAMES)
