"""Post what a rendered page contains, as a browser would, instead of a dict typed by hand.

``form_data(html)`` reads a page's form and returns the fields a browser would send
when the form is submitted unchanged: every input with its value, checked boxes only,
the selected option of each menu (the first when none is selected), textareas. A test
then changes the fields a person would change and posts the result, so a field that is
pre-filled, missing or renamed on the page is caught.
"""

from html.parser import HTMLParser

NOT_SENT = {"submit", "button", "reset", "image", "file"}


class _FormReader(HTMLParser):
    def __init__(self, form_id):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.depth = 0  # >0 while inside the wanted form
        self.found = False
        self.fields = []  # [name, value] pairs, in page order
        self.select = None  # [name, options, selected, multiple]
        self.option = None
        self.textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            if self.depth:
                self.depth += 1
            elif not self.found and (self.form_id is None or attrs.get("id") == self.form_id):
                self.depth, self.found = 1, True
            return
        if not self.depth or "disabled" in attrs:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text").lower()
            if kind in NOT_SENT:
                return
            if kind in {"checkbox", "radio"}:
                if "checked" in attrs:
                    self.fields.append([name, attrs.get("value", "on")])
                return
            self.fields.append([name, attrs.get("value", "")])
        elif tag == "select" and name:
            self.select = [name, [], [], "multiple" in attrs]
        elif tag == "option" and self.select is not None:
            self.option = [attrs.get("value"), ""]
            if "selected" in attrs:
                self.select[2].append(self.option)
            self.select[1].append(self.option)
        elif tag == "textarea" and name:
            self.textarea = [name, ""]

    def handle_data(self, data):
        if self.option is not None:
            self.option[1] += data
        if self.textarea is not None:
            self.textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form" and self.depth:
            self.depth -= 1
        elif tag == "option":
            self.option = None
        elif tag == "select" and self.select is not None:
            name, options, selected, multiple = self.select
            chosen = selected if multiple else (selected[-1:] or options[:1])
            for value, text in chosen:
                self.fields.append([name, text.strip() if value is None else value])
            self.select = None
        elif tag == "textarea" and self.textarea is not None:
            name, text = self.textarea
            # A browser drops the one line break that follows <textarea>.
            self.fields.append([name, text[1:] if text.startswith("\n") else text])
            self.textarea = None


def form_data(html: str | bytes, form_id: str | None = None) -> dict[str, str | list[str]]:
    """The fields the page's form (the first, or the one with ``form_id``) would send."""
    if isinstance(html, bytes):
        html = html.decode()
    reader = _FormReader(form_id)
    reader.feed(html)
    if not reader.found:
        raise AssertionError(f"The page has no form {form_id or ''}".strip())
    data: dict[str, str | list[str]] = {}
    for name, value in reader.fields:
        if name in data:
            previous = data[name]
            data[name] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            data[name] = value
    return data
