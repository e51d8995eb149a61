"""Security: the API's secrets wiring and API access, and NetworkPolicy reachability."""
