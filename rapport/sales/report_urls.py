"""Report pages, mounted at ``/reports/`` (namespace ``sales_reports``): the sales funnel
and the sales plans."""

from django.urls import path

from .views import plans, reports

app_name = "sales_reports"

urlpatterns = [
    path("funnel/", reports.funnel_page, name="funnel"),
    path("plans/", plans.plan_list, name="plan_list"),
    path("plans/new/", plans.plan_create, name="plan_create"),
    path("plans/<uuid:pk>/", plans.plan_detail, name="plan_detail"),
    path("plans/<uuid:pk>/edit/", plans.plan_edit, name="plan_edit"),
    path("plans/<uuid:pk>/delete/", plans.plan_delete, name="plan_delete"),
]
