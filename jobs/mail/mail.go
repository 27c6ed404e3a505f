// Package mail sends the platform's emails. Only background jobs use it: a
// job renders a Message with Templates and hands it to a Sender, which is
// Resend when configured. Errors say whether a retry can help (IsPermanent).
package mail

import "context"

// Message is one email to one recipient.
type Message struct {
	// Kind is the job kind that sends it, such as "notify_user_tagged"; it is
	// sent to Resend as the "kind" tag.
	Kind string
	// To is the recipient's address.
	To string
	// Subject is a single line.
	Subject string
	// Text is the plain-text part.
	Text string
	// HTML is the HTML part.
	HTML string
	// IdempotencyKey makes sending the same email twice deliver it once; at
	// most 256 characters.
	IdempotencyKey string
}

// Sender delivers a Message.
type Sender interface {
	Send(ctx context.Context, m Message) error
}
