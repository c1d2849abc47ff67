"""Administrative applications' status from the province's one-stop (một cửa) system, behind one
interface: an HTTP adapter for systems with an API, a table fed by CSV exports for the others."""
