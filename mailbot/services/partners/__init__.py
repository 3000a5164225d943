"""Partners: the registry, terms of business, and cutting a partner off."""
