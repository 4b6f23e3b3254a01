from allauth.account.forms import SignupForm as AllauthSignupForm
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Field, Fieldset, Layout
from django import forms
from django.db import IntegrityError, transaction
from django.utils import timezone

from comptes.forms import JetonMixin
from familles import second_foyer, services
from familles.models import (
    JOURS_SEMAINE,
    Enfant,
    FicheSanitaire,
    PersonneAutorisee,
    Rattachement,
    RegimeAlimentaire,
    Responsable,
    Vaccination,
)
from familles.validators import normaliser_telephone, valider_code_postal, valider_une_ligne


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class TelephoneField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault("widget", forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}))
        super().__init__(**kwargs)

    def clean(self, value):
        return normaliser_telephone(super().clean(value))


class CoordonneesForm(forms.ModelForm):
    """A parent's own details. The e-mail is not here: only staff change it."""

    telephone_mobile = TelephoneField(label="Téléphone portable", required=False)
    telephone_fixe = TelephoneField(label="Téléphone fixe", required=False)
    telephone_travail = TelephoneField(label="Téléphone professionnel", required=False)

    class Meta:
        model = Responsable
        fields = Responsable.CHAMPS_COORDONNEES
        widgets = {
            "adresse": forms.TextInput(attrs={"autocomplete": "address-line1"}),
            "complement_adresse": forms.TextInput(attrs={"autocomplete": "address-line2"}),
            "code_postal": forms.TextInput(
                attrs={"autocomplete": "postal-code", "inputmode": "numeric"}
            ),
            "ville": forms.TextInput(attrs={"autocomplete": "address-level2"}),
            "nom": forms.TextInput(attrs={"autocomplete": "family-name"}),
            "prenom": forms.TextInput(attrs={"autocomplete": "given-name"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Fieldset(
                "Identité",
                Field("civilite"),
                Div(
                    Div("prenom", css_class="col-md-6"),
                    Div("nom", css_class="col-md-6"),
                    css_class="row",
                ),
            ),
            Fieldset(
                "Adresse",
                "adresse",
                "complement_adresse",
                Div(
                    Div("code_postal", css_class="col-md-4"),
                    Div("ville", css_class="col-md-8"),
                    css_class="row",
                ),
            ),
            Fieldset("Téléphones", "telephone_mobile", "telephone_fixe", "telephone_travail"),
            Fieldset("Situation professionnelle", "profession", "employeur"),
        )

    def clean(self):
        cleaned = super().clean()
        if not any(cleaned.get(t) for t in services.TELEPHONES) and not self.errors:
            raise forms.ValidationError(
                "Indiquez au moins un numéro de téléphone pour que le service puisse vous joindre."
            )
        return cleaned


class SignupForm(AllauthSignupForm):
    """allauth's sign-up plus the first Responsable of a new household."""

    civilite = forms.ChoiceField(
        label="Civilité", choices=[("", "Choisissez"), *Responsable.Civilite.choices]
    )
    prenom = forms.CharField(
        label="Prénom",
        max_length=150,
        validators=[valider_une_ligne],
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    nom = forms.CharField(
        label="Nom",
        max_length=150,
        validators=[valider_une_ligne],
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )
    adresse = forms.CharField(
        label="Adresse",
        max_length=250,
        validators=[valider_une_ligne],
        widget=forms.TextInput(attrs={"autocomplete": "address-line1"}),
    )
    complement_adresse = forms.CharField(
        label="Complément d'adresse",
        max_length=250,
        required=False,
        validators=[valider_une_ligne],
    )
    code_postal = forms.CharField(
        label="Code postal",
        max_length=5,
        validators=[valider_code_postal],
        widget=forms.TextInput(attrs={"autocomplete": "postal-code", "inputmode": "numeric"}),
    )
    ville = forms.CharField(
        label="Commune",
        max_length=150,
        validators=[valider_une_ligne],
        widget=forms.TextInput(attrs={"autocomplete": "address-level2"}),
    )
    telephone_mobile = TelephoneField(label="Téléphone portable")

    field_order = [
        "email",
        "password1",
        "password2",
        "civilite",
        "prenom",
        "nom",
        "adresse",
        "complement_adresse",
        "code_postal",
        "ville",
        "telephone_mobile",
    ]

    def save(self, request):
        # User, e-mail address, household and Responsable: all or nothing.
        with transaction.atomic():
            return super().save(request)

    def try_save(self, request):
        try:
            return super().try_save(request)
        except IntegrityError:
            # The same sign-up sent twice at once: both passed the "address taken" check
            # and the other one created the account. Answer as allauth does for a taken
            # address (nothing was written here: save() rolled back).
            self.account_already_exists = True
            return super().try_save(request)

    def signup(self, request, user) -> None:
        services.creer_famille(user, self.cleaned_data)


class EnfantForm(forms.ModelForm):
    class Meta:
        model = Enfant
        fields = [
            "prenom",
            "nom",
            "sexe",
            "date_naissance",
            "ecole",
            "classe",
            "regime_alimentaire",
        ]
        widgets = {
            "date_naissance": DateInput(),
            "sexe": forms.RadioSelect,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sexe"].choices = Enfant.Sexe.choices  # no "---------" radio
        regime = self.fields["regime_alimentaire"]
        regime.queryset = RegimeAlimentaire.objects.filter(actif=True)
        regime.empty_label = "Standard"
        regime.help_text = "Le repas préparé pour votre enfant à la cantine et à l'accueil."
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Fieldset(
                "Identité",
                Div(
                    Div("prenom", css_class="col-md-6"),
                    Div("nom", css_class="col-md-6"),
                    css_class="row",
                ),
                Div(
                    Div("sexe", css_class="col-md-6"),
                    Div("date_naissance", css_class="col-md-6"),
                    css_class="row",
                ),
            ),
            Fieldset(
                "Scolarité",
                Div(
                    Div("ecole", css_class="col-md-8"),
                    Div("classe", css_class="col-md-4"),
                    css_class="row",
                ),
            ),
            Fieldset("Restauration", "regime_alimentaire"),
        )

    def clean_date_naissance(self):
        value = self.cleaned_data["date_naissance"]
        if value > timezone.localdate():
            raise forms.ValidationError("La date de naissance ne peut pas être dans le futur.")
        if value.year < 1990:
            raise forms.ValidationError("Cette date de naissance n'est pas plausible.")
        return value


class EnfantAjoutForm(JetonMixin, EnfantForm):
    """The "Ajouter un enfant" form: sent once, whatever the clicks (one child added)."""


class PersonneAutoriseeForm(forms.ModelForm):
    """An optional row: empty is fine, but a row begun must be complete."""

    telephone = TelephoneField(label="Téléphone", required=False)

    class Meta:
        model = PersonneAutorisee
        fields = ["prenom", "nom", "lien", "telephone"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if field is not self.fields.get("DELETE"):
                field.required = False

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("DELETE"):
            return cleaned
        for name in ("prenom", "nom", "lien", "telephone"):
            if not cleaned.get(name) and name not in self.errors:
                self.add_error(name, "Ce champ est obligatoire pour une personne autorisée.")
        return cleaned


PersonnesAutoriseesFormSet = forms.inlineformset_factory(
    Enfant,
    PersonneAutorisee,
    form=PersonneAutoriseeForm,
    extra=2,
    max_num=6,
    validate_max=True,
    can_delete=True,
)


# --- Pièces justificatives -------------------------------------------------------------


class DocumentForm(JetonMixin, forms.Form):
    fichier = forms.FileField(
        label="Document (PDF, JPEG ou PNG, 5 Mo au plus)",
        help_text="Un scan ou une photo lisible de toutes les pages utiles.",
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
        error_messages={"required": "Choisissez le fichier à envoyer."},
    )

    def clean_fichier(self):
        # The service's own check, so its message shows next to the field.
        from familles import documents

        fichier = self.cleaned_data["fichier"]
        try:
            documents.verifier_fichier(fichier)
        except documents.DocumentError as exc:
            raise forms.ValidationError(exc.message) from None
        return fichier


# --- the child's file (issue 11) -------------------------------------------------------


class SanteEnfantForm(forms.ModelForm):
    """The health fields kept on Enfant, edited from the fiche sanitaire page."""

    class Meta:
        model = Enfant
        fields = ["allergies", "pai", "notes_sante", "medecin_traitant"]
        labels = {
            "allergies": "Cause des allergies et conduite à tenir",
            "notes_sante": "Difficultés de santé",
        }
        help_texts = {
            "allergies": "Par exemple : arachide, éviction stricte, stylo d'adrénaline dans "
            "le sac.",
            "notes_sante": "Maladie, accident, opération, handicap… et les précautions à prendre.",
            "pai": "Cochez si un projet d'accueil individualisé a été signé ; remettez-en "
            "une copie au service.",
        }
        widgets = {
            "allergies": forms.Textarea(attrs={"rows": 2}),
            "notes_sante": forms.Textarea(attrs={"rows": 2}),
        }


class FicheSanitaireForm(JetonMixin, forms.ModelForm):
    """Sent once whatever the clicks: a double submit adds no vaccination twice."""

    medecin_telephone = TelephoneField(label="Téléphone du médecin traitant", required=False)
    urgence_telephone = TelephoneField(label="Téléphone en cas d'urgence", required=False)
    certifie = forms.BooleanField(
        label="Je certifie exactes les informations de cette fiche et je m'engage à "
        "signaler au service tout changement.",
        required=False,
    )

    class Meta:
        model = FicheSanitaire
        fields = [
            "contre_indication_vaccinale",
            "allergie_alimentaire",
            "allergie_medicamenteuse",
            "allergie_autre",
            "traitement",
            "recommandations",
            "medecin_telephone",
            "urgence_nom",
            "urgence_lien",
            "urgence_telephone",
        ]
        widgets = {
            "traitement": forms.Textarea(attrs={"rows": 2}),
            "recommandations": forms.Textarea(attrs={"rows": 2}),
        }

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("certifie"):
            self.add_error(
                "certifie",
                "Cochez cette case : la fiche n'est enregistrée qu'une fois certifiée.",
            )
        return cleaned


class VaccinationForm(forms.ModelForm):
    """An optional row: empty is fine, but a row begun needs its vaccine and date."""

    class Meta:
        model = Vaccination
        fields = ["vaccin", "precision", "date"]
        widgets = {"date": DateInput()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["vaccin"].required = False
        self.fields["date"].required = False
        self.fields["precision"].help_text = "Pour « Autre vaccin » : lequel."

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("DELETE"):
            return cleaned
        for name in ("vaccin", "date"):
            if not cleaned.get(name) and name not in self.errors:
                self.add_error(name, "Ce champ est obligatoire pour une vaccination.")
        date = cleaned.get("date")
        if date and date > timezone.localdate():
            self.add_error("date", "La date de vaccination ne peut pas être dans le futur.")
        if (
            cleaned.get("vaccin") == Vaccination.Vaccin.AUTRE
            and not cleaned.get("precision")
            and "precision" not in self.errors
        ):
            self.add_error("precision", "Précisez le vaccin.")
        return cleaned


VaccinationsFormSet = forms.inlineformset_factory(
    Enfant,
    Vaccination,
    form=VaccinationForm,
    extra=2,
    max_num=20,
    validate_max=True,
    can_delete=True,
)


class AutorisationsForm(forms.Form):
    """One yes/no question per type the town offers, and the hour where it asks one."""

    CHOIX = [("oui", "Oui"), ("non", "Non")]

    def __init__(self, *args, types, en_vigueur, **kwargs):
        super().__init__(*args, **kwargs)
        self.types = list(types)
        self.lignes = []
        for t in self.types:
            actuelle = en_vigueur.get(t.pk)
            nom = f"type_{t.pk}"
            self.fields[nom] = forms.ChoiceField(
                label=t.nom,
                choices=self.CHOIX,
                widget=forms.RadioSelect,
                required=False,
                help_text=t.description,
                initial=None if actuelle is None else ("oui" if actuelle.accordee else "non"),
            )
            ligne = {"type": t, "actuelle": actuelle, "champ": self[nom], "heure": None}
            if t.avec_heure:
                self.fields[f"heure_{t.pk}"] = forms.TimeField(
                    label=f"{t.nom} : à partir de",
                    required=False,
                    widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
                    initial=actuelle.heure if actuelle else None,
                )
                ligne["heure"] = self[f"heure_{t.pk}"]
            self.lignes.append(ligne)

    def clean(self):
        cleaned = super().clean()
        for t in self.types:
            reponse = cleaned.get(f"type_{t.pk}")
            heure = cleaned.get(f"heure_{t.pk}")
            manque = t.avec_heure and reponse == "oui" and heure is None
            if manque and f"heure_{t.pk}" not in self.errors:
                self.add_error(f"heure_{t.pk}", "Indiquez à partir de quelle heure.")
        return cleaned

    def reponses(self) -> dict:
        """{type id: (accordée, heure)} for the questions answered."""
        reponses = {}
        for t in self.types:
            reponse = self.cleaned_data.get(f"type_{t.pk}")
            if reponse:
                accordee = reponse == "oui"
                heure = self.cleaned_data.get(f"heure_{t.pk}") if accordee else None
                reponses[t.pk] = (accordee, heure)
        return reponses


# --- garde alternée: inviting the other parent (familles/second_foyer.py) ---------------


class InviterAutreParentForm(JetonMixin, forms.Form):
    """The other parent's e-mail and the share proposed for this household (the other
    household gets the other weeks or the other days)."""

    email = forms.EmailField(
        label="Adresse e-mail de l'autre parent",
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
        help_text="Il recevra un lien, valable 14 jours, pour créer son compte (ou se "
        "connecter) et demander le rattachement à son foyer.",
    )
    garde = forms.ChoiceField(
        label="Partage de la garde proposé",
        choices=Rattachement.Garde.choices,
        initial=Rattachement.Garde.LIBRE,
        widget=forms.RadioSelect,
    )
    semaines = forms.ChoiceField(
        label="Semaines de votre foyer (une semaine sur deux)",
        choices=Rattachement.Semaines.choices,
        required=False,
        widget=forms.RadioSelect,
        help_text="Numéros de semaine des calendriers français : l'autre foyer a les autres.",
    )
    jours = forms.TypedMultipleChoiceField(
        label="Jours de votre foyer (certains jours de la semaine)",
        choices=[(i, nom.capitalize()) for i, nom in enumerate(JOURS_SEMAINE)],
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="L'autre foyer a les jours que vous ne cochez pas.",
    )

    def clean(self):
        cleaned = super().clean()
        garde = cleaned.get("garde")
        if garde:
            try:
                cleaned["partage"] = second_foyer.partage(
                    garde, cleaned.get("semaines"), cleaned.get("jours")
                )
            except services.FamilleError as exc:
                champ = {"semaines": "semaines", "jours": "jours"}.get(garde)
                self.add_error(champ, exc.message)
        return cleaned


class InvitationSignupForm(SignupForm):
    """The sign-up form on the invitation's page: the e-mail is the invited one (the
    link reached it, so it needs no other verification)."""

    def __init__(self, *args, email: str, **kwargs):
        kwargs.setdefault("initial", {})["email"] = email
        super().__init__(*args, **kwargs)
        self.fields["email"].disabled = True
        self.fields["email"].help_text = "L'adresse qui a reçu l'invitation."
