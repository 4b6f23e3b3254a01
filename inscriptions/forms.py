from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Layout
from django import forms

from comptes.forms import JetonMixin
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
