from django.urls import path

from inscriptions import views

urlpatterns = [
    path("inscriptions/", views.mes_inscriptions, name="mes_inscriptions"),
    path(
        "inscriptions/enfant/<int:enfant_pk>/nouvelle/",
        views.choisir_activite,
        name="choisir_activite",
    ),
    path(
        "inscriptions/enfant/<int:enfant_pk>/nouvelle/<int:activite_pk>/",
        views.inscrire,
        name="inscrire",
    ),
    path(
        "inscriptions/enfant/<int:enfant_pk>/reinscription/",
        views.reinscrire,
        name="reinscrire",
    ),
    path("inscriptions/<int:pk>/", views.inscription_detail, name="inscription_detail"),
    path(
        "inscriptions/<int:pk>/attestation/",
        views.demander_attestation,
        name="demander_attestation",
    ),
    path("inscriptions/<int:pk>/retirer/", views.retirer_demande, name="retirer_demande"),
    path("attestations/<int:pk>/pdf/", views.attestation_pdf, name="attestation_pdf"),
    path("verifier/", views.verifier, name="verifier"),
]
