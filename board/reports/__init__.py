"""reports subdomain."""
