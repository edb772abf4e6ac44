"""Page routes."""

app_name = "documents"

urlpatterns: list = []
