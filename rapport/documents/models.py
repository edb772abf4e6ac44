"""Document templates and the documents generated from them (see services)."""
