"""Adapters sender authentication stands on: DNS TXT lookups, DKIM verification, alignment."""
