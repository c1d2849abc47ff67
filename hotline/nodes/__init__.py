"""What several hotline nodes on one database share: leases on the background jobs."""
