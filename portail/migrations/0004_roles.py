"""The five staff roles (issue #8, 2.2). Their permissions are set after every `migrate`
by portail.roles (post_migrate), once every model's permissions exist."""

from django.db import migrations

ANCIEN = "Gestionnaires"
ROLES = ["Gestionnaire", "Agent d'accueil", "Régisseur", "Direction de site", "Administrateur"]


def creer_roles(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    ancien = Group.objects.filter(name=ANCIEN).first()
    if ancien is not None:
        nouveau = Group.objects.filter(name=ROLES[0]).first()
        if nouveau is None:
            # Renamed: members and permissions stay as they are.
            ancien.name = ROLES[0]
            ancien.save(update_fields=["name"])
        else:
            nouveau.user_set.add(*ancien.user_set.all())
            ancien.delete()
    for nom in ROLES:
        Group.objects.get_or_create(name=nom)


def revenir(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.filter(name__in=ROLES[1:]).delete()
    Group.objects.filter(name=ROLES[0]).update(name=ANCIEN)


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("portail", "0003_statut_annulee"),
    ]

    operations = [migrations.RunPython(creer_roles, revenir)]
