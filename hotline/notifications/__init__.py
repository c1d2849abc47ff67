"""Messages to people outside the switchboard: SMS through a durable outbox and a gateway."""
