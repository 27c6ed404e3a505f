package app

import (
	"encoding/csv"
	"io"
	"net/mail"
	"strings"

	"lightbox/store"
)

// Skipped is an address left out of a bulk invite, with why.
type Skipped struct {
	Email  string `json:"email"`
	Reason string `json:"reason"`
}

// Skip reasons.
const (
	reasonInvalid   = "invalid_email"
	reasonDuplicate = "duplicate"
)

// maxInvites bounds one bulk invite.
const maxInvites = 5000

// ParseInviteList reads pasted text or a CSV file: either a CSV with a
// header row naming an "email" column (and optionally "name"), or free
// text with one address per line or separated by commas or semicolons,
// each either bare or as "Name <address>". Addresses are normalised;
// duplicates and junk come back as skipped.
func ParseInviteList(text string) ([]store.Invitee, []Skipped) {
	text = strings.TrimPrefix(text, "\ufeff")
	if in, sk, ok := parseCSV(text); ok {
		return in, sk
	}
	var raw []store.Invitee
	for _, line := range strings.FieldsFunc(text, func(r rune) bool { return r == '\n' || r == '\r' || r == ';' || r == ',' }) {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if a, err := mail.ParseAddress(line); err == nil {
			raw = append(raw, store.Invitee{Email: a.Address, Name: strings.TrimSpace(a.Name)})
			continue
		}
		raw = append(raw, store.Invitee{Email: line})
	}
	return normaliseInvitees(raw)
}

// parseCSV handles a CSV whose header has an email column.
func parseCSV(text string) ([]store.Invitee, []Skipped, bool) {
	first, _, _ := strings.Cut(text, "\n")
	if !strings.Contains(strings.ToLower(first), "email") || !strings.ContainsAny(first, ",;\t") {
		return nil, nil, false
	}
	r := csv.NewReader(strings.NewReader(text))
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	r.TrimLeadingSpace = true
	switch {
	case strings.Count(first, ";") > strings.Count(first, ","):
		r.Comma = ';'
	case strings.Count(first, "\t") > strings.Count(first, ","):
		r.Comma = '\t'
	}
	header, err := r.Read()
	if err != nil {
		return nil, nil, false
	}
	emailCol, nameCol := -1, -1
	for i, h := range header {
		switch strings.ToLower(strings.TrimSpace(h)) {
		case "email", "e-mail", "email address", "mail":
			emailCol = i
		case "name", "full name", "fullname":
			nameCol = i
		}
	}
	if emailCol < 0 {
		return nil, nil, false
	}
	var raw []store.Invitee
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			continue
		}
		if emailCol >= len(rec) {
			continue
		}
		in := store.Invitee{Email: rec[emailCol]}
		if nameCol >= 0 && nameCol < len(rec) {
			in.Name = strings.TrimSpace(rec[nameCol])
		}
		raw = append(raw, in)
	}
	in, sk := normaliseInvitees(raw)
	return in, sk, true
}

// normaliseInvitees lowercases, validates and de-duplicates addresses.
func normaliseInvitees(raw []store.Invitee) ([]store.Invitee, []Skipped) {
	seen := map[string]bool{}
	var out []store.Invitee
	var skipped []Skipped
	for _, in := range raw {
		email, ok := NormalizeEmail(in.Email)
		switch {
		case strings.TrimSpace(in.Email) == "":
			continue
		case !ok:
			skipped = append(skipped, Skipped{Email: truncate(strings.TrimSpace(in.Email), 254), Reason: reasonInvalid})
		case seen[email]:
			skipped = append(skipped, Skipped{Email: email, Reason: reasonDuplicate})
		default:
			seen[email] = true
			name := strings.Map(func(r rune) rune {
				if r < 0x20 || r == 0x7f {
					return -1
				}
				return r
			}, in.Name)
			out = append(out, store.Invitee{Email: email, Name: truncate(name, 100)})
		}
	}
	return out, skipped
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
