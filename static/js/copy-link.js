// "Copy the link": one click puts a one-time link on the clipboard and says so, for a screen
// reader too. Without the clipboard (an old browser, http) the link stays selected to copy.
(function () {
  "use strict";
  document.querySelectorAll("[data-copy-target]").forEach(function (button) {
    var field = document.getElementById(button.getAttribute("data-copy-target"));
    var said = document.getElementById(button.getAttribute("data-copy-status"));
    button.hidden = false;
    button.addEventListener("click", function () {
      field.select();
      var done = function () { said.textContent = "Copied to the clipboard."; };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(field.value).then(done, function () {
          said.textContent = "Select the link and copy it (Ctrl+C or Cmd+C).";
        });
      } else if (document.execCommand && document.execCommand("copy")) {
        done();
      } else {
        said.textContent = "Select the link and copy it (Ctrl+C or Cmd+C).";
      }
    });
  });
})();
