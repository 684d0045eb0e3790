"""db subdomain."""
