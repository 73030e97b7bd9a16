"""Email: the message model, templates, the SMTP adapter and an in-process SMTP server."""
