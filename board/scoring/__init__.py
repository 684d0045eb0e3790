"""scoring subdomain."""
