package jobs

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"lightbox/jobs/mail"
	"lightbox/store"
)

// send renders one email and delivers it once per idempotency key: through
// the provider when configured, else into the embedded outbox. A retried
// job finds the key already sent and sends nothing.
func (h *handlers) send(ctx context.Context, kind, to, key string, data any) error {
	sent, err := h.DB.EmailSent(ctx, key)
	if err != nil || sent {
		return err
	}
	msg, err := h.Templates.Render(kind, to, data)
	if err != nil {
		return Permanent(err)
	}
	msg.IdempotencyKey = key
	if h.Mailer == nil {
		added, err := h.DB.AddToOutbox(ctx, &store.Email{Kind: kind, To: to, Subject: msg.Subject, Text: msg.Text, HTML: msg.HTML, IdempotencyKey: key})
		if err != nil {
			return err
		}
		if added {
			h.Log.Info("email held in the outbox", "kind", kind, "to", to, "subject", msg.Subject)
		}
	} else if err := h.Mailer.Send(ctx, msg); err != nil {
		if mail.IsPermanent(err) {
			return Permanent(err)
		}
		return err
	}
	return h.DB.RecordEmailSent(ctx, key, kind, to)
}

func (h *handlers) link(path string, query url.Values) string {
	u := strings.TrimRight(h.PublicURL, "/") + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	return u
}

func (h *handlers) notifyInvited(ctx context.Context, p store.InvitePayload) error {
	project, err := h.DB.Project(ctx, p.ProjectID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	data := mail.InvitedData{StudioName: h.StudioName, ProjectName: project.Name, ProjectDate: project.Date}
	if p.UserID != "" {
		u, err := h.DB.UserByID(ctx, p.UserID)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		data.ExistingAccount = true
		data.Link = h.link("/app/projects/"+project.ID, nil)
		return h.send(ctx, store.JobNotifyUserInvited, u.Email, fmt.Sprintf("member/%s/%s", project.ID, u.ID), data)
	}
	inv, err := h.DB.InviteByID(ctx, p.InviteID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if inv.Status != store.InvitePending {
		return nil // accepted, revoked or expired meanwhile: nothing to send
	}
	data.Link = h.link("/invite", url.Values{"token": {store.DeriveToken(h.Secret, "invite", inv.ID)}})
	if err := h.send(ctx, store.JobNotifyUserInvited, inv.Email, fmt.Sprintf("invite/%s/%d", inv.ID, p.Send), data); err != nil {
		return err
	}
	return h.DB.SetInviteEmailStatus(ctx, inv.ID, "sent", "")
}

func (h *handlers) inviteFailed(ctx context.Context, p store.InvitePayload, err error) {
	if p.InviteID == "" {
		return
	}
	if e := h.DB.SetInviteEmailStatus(ctx, p.InviteID, "failed", err.Error()); e != nil {
		h.Log.Error("mark invite failed", "invite", p.InviteID, "err", e)
	}
}

func (h *handlers) notifyReset(ctx context.Context, p store.ResetPayload) error {
	u, err := h.DB.UserByID(ctx, p.UserID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	data := mail.PasswordResetData{StudioName: h.StudioName, ExpiresIn: "1 hour",
		Link: h.link("/reset", url.Values{"token": {store.DeriveToken(h.Secret, "reset", p.ResetID)}})}
	return h.send(ctx, store.JobNotifyPasswordReset, u.Email, "reset/"+p.ResetID, data)
}

func (h *handlers) notifyTagged(ctx context.Context, p store.TaggedPayload) error {
	count, last, err := h.DB.UnnotifiedTags(ctx, p.UserID, p.ProjectID)
	if err != nil {
		return err
	}
	if count == 0 {
		return h.DB.MarkTagsNotified(ctx, p.UserID, p.ProjectID, "")
	}
	u, err := h.DB.UserByID(ctx, p.UserID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	project, err := h.DB.Project(ctx, p.ProjectID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	data := mail.TaggedData{StudioName: h.StudioName, ProjectName: project.Name, Count: count, Link: h.link("/app/projects/"+project.ID, nil)}
	if err := h.send(ctx, store.JobNotifyUserTagged, u.Email, fmt.Sprintf("tagged/%s/%s/%s", p.UserID, p.ProjectID, last), data); err != nil {
		return err
	}
	return h.DB.MarkTagsNotified(ctx, p.UserID, p.ProjectID, last)
}

func (h *handlers) notifyPurchase(ctx context.Context, p store.PurchasePayload) error {
	pur, ok, err := h.paidPurchase(ctx, p.PurchaseID)
	if !ok {
		return err
	}
	project, err := h.DB.Project(ctx, pur.ProjectID)
	if err != nil {
		return err
	}
	data := mail.PurchaseData{StudioName: h.StudioName, ProjectName: project.Name, PackageName: pur.PackageName,
		Amount: FormatMoney(pur.Amount, pur.Currency), PhotoCount: len(pur.PhotoIDs), Link: h.link("/app/purchases/"+pur.ID, nil)}
	return h.send(ctx, store.JobNotifyPurchase, pur.UserEmail, "purchase/"+pur.ID, data)
}

// currencySymbols covers the common currencies; others show their code.
var currencySymbols = map[string]string{"EUR": "€", "USD": "$", "GBP": "£", "JPY": "¥", "CHF": "CHF ", "AUD": "A$", "CAD": "C$", "NZD": "NZ$"}

var zeroDecimal = map[string]bool{"BIF": true, "CLP": true, "DJF": true, "GNF": true, "ISK": true, "JPY": true, "KMF": true, "KRW": true,
	"PYG": true, "RWF": true, "UGX": true, "VND": true, "VUV": true, "XAF": true, "XOF": true, "XPF": true}

// FormatMoney shows minor units as an amount, like €25.00 or 2500 JPY.
func FormatMoney(amount int64, currency string) string {
	sym, ok := currencySymbols[currency]
	var num string
	if zeroDecimal[currency] {
		num = fmt.Sprintf("%d", amount)
	} else {
		num = fmt.Sprintf("%d.%02d", amount/100, amount%100)
	}
	if ok {
		return sym + num
	}
	return num + " " + currency
}
