import datetime

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Layout
from django import forms

from comptes.forms import JetonMixin
from familles.forms import DateInput
from reservations import absences
from reservations.models import Absence, Jour, SemaineType


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
        help_text="Garde alternée : semaines paires ou impaires selon les numéros de semaine "
        "du calendrier, ou une semaine sur deux à partir de la date de début.",
    )
    debut = forms.DateField(label="Du", widget=DateInput())
    fin = forms.DateField(label="Au", widget=DateInput())

    def __init__(self, *args, jours_ouverture=None, semaines_de_garde="", **kwargs):
        super().__init__(*args, **kwargs)
        if jours_ouverture:
            self.fields["jours"].choices = [c for c in Jour.choices if c[0] in jours_ouverture]
        if semaines_de_garde:
            # garde alternée by weeks: the household's own parity, named as theirs, first.
            Frequence = SemaineType.Frequence
            mienne = (
                Frequence.SEMAINES_PAIRES
                if semaines_de_garde == "paires"
                else Frequence.SEMAINES_IMPAIRES
            )
            self.fields["frequence"].choices = [
                (mienne.value, f"Mes semaines de garde (semaines {semaines_de_garde})")
            ] + [c for c in Frequence.choices if c[0] != mienne]
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


class AbsenceForm(JetonMixin, forms.Form):
    """Signaler une absence: step 1 chooses the days and the reason, step 2 shows the
    rules for those days and takes the optional certificate."""

    jours = forms.TypedMultipleChoiceField(
        label="Jours d'absence",
        coerce=datetime.date.fromisoformat,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "Cochez au moins un jour d'absence.",
            "invalid_choice": "Le jour %(value)s n'est pas un jour réservé à venir : "
            "rien n'a été enregistré.",
        },
    )
    motif = forms.ChoiceField(
        label="Motif",
        choices=Absence.Motif.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choisissez le motif de l'absence."},
    )
    certificat = forms.FileField(
        label="Certificat médical (facultatif ; PDF, JPEG ou PNG, 5 Mo au plus)",
        required=False,
        help_text="Accepté par le service, il rend l'absence justifiée.",
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
    )

    def __init__(self, *args, jours=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["jours"].choices = [(j.isoformat(), libelle) for j, libelle in jours]

    def clean_certificat(self):
        fichier = self.cleaned_data.get("certificat")
        if fichier:
            try:
                absences.verifier_certificat(fichier)
            except absences.ReservationError as exc:
                raise forms.ValidationError(exc.message) from None
        return fichier


class CertificatForm(forms.Form):
    certificat = forms.FileField(
        label="Certificat médical (PDF, JPEG ou PNG, 5 Mo au plus)",
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
        error_messages={"required": "Joignez le certificat."},
    )

    def clean_certificat(self):
        fichier = self.cleaned_data["certificat"]
        try:
            absences.verifier_certificat(fichier)
        except absences.ReservationError as exc:
            raise forms.ValidationError(exc.message) from None
        return fichier
