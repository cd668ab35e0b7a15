// Package realtime is the WebSocket gateway. Its Hub follows the event log
// like any other reader, keeps who is in which channel as of the last event
// it fanned out, and queues each event, marshalled once, on the connections
// allowed to see it; a connection resumes from any seq still in the log. It
// also keeps presence and relays typing, which never enter the log, and
// serves /api/v1/ws, presence and do-not-disturb. It reaches the core only
// through the channels service.
package realtime
