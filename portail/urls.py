from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.contrib import admin
from django.http import HttpResponse
from django.urls import include, path

from comptes.connexion import ActiverApplicationView
from portail import pages_legales, sante, views, views_messages

admin.site.site_header = "Portail Famille — administration"
admin.site.site_title = "Portail Famille"
admin.site.index_title = "Gestion des services à l'enfance"
# The administration signs in through allauth: rate limits, then the second factor
# (mandatory for staff, comptes.middleware); a signed-in parent gets a 403.
admin.site.login = secure_admin_login(admin.site.login)

urlpatterns = [
    path("", views.accueil, name="accueil"),
    # For the load balancer: 503 while this server cannot reach the database.
    path("sante/", sante.sante, name="sante"),
    path("tableau-de-bord/", views.tableau_de_bord, name="tableau_de_bord"),
    path("mentions-legales/", pages_legales.mentions_legales, name="mentions_legales"),
    path("donnees-personnelles/", pages_legales.donnees_personnelles, name="donnees_personnelles"),
    path("accessibilite/", pages_legales.accessibilite, name="accessibilite"),
    path("contact/", pages_legales.contact, name="contact"),
    path("compte/mes-donnees/", views.mes_donnees, name="mes_donnees"),
    path("compte/mes-donnees/export.json", views.mes_donnees_json, name="mes_donnees_json"),
    path("compte/mes-donnees/export.pdf", views.mes_donnees_pdf, name="mes_donnees_pdf"),
    path("compte/mes-donnees/cloture/", views.demander_cloture, name="demander_cloture"),
    path("messages/", views_messages.mes_messages, name="mes_messages"),
    path("messages/ecrire/", views_messages.ecrire_message, name="ecrire_message"),
    path("messages/<int:pk>/", views_messages.discussion, name="discussion"),
    path("messages/pieces/<int:pk>/", views_messages.piece_jointe, name="piece_jointe"),
    path("", include("familles.urls")),
    path("", include("inscriptions.urls")),
    path("", include("reservations.urls")),
    path("", include("comptes.urls")),
    # Before allauth's URLs: its e-mail management page is replaced (staff only).
    path("comptes/email/", views.email_gere_par_le_service),
    # allauth's page, which also counts as the second factor of the session.
    path("comptes/2fa/totp/activate/", ActiverApplicationView.as_view()),
    path("comptes/", include("allauth.urls")),
    path("gestion/", admin.site.urls),
]

if settings.PORTAIL_BENCH:
    # bench/pages.py's yardstick: bare Django (middleware, URL resolving, a response), no
    # template, no query. Only when the bench sets PORTAIL_BENCH, never in production.
    urlpatterns.append(path("bench/ok/", lambda request: HttpResponse("ok")))

handler400 = "portail.views.erreur_400"
handler403 = "portail.views.erreur_403"
# allauth's rate limits answer with this one too (allauth.core.ratelimit.respond_429).
handler429 = "portail.views.erreur_429"
# The database unreachable is a French 503 page, any other error the 500 page.
handler500 = "portail.sante.erreur_500"
