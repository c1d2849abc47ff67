"""Domain events and the in-process bus that carries them: the bottom of the layers, shared by
the CTI, tickets, transfers, conversations and the desktops (`types.py`, `bus.py`)."""
