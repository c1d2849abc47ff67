"""Written channels: citizens' e-mails, web chats, Zalo and Messenger messages and SMS become
conversations linked to a ticket, answered by operators beside their calls. The core
(`service.py`) works against one contract; each channel is an adapter (`channels/`)."""
