"""Admin side of garde alternée: the custody share in the Rattachement inlines (weekday
checkboxes, checks across the child's two links) and the page « Rattacher à un second
foyer » (household found by a responsable's e-mail, or created there)."""

from django import forms
from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone

from comptes import services as comptes_services
from comptes.mots import accord
from familles import second_foyer, services
from familles.models import JOURS_SEMAINE, Enfant, Rattachement, Responsable
from familles.validators import normaliser_telephone, valider_code_postal, valider_une_ligne

CHOIX_JOURS = [(i, nom.capitalize()) for i, nom in enumerate(JOURS_SEMAINE)]


def champ_jours(label: str, **kwargs) -> forms.TypedMultipleChoiceField:
    return forms.TypedMultipleChoiceField(
        label=label,
        choices=CHOIX_JOURS,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        **kwargs,
    )


class RattachementAdminForm(forms.ModelForm):
    jours = champ_jours(
        "jours de ce foyer", help_text="Seulement pour « certains jours de la semaine »."
    )

    class Meta:
        model = Rattachement
        fields = ["enfant", "famille", "garde", "semaines", "jours"]


def _partage_du_formulaire(form) -> dict:
    lien = form.instance  # built and cleaned by the form (Rattachement.clean)
    return second_foyer.partage_de(lien)


def _liens_valides(formset):
    for form in formset.forms:
        if not hasattr(form, "cleaned_data") or not form.cleaned_data:
            continue
        if formset.can_delete and formset._should_delete_form(form):
            continue
        yield form


def _verifier_retraits(formset) -> None:
    """A household is not detached from a child it still has a current enrolment for:
    through it, the household would keep the child's calendar and go on booking."""
    aujourd_hui = timezone.localdate()
    for form in formset.forms:
        lien = form.instance
        if not (lien.pk and formset.can_delete and formset._should_delete_form(form)):
            continue
        # The inscriptions app depends on this one: reached through the reverse relation.
        en_cours = (
            lien.enfant.inscriptions.filter(famille_id=lien.famille_id, date_fin__gte=aujourd_hui)
            .exclude(statut__in=["refusee", "annulee"])
            .select_related("activite")
            .first()
        )
        if en_cours is not None:
            raise forms.ValidationError(
                f"{lien.famille} a encore une inscription en cours pour {lien.enfant.prenom} "
                f"({en_cours.activite.nom}) : désinscrivez {lien.enfant.prenom} de ce foyer "
                "(Inscriptions, action « Désinscrire ») avant de retirer le rattachement."
            )


def _verrouiller(enfant_id: int) -> None:
    """Lock the child's row, as accepting a « Rattachement d'un second foyer » request
    does: a household added here and one accepted from the queue at the same moment are
    checked one after the other (the admin's POST is one transaction)."""
    if enfant_id and transaction.get_connection().in_atomic_block:
        Enfant.objects.select_for_update().filter(pk=enfant_id).first()


class RattachementsEnfantFormSet(forms.BaseInlineFormSet):
    """The child's households, checked together: two at most, shares that fit."""

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        if self.instance.pk:
            _verrouiller(self.instance.pk)
            affiches = {f.instance.pk for f in self.forms if f.instance.pk}
            if Rattachement.objects.filter(enfant=self.instance).exclude(pk__in=affiches).exists():
                raise forms.ValidationError(
                    f"Un autre foyer vient d'être rattaché à {self.instance.prenom} : "
                    "rechargez la page, rien n'a été enregistré."
                )
        _verifier_retraits(self)
        partages = [_partage_du_formulaire(f) for f in _liens_valides(self)]
        try:
            second_foyer.verifier_partages(self.instance.prenom or "cet enfant", partages)
        except services.FamilleError as exc:
            raise forms.ValidationError(exc.message) from None


