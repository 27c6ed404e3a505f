// Package models embeds the built-in face engine's model files, when
// scripts/fetch-face-models.sh (run by make) has put them in this folder
// before the build. A binary built without them has no built-in engine.
package models

import (
	"embed"
	"io/fs"
)

// The pattern also matches this file, so the package builds either way.
//
//go:embed *
var files embed.FS

// FS returns the embedded model files, or false when the binary was built
// without them.
func FS() (fs.FS, bool) {
	if _, err := fs.Stat(files, "blazeface.json"); err != nil {
		return nil, false
	}
	if _, err := fs.Stat(files, "faceres.json"); err != nil {
		return nil, false
	}
	return files, true
}
