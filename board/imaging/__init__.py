"""imaging subdomain."""
