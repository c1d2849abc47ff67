"""Backups of a hotline (database and files) and their restore."""
