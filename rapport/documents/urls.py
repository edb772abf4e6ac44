"""Page routes (mounted at /documents/)."""

from django.urls import path

from . import views

app_name = "documents"

urlpatterns = [
    path("templates/", views.templates, name="templates"),
    path("templates/upload/", views.template_upload, name="template_upload"),
    path("templates/<uuid:pk>/file/", views.template_download, name="template_download"),
    path(
        "templates/<uuid:pk>/file/v<int:version>/",
        views.template_download,
        name="template_download_version",
    ),
    path("templates/<uuid:pk>/replace/", views.template_replace, name="template_replace"),
    path("templates/<uuid:pk>/active/", views.template_active, name="template_active"),
    path("templates/<uuid:pk>/try/", views.template_try, name="template_try"),
    path("record/<str:target>/<str:object_id>/", views.record_documents, name="record"),
    path("record/<str:target>/<str:object_id>/generate/", views.generate, name="generate"),
    path("<uuid:pk>/docx/", views.document_docx, name="docx"),
    path("<uuid:pk>/pdf/", views.document_pdf, name="pdf"),
    path("<uuid:pk>/send/", views.document_send, name="send"),
]
