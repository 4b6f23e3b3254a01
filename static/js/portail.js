// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  // After a failed submission, move keyboard and screen-reader focus to the error summary.
  var resume = document.getElementById("resume-erreurs");
  if (resume) {
    resume.focus();
  }
})();
