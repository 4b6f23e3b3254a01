from django.urls import path

from familles import documents_views, second_foyer_views, views

urlpatterns = [
    path("famille/", views.ma_famille, name="ma_famille"),
    path("famille/enfants/ajouter/", views.enfant_ajouter, name="enfant_ajouter"),
    path("famille/enfants/<int:pk>/modifier/", views.enfant_modifier, name="enfant_modifier"),
    path(
        "famille/enfants/<int:pk>/fiche-sanitaire/",
        views.fiche_sanitaire,
        name="fiche_sanitaire",
    ),
    path("famille/enfants/<int:pk>/autorisations/", views.autorisations, name="autorisations"),
    path(
        "famille/enfants/<int:pk>/inviter-autre-parent/",
        second_foyer_views.inviter_autre_parent,
        name="inviter_autre_parent",
    ),
    path(
        "famille/invitations/<int:pk>/annuler/",
        second_foyer_views.annuler_invitation,
        name="annuler_invitation_second_foyer",
    ),
    path(
        "famille/invitation/<str:jeton>/",
        second_foyer_views.invitation_second_foyer,
        name="invitation_second_foyer",
    ),
    path("coordonnees/", views.mes_coordonnees, name="mes_coordonnees"),
    path("documents/", documents_views.mes_documents, name="mes_documents"),
    path(
        "documents/deposer/<int:type_pk>/",
        documents_views.deposer_document,
        name="deposer_document",
    ),
    path(
        "documents/deposer/<int:type_pk>/enfant/<int:enfant_pk>/",
        documents_views.deposer_document,
        name="deposer_document_enfant",
    ),
    path("documents/<int:pk>/fichier/", documents_views.document_fichier, name="document_fichier"),
    path("documents/<int:pk>/retirer/", documents_views.retirer_document, name="retirer_document"),
]
