"""The API's In/Out schemas, one module per part of the API."""
