// The 「印刷する」 button of the printable request record (templates/staff/request_print.html).
// Shown only when JavaScript runs; without it, the browser's own print command does the same.
(function () {
  "use strict";
  var button = document.getElementById("print-button");
  if (!button) {
    return;
  }
  button.hidden = false;
  button.addEventListener("click", function () {
    window.print();
  });
})();
