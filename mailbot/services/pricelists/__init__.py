"""Supplier price lists: imports, versions, a client's export, the catalogue orders are read by."""
