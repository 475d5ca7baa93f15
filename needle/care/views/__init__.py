"""The care pages: thin, the same services and selectors as the API."""
