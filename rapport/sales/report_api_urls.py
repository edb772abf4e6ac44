"""API routes of the sales reports, included under ``/api/v1/reports/``: ``funnel/``,
``plan-vs-fact/``."""

from django.urls import path

from .api.reports import FunnelView, PlanVsFactView

urlpatterns = [
    path("funnel/", FunnelView.as_view(), name="report-funnel"),
    path("plan-vs-fact/", PlanVsFactView.as_view(), name="report-plan-vs-fact"),
]
