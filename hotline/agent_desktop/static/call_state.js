// The operator page's phone: the SIP session and the call on screen, shared by its modules.
// `attach(session)` is set by the page: it shows a session (incoming or one the operator placed).
export const state = {session: null, call: null, ticket: null, held: false, muted: false, timings: [],
                      since: null, attach: null};
