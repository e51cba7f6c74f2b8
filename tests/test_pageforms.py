from .pageforms import form_data

PAGE = """
<form id="other"><input name="x" value="1"></form>
<form id="f" method="post">
  <input type="hidden" name="csrfmiddlewaretoken" value="t">
  <input name="title" value="A &amp; B">
  <input type="checkbox" name="ticked" checked>
  <input type="checkbox" name="unticked" value="1">
  <input type="submit" name="_save" value="Save">
  <input name="off" value="1" disabled>
  <select name="kind"><option value="">---</option><option value="problem" selected>P</option>
  </select>
  <select name="country"><option value="">---</option><option value="3">KZ</option></select>
  <select name="themes" multiple><option value="1" selected>a</option>
  <option value="2" selected>b</option><option value="3">c</option></select>
  <textarea name="notes">
Line one
line two</textarea>
</form>
"""


def test_form_data_sends_what_a_browser_sends_for_an_unchanged_form():
    assert form_data(PAGE, "f") == {
        "csrfmiddlewaretoken": "t",
        "title": "A & B",
        "ticked": "on",
        "kind": "problem",
        "country": "",
        "themes": ["1", "2"],
        "notes": "Line one\nline two",
    }


def test_form_data_reads_the_first_form_without_an_id():
    assert form_data(PAGE) == {"x": "1"}
