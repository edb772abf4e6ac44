"""Job handlers of exports (registered with core.jobs)."""
