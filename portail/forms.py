from django import forms


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
