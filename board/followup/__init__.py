"""followup subdomain."""
