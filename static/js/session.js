// Fast note entry on the dosing session page. Without this file the form still works:
// the Save button posts it and the time field holds the time the page was loaded.
(function () {
  "use strict";
  var form = document.getElementById("note-entry");
  if (!form) { return; }
  var box = form.querySelector("textarea");
  var time = form.querySelector("input[type=datetime-local]");
  var zone = form.getAttribute("data-zone") || undefined;
  var timeTouched = false;

  // The clinic's wall-clock time now, as a datetime-local value (YYYY-MM-DDTHH:MM).
  function clinicNow() {
    var parts = {};
    new Intl.DateTimeFormat("en-CA", {
      timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit",
      hour: "2-digit", minute: "2-digit", hourCycle: "h23"
    }).formatToParts(new Date()).forEach(function (p) { parts[p.type] = p.value; });
    return parts.year + "-" + parts.month + "-" + parts.day + "T" + parts.hour + ":" + parts.minute;
  }

  function refreshTime() {
    if (time && !timeTouched) { time.value = clinicNow(); }
  }

  if (time) {
    time.addEventListener("input", function () { timeTouched = true; });
  }
  if (box) {
    // The note's time is when the clinician starts typing it, unless they set the time.
    box.addEventListener("focus", refreshTime);
    box.addEventListener("keydown", function (event) {
      if (event.key !== "Enter" || event.shiftKey || event.isComposing) { return; }
      event.preventDefault();
      if (!box.value.trim()) { return; }
      refreshTime();
      if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
    });
    // Back from saving a note (or from a refused one): the cursor is in the box again. After
    // "load", so that the browser's scroll to #note-entry does not take the focus away.
    if (window.location.hash === "#note-entry" || box.getAttribute("aria-invalid") === "true") {
      window.addEventListener("load", function () { box.focus(); });
    }
  }
}());
