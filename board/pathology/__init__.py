"""pathology subdomain."""
