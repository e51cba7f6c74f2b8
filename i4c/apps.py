from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig


class AdminConfig(DjangoAdminConfig):
    """The admin, with the sign-in steps of ``i4c.admin.I4CAdminSite`` (second factor)."""

    default_site = "i4c.admin.I4CAdminSite"
