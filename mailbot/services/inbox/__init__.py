"""What happens to a received message: stored, claimed, checked, routed, handled, quarantined."""
