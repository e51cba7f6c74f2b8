from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.apps import DefaultConfig as TOTPConfig


class AdminConfig(DjangoAdminConfig):
    """The admin, with the sign-in steps of ``i4c.admin.I4CAdminSite`` (second factor)."""

    default_site = "i4c.admin.I4CAdminSite"


class AuthenticatorAppsConfig(TOTPConfig):
    """django-otp's authenticator apps, under names a Board member reads in their language.

    django-otp names its admin section after the app label (“Otp_Totp”) and its model
    in English only; the Board sees them in the admin's index and breadcrumbs.
    """

    verbose_name = _("Sign-in codes")

    def ready(self):
        super().ready()
        # Only the displayed names: the migration state reads the model's own Meta.
        options = self.get_model("TOTPDevice")._meta
        options.verbose_name = _("authenticator app")
        options.verbose_name_plural = _("authenticator apps")


class ProjectConfig(AppConfig):
    """The project's own machinery that needs models: the page cache's content version."""

    name = "i4c"
