"""The staff group, kept in step with the models after every `migrate`."""

from django.contrib.auth.models import Group, Permission

GESTIONNAIRES = "Gestionnaires"
APPS_GESTION = ["comptes", "familles", "inscriptions", "reservations", "portail"]
# Accounts' rights stay with superusers: a gestionnaire must not grant themselves more.
EXCLUES = {("comptes", "user")}


def assurer_groupe_gestionnaires() -> Group:
    groupe, _ = Group.objects.get_or_create(name=GESTIONNAIRES)
    permissions = Permission.objects.filter(
        content_type__app_label__in=APPS_GESTION
    ).select_related("content_type")
    groupe.permissions.set(
        [p for p in permissions if (p.content_type.app_label, p.content_type.model) not in EXCLUES]
    )
    return groupe


def apres_migration(sender, **kwargs) -> None:
    assurer_groupe_gestionnaires()
