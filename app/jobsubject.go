package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"lightbox/store"
)

// jobView is a failed job with a subject people can read ("Photo
// IMG_0042.jpg in Summer Gala"), worked out from the ids in its payload.
type jobView struct {
	store.FailedJob
	Subject string `json:"subject"`
}

// jobIDs holds every id a job payload may carry.
type jobIDs struct {
	PhotoID    string `json:"photoId"`
	ProjectID  string `json:"projectId"`
	SelfieID   string `json:"selfieId"`
	InviteID   string `json:"inviteId"`
	UserID     string `json:"userId"`
	PurchaseID string `json:"purchaseId"`
	Prefix     string `json:"prefix"`
}

// subjects names what each job was about, looking up each row once.
type subjects struct {
	db       *store.DB
	projects map[string]string
	users    map[string]string
}

func newSubjects(db *store.DB) *subjects {
	return &subjects{db: db, projects: map[string]string{}, users: map[string]string{}}
}

// project is a project's name, or a note that it is gone.
func (sj *subjects) project(ctx context.Context, id string) (string, error) {
	if n, ok := sj.projects[id]; ok {
		return n, nil
	}
	p, err := sj.db.Project(ctx, id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		p.Name = "a deleted project"
	case err != nil:
		return "", err
	}
	sj.projects[id] = p.Name
	return p.Name, nil
}

// user is an account's email, or a note that it is gone.
func (sj *subjects) user(ctx context.Context, id string) (string, error) {
	if e, ok := sj.users[id]; ok {
		return e, nil
	}
	u, err := sj.db.UserByID(ctx, id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		u.Email = "a deleted account"
	case err != nil:
		return "", err
	}
	sj.users[id] = u.Email
	return u.Email, nil
}

func (sj *subjects) photo(ctx context.Context, id string) (string, error) {
	ph, err := sj.db.PhotoByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return "A photo since deleted", nil
	}
	if err != nil {
		return "", err
	}
	name := ph.Filename
	if name == "" {
		name = "without a name"
	}
	project, err := sj.project(ctx, ph.ProjectID)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("Photo %s in %s", name, project), nil
}

// subject describes one failed job; an id that no longer resolves says
// so rather than failing the list.
func (sj *subjects) subject(ctx context.Context, j store.FailedJob) (string, error) {
	var ids jobIDs
	if err := json.Unmarshal(j.Payload, &ids); err != nil {
		return "Details unreadable", nil
	}
	// inProject names the project after what, joined by "in" or "for".
	inProject := func(what, join string) (string, error) {
		if ids.ProjectID == "" {
			return what, nil
		}
		name, err := sj.project(ctx, ids.ProjectID)
		return what + " " + join + " " + name, err
	}
	forUser := func(what, join string) (string, error) {
		email, err := sj.user(ctx, ids.UserID)
		if err != nil {
			return "", err
		}
		return inProject(what+" "+email, join)
	}
	switch {
	case j.Kind == store.JobNotifyUserInvited && ids.InviteID != "":
		in, err := sj.db.InviteByID(ctx, ids.InviteID)
		if errors.Is(err, store.ErrNotFound) {
			return inProject("Invitation email (the invitation was deleted)", "for")
		}
		if err != nil {
			return "", err
		}
		return inProject("Invitation email to "+in.Email, "for")
	case j.Kind == store.JobNotifyUserInvited && ids.UserID != "":
		return forUser("Invitation email to", "for")
	case j.Kind == store.JobNotifyPasswordReset && ids.UserID != "":
		return forUser("Password reset email to", "for")
	case j.Kind == store.JobNotifyUserTagged && ids.UserID != "":
		return forUser("New photos email to", "for")
	case j.Kind == store.JobClusterFaces && ids.UserID != "":
		return forUser("Face matching for", "in")
	case ids.PurchaseID != "":
		p, err := sj.db.Purchase(ctx, ids.PurchaseID)
		if errors.Is(err, store.ErrNotFound) {
			return "An order since deleted", nil
		}
		if err != nil {
			return "", err
		}
		what := "Order " + shortRef(p.ID) + " by " + p.UserEmail
		if j.Kind == store.JobNotifyPurchase {
			what = "Order confirmation email to " + p.UserEmail
		}
		ids.ProjectID = p.ProjectID
		return inProject(what, "for")
	case ids.SelfieID != "":
		sf, err := sj.db.SelfieByID(ctx, ids.SelfieID)
		if errors.Is(err, store.ErrNotFound) {
			return "A selfie since replaced or deleted", nil
		}
		if err != nil {
			return "", err
		}
		email, err := sj.user(ctx, sf.UserID)
		return "Selfie of " + email, err
	case ids.PhotoID != "":
		return sj.photo(ctx, ids.PhotoID)
	case ids.Prefix != "":
		return sj.files(ctx, ids.Prefix)
	case ids.UserID != "":
		return forUser("Account", "in")
	case ids.ProjectID != "":
		return inProject("Work", "for")
	}
	return "No details", nil
}

// files describes a storage cleanup by what the files belonged to.
func (sj *subjects) files(ctx context.Context, prefix string) (string, error) {
	parts := strings.Split(prefix, "/")
	switch {
	case parts[0] == "photos" && len(parts) > 2 && parts[2] != "":
		name, err := sj.project(ctx, parts[1])
		return "Removing a deleted photo's files in " + name, err
	case parts[0] == "photos" && len(parts) > 1:
		return "Removing a deleted project's files", nil
	case parts[0] == "selfies" && len(parts) > 1:
		email, err := sj.user(ctx, parts[1])
		return "Removing old selfie files of " + email, err
	}
	return "Removing stored files", nil
}

// shortRef is the order reference people read out to each other: the end
// of its id, as the order pages show it.
func shortRef(id string) string {
	if i := strings.IndexByte(id, '_'); i >= 0 {
		id = id[i+1:]
	}
	if len(id) > 8 {
		id = id[len(id)-8:]
	}
	return strings.ToUpper(id)
}
