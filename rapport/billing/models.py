"""Invoices, payments and their allocation (see services)."""
