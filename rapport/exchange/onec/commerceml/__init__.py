"""CommerceML 2 (and 3.1) site exchange: 1C uploads the catalogue and exchanges orders."""
