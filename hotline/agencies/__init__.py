"""The agency directory: who handles what, and how to reach them (issue #4)."""
