"""django-ninja schemas of the care API, one module per router."""
