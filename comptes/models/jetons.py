from django.conf import settings
from django.db import models
from django.utils import timezone


class JetonFormulaire(models.Model):
    """A create form already submitted: its one-time token, and what it created.

    Inserted in the same transaction as the creation, under a unique constraint: a
    second submit of the same form (double click, reload, two tabs) finds the row and
    creates nothing; a creation that fails rolls the row back and the form can be sent
    again.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    cle = models.CharField("clé", max_length=64)
    formulaire = models.CharField("formulaire", max_length=40)
    objet_id = models.PositiveBigIntegerField("objet créé", null=True, blank=True)
    cree_le = models.DateTimeField("envoyé le", default=timezone.now)

    class Meta:
        verbose_name = "jeton de formulaire"
        verbose_name_plural = "jetons de formulaire"
        constraints = [
            models.UniqueConstraint(fields=["user", "cle"], name="jeton_formulaire_unique")
        ]

    def __str__(self) -> str:
        return f"{self.formulaire} {self.cle}"
