"""Reads of sales, already scoped to the actor, one module per area."""
