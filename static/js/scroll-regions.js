// A table wider than its box scrolls sideways; keyboard users must be able to reach and scroll
// it too. Only boxes that really scroll become a tab stop (a named region), and again whenever
// the window is resized. Each region's name is unique on the page (axe: landmark-unique): the
// table's caption, else the heading of the section or card it sits in, numbered if repeated.
(function () {
  "use strict";
  function nameOf(box) {
    var caption = box.querySelector("caption");
    if (caption && caption.textContent.trim()) { return caption.textContent.trim(); }
    var part = box.closest("[aria-labelledby]");
    var heading = part && document.getElementById(part.getAttribute("aria-labelledby").split(" ")[0]);
    return heading ? heading.textContent.trim().replace(/\s+/g, " ") : "Table";
  }
  function mark() {
    var used = {};
    document.querySelectorAll(".table-responsive").forEach(function (box) {
      if (box.scrollWidth > box.clientWidth + 1) {
        box.setAttribute("tabindex", "0");
        box.setAttribute("role", "region");
        var name = nameOf(box);
        used[name] = (used[name] || 0) + 1;
        box.setAttribute("aria-label", name + (used[name] > 1 ? " (" + used[name] + ")" : "") +
                         ": table, scrolls sideways");
      } else if (box.getAttribute("role") === "region") {
        box.removeAttribute("tabindex");
        box.removeAttribute("role");
        box.removeAttribute("aria-label");
      }
    });
  }
  mark();
  window.addEventListener("resize", mark);
})();
