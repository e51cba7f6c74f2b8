// "Add findings from notes": Save sends the notes that were previewed, so once the notes
// or the kind change, Save is disabled until Preview shows them again. The server
// refuses such a save anyway; this only says so before the click.
(function () {
  "use strict";
  var form = document.getElementById("notes_form");
  var save = form && form.querySelector('input[name="_save"]');
  if (!save) {
    return;
  }
  var help = document.getElementById("notes-preview-again");
  var fields = [form.elements.notes, form.elements.default_kind];
  var previewed = fields.map(function (field) { return field.value; });

  function check() {
    var changed = fields.some(function (field, i) { return field.value !== previewed[i]; });
    save.disabled = changed;
    help.hidden = !changed;
  }

  fields.forEach(function (field) {
    field.addEventListener("input", check);
    field.addEventListener("change", check);
  });
})();
