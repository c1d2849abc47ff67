// The operator page's phone: the SIP session and the call on screen, shared by its modules.
export const state = {session: null, call: null, ticket: null, held: false, muted: false, timings: [],
                      since: null};
