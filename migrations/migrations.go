// Package migrations holds the database schema as numbered SQL files,
// embedded into the binary and applied in order by the store.
package migrations

import "embed"

// FS holds the *.sql files, named NNNN_description.sql.
//
//go:embed *.sql
var FS embed.FS
