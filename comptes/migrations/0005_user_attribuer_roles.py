from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("comptes", "0004_paiement_date_locale"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="user",
            options={
                "ordering": ["email"],
                "permissions": [
                    ("attribuer_roles", "Peut donner un rôle aux agents (pas superutilisateur)")
                ],
                "verbose_name": "utilisateur",
                "verbose_name_plural": "utilisateurs",
            },
        ),
    ]
