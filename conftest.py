import os

os.environ.setdefault("RAPPORT_TESTING", "1")
os.environ.setdefault("AXES_ENABLED", "0")
