from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    Competitor,
    Deal,
    DealLine,
    LostReason,
    Pipeline,
    SalesPlan,
    SalesPlanLine,
    Stage,
    StageAction,
    StageVisit,
)


class StageInline(admin.TabularInline):
    model = Stage
    extra = 0
    fields = ("position", "name", "probability", "required_fields", "color", "is_active")


@admin.register(Pipeline)
class PipelineAdmin(admin.ModelAdmin):
    list_display = ("name", "is_default", "is_active", "position")
    inlines = [StageInline]


class StageActionInline(admin.TabularInline):
    model = StageAction
    extra = 0


@admin.register(Stage)
class StageAdmin(admin.ModelAdmin):
    list_display = ("name", "pipeline", "position", "probability", "is_active")
    list_filter = ("pipeline",)
    inlines = [StageActionInline]


@admin.register(LostReason)
class LostReasonAdmin(admin.ModelAdmin):
    list_display = ("name", "is_active", "position")


@admin.register(Competitor)
class CompetitorAdmin(admin.ModelAdmin):
    list_display = ("name",)
    search_fields = ("name",)


class DealLineInline(admin.TabularInline):
    model = DealLine
    extra = 0
    raw_id_fields = ("product",)


@admin.register(Deal)
class DealAdmin(SimpleHistoryAdmin):
    list_display = ("title", "client", "pipeline", "stage", "status", "amount", "currency")
    list_filter = ("status", "pipeline")
    search_fields = ("title", "client__name")
    raw_id_fields = ("client", "contacts", "manager")
    inlines = [DealLineInline]


@admin.register(StageVisit)
class StageVisitAdmin(admin.ModelAdmin):
    list_display = ("deal", "stage", "entered_at", "left_at")
    raw_id_fields = ("deal",)


class SalesPlanLineInline(admin.TabularInline):
    model = SalesPlanLine
    extra = 0


@admin.register(SalesPlan)
class SalesPlanAdmin(admin.ModelAdmin):
    list_display = ("name", "period", "period_start", "currency")
    inlines = [SalesPlanLineInline]