class RattachementsFamilleFormSet(forms.BaseInlineFormSet):
    """A household's children: each child's link checked with its other household's."""

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        _verifier_retraits(self)
        for form in _liens_valides(self):
            enfant = form.cleaned_data.get("enfant")
            if enfant is None:
                continue
            _verrouiller(enfant.pk)
            autres = Rattachement.objects.filter(enfant=enfant)
            if self.instance.pk:
                autres = autres.exclude(famille=self.instance)
            partages = [second_foyer.partage_de(lien) for lien in autres]
            partages.append(_partage_du_formulaire(form))
            try:
                second_foyer.verifier_partages(enfant.prenom, partages)
            except services.FamilleError as exc:
                raise forms.ValidationError(exc.message) from None


# --- « Rattacher à un second foyer » ---------------------------------------------------


class SecondFoyerForm(forms.Form):
    """One form: which household (found or created) and both households' shares."""

    EXISTANT, NOUVEAU = "existant", "nouveau"

    foyer = forms.ChoiceField(
        label="Second foyer",
        choices=[
            (EXISTANT, "Un foyer déjà enregistré : je donne l'e-mail d'un de ses responsables"),
            (NOUVEAU, "Un nouveau foyer : je le crée ici avec son responsable"),
        ],
        widget=forms.RadioSelect,
        initial=EXISTANT,
    )
    email = forms.EmailField(
        label="Adresse e-mail du responsable",
        help_text="Foyer existant : l'adresse d'un de ses responsables. Nouveau foyer : "
        "l'identifiant du nouveau compte (une invitation à choisir un mot de passe lui est "
        "envoyée).",
    )
    civilite = forms.ChoiceField(
        label="Civilité", required=False, choices=[("", "—"), *Responsable.Civilite.choices]
    )
    prenom = forms.CharField(
        label="Prénom", max_length=150, required=False, validators=[valider_une_ligne]
    )
    nom = forms.CharField(
        label="Nom", max_length=150, required=False, validators=[valider_une_ligne]
    )
    adresse = forms.CharField(
        label="Adresse", max_length=250, required=False, validators=[valider_une_ligne]
    )
    complement_adresse = forms.CharField(
        label="Complément d'adresse", max_length=250, required=False, validators=[valider_une_ligne]
    )
    code_postal = forms.CharField(
        label="Code postal", max_length=5, required=False, validators=[valider_code_postal]
    )
    ville = forms.CharField(
        label="Commune", max_length=150, required=False, validators=[valider_une_ligne]
    )
    telephone_mobile = forms.CharField(label="Téléphone portable", max_length=20, required=False)

    garde = forms.ChoiceField(
        label="Partage de la garde", choices=Rattachement.Garde.choices, initial="libre"
    )
    semaines = forms.ChoiceField(
        label="Semaines du second foyer",
        required=False,
        choices=[("", "—"), *Rattachement.Semaines.choices],
        help_text="Une semaine sur deux : le premier foyer a les autres semaines.",
    )
    jours_premier = champ_jours("Jours du premier foyer")
    jours_second = champ_jours("Jours du second foyer")

    OBLIGATOIRES_NOUVEAU = ("civilite", "prenom", "nom", "adresse", "code_postal", "ville")

    def __init__(self, *args, enfant, **kwargs):
        self.enfant = enfant
        super().__init__(*args, **kwargs)
        self.famille = None

    def clean_telephone_mobile(self):
        return normaliser_telephone(self.cleaned_data.get("telephone_mobile", ""))

    def clean(self):
        cleaned = super().clean()
        email = cleaned.get("email")
        if cleaned.get("foyer") == self.NOUVEAU:
            for champ in self.OBLIGATOIRES_NOUVEAU:
                if not cleaned.get(champ):
                    self.add_error(champ, "Ce champ est obligatoire pour créer le foyer.")
            if email:
                try:
                    cleaned["email"] = comptes_services.verifier_email_libre(email)
                except comptes_services.CompteError as exc:
                    self.add_error("email", exc.message)
        elif email:
            try:
                self.famille = second_foyer.famille_par_email(email)
            except services.FamilleError as exc:
                self.add_error("email", exc.message)
        garde = cleaned.get("garde")
        try:
            if garde == Rattachement.Garde.JOURS:
                self.partage_premier = second_foyer.partage(garde, jours=cleaned["jours_premier"])
                self.partage_second = second_foyer.partage(garde, jours=cleaned["jours_second"])
            else:
                self.partage_second = second_foyer.partage(garde, cleaned.get("semaines"))
                self.partage_premier = second_foyer.complement(self.partage_second)
            second_foyer.verifier_partages(
                self.enfant.prenom, [self.partage_premier, self.partage_second]
            )
        except services.FamilleError as exc:
            champ = {"semaines": "semaines", "jours": "jours_second"}.get(garde)
            self.add_error(champ, exc.message)
        return cleaned

    def coordonnees(self) -> dict:
        return {k: self.cleaned_data.get(k, "") for k in Responsable.CHAMPS_COORDONNEES}


