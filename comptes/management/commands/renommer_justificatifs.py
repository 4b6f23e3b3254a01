import functools
import re
from pathlib import PurePosixPath

from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand
from django.db import transaction

from comptes import fichiers
from comptes.models import Revenu
from comptes.mots import nombre

# What comptes.fichiers.enregistrer names a file: token_urlsafe(16) + detected extension.
ALEATOIRE = re.compile(r"[A-Za-z0-9_-]{22}\.(pdf|jpg|png)")


class Command(BaseCommand):
    help = (
        "Renomme les justificatifs déposés avant les noms aléatoires (« avis.exe »…) : nom "
        "aléatoire et extension du type reconnu sur le contenu. Sans risque à relancer."
    )

    def handle(self, *args, **options):
        renommes, ignores = 0, []
        anciens = Revenu.objects.exclude(justificatif="").values_list("pk", "justificatif")
        for pk, nom in anciens.iterator():
            if ALEATOIRE.fullmatch(PurePosixPath(nom).name):
                continue
            if self._renommer(pk):
                renommes += 1
            else:
                ignores.append(pk)
        self.stdout.write(nombre(renommes, "justificatif renommé.", "justificatifs renommés."))
        if ignores:
            self.stdout.write(
                f"Laissés tels quels (fichier absent ou type non reconnu, servis en "
                f"application/octet-stream) : revenus n° {', '.join(map(str, ignores))}."
            )

    def _renommer(self, pk: int) -> bool:
        with transaction.atomic():
            revenu = Revenu.objects.select_for_update().get(pk=pk)
            ancien = revenu.justificatif.name
            try:
                with revenu.justificatif.open("rb") as fichier:
                    contenu = ContentFile(fichier.read())
            except FileNotFoundError:
                return False
            nature = fichiers.detecter(contenu)
            if nature is None:
                return False
            fichiers.enregistrer(revenu.justificatif, contenu, nature)
            revenu.save(update_fields=["justificatif"])
            # The old file goes only once the row points at the new one for good.
            transaction.on_commit(functools.partial(revenu.justificatif.storage.delete, ancien))
        return True
