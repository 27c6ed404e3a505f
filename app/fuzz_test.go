package app

import (
	"strings"
	"testing"
)

// FuzzParseInviteList: any pasted text or CSV gives normalised, unique,
// valid addresses, and everything else comes back as skipped.
func FuzzParseInviteList(f *testing.F) {
	for _, s := range []string{
		"a@example.com, B@EXAMPLE.com; c@example.com\n",
		"Name,Email\nAda,ada@example.com\n\"Grace, H\",grace@example.com\n",
		"email;name\nx@example.com;X\n",
		"Ada Lovelace <ada@example.com>\njunk\n\n",
		"\ufeffemail\n\"unterminated,@x\n",
		"a@b\r\nfoo@bar.baz\x00\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		invitees, skipped := ParseInviteList(text)
		seen := map[string]bool{}
		for _, in := range invitees {
			e, ok := NormalizeEmail(in.Email)
			if !ok || e != in.Email {
				t.Fatalf("invalid or unnormalised address accepted: %q", in.Email)
			}
			if seen[in.Email] {
				t.Fatalf("duplicate %q", in.Email)
			}
			seen[in.Email] = true
			if strings.ContainsAny(in.Name, "\r\n\x00") || len(in.Name) > 100 {
				t.Fatalf("unsafe name %q", in.Name)
			}
		}
		for _, s := range skipped {
			if s.Reason != reasonInvalid && s.Reason != reasonDuplicate {
				t.Fatalf("unknown reason %q", s.Reason)
			}
		}
	})
}

// FuzzCleanFilename: display names never carry a path or control characters.
func FuzzCleanFilename(f *testing.F) {
	for _, s := range []string{"IMG_0001.jpg", "../../etc/passwd", `C:\photos\a.jpg`, "a\r\nb.jpg", strings.Repeat("x", 300)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		got := cleanFilename(name)
		if strings.ContainsAny(got, "/\\\r\n\x00") || len(got) > 200 {
			t.Fatalf("cleanFilename(%q) = %q", name, got)
		}
	})
}
