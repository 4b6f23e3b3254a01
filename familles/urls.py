from django.urls import path

from familles import views

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
    path("coordonnees/", views.mes_coordonnees, name="mes_coordonnees"),
]
