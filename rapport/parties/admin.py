"""Reference lists of the client base, edited by administrators."""

from django.contrib import admin

from .models import RelationshipStatus, RelationType, Source, Tag


@admin.register(RelationshipStatus)
class RelationshipStatusAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "color", "position", "is_active")
    list_editable = ("position", "is_active")


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    search_fields = ("name",)


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    search_fields = ("name",)


@admin.register(RelationType)
class RelationTypeAdmin(admin.ModelAdmin):
    list_display = ("name", "reverse_name")
