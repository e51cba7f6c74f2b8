from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    SUCCESS = "success", _("Success")
    PROBLEM = "problem", _("Problem")
