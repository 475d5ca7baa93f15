"""Every write of volunteering, split by concern: check-ins and pairings (checkins), the lists,
claims and ratings (lists), the ledger of hours, points and cards (hours)."""
