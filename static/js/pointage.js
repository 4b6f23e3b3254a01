// Tablet attendance (templates/admin/reservations/pointage.html): each button posts its
// row's form in the background and the page stays where it is. Without this script the
// same forms post and the server redirects back: every mark is saved per click either way.
(function () {
  "use strict";
  function marquer(ligne, etat, libelle) {
    ligne.className = ligne.className.replace(/\betat-\S+/, "etat-" + etat);
    ligne.querySelector(".bouton-present").setAttribute("aria-pressed", String(etat === "present"));
    ligne.querySelector(".bouton-absent").setAttribute(
      "aria-pressed", String(etat === "absent" || etat === "absence_justifiee"));
    ligne.querySelector(".pointage-etat").textContent = libelle;
    var compte = document.querySelector("#bilan-pointage strong");
    if (compte) { compte.textContent = document.querySelectorAll("li.etat-present").length; }
  }
  document.querySelectorAll("form.pointage-boutons").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      var bouton = event.submitter;
      if (!bouton || !window.fetch) { return; }
      event.preventDefault();
      var ligne = form.closest("li");
      var donnees = new FormData(form);
      donnees.append(bouton.name, bouton.value);
      ligne.classList.add("envoi");
      fetch(window.location.pathname, {
        method: "POST",
        body: donnees,
        headers: { "X-Requested-With": "fetch" },
        credentials: "same-origin"
      }).then(function (reponse) {
        return reponse.json().then(function (json) { return { ok: reponse.ok, json: json }; });
      }).then(function (r) {
        ligne.classList.remove("envoi");
        marquer(ligne, r.json.etat, r.ok ? r.json.libelle : r.json.libelle + " — " + r.json.erreurs.join(" "));
      }).catch(function () {
        ligne.classList.remove("envoi");
        ligne.querySelector(".pointage-etat").textContent =
          "Non enregistré (connexion perdue) : appuyez de nouveau.";
        ligne.classList.add("echec");
      });
    });
  });
}());
