"""The pages of volunteering, one module per part."""
