"""auth subdomain."""
