from django.urls import path

from . import views

app_name = "exports"

urlpatterns = [
    path("contacts/<uuid:pk>.vcf", views.contact_vcard, name="contact_vcard"),
    path("<str:target>/", views.export_list, name="list"),
]
