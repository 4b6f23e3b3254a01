"""Staff roles: five groups (created by portail's migration 0004) whose permissions are
recomputed from the rules below after every `migrate`, so a new model's permissions
follow its role without a hand-written migration."""

from django.contrib.auth.models import Group, Permission

GESTIONNAIRE = "Gestionnaire"
AGENT_ACCUEIL = "Agent d'accueil"
REGISSEUR = "Régisseur"
DIRECTION_SITE = "Direction de site"
ADMINISTRATEUR = "Administrateur"

APPS_GESTION = ["comptes", "familles", "inscriptions", "reservations", "portail"]
TOUT = "*"
LIRE = {"view"}
TRAITER = {"view", "change"}
SAISIR = {"view", "add", "change"}

# (app, model, actions): "*" as model means every model of the app (new ones included),
# "*" as actions every permission of the model, custom ones too.
Regle = tuple[str, str, set[str] | str]
ROLES: dict[str, list[Regle]] = {
    GESTIONNAIRE: [(app, TOUT, TOUT) for app in APPS_GESTION],
    AGENT_ACCUEIL: [
        ("familles", TOUT, SAISIR),
        ("portail", "demande", TRAITER),
        ("inscriptions", "inscription", TRAITER),
        ("inscriptions", "attestation", LIRE),
        ("inscriptions", "activite", LIRE),
        ("inscriptions", "periode", LIRE),
        ("inscriptions", "site", {"view", "voir_tous_les_sites"}),
        ("reservations", "reservation", TRAITER),
        ("reservations", "semainetype", LIRE),
        ("reservations", "absence", LIRE),  # the certificates it checks in the queue
        ("reservations", "lotlistesdujour", {"view", "add"}),  # day-list PDFs in batches
        # Mes messages: read and answer the families, write to an activity, site or day.
        ("portail", "discussion", TRAITER),
        ("portail", "message", SAISIR),
        ("portail", "piecejointe", LIRE),
        ("portail", "diffusion", {"view", "add"}),
        ("portail", "actualite", SAISIR),
    ],
    REGISSEUR: [
        ("comptes", "facture", SAISIR),
        ("comptes", "lignefacture", LIRE),
        ("comptes", "tachefacturation", LIRE),  # follows the invoicing runs it starts
        ("comptes", "paiement", SAISIR),
        ("comptes", "transactionenligne", LIRE),
        ("comptes", "quotientfamilial", {"view", "add"}),
        ("comptes", "revenu", LIRE),
        ("comptes", "tarif", LIRE),
        ("comptes", "tranchetarif", LIRE),
        ("familles", "famille", LIRE),  # to pick the household of a payment
        ("comptes", "etaperelance", TOUT),
        ("comptes", "relancefacture", LIRE),
        ("comptes", "mandatsepa", LIRE),  # sees IBANs, downloads direct-debit files
        ("comptes", "remiseprelevement", {"view", "add"}),
        ("comptes", "ligneprelevement", TRAITER),  # records rejects
    ],
    # Read-only; which children and days it sees is limited by the sites it directs
    # (it lacks "voir_tous_les_sites").
    DIRECTION_SITE: [
        ("familles", "enfant", LIRE),
        ("familles", "personneautorisee", LIRE),
        ("familles", "fichesanitaire", LIRE),
        ("familles", "vaccination", LIRE),
        ("familles", "autorisation", LIRE),
        ("familles", "typeautorisation", LIRE),
        ("familles", "regimealimentaire", LIRE),
        ("inscriptions", "site", LIRE),
        ("inscriptions", "activite", LIRE),
        ("inscriptions", "inscription", LIRE),
        ("reservations", "reservation", LIRE),
        ("reservations", "lotlistesdujour", {"view", "add"}),  # its sites' day-list PDFs
    ],
    # Users, and the settings: the town's details, seasons, sites, activities, calendars.
    ADMINISTRATEUR: [
        ("comptes", "user", TOUT),
        ("comptes", "courriel", TRAITER),
        ("comptes", "poulsworker", LIRE),
        ("auth", "group", LIRE),
        ("portail", "informationscommune", TOUT),
        ("inscriptions", "periode", TOUT),
        ("inscriptions", "site", TOUT),
        ("inscriptions", "activite", TOUT),
        ("reservations", "parametresreservation", TOUT),
        ("reservations", "vacances", TOUT),
        ("reservations", "fermeture", TOUT),
        ("reservations", "journee", TOUT),
        ("reservations", "tirage", TOUT),
        ("familles", "typeautorisation", TOUT),
        ("familles", "regimealimentaire", TOUT),
    ],
}
# Accounts' rights stay out of the service's role: it must not grant itself more.
# IBANs are for the finance role (Régisseur) only.
EXCLUES = {GESTIONNAIRE: {("comptes", "user"), ("comptes", "mandatsepa")}}


def _action(permission: Permission) -> str:
    """The action of "change_facture" is "change"; a custom permission is its own."""
    action, _, modele = permission.codename.partition("_")
    return action if modele == permission.content_type.model else permission.codename


def _permet(regles: list[Regle], exclues: set, permission: Permission) -> bool:
    app, modele = permission.content_type.app_label, permission.content_type.model
    if (app, modele) in exclues:
        return False
    return any(
        a == app and m in (TOUT, modele) and (actions == TOUT or _action(permission) in actions)
        for a, m, actions in regles
    )


def assurer_groupes() -> dict[str, Group]:
    permissions = list(Permission.objects.select_related("content_type"))
    groupes = {}
    for nom, regles in ROLES.items():
        # get_or_create: a test database flush empties the table and replays post_migrate.
        groupe, _ = Group.objects.get_or_create(name=nom)
        exclues = EXCLUES.get(nom, set())
        groupe.permissions.set([p for p in permissions if _permet(regles, exclues, p)])
        groupes[nom] = groupe
    return groupes


def groupe(nom: str) -> Group:
    """The role's group, its permissions up to date."""
    return assurer_groupes()[nom]


def apres_migration(sender, **kwargs) -> None:
    assurer_groupes()
