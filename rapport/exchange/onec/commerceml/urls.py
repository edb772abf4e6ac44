"""The CommerceML endpoint; the project mounts it at ``exchange/1c/``.

``exchange/1c/?type=...&mode=...`` talks to the default connection (the first active
CommerceML one); ``exchange/1c/<code>/`` to the connection with that code.
"""

from django.urls import path

from . import protocol

app_name = "onec_cml"

urlpatterns = [
    path("", protocol.exchange, name="exchange"),
    path("<slug:code>/", protocol.exchange, name="exchange_named"),
]
