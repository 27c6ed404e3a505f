// Package ui holds the server-rendered templates and the static assets,
// embedded into the binary.
package ui

import "embed"

// Templates holds templates/*.html: layout.html plus one file per page.
//
//go:embed templates/*.html
var Templates embed.FS

// Static holds the CSS, JavaScript and images served under /static/.
//
//go:embed static
var Static embed.FS
