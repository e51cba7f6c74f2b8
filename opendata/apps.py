from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpenDataConfig(AppConfig):
    """The record for machines and mirrors: the JSON API, the open-data page, the static copy.

    It reads ``dialogues``, ``findings``, ``actions`` and ``reports``; none of them imports it.
    """

    name = "opendata"
    verbose_name = _("Open data")
