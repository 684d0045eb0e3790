"""analytics subdomain: board activity, timeliness and outcome figures."""
