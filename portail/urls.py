from django.contrib import admin
from django.urls import include, path

from portail import views

admin.site.site_header = "Portail Famille — administration"
admin.site.site_title = "Portail Famille"
admin.site.index_title = "Gestion des services à l'enfance"

urlpatterns = [
    path("", views.accueil, name="accueil"),
    path("tableau-de-bord/", views.tableau_de_bord, name="tableau_de_bord"),
    path("compte/mes-donnees/", views.mes_donnees, name="mes_donnees"),
    path("compte/mes-donnees/export.json", views.mes_donnees_json, name="mes_donnees_json"),
    path("compte/mes-donnees/export.pdf", views.mes_donnees_pdf, name="mes_donnees_pdf"),
    path("compte/mes-donnees/cloture/", views.demander_cloture, name="demander_cloture"),
    path("", include("familles.urls")),
    path("", include("inscriptions.urls")),
    path("", include("reservations.urls")),
    path("", include("comptes.urls")),
    # Before allauth's URLs: its e-mail management page is replaced (staff only).
    path("comptes/email/", views.email_gere_par_le_service),
    path("comptes/", include("allauth.urls")),
    path("gestion/", admin.site.urls),
]
