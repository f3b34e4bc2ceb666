"""Every file of the site, each declared with what it shows."""
