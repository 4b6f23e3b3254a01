from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Layout
from django import forms

from comptes.forms import JetonMixin
from comptes.mots import de
from familles.forms import DateInput
from inscriptions.models import Activite, Inscription


class InscriptionForm(JetonMixin, forms.Form):
    date_debut = forms.DateField(label="À partir du", widget=DateInput())
    date_fin = forms.DateField(label="Jusqu'au", widget=DateInput())
    commentaire = forms.CharField(
        label="Commentaire (facultatif)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Une précision utile au service : jours prévus, situation particulière…",
    )

    def __init__(self, *args, activite: Activite, **kwargs):
        super().__init__(*args, **kwargs)
        periode = activite.periode
        for name in ("date_debut", "date_fin"):
            self.fields[name].widget.attrs.update(
                min=periode.debut.isoformat(), max=periode.fin.isoformat()
            )
        self.helper = FormHelper()
        self.helper.form_tag = False
        # Made after JetonMixin ran: the hidden one-time token must be rendered all the same.
        self.helper.render_hidden_fields = True
        self.helper.layout = Layout(
            Div(
                Div("date_debut", css_class="col-sm-6"),
                Div("date_fin", css_class="col-sm-6"),
                css_class="row",
            ),
            "commentaire",
        )


class VerificationForm(forms.Form):
    code = forms.CharField(
        label="Code de vérification",
        max_length=30,
        help_text="Il figure en bas de l'attestation, par exemple ABCD-EFGH-JKLM.",
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )


class MotifForm(forms.Form):
    motif = forms.CharField(
        label="Motif du refus (envoyé à la famille)",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        error_messages={"required": "Indiquez le motif du refus : il sera envoyé à la famille."},
    )


STATUTS_A_DECIDER = [Inscription.Statut.EN_ATTENTE, Inscription.Statut.PREINSCRIPTION]


class ReinscriptionForm(JetonMixin, forms.Form):
    """Next season's activities (this year's pre-ticked) and the fiche's confirmation."""

    activites = forms.MultipleChoiceField(
        label="Activités pour la saison suivante",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choisissez au moins une activité."},
    )
    fiche_a_jour = forms.BooleanField(
        label="Je confirme que la fiche sanitaire de l'enfant est à jour",
        error_messages={"required": "Confirmez que la fiche sanitaire est à jour."},
    )

    def __init__(self, *args, choix, enfant, **kwargs):
        kwargs.setdefault(
            "initial", {"activites": [str(c.activite.pk) for c in choix if c.preselectionnee]}
        )
        super().__init__(*args, **kwargs)
        self.fields["activites"].choices = [
            (
                str(c.activite.pk),
                f"{c.activite.nom} — {c.activite.site.nom}"
                + (" (suite de l'inscription de cette année)" if c.actuelle else ""),
            )
            for c in choix
        ]
        self.fields[
            "fiche_a_jour"
        ].label = f"Je confirme que la fiche sanitaire {de(enfant.prenom)} est à jour"
