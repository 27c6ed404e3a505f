package photo

import (
	"errors"
	"fmt"
)

// The typed errors below mean the input itself is unusable: retrying the same
// bytes gives the same answer, so a job marks the photo failed and stops.
// Any other error (a failed read from storage, for example) is worth a retry.
var (
	// ErrUnsupported means the file is not a JPEG or PNG image.
	ErrUnsupported = errors.New("unsupported image format")
	// ErrTooLarge means the file or its pixel dimensions exceed the Limits.
	ErrTooLarge = errors.New("image too large")
	// ErrCorrupt means the file claims to be a JPEG or PNG but cannot be
	// decoded: it is damaged, truncated or malformed.
	ErrCorrupt = errors.New("corrupt image")
)

// inputError is one of the typed errors with a detail for people.
type inputError struct {
	kind   error
	detail string
	reason string // overrides the sentence Reason builds from kind and detail
}

func (e *inputError) Error() string { return e.kind.Error() + ": " + e.detail }
func (e *inputError) Unwrap() error { return e.kind }

func unsupported(format string, a ...any) error {
	return &inputError{kind: ErrUnsupported, detail: fmt.Sprintf(format, a...)}
}

func tooLarge(format string, a ...any) error {
	return &inputError{kind: ErrTooLarge, detail: fmt.Sprintf(format, a...)}
}

func corrupt(format string, a ...any) error {
	return &inputError{kind: ErrCorrupt, detail: fmt.Sprintf(format, a...)}
}

// unsupportedFeature is a JPEG or PNG file that uses a feature the decoder
// lacks (arithmetic coding, 12-bit samples...).
func unsupportedFeature(format, feature string) error {
	return &inputError{
		kind:   ErrUnsupported,
		detail: format + " feature not supported: " + feature,
		reason: "This kind of " + format + " is not supported (" + feature + ")",
	}
}

// IsInputError reports whether err is one of ErrUnsupported, ErrTooLarge or
// ErrCorrupt, that is whether retrying with the same file is pointless.
func IsInputError(err error) bool {
	return errors.Is(err, ErrUnsupported) || errors.Is(err, ErrTooLarge) || errors.Is(err, ErrCorrupt)
}

// Reason returns a short sentence for the photographer that explains err,
// for example "Image is too large (14000×9000 pixels; the limit is 60
// megapixels)". It returns "" for a nil error and a generic sentence for
// errors that are not about the file itself.
func Reason(err error) string {
	if err == nil {
		return ""
	}
	var detail string
	var ie *inputError
	if errors.As(err, &ie) {
		if ie.reason != "" {
			return ie.reason
		}
		detail = ie.detail
	}
	switch {
	case errors.Is(err, ErrUnsupported):
		if detail != "" {
			return "Not a JPEG or PNG file (" + detail + ")"
		}
		return "Not a JPEG or PNG file"
	case errors.Is(err, ErrTooLarge):
		if detail != "" {
			return "Image is too large (" + detail + ")"
		}
		return "Image is too large"
	case errors.Is(err, ErrCorrupt):
		return "The file is damaged or truncated"
	}
	return "The image could not be processed"
}
