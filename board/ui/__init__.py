"""ui subdomain."""
