"""audit subdomain."""
