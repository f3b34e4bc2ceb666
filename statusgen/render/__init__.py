"""Drawing: the template environment, its filters and the site's language."""
