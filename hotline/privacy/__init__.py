"""Personal data: who read it (the audit log), how long it is kept (retention per data class), and
citizens' requests to see or erase it (handled by the provincial office)."""
