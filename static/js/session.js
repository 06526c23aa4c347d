// Fast note entry on the dosing session page. Without this file the form still works:
// the Save button posts it and the time field holds the time the page was loaded.
(function () {
  "use strict";
  var form = document.getElementById("note-entry");
  if (!form) { return; }
  var box = form.querySelector("textarea");
  var time = form.querySelector("input[data-datetime]");
  var zone = form.getAttribute("data-zone") || undefined;
  var timeTouched = false;

  // The clinic's wall-clock time now, written the clinic's way (tracker/datetext.py): its
  // date order (dmy 30/11/2026, mdy 11/30/2026, iso 2026-11-30) and clock (24h 14:05, 12h
  // 2:05 PM), as the input's data-datetime attribute says ("dmy 24h").
  function clinicNow() {
    var style = (time.getAttribute("data-datetime") || "dmy 24h").split(" ");
    var p = {};
    new Intl.DateTimeFormat("en-CA", {
      timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit",
      hour: "2-digit", minute: "2-digit", hourCycle: "h23"
    }).formatToParts(new Date()).forEach(function (part) { p[part.type] = part.value; });
    var day = style[0] === "iso" ? p.year + "-" + p.month + "-" + p.day
      : style[0] === "mdy" ? p.month + "/" + p.day + "/" + p.year
      : p.day + "/" + p.month + "/" + p.year;
    var hour = parseInt(p.hour, 10);
    var clock = style[1] === "12h"
      ? (hour % 12 || 12) + ":" + p.minute + (hour < 12 ? " AM" : " PM")
      : p.hour + ":" + p.minute;
    return day + " " + clock;
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

// Back from saving a reading, a rating or an event: the cursor is in the form's first box, so
// the next one is typed at once (a refused form keeps its own focus on the error summary).
(function () {
  "use strict";
  var first = { vitals: "vitals-systolic", sedation: "sedation-moaas", "adverse-events": "event-kind" };
  var name = first[window.location.hash.slice(1)];
  if (!name || document.getElementById("form-errors")) { return; }
  window.addEventListener("load", function () {
    var box = document.querySelector("[name='" + name + "']");
    if (box) { box.focus({ preventScroll: true }); }
  });
}());
