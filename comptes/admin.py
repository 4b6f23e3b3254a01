from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm

from comptes import services
from comptes.models import Courriel, User
from comptes.outbox import send_queued


class _EmailUniqueMixin:
    def clean_email(self):
        sauf = self.instance if self.instance.pk else None
        try:
            return services.verifier_email_libre(self.cleaned_data["email"], sauf=sauf)
        except services.CompteError as exc:
            raise forms.ValidationError(exc.message) from None


class UserCreationForm(_EmailUniqueMixin, AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email",)


class UserEditForm(_EmailUniqueMixin, UserChangeForm):
    class Meta:
        model = User
        fields = ("email",)


@admin.action(description="Envoyer une invitation (lien pour choisir un mot de passe)")
def envoyer_invitation(modeladmin, request, queryset):
    envoyees = 0
    for user in queryset:
        try:
            services.envoyer_invitation(user)
        except services.CompteError as exc:
            modeladmin.message_user(request, exc.message, messages.WARNING)
        else:
            envoyees += 1
    if envoyees:
        modeladmin.message_user(request, f"{envoyees} invitation(s) envoyée(s).", messages.SUCCESS)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    add_form = UserCreationForm
    form = UserEditForm
    ordering = ["email"]
    list_display = ["email", "is_staff", "is_active", "date_joined", "last_login"]
    list_filter = ["is_staff", "is_active"]
    search_fields = ["email"]
    actions = [envoyer_invitation]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (
            "Droits",
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "usable_password", "password1", "password2"),
            },
        ),
    )

    DROITS = ("is_staff", "is_superuser", "groups", "user_permissions")

    def get_readonly_fields(self, request, obj=None):
        # Only a superuser grants rights; a gestionnaire cannot promote anyone.
        if request.user.is_superuser:
            return super().get_readonly_fields(request, obj)
        return [*super().get_readonly_fields(request, obj), *self.DROITS]

    def save_model(self, request, obj, form, change):
        if change and "email" in form.changed_data:
            nouvel_email = obj.email
            obj.email = User.objects.values_list("email", flat=True).get(pk=obj.pk)
            super().save_model(request, obj, form, change)
            services.changer_email(obj, nouvel_email)
        else:
            super().save_model(request, obj, form, change)
            if not change:
                from allauth.account.models import EmailAddress

                EmailAddress.objects.get_or_create(
                    user=obj, email=obj.email, defaults={"verified": True, "primary": True}
                )


@admin.action(description="Renvoyer maintenant")
def renvoyer(modeladmin, request, queryset):
    ok = sum(1 for pk in queryset.values_list("pk", flat=True) if send_queued(pk))
    modeladmin.message_user(request, f"{ok} courriel(s) envoyé(s).")


@admin.register(Courriel)
class CourrielAdmin(admin.ModelAdmin):
    list_display = ["cree_le", "destinataire", "sujet", "statut", "tentatives"]
    list_filter = ["statut"]
    search_fields = ["destinataire", "sujet"]
    readonly_fields = [f.name for f in Courriel._meta.fields]
    actions = [renvoyer]

    def has_add_permission(self, request):
        return False
