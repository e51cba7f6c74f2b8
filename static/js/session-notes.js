// "Add findings from notes" and "Add translations from notes": Save sends the notes that
// were previewed, so once the notes, the kind, the language or the replace box change,
// Save is disabled until Preview shows them again. The server refuses such a save
// anyway; this only says so before the click.
(function () {
  "use strict";
  var form = document.getElementById("notes_form");
  var save = form && form.querySelector('input[name="_save"]');
  if (!save) {
    return;
  }
  var help = document.getElementById("notes-preview-again");
  var fields = ["notes", "default_kind", "language", "replace"]
    .map(function (name) { return form.elements[name]; })
    .filter(Boolean);

  function valueOf(field) {
    return field.type === "checkbox" ? String(field.checked) : field.value;
  }

  var previewed = fields.map(valueOf);

  function check() {
    var changed = fields.some(function (field, i) { return valueOf(field) !== previewed[i]; });
    save.disabled = changed;
    help.hidden = !changed;
  }

  fields.forEach(function (field) {
    field.addEventListener("input", check);
    field.addEventListener("change", check);
  });
})();
