"""What the operator desktop and the public pages share on the web: authentication and roles,
request validation, and attachments over HTTP."""
