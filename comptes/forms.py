from django import forms
from django.utils import timezone


class RevenusForm(forms.Form):
    annee = forms.TypedChoiceField(label="Année des revenus", coerce=int)
    montant_annuel = forms.CharField(
        label="Revenus annuels du foyer (€)",
        max_length=20,
        help_text="Le « revenu fiscal de référence » de votre avis d'imposition, par exemple "
        "32 500.",
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    justificatif = forms.FileField(
        label="Justificatif (PDF, JPEG ou PNG, 5 Mo au plus)",
        help_text="Avis d'imposition ou attestation de quotient CAF.",
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        annee = timezone.localdate().year
        self.fields["annee"].choices = [(a, str(a)) for a in range(annee - 1, annee - 4, -1)]
