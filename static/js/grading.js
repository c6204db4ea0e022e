// The grading page: J and K move to the next and previous submission in the queue, unless
// the teacher is typing (a text field, a select) or holds a modifier key.
(function () {
  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey || event.defaultPrevented) return;
    var target = event.target;
    if (target.closest && target.closest("input, textarea, select, [contenteditable]")) {
      if (!(target.type === "radio" || target.type === "checkbox")) return;
    }
    var link = document.querySelector('[data-shortcut="' + event.key.toLowerCase() + '"]');
    if (link) {
      event.preventDefault();
      link.click();
    }
  });
})();
