from django.contrib import admin
from django.urls import include, path

from portail import views

admin.site.site_header = "Portail Famille — administration"
admin.site.site_title = "Portail Famille"
admin.site.index_title = "Gestion des services à l'enfance"

urlpatterns = [
    path("", views.accueil, name="accueil"),
    path("tableau-de-bord/", views.tableau_de_bord, name="tableau_de_bord"),
    path("", include("familles.urls")),
    path("", include("inscriptions.urls")),
    path("", include("reservations.urls")),
    path("", include("comptes.urls")),
    # Before allauth's URLs: its e-mail management page is replaced (staff only).
    path("comptes/email/", views.email_gere_par_le_service),
    path("comptes/", include("allauth.urls")),
    path("gestion/", admin.site.urls),
]
