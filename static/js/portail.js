// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  // After a failed submission, move keyboard and screen-reader focus to the error summary.
  var resume = document.getElementById("resume-erreurs");
  if (resume) {
    resume.focus();
  }
  // Browsers without ::details-content: open the folded navigation on wide screens.
  var menu = document.querySelector(".menu-pliable");
  if (menu && window.matchMedia && window.matchMedia("(min-width: 576px)").matches) {
    menu.open = true;
  }
  var pliables = document.querySelectorAll(".pliable-large");
  for (var i = 0; i < pliables.length; i++) {
    if (window.matchMedia && window.matchMedia("(min-width: 576px)").matches) {
      pliables[i].open = true;
    }
  }
})();
