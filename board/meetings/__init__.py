"""meetings subdomain."""
