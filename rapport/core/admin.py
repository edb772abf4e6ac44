from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import AuditLog, Department, Organisation, User


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "legal_name", "tax_id", "currency")
    search_fields = ("name", "legal_name", "tax_id")


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ("name", "parent", "organisation")
    list_select_related = ("parent", "organisation")


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("username", "first_name", "last_name", "role", "department", "is_active")
    list_filter = ("role", "department", "is_active")
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (
            _("Rapport"),
            {
                "fields": (
                    "role",
                    "department",
                    "read_scope",
                    "sees_confidential",
                    "language",
                    "time_zone",
                    "phone",
                    "position",
                )
            },
        ),
    )


@admin.register(AuditLog)
class AuditLogAdmin(admin.ModelAdmin):
    list_display = ("at", "event", "username", "ip_address")
    list_filter = ("event",)
    readonly_fields = [f.name for f in AuditLog._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
