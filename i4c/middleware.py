"""Middleware of the whole site."""


class HeadMiddleware:
    """Answers HEAD with the headers GET would get, and no body.

    Django leaves the body to the server, and gunicorn sends it: a HEAD would
    cost the whole page on the wire, and the CSV export would run its query for
    nobody. Goes first, so that every other middleware sees the answer GET
    would get (the page cache reads a cached page for HEAD as for GET). A
    streamed body is dropped before it starts: its query never runs.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.method == "HEAD":
            if response.streaming:
                # The generator is closed unstarted when the server closes the response.
                response.streaming_content = ()
            else:
                length = response.get("Content-Length")
                response.content = b""
                if length is not None:
                    response["Content-Length"] = length
        return response
