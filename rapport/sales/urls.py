"""Page routes."""

app_name = "sales"

urlpatterns: list = []
