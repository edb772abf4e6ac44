"""Models of data exchange: import mapping templates (exports keep no models)."""
