"""Processor time of the rush's requests, two code trees side by side (not part of the tests).

    .venv/bin/python bench/pages.py --prepare > var/prep.json   # the town, parents signed in
    git archive <commit> | tar -x -C var/avant                   # the "before" tree
    ln -s "$PWD/var/staticfiles" var/avant/var/staticfiles
    .venv/bin/python bench/ab_reservation.py var/prep.json 10 var/avant .

For each tree, one process kept open (Django test client, DEBUG off, DATABASE_URL as for
bench/pages.py); the processes run their batches in turn (A B A B…), so both see the same
load of the machine. A batch: AB_N (default 30) booking cycles over the prepared parents —
POST a free day of the month calendar (the booking), GET the page it redirects to (the
summary), POST its cancellation, GET — then AB_N « Mes inscriptions ». Prints, per tree,
the minimum, second and median over the batches of the CPU ms (`time.process_time`) per
request, and the SQL statements of one booking POST. The bookings are cancelled at the
end of each cycle: the town is left as it was (apart from cancelled rows and timeline).
"""

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

SECRET = "bench-pages-secret-key-not-for-production-0123456789abcdef"


def _travailleur(arbre: str, prep_json: str) -> None:
    sys.path.insert(0, arbre)
    os.chdir(arbre)
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "portail.settings",
            "DATABASE_URL": os.environ.get(
                "DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portail_bench"
            ),
            "DEBUG": "0",
            "SECRET_KEY": SECRET,
            "PORTAIL_URL": "https://portail.example.org",
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "0",
            "PORTAIL_BENCH": "1",
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        }
    )
    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    prep = json.loads(Path(prep_json).read_text().strip().splitlines()[-1])
    n = int(os.environ.get("AB_N", "30"))
    cibles = []
    for chemin, cookie in prep["pages"]["calendrier du mois"]:
        client = Client(HTTP_HOST="127.0.0.1", HTTP_X_FORWARDED_PROTO="https")
        client.cookies.load(cookie)
        html = client.get(chemin).content.decode()
        libres = re.findall(r'name="jours" value="([\d-]+)" id="j-[\d-]+">', html)
        if libres:
            cibles.append((client, chemin, libres[-1]))
    assert cibles, "aucun jour libre à réserver"

    def cycle(client, chemin, jour, temps):
        for nom, requete in (
            (
                "reservation (POST)",
                lambda: client.post(chemin, {"jours": [jour], "affiches": [jour]}),
            ),
            ("resume (GET)", lambda: client.get(chemin)),
            ("annulation (POST)", lambda: client.post(chemin, {"affiches": [jour]})),
            (None, lambda: client.get(chemin)),
        ):
            debut = time.process_time()
            reponse = requete()
            if nom:
                temps[nom] += time.process_time() - debut
            assert reponse.status_code in (200, 302), reponse.status_code

    for cible in cibles[:3]:  # warm-up
        cycle(*cible, {"reservation (POST)": 0, "resume (GET)": 0, "annulation (POST)": 0})
    client, chemin, jour = cibles[0]
    requetes = []

    def compter(execute, sql, params, many, context):
        requetes.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(compter):
        client.post(chemin, {"jours": [jour], "affiches": [jour]})
    client.post(chemin, {"affiches": [jour]})
    print(json.dumps({"parents": len(cibles), "requetes_post": len(requetes)}), flush=True)
    for _ligne in sys.stdin:
        temps = {"reservation (POST)": 0, "resume (GET)": 0, "annulation (POST)": 0}
        for i in range(n):
            cycle(*cibles[i % len(cibles)], temps)
        resultat = {nom: t * 1000 / n for nom, t in temps.items()}
        debut = time.process_time()
        for i in range(n):
            cibles[i % len(cibles)][0].get("/inscriptions/")
        resultat["Mes inscriptions"] = (time.process_time() - debut) * 1000 / n
        print(json.dumps(resultat), flush=True)


def main() -> None:
    prep, lots, arbres = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    prep = str(Path(prep).resolve())
    processus = []
    for arbre in arbres:  # one after the other: their warm-ups book the same days
        p = subprocess.Popen(  # noqa: S603 - this script, the trees given on its command line
            [sys.executable, __file__, "--travailleur", str(Path(arbre).resolve()), prep],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        print(arbre, p.stdout.readline().strip(), flush=True)
        processus.append(p)
    resultats = {a: [] for a in arbres}
    for _lot in range(lots):
        for arbre, p in zip(arbres, processus, strict=True):
            p.stdin.write("go\n")
            p.stdin.flush()
            resultats[arbre].append(json.loads(p.stdout.readline()))
    for p in processus:
        p.stdin.close()
        p.wait()
    for arbre in arbres:
        print(arbre)
        for nom in resultats[arbre][0]:
            v = sorted(r[nom] for r in resultats[arbre])
            print(
                f"  {nom:20s} min {v[0]:6.2f}  2e {v[min(1, len(v) - 1)]:6.2f}  "
                f"médiane {v[len(v) // 2]:6.2f} ms"
            )


if __name__ == "__main__":
    if sys.argv[1:2] == ["--travailleur"]:
        _travailleur(sys.argv[2], sys.argv[3])
    else:
        main()
