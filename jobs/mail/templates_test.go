package mail

import (
	"errors"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"
)

func templates(tb testing.TB) *Templates {
	tb.Helper()
	t, err := NewTemplates()
	if err != nil {
		tb.Fatal(err)
	}
	return t
}

func TestRenderEveryKind(t *testing.T) {
	tpl := templates(t)
	tests := []struct {
		kind    string
		data    any
		subject string
		present []string // in both parts
	}{
		{KindUserInvited, InvitedData{StudioName: "Lumen Studio", ProjectName: "Gala 2026", ProjectDate: "2026-06-01", Link: "https://photos.example/signup?token=abc"},
			"Create your account to find your photos from Gala 2026",
			[]string{"Lumen Studio", "Gala 2026", "2026-06-01", "Create your account", "https://photos.example/signup?token=abc"}},
		{KindUserInvited, InvitedData{StudioName: "Lumen Studio", ProjectName: "Gala 2026", Link: "https://photos.example/login", ExistingAccount: true},
			"You have new photos to find in Gala 2026",
			[]string{"Lumen Studio", "You have new photos to find in Gala 2026", "https://photos.example/login"}},
		{KindPasswordResetRequested, PasswordResetData{StudioName: "Lumen Studio", Link: "https://photos.example/reset?token=r1", ExpiresIn: "1 hour"},
			"Reset your Lumen Studio password",
			[]string{"Lumen Studio", "Reset your password", "1 hour", "https://photos.example/reset?token=r1"}},
		{KindUserTagged, TaggedData{StudioName: "Lumen Studio", ProjectName: "Gala 2026", Count: 12, Link: "https://photos.example/app/projects/p1"},
			"We found 12 new photos of you in Gala 2026",
			[]string{"Lumen Studio", "We found 12 new photos of you in Gala 2026", "https://photos.example/app/projects/p1"}},
		{KindUserTagged, &TaggedData{ProjectName: "Gala", Count: 1, Link: "https://photos.example/x"},
			"We found 1 new photo of you in Gala", []string{"We found 1 new photo of you in Gala"}},
		{KindPurchaseConfirmed, PurchaseData{StudioName: "Lumen Studio", ProjectName: "Gala 2026", PackageName: "Five photos", Amount: "€25.00", PhotoCount: 5, Link: "https://photos.example/app/purchases/pu1"},
			"Your photos from Gala 2026 are ready to download",
			[]string{"Lumen Studio", "Gala 2026", "Five photos", "€25.00", "5", "https://photos.example/app/purchases/pu1"}},
		// The jobs pass maps.
		{KindUserTagged, map[string]any{"StudioName": "S", "ProjectName": "Gala", "Count": 3, "Link": "https://photos.example/y"},
			"We found 3 new photos of you in Gala", []string{"https://photos.example/y"}},
	}
	for _, tt := range tests {
		t.Run(tt.kind, func(t *testing.T) {
			m, err := tpl.Render(tt.kind, "ana@example.com", tt.data)
			if err != nil {
				t.Fatal(err)
			}
			if m.Kind != tt.kind || m.To != "ana@example.com" || m.IdempotencyKey != "" {
				t.Errorf("message %q %q %q", m.Kind, m.To, m.IdempotencyKey)
			}
			if m.Subject != tt.subject {
				t.Errorf("subject %q, want %q", m.Subject, tt.subject)
			}
			for _, s := range tt.present {
				if !strings.Contains(m.Text, s) {
					t.Errorf("text part lacks %q:\n%s", s, m.Text)
				}
				if !strings.Contains(m.HTML, s) {
					t.Errorf("HTML part lacks %q", s)
				}
			}
			if !strings.Contains(m.HTML, `<html lang="en">`) || !strings.Contains(m.HTML, "<title>"+tt.subject+"</title>") {
				t.Errorf("HTML lacks the language or title")
			}
			if strings.Count(m.HTML, `<a href="`) != 2 {
				t.Errorf("HTML has %d links, want the button and the raw link", strings.Count(m.HTML, `<a href="`))
			}
			if strings.Contains(m.Text, "<") || strings.Contains(m.Text, "<no value>") || strings.Contains(m.HTML, "<no value>") {
				t.Errorf("stray markup:\n%s", m.Text)
			}
		})
	}
}

