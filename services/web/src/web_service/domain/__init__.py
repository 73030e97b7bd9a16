"""Rules of the UI that need no I/O: the task workflow as the API documents it, sessions."""
