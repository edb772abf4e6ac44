"""The REST API of sales."""