func TestRenderZeroValues(t *testing.T) {
	tpl := templates(t)
	for _, kind := range []string{KindUserInvited, KindPasswordResetRequested, KindUserTagged, KindPurchaseConfirmed} {
		for _, data := range []any{nil, map[string]any{}, dataTypesZero(kind)} {
			m, err := tpl.Render(kind, "", data)
			if err != nil {
				t.Errorf("%s %T: %v", kind, data, err)
				continue
			}
			if m.Subject == "" || m.Text == "" || m.HTML == "" {
				t.Errorf("%s %T: empty part", kind, data)
			}
		}
	}
}

func dataTypesZero(kind string) any {
	switch kind {
	case KindUserInvited:
		return InvitedData{}
	case KindPasswordResetRequested:
		return PasswordResetData{}
	case KindUserTagged:
		return TaggedData{}
	default:
		return PurchaseData{}
	}
}

func TestSubjectCannotInjectHeaders(t *testing.T) {
	tpl := templates(t)
	evil := "Gala\r\nBcc: evil@example.com\n\x00\u2028X-Other: 1\u202e"
	for _, kind := range []string{KindUserInvited, KindUserTagged, KindPurchaseConfirmed} {
		data := map[string]any{"ProjectName": evil}
		if kind == KindUserTagged {
			data["Count"] = 2
		}
		m, err := tpl.Render(kind, "ana@example.com", data)
		if err != nil {
			t.Fatal(err)
		}
		if strings.ContainsAny(m.Subject, "\r\n\x00\u2028\u202e") || !strings.Contains(m.Subject, "Gala Bcc: evil@example.com X-Other: 1") {
			t.Errorf("%s: subject %q", kind, m.Subject)
		}
	}
	m, _ := tpl.Render(KindPasswordResetRequested, "a@b.example", PasswordResetData{StudioName: "S\r\nBcc: evil@example.com"})
	if strings.ContainsAny(m.Subject, "\r\n") {
		t.Errorf("studio name injected: %q", m.Subject)
	}
}

func TestRenderEscapesHTML(t *testing.T) {
	tpl := templates(t)
	m, err := tpl.Render(KindUserTagged, "a@b.example", TaggedData{
		StudioName:  "Tom & Jerry",
		ProjectName: `<script>alert(1)</script>`,
		Count:       2,
		Link:        "javascript:alert(1)",
	})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(m.HTML, "<script>") || !strings.Contains(m.HTML, "&lt;script&gt;") || strings.Contains(m.HTML, `href="javascript:`) {
		t.Errorf("HTML not escaped:\n%s", m.HTML)
	}
	if !strings.Contains(m.Text, "Tom & Jerry") || !strings.Contains(m.Subject, "<script>") {
		t.Errorf("plain parts were HTML-escaped: %q / %q", m.Subject, m.Text)
	}
}

func TestRenderRejects(t *testing.T) {
	tpl := templates(t)
	if _, err := tpl.Render("notify_unknown", "a@b.example", nil); err == nil {
		t.Error("unknown kind rendered")
	}
	if _, err := tpl.Render(KindUserTagged, "a@b.example", map[string]any{"ProjectNmae": "typo"}); err == nil {
		t.Error("unknown field accepted")
	}
	if _, err := tpl.Render(KindUserTagged, "a@b.example", InvitedData{}); err == nil {
		t.Error("another kind's data accepted")
	}
}

func TestNewTemplatesFailsOnMissingFile(t *testing.T) {
	sub, err := fs.Sub(embedded, "templates")
	if err != nil {
		t.Fatal(err)
	}
	full := fstest.MapFS{}
	fs.WalkDir(sub, ".", func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := fs.ReadFile(sub, path)
			full[path] = &fstest.MapFile{Data: b}
		}
		return nil
	})
	if len(full) != 13 {
		t.Fatalf("%d template files, want 13", len(full))
	}
	if _, err := parseTemplates(full); err != nil {
		t.Fatalf("complete set: %v", err)
	}
	for name := range full {
		partial := fstest.MapFS{}
		for n, f := range full {
			if n != name {
				partial[n] = f
			}
		}
		if _, err := parseTemplates(partial); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("without %s: err = %v, want not exist", name, err)
		}
	}
	broken := fstest.MapFS{}
	for n, f := range full {
		broken[n] = f
	}
	broken[KindUserTagged+".html"] = &fstest.MapFile{Data: []byte(`{{define "content"}}{{.NoSuchField}}{{end}}`)}
	if _, err := parseTemplates(broken); err == nil {
		t.Error("a template that cannot render was accepted")
	}
}
