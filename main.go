// Command lightbox is a self-hostable appliance for event photographers:
// projects, photo ingest, attendee invites, selfie face matching, sales and
// downloads, in one binary.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // time zones validate even on a distroless image
)

// version is stamped by the Makefile.
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "lightbox:", err)
		}
		os.Exit(1)
	}
}

const usage = `Usage: lightbox <command> [flags]

Commands:
  serve                 run the server (the default)
  operator create       create an operator account (--email, --password)
  migrate               apply database migrations and exit
  backup --to FILE      write a consistent copy of the database while it runs
  restore --from FILE   replace the database with a backup (server stopped)
  version               print the version

Every command takes --data-dir (default $DATA_DIR, else ./data).
`

// run is main without the process: arguments, environment and output are
// passed in, so it can be tested.
func run(ctx context.Context, args []string, getenv getenvFunc, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return cmdServe(ctx, args, getenv, stdout, stderr)
	case "operator":
		if len(args) == 0 || args[0] != "create" {
			return fmt.Errorf("usage: lightbox operator create --email E --password P")
		}
		return cmdOperatorCreate(ctx, args[1:], getenv, stdout, stderr)
	case "migrate":
		return cmdMigrate(ctx, args, getenv, stdout, stderr)
	case "backup":
		return cmdBackup(ctx, args, getenv, stdout, stderr)
	case "restore":
		return cmdRestore(ctx, args, getenv, stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, "lightbox", version)
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("unknown command %q", cmd)
	}
}

// newFlags returns a flag set with the shared --data-dir flag.
func newFlags(name string, getenv getenvFunc, stderr io.Writer) (*flag.FlagSet, *string) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	def := getenv("DATA_DIR")
	if def == "" {
		def = "./data"
	}
	dir := fs.String("data-dir", def, "directory for the database and embedded storage ($DATA_DIR)")
	return fs, dir
}
