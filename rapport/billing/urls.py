"""Page routes."""

app_name = "billing"

urlpatterns: list = []
