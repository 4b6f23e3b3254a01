from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Layout
from django import forms

from familles.forms import DateInput
from reservations.models import Jour, SemaineType


class SemaineTypeForm(forms.Form):
    jours = forms.TypedMultipleChoiceField(
        label="Jours de la semaine",
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        choices=Jour.choices[:5],
        error_messages={"required": "Cochez au moins un jour de la semaine."},
    )
    frequence = forms.ChoiceField(
        label="Fréquence",
        choices=SemaineType.Frequence.choices,
        widget=forms.RadioSelect,
        initial=SemaineType.Frequence.TOUTES,
        help_text="Une semaine sur deux : pour les familles en garde alternée.",
    )
    debut = forms.DateField(label="Du", widget=DateInput())
    fin = forms.DateField(label="Au", widget=DateInput())

    def __init__(self, *args, jours_ouverture=None, **kwargs):
        super().__init__(*args, **kwargs)
        if jours_ouverture:
            self.fields["jours"].choices = [c for c in Jour.choices if c[0] in jours_ouverture]
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            "jours",
            "frequence",
            Div(
                Div("debut", css_class="col-sm-6"),
                Div("fin", css_class="col-sm-6"),
                css_class="row",
            ),
        )

    def clean(self):
        cleaned = super().clean()
        debut, fin = cleaned.get("debut"), cleaned.get("fin")
        if debut and fin and fin < debut:
            self.add_error("fin", "La date de fin doit suivre la date de début.")
        return cleaned
