"""Use cases of the UI: sessions (sign-in, refresh, sign-out) and calls to the API."""
