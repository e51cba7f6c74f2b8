"""Django's JSON serialization format, keeping times to the microsecond.

Django's JSON encoder writes times to the millisecond only (as JavaScript reads them):
12:00:00.000500 is written 12:00:00.000 and comes back as 12:00:00. Registered as the
``json`` format (``SERIALIZATION_MODULES``), so that SQLite backups (``dumpdata``) and
the change history (django-reversion stores versions as JSON) keep every timestamp as
the database holds it. Reading is Django's own: it takes both.
"""

import datetime

from django.core.serializers.json import Deserializer, DjangoJSONEncoder
from django.core.serializers.json import Serializer as DjangoSerializer
from django.utils.timezone import is_aware

__all__ = ["Deserializer", "ExactJSONEncoder", "Serializer"]


class ExactJSONEncoder(DjangoJSONEncoder):
    def default(self, o):
        if isinstance(o, datetime.datetime):
            text = o.isoformat()
            return text.removesuffix("+00:00") + "Z" if text.endswith("+00:00") else text
        if isinstance(o, datetime.time):
            if is_aware(o):
                raise ValueError("JSON can't represent timezone-aware times.")
            return o.isoformat()
        return super().default(o)


class Serializer(DjangoSerializer):
    def _init_options(self):
        super()._init_options()
        if self.json_kwargs["cls"] is DjangoJSONEncoder:
            self.json_kwargs["cls"] = ExactJSONEncoder
