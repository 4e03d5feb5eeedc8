"""HTTP routes of the identity domain (thin: parse, call a service, shape the response)."""
