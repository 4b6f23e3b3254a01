from django.urls import path

from reservations import views

urlpatterns = [
    path("reservations/<int:pk>/", views.calendrier_redirect, name="calendrier_courant"),
    path("reservations/<int:pk>/<int:annee>/<int:mois>/", views.calendrier, name="calendrier"),
    path("reservations/<int:pk>/semaine-type/", views.semaine_type, name="semaine_type"),
    path("reservations/<int:pk>/absence/", views.signaler_absence, name="signaler_absence"),
    path(
        "reservations/absences/<int:pk>/certificat/",
        views.joindre_certificat,
        name="joindre_certificat",
    ),
    path(
        "reservations/absences/<int:pk>/certificat/telecharger/",
        views.certificat_absence,
        name="certificat_absence",
    ),
    path(
        "reservations/planning/<int:annee>/<int:mois>/",
        views.planning_pdf,
        name="planning_pdf",
    ),
    path("reservations/agenda/", views.agenda, name="agenda"),
    path("reservations/agenda/modifier/", views.agenda_modifier, name="agenda_modifier"),
    path("agenda/<str:jeton>.ics", views.flux_ical, name="flux_ical"),
]
