"""Page routes."""

app_name = "catalog"

urlpatterns: list = []
