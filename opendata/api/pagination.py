"""Lists page by page, with a cursor that stays right while the record changes."""

from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination

MAX_PAGE_SIZE = 500


class IdCursorPagination(CursorPagination):
    """Pages in id order (unique and indexed): a new or deleted object never shifts
    the pages a reader is walking, and no page costs a count or an offset.

    ``page_size`` outside 1 to ``MAX_PAGE_SIZE`` and a cursor this API did not
    give are refused (400, naming the parameter), rather than quietly replaced.
    """

    ordering = "id"
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    def get_page_size(self, request):
        value = request.query_params.get(self.page_size_query_param)
        if value is None:
            return self.page_size
        field = serializers.IntegerField(min_value=1, max_value=self.max_page_size)
        try:
            return field.run_validation(value)
        except ValidationError as error:
            raise ValidationError({self.page_size_query_param: error.detail}) from error

    def decode_cursor(self, request):
        try:
            cursor = super().decode_cursor(request)
        except NotFound as error:
            raise self._invalid() from error
        # The position is an id: anything else would reach the database as one.
        position = cursor.position if cursor is not None else None
        if position is not None and not (position.isdigit() and len(position) <= 18):
            raise self._invalid()
        return cursor

    def _invalid(self):
        return ValidationError({self.cursor_query_param: [self.invalid_cursor_message]})

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": self.max_page_size,
                }
        return parameters
