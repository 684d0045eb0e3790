"""assessments subdomain."""
