"""Every read of care that depends on who asks."""
