"""Pages of the catalogue: products, groups, price lists, settings."""
