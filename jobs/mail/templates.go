package mail

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	htmltemplate "html/template"
	"io/fs"
	"reflect"
	"strings"
	texttemplate "text/template"
	"unicode"
)

// Kinds of email, named after the jobs that send them.
const (
	KindUserInvited            = "notify_user_invited"
	KindPasswordResetRequested = "notify_password_reset_requested"
	KindUserTagged             = "notify_user_tagged"
	KindPurchaseConfirmed      = "notify_purchase_confirmed"
)

// InvitedData is the data of a KindUserInvited email.
type InvitedData struct {
	StudioName, ProjectName, ProjectDate string
	// Link is the absolute sign-up link, or the login link when
	// ExistingAccount.
	Link string
	// ExistingAccount is true when the invitee already has an account.
	ExistingAccount bool
}

// PasswordResetData is the data of a KindPasswordResetRequested email.
type PasswordResetData struct {
	StudioName string
	// Link is the absolute reset link.
	Link string
	// ExpiresIn says how long the link works, such as "1 hour".
	ExpiresIn string
}

// TaggedData is the data of a KindUserTagged email.
type TaggedData struct {
	StudioName, ProjectName string
	// Count is how many new photos of the attendee were found.
	Count int
	// Link is the absolute link to the attendee's photos.
	Link string
}

// PurchaseData is the data of a KindPurchaseConfirmed email.
type PurchaseData struct {
	StudioName, ProjectName, PackageName string
	// Amount is the amount paid, already formatted, such as "€25.00".
	Amount     string
	PhotoCount int
	// Link is the absolute link to the downloads.
	Link string
}

// dataTypes maps each kind to the type of its data.
var dataTypes = map[string]reflect.Type{
	KindUserInvited:            reflect.TypeFor[InvitedData](),
	KindPasswordResetRequested: reflect.TypeFor[PasswordResetData](),
	KindUserTagged:             reflect.TypeFor[TaggedData](),
	KindPurchaseConfirmed:      reflect.TypeFor[PurchaseData](),
}

//go:embed templates
var embedded embed.FS

// Templates renders the platform's emails. Each kind has three files under
// templates/: <kind>.subject.txt, <kind>.txt (the plain-text part) and
// <kind>.html (the "content" of layout.html). Safe for concurrent use.
type Templates struct {
	kinds map[string]kindTemplates
}

type kindTemplates struct {
	subject *texttemplate.Template
	text    *texttemplate.Template
	html    *htmltemplate.Template
}

// NewTemplates parses every template once. It fails if any is missing or
// does not render with zero-valued data.
func NewTemplates() (*Templates, error) {
	sub, err := fs.Sub(embedded, "templates")
	if err != nil {
		return nil, err
	}
	return parseTemplates(sub)
}

func parseTemplates(fsys fs.FS) (*Templates, error) {
	layout, err := fs.ReadFile(fsys, "layout.html")
	if err != nil {
		return nil, fmt.Errorf("mail templates: %w", err)
	}
	t := &Templates{kinds: make(map[string]kindTemplates)}
	for kind, typ := range dataTypes {
		var src [3]string
		for i, name := range []string{kind + ".subject.txt", kind + ".txt", kind + ".html"} {
			b, err := fs.ReadFile(fsys, name)
			if err != nil {
				return nil, fmt.Errorf("mail templates: %w", err)
			}
			src[i] = string(b)
		}
		src[0] = strings.TrimSpace(src[0]) // the subject is one line
		var kt kindTemplates
		if kt.subject, err = texttemplate.New(kind + ".subject.txt").Parse(src[0]); err != nil {
			return nil, fmt.Errorf("mail templates: %w", err)
		}
		if kt.text, err = texttemplate.New(kind + ".txt").Parse(src[1]); err != nil {
			return nil, fmt.Errorf("mail templates: %w", err)
		}
		h := htmltemplate.New("layout.html").Funcs(htmltemplate.FuncMap{"action": action})
		if _, err = h.Parse(string(layout)); err == nil {
			if _, err = h.New("subject").Parse(src[0]); err == nil {
				_, err = h.New(kind + ".html").Parse(src[2])
			}
		}
		if err == nil && h.Lookup("content") == nil {
			err = fmt.Errorf("%s.html does not define \"content\"", kind)
		}
		if err != nil {
			return nil, fmt.Errorf("mail templates: %w", err)
		}
		kt.html = h
		t.kinds[kind] = kt
		if _, err := t.render(kind, "", reflect.New(typ).Elem().Interface()); err != nil {
			return nil, fmt.Errorf("mail templates: %s with zero values: %w", kind, err)
		}
	}
	return t, nil
}

// action is the data of the layout's "button" template.
func action(link, label string) map[string]string {
	return map[string]string{"Link": link, "Label": label}
}

// Render renders the email of kind for to. data is the kind's data type
// (InvitedData, PasswordResetData, TaggedData or PurchaseData), a pointer to
// it, or a map[string]any with some of its field names as keys; missing
// fields are zero, unknown ones are an error. The caller sets
// IdempotencyKey.
func (t *Templates) Render(kind, to string, data any) (Message, error) {
	typ, ok := dataTypes[kind]
	if !ok {
		return Message{}, fmt.Errorf("mail: unknown email kind %q", kind)
	}
	v, err := convert(typ, data)
	if err != nil {
		return Message{}, fmt.Errorf("mail: %s data: %w", kind, err)
	}
	return t.render(kind, to, v)
}

func (t *Templates) render(kind, to string, data any) (Message, error) {
	kt := t.kinds[kind]
	var subject, text, html bytes.Buffer
	if err := kt.subject.Execute(&subject, data); err != nil {
		return Message{}, err
	}
	if err := kt.text.Execute(&text, data); err != nil {
		return Message{}, err
	}
	if err := kt.html.ExecuteTemplate(&html, "layout.html", data); err != nil {
		return Message{}, err
	}
	return Message{Kind: kind, To: to, Subject: cleanSubject(subject.String()), Text: text.String(), HTML: html.String()}, nil
}

// convert returns data as a value of typ.
func convert(typ reflect.Type, data any) (any, error) {
	v := reflect.ValueOf(data)
	switch {
	case data == nil:
		return reflect.New(typ).Elem().Interface(), nil
	case v.Type() == typ:
		return data, nil
	case v.Type() == reflect.PointerTo(typ):
		if v.IsNil() {
			return reflect.New(typ).Elem().Interface(), nil
		}
		return v.Elem().Interface(), nil
	}
	b, err := json.Marshal(data)
	if err != nil {
		return nil, err
	}
	out := reflect.New(typ)
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(out.Interface()); err != nil {
		return nil, fmt.Errorf("want %s fields: %w", typ.Name(), err)
	}
	return out.Elem().Interface(), nil
}

// cleanSubject makes s a single header-safe line: control characters, line
// and paragraph separators and bidirectional overrides become spaces, runs of
// spaces become one, and the ends are trimmed.
func cleanSubject(s string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case unicode.IsControl(r), r == '\u2028', r == '\u2029',
			r >= '\u202a' && r <= '\u202e', r >= '\u2066' && r <= '\u2069':
			return ' '
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}
