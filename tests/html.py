"""Small HTML checks shared by view tests (accessibility basics)."""

from html.parser import HTMLParser


class _Collecteur(HTMLParser):
    def __init__(self):
        super().__init__()
        self.labels_for: set[str] = set()
        self.champs: list[tuple[str, dict]] = []
        self.balises: list[tuple[str, dict]] = []
        self._label_text: dict[str, str] = {}
        self._label_courant: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.balises.append((tag, attrs))
        if tag == "label" and attrs.get("for"):
            self.labels_for.add(attrs["for"])
            self._label_courant = attrs["for"]
            self._label_text[attrs["for"]] = ""
        if tag in ("input", "select", "textarea") and attrs.get("type") != "hidden":
            self.champs.append((tag, attrs))

    def handle_endtag(self, tag):
        if tag == "label":
            self._label_courant = None

    def handle_data(self, data):
        if self._label_courant:
            self._label_text[self._label_courant] += data


def analyser(html: str) -> _Collecteur:
    collecteur = _Collecteur()
    collecteur.feed(html)
    return collecteur


def champs_sans_label(html: str) -> list[str]:
    """Names of visible form fields with no <label for> carrying text (nor aria-label)."""
    page = analyser(html)
    manquants = []
    for _, attrs in page.champs:
        if attrs.get("type") in ("submit", "button") or attrs.get("aria-label"):
            continue
        texte = page._label_text.get(attrs.get("id", ""), "").strip()
        if not texte:
            manquants.append(attrs.get("name") or attrs.get("id") or "?")
    return manquants
