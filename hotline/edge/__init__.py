"""The SIP edge: Kamailio in front of several hotline nodes. The telco trunk sends every call to
the edge, whose dispatcher hands it to the live node of highest priority, probes the nodes with
OPTIONS, and tries the next node when one does not answer. This package holds the edge's settings
and renders Kamailio's configuration from them; Kamailio itself comes from Debian's packages."""
