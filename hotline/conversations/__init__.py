"""Written channels: citizens' e-mails (and later web chat, Zalo, Facebook) become conversations
linked to a ticket, answered by operators beside their calls."""
