"""The JSON API of the published record (``/api/v1/``), on Django REST framework.

Serializers and read-only views only: every list starts from the apps' published
querysets, findings are filtered by the findings page's own ``FindingFilter``.
"""
