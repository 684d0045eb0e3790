"""plans subdomain."""
