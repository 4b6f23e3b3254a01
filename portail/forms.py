from django import forms

from comptes.forms import JetonMixin


class ClotureForm(forms.Form):
    motif = forms.CharField(
        label="Motif (facultatif)",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    confirmation = forms.BooleanField(
        label="Je demande la clôture du compte de mon foyer et l'effacement de nos données.",
        error_messages={
            "required": "Cochez cette case pour confirmer la demande de clôture du compte."
        },
    )


class PlusieursFichiers(forms.ClearableFileInput):
    allow_multiple_selected = True


class PiecesJointesField(forms.FileField):
    """Several files in one field (Django's documented recipe); checked by the service."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", PlusieursFichiers(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(PiecesJointesField, self).clean(d, initial) for d in data if d]
        return [super().clean(data, initial)] if data else []


def _verifier_pieces(fichiers):
    from portail import messagerie

    try:
        messagerie.verifier_pieces(fichiers)
    except messagerie.MessagerieError as exc:
        raise forms.ValidationError(exc.message) from None
    return fichiers


class ReponseForm(JetonMixin, forms.Form):
    texte = forms.CharField(
        label="Votre réponse",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": "Écrivez votre message."},
    )
    pieces_jointes = PiecesJointesField(
        label="Pièces jointes (facultatif : 3 fichiers PDF, JPEG ou PNG, 5 Mo chacun au plus)"
    )

    def clean_pieces_jointes(self):
        return _verifier_pieces(self.cleaned_data["pieces_jointes"])


class NouveauMessageForm(JetonMixin, forms.Form):
    objet = forms.CharField(
        label="Objet",
        max_length=150,
        error_messages={"required": "Indiquez l'objet de votre message."},
    )
    categorie = forms.ChoiceField(
        label="Sujet",
        choices=[("", "— Choisissez —")],
        error_messages={"required": "Choisissez le sujet de votre message."},
    )
    texte = forms.CharField(
        label="Votre message",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="Précisez le prénom de l'enfant concerné.",
        error_messages={"required": "Écrivez votre message."},
    )
    pieces_jointes = PiecesJointesField(
        label="Pièces jointes (facultatif : 3 fichiers PDF, JPEG ou PNG, 5 Mo chacun au plus)"
    )

    def __init__(self, *args, **kwargs):
        from portail.models import Discussion

        super().__init__(*args, **kwargs)
        self.fields["categorie"].choices = [("", "— Choisissez —")] + [
            c for c in Discussion.Categorie.choices if c[0] != Discussion.Categorie.INFORMATION
        ]

    def clean_pieces_jointes(self):
        return _verifier_pieces(self.cleaned_data["pieces_jointes"])
