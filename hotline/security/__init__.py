"""Protections shared by the desktop, the public pages and the IVR: password policy, rate limits,
the client's address behind a trusted proxy, masking personal data in logs."""
