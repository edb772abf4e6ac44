from django.urls import path

from . import views

app_name = "parties"

urlpatterns = [
    path("clients/", views.client_list, name="client_list"),
    path("clients/<uuid:pk>/", views.client_detail, name="client_detail"),
]
