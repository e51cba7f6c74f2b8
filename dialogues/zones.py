"""Time zones as a reader says them: “Bishkek time”, not “Asia/Bishkek”.

The pages say which zone every time is in; the zone database's names are English
identifiers, so the region's zones have translated names here and any other zone
is said by its city.
"""

from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

ZONE_NAMES = {
    "Asia/Almaty": _("Almaty time"),
    "Asia/Aqtobe": _("Aktobe time"),
    "Asia/Ashgabat": _("Ashgabat time"),
    "Asia/Bishkek": _("Bishkek time"),
    "Asia/Dushanbe": _("Dushanbe time"),
    "Asia/Hovd": _("Khovd time"),
    "Asia/Tashkent": _("Tashkent time"),
    "Asia/Ulaanbaatar": _("Ulaanbaatar time"),
    "Europe/Moscow": _("Moscow time"),
    "UTC": _("Coordinated Universal Time"),
}


def zone_name(key: str | None = None) -> str:
    """The name of the zone ``key`` (else the current one) in the active language."""
    key = key or timezone.get_current_timezone_name()
    if key in ZONE_NAMES:
        return str(ZONE_NAMES[key])
    city = key.rsplit("/", 1)[-1].replace("_", " ")
    return gettext("%(city)s time") % {"city": city}


def zone_offset(moment=None) -> str:
    """``+06:00``: the current zone's offset from UTC at ``moment`` (else now)."""
    offset = timezone.localtime(moment).strftime("%z")
    return f"{offset[:3]}:{offset[3:]}"


def zone_help() -> str:
    """Which zone the admin's dates and times are in: the site's, as the public pages show them."""
    return gettext("%(zone)s (UTC%(offset)s), as the public pages show it.") % {
        "zone": capfirst(zone_name()),
        "offset": zone_offset(),
    }
