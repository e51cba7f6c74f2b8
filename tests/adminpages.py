"""Admin pages as a person uses them, for the Django test client."""

from .pageforms import form_data


def confirm_deletion(client, url):
    """Press "Yes, I'm sure" on the delete page at ``url`` (its form in the content, not
    the header's log-out form); the page shown after."""
    page = client.get(url).text
    data = form_data(page[page.index('id="content"') :])
    assert data["post"] == "yes"
    return client.post(url, data, follow=True)
