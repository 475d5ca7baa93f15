"""Every read of volunteering that depends on who asks, split as the services are; the
suggestions (who fits a shift, which shifts fit a member) have their own module."""
