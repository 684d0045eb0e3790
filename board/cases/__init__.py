"""cases subdomain."""
