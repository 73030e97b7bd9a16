"""A package, so that its stack fixture lives as long as the package's tests."""
