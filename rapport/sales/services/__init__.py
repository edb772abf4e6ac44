"""Writes and business rules of sales, one module per area (deals, pipelines, plans)."""
