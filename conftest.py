import os

os.environ.setdefault("RAPPORT_TESTING", "1")
os.environ.setdefault("AXES_ENABLED", "0")

# Browser-test fixtures (`browser`, `page`, `login`) for e2e tests in any app.
pytest_plugins = ["rapport.web.tests.e2e_fixtures"]
