"""The Flask app: views, templates, static assets, CSRF and security headers."""
