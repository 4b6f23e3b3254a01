from django.urls import path

from comptes import views

urlpatterns = [
    path("compte/", views.mon_compte, name="mon_compte"),
    path("compte/revenus/", views.declarer_revenus, name="declarer_revenus"),
    path("compte/prelevement/", views.prelevement, name="prelevement"),
    path(
        "compte/prelevement/revoquer/",
        views.revoquer_prelevement,
        name="revoquer_prelevement",
    ),
    path(
        "compte/revenus/<int:pk>/justificatif/",
        views.justificatif_revenus,
        name="justificatif_revenus",
    ),
    path("compte/factures/<int:pk>/pdf/", views.facture_pdf, name="facture_pdf"),
    path("compte/factures/<int:pk>/payer/", views.payer_en_ligne, name="payer_en_ligne"),
    path("compte/paiement/retour/", views.retour_paiement, name="retour_paiement"),
    path(
        "compte/paiement/notification/", views.notification_paiement, name="notification_paiement"
    ),
    path("compte/paiement/banque-de-test/", views.banque_de_test, name="banque_de_test"),
    path(
        "compte/attestation-fiscale/<int:annee>/",
        views.attestation_fiscale,
        name="attestation_fiscale",
    ),
]
