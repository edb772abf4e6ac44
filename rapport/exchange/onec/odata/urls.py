"""URLs of the OData actions (included by ``onec.urls`` under ``odata/``)."""

from django.urls import path

from . import views

app_name = "onec_odata"

urlpatterns = [
    path("check/", views.check, name="check_new"),
    path("<uuid:pk>/check/", views.check, name="check"),
    path("<uuid:pk>/pull/", views.pull, name="pull"),
    path("<uuid:pk>/invoices/<uuid:invoice>/push/", views.push_invoice, name="push_invoice"),
]
