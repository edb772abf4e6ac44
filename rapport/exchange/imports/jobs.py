"""Job handlers of imports (registered with core.jobs)."""
