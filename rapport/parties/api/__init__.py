"""REST API of the client base (``/api/v1/clients/``, ``/api/v1/contacts/``)."""

from .views import ClientViewSet, ContactViewSet

__all__ = ["ClientViewSet", "ContactViewSet"]