def rattacher_second_foyer_view(modeladmin, request, enfant):
    form = SecondFoyerForm(request.POST or None, enfant=enfant)
    if request.method == "POST" and form.is_valid():
        nouveau = form.cleaned_data["foyer"] == SecondFoyerForm.NOUVEAU
        try:
            with transaction.atomic():
                if nouveau:
                    user = comptes_services.creer_compte(form.cleaned_data["email"])
                    famille = services.creer_famille(user, form.coordonnees()).famille
                else:
                    famille = form.famille
                second_foyer.rattacher(enfant, famille, form.partage_second, form.partage_premier)
                if nouveau:
                    # The staff invitation: a link to choose a password (sent after commit).
                    comptes_services.envoyer_invitation(user)
        except (services.FamilleError, comptes_services.CompteError) as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            texte = f"{enfant.prenom} est {accord(enfant, 'rattaché')} au foyer « {famille} »."
            if nouveau:
                texte += " Le responsable reçoit une invitation à choisir son mot de passe."
            modeladmin.message_user(request, texte, messages.SUCCESS)
            return redirect(reverse("admin:familles_enfant_change", args=[enfant.pk]))
    return TemplateResponse(
        request,
        "admin/familles/enfant/second_foyer.html",
        {
            **modeladmin.admin_site.each_context(request),
            "title": f"Rattacher {enfant} à un second foyer",
            "enfant": enfant,
            "liens": Rattachement.objects.filter(enfant=enfant).select_related("famille"),
            "form": form,
            "opts": modeladmin.model._meta,
            "original": enfant,
        },
    )


class PartageDemandeForm(forms.Form):
    """The share of a « Rattachement d'un second foyer » request, checked and corrected
    by staff before they accept it."""

    garde = forms.ChoiceField(label="Partage de la garde", choices=Rattachement.Garde.choices)
    semaines = forms.ChoiceField(
        label="Semaines du foyer qui demande",
        required=False,
        choices=[("", "—"), *Rattachement.Semaines.choices],
        help_text="Une semaine sur deux : le foyer qui invite a les autres semaines.",
    )
    jours_invitant = champ_jours("Jours du foyer qui invite")
    jours_demandeur = champ_jours("Jours du foyer qui demande")

    def __init__(self, *args, demande, **kwargs):
        d = demande.donnees
        nouveau, premier = d.get("partage", {}), d.get("partage_invitant", {})
        kwargs.setdefault(
            "initial",
            {
                "garde": nouveau.get("garde", Rattachement.Garde.LIBRE),
                "semaines": nouveau.get("semaines", ""),
                "jours_invitant": premier.get("jours", []),
                "jours_demandeur": nouveau.get("jours", []),
            },
        )
        enfants = Enfant.objects.filter(pk=d.get("enfant")).values_list("prenom", flat=True)
        self.prenom = enfants.first() or "cet enfant"
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        garde = cleaned.get("garde")
        try:
            if garde == Rattachement.Garde.JOURS:
                self.partage_premier = second_foyer.partage(garde, jours=cleaned["jours_invitant"])
                self.partage_nouveau = second_foyer.partage(garde, jours=cleaned["jours_demandeur"])
            else:
                self.partage_nouveau = second_foyer.partage(garde, cleaned.get("semaines"))
                self.partage_premier = second_foyer.complement(self.partage_nouveau)
            second_foyer.verifier_partages(
                self.prenom, [self.partage_premier, self.partage_nouveau]
            )
        except services.FamilleError as exc:
            raise forms.ValidationError(exc.message) from None
        return cleaned
