"""Every write of care: one module per concern."""
