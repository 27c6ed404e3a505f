// Command pocketbase is the peer server for Lightbox's load benchmark:
// PocketBase with a "photos" collection of the same shape as Lightbox's
// photo list items, where each user may list only their own records, and
// a "seed" command that fills it with users, records and auth tokens.
//
//	pocketbase seed --dir DIR --users 200 --per-user 50 --out tokens.json
//	pocketbase serve --dir DIR --http 127.0.0.1:8090
//
// It is its own Go module so Lightbox's go.mod does not carry PocketBase.
package main

import (
	"encoding/json"
	"fmt"
	"log"
	"os"
	"strings"
	"time"

	"github.com/pocketbase/pocketbase"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"
	"github.com/spf13/cobra"
	"golang.org/x/crypto/bcrypt"
)

func main() {
	app := pocketbase.NewWithConfig(pocketbase.Config{HideStartBanner: true})
	app.RootCmd.AddCommand(seedCommand(app))
	if err := app.Start(); err != nil {
		log.Fatal(err)
	}
}

// Tokens is what seed writes: one auth token per user, in order, and a
// superuser token for the ingest workers.
type Tokens struct {
	Users     []string `json:"users"`
	UserIDs   []string `json:"userIds"`
	Superuser string   `json:"superuser"`
}

func seedCommand(app *pocketbase.PocketBase) *cobra.Command {
	var users, perUser int
	var out, base string
	c := &cobra.Command{
		Use:   "seed",
		Short: "create the photos collection, users, their records and auth tokens",
		RunE: func(*cobra.Command, []string) error {
			return seed(app, users, perUser, base, out)
		},
	}
	c.Flags().IntVar(&users, "users", 200, "users to create")
	c.Flags().IntVar(&perUser, "per-user", 50, "photo records per user")
	c.Flags().StringVar(&base, "base", "http://127.0.0.1:8090", "the address the URLs in the records point to")
	c.Flags().StringVar(&out, "out", "tokens.json", "file to write the auth tokens to")
	return c
}

func seed(app core.App, users, perUser int, base, out string) error {
	start := time.Now()
	photos := core.NewBaseCollection("photos")
	rule := types.Pointer("owner = @request.auth.id")
	photos.ListRule, photos.ViewRule = rule, rule
	userCol, err := app.FindCollectionByNameOrId("users")
	if err != nil {
		return err
	}
	photos.Fields.Add(
		&core.RelationField{Name: "owner", CollectionId: userCol.Id, MaxSelect: 1, Required: true},
		&core.TextField{Name: "filename"},
		&core.TextField{Name: "status"},
		&core.NumberField{Name: "width", OnlyInt: true},
		&core.NumberField{Name: "height", OnlyInt: true},
		&core.JSONField{Name: "urls"},
		&core.DateField{Name: "expiresAt"},
		&core.FileField{Name: "original", MaxSelect: 1, MaxSize: 50 << 20},
		&core.AutodateField{Name: "created", OnCreate: true},
	)
	photos.AddIndex("idx_photos_owner", false, "owner", "")
	if err := app.Save(photos); err != nil {
		return fmt.Errorf("photos collection: %w", err)
	}

	// One bcrypt hash for every account: the tokens below are what the
	// clients use, so hashing 200 passwords would only slow the seed down.
	hash, err := bcrypt.GenerateFromPassword([]byte("a long password"), bcrypt.MinCost)
	if err != nil {
		return err
	}
	var toks Tokens
	err = app.RunInTransaction(func(tx core.App) error {
		su, err := tx.FindCollectionByNameOrId(core.CollectionNameSuperusers)
		if err != nil {
			return err
		}
		admin := core.NewRecord(su)
		admin.SetEmail("studio@example.com")
		admin.SetRaw("password", &core.PasswordFieldValue{Hash: string(hash)})
		if err := tx.Save(admin); err != nil {
			return fmt.Errorf("superuser: %w", err)
		}
		if toks.Superuser, err = admin.NewStaticAuthToken(24 * time.Hour); err != nil {
			return err
		}
		pad := strings.Repeat("0", 64)
		exp := time.Now().Add(15 * time.Minute).UTC()
		for i := range users {
			u := core.NewRecord(userCol)
			u.SetEmail(fmt.Sprintf("guest%03d@example.com", i))
			u.SetRaw("password", &core.PasswordFieldValue{Hash: string(hash)})
			u.SetVerified(true)
			if err := tx.Save(u); err != nil {
				return fmt.Errorf("user %d: %w", i, err)
			}
			tok, err := u.NewStaticAuthToken(24 * time.Hour)
			if err != nil {
				return err
			}
			toks.Users = append(toks.Users, tok)
			toks.UserIDs = append(toks.UserIDs, u.Id)
			for j := range perUser {
				r := core.NewRecord(photos)
				r.Set("owner", u.Id)
				r.Set("filename", fmt.Sprintf("DSC_%05d.jpg", i*perUser+j))
				r.Set("status", "ready")
				r.Set("width", 6000)
				r.Set("height", 4000)
				key := fmt.Sprintf("%s/photos/p%05d/g%03d", base, i*perUser+j, i)
				r.Set("urls", map[string]string{
					"thumb400":    key + "/thumb-400.jpg?exp=1767225600&sig=" + pad,
					"thumb800":    key + "/thumb-800.jpg?exp=1767225600&sig=" + pad,
					"watermarked": key + "/watermarked.jpg?exp=1767225600&sig=" + pad,
				})
				r.Set("expiresAt", exp)
				if err := tx.Save(r); err != nil {
					return fmt.Errorf("photo %d/%d: %w", i, j, err)
				}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	b, err := json.Marshal(toks)
	if err != nil {
		return err
	}
	if err := os.WriteFile(out, b, 0o600); err != nil {
		return err
	}
	fmt.Printf("seeded %d users with %d photos each in %s\n", users, perUser, time.Since(start).Round(time.Millisecond))
	return nil
}
