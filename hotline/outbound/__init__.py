"""Calls the hotline places to citizens: who may call which number when (`policy`), the calls as
the desktop asks for them and Asterisk reports them (`service`), and the dialplan's check of a
call the softphone starts (`agi`)."""
