"""Page routes."""

app_name = "sales_reports"

urlpatterns: list = []
