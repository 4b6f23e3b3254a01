from django import forms
from django.utils import timezone

from comptes.services import finances, jetons


class JetonField(forms.CharField):
    """The hidden one-time token of a create form (see comptes.services.jetons)."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)  # checked in JetonMixin.clean, as a form error
        kwargs.setdefault("max_length", 64)
        super().__init__(**kwargs)


class JetonMixin:
    """Gives a create form its `jeton`: fresh on each display, sent back as is (also when
    the form comes back with errors: nothing was created, the same token stays valid)."""

    # Collected by the forms metaclass like a declared field (so the admin sees it too).
    declared_fields = {"jeton": JetonField(initial=jetons.nouveau_jeton)}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        helper = getattr(self, "helper", None)
        if helper is not None:
            helper.render_hidden_fields = True  # a crispy layout lists visible fields only

    def clean(self):
        cleaned = super().clean()
        try:
            jetons.verifier_format(cleaned.get("jeton"))
        except jetons.JetonInvalide as exc:
            # A page older than the token (or a hand-made request): say so at the top,
            # and send the form back with a valid token.
            self.add_error(None, exc.message)
            self.data = self.data.copy()
            self.data[self.add_prefix("jeton")] = jetons.nouveau_jeton()
        return cleaned


class RevenusForm(JetonMixin, forms.Form):
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

    def clean_justificatif(self):
        # The service's own check, here too so that its message shows next to the field
        # even when another field is wrong.
        fichier = self.cleaned_data["justificatif"]
        try:
            finances.verifier_justificatif(fichier)
        except finances.FinanceError as exc:
            raise forms.ValidationError(exc.message) from None
        return fichier


class MandatForm(JetonMixin, forms.Form):
    titulaire = forms.CharField(
        label="Titulaire du compte",
        max_length=70,
        error_messages={"required": "Indiquez le titulaire du compte."},
    )
    iban = forms.CharField(
        label="IBAN",
        max_length=50,
        help_text="Sur votre relevé d'identité bancaire (RIB), il commence par FR76 en France.",
        error_messages={"required": "Indiquez l'IBAN du compte à prélever."},
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    bic = forms.CharField(
        label="BIC (facultatif)",
        max_length=11,
        required=False,
        help_text="Retrouvé à partir de l'IBAN quand c'est possible.",
    )
    accord = forms.BooleanField(
        label="J'autorise le prélèvement de mes factures sur ce compte",
        help_text="En signant ce mandat, vous autorisez la commune à envoyer des instructions "
        "à votre banque pour débiter votre compte du montant de vos factures, et votre banque "
        "à débiter votre compte conformément à ces instructions.",
        error_messages={"required": "Cochez l'autorisation pour signer le mandat."},
    )
