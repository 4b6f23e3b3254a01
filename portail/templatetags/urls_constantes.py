"""`{% url 'nom' %}` without arguments, reversed once per process (a template builtin, see
TEMPLATES in portail/settings.py): the menu and footer links of every page were ~20
reversals per page, the same each time. With arguments, or a name from a variable, the tag
is Django's own."""

from django.conf import settings
from django.template import Library, defaulttags
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.html import conditional_escape
from django.utils.translation import get_language

register = Library()

_URLS: dict[tuple, str] = {}


class URLConstanteNode(defaulttags.URLNode):
    def render(self, context):
        nom = self.view_name
        if self.args or self.kwargs or nom.is_var or nom.filters:
            return super().render(context)
        requete = getattr(context, "request", None)
        current_app = getattr(requete, "current_app", None)
        if current_app is None:
            current_app = getattr(getattr(requete, "resolver_match", None), "namespace", None)
        # Everything reverse() depends on besides the name: a test's other URLconf, a
        # server mounted under a prefix, the language (translated paths).
        cle = (
            nom.var,
            current_app,
            get_script_prefix(),
            get_urlconf(),
            settings.ROOT_URLCONF,
            get_language(),
        )
        url = _URLS.get(cle)
        if url is None:
            try:
                url = _URLS[cle] = reverse(nom.var, current_app=current_app)
            except NoReverseMatch:
                return super().render(context)  # (raises, or "" with `as`, as Django does)
        if self.asvar:
            context[self.asvar] = url
            return ""
        return conditional_escape(url) if context.autoescape else url


@register.tag
def url(parser, token):
    node = defaulttags.url(parser, token)
    node.__class__ = URLConstanteNode
    return node
