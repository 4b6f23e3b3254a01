// Progressive enhancement of the booking calendar: says how many days the
// submission will add or remove, and counts them on the "Valider" button
// ("Valider (2 changements)"). The calendar works without this file.
(function () {
  "use strict";
  var form = document.getElementById("form-calendrier");
  var sortie = document.getElementById("resume-selection");
  if (!form || !sortie) { return; }
  var compteur = form.querySelector("#bouton-valider .nb-changements");
  var cases = form.querySelectorAll('input[type="checkbox"][name="jours"]');
  function resumer() {
    var ajouts = 0, retraits = 0;
    cases.forEach(function (c) {
      if (c.checked && !c.defaultChecked) { ajouts += 1; }
      if (!c.checked && c.defaultChecked) { retraits += 1; }
      c.closest("td").classList.toggle("jour-coche", c.checked);
    });
    var parties = [];
    if (ajouts) { parties.push(ajouts + (ajouts > 1 ? " jours à réserver" : " jour à réserver")); }
    if (retraits) { parties.push(retraits + (retraits > 1 ? " jours à annuler" : " jour à annuler")); }
    sortie.textContent = parties.length ? parties.join(", ") + " : cliquez sur « Valider »." : "";
    var total = ajouts + retraits;
    if (compteur) {
      compteur.textContent = total ? " (" + total + (total > 1 ? " changements)" : " changement)") : "";
    }
    form.classList.toggle("a-valider", total > 0);
  }
  form.addEventListener("change", resumer);
})();
