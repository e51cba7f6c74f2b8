"""Uploads stop being stored once they pass the site's limit.

Django limits the size of form fields (``DATA_UPLOAD_MAX_MEMORY_SIZE``) but not
of files: without this handler, any request that gets past the CSRF check (a
``csrftoken`` cookie is enough) could write a file of any size to disk before a
view looks at who sent it. Listed first in ``FILE_UPLOAD_HANDLERS``, it sees
every chunk before the handlers that store it.
"""

from django.core.files.uploadhandler import FileUploadHandler, StopUpload

from findings.importer import upload_limit

# Room in a request for the form's other fields and the multipart boundaries.
FORM_ALLOWANCE = 64 * 1024


class SizeLimitedUploadHandler(FileUploadHandler):
    """Stops the upload, storing nothing more, once a request's files pass the limit.

    A request whose declared length is already over the limit is stopped before
    its first file is opened; one that does not declare it (or understates it)
    is stopped at the first chunk over the limit, before that chunk is stored.
    The rest of the body is read and dropped, so the client gets an answer, and
    ``request.upload_refused`` says that the files were left out.
    """

    def __init__(self, request=None):
        super().__init__(request)
        self.limit = upload_limit()
        self.declared = 0
        self.received = 0

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        self.declared = content_length or 0

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        if self.declared > self.limit + FORM_ALLOWANCE:
            self._refuse()

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.limit:
            self._refuse()
        return raw_data

    def file_complete(self, file_size):
        return None  # the next handler stores it

    def _refuse(self):
        if self.request is not None:
            self.request.upload_refused = True
        raise StopUpload(connection_reset=False)
