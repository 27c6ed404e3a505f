package app

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"lightbox/store"
	"lightbox/store/blob"
)

type packageRequest struct {
	Name       *string `json:"name"`
	Kind       string  `json:"kind"`
	PhotoCount *int    `json:"photoCount"`
	PriceCents *int64  `json:"priceCents"`
	Currency   string  `json:"currency"`
	Retired    *bool   `json:"retired"`
}

func (r packageRequest) apply(p *store.Package, project store.Project) map[string]string {
	if r.Name != nil {
		p.Name = strings.TrimSpace(*r.Name)
	}
	if r.PhotoCount != nil {
		p.PhotoCount = *r.PhotoCount
	}
	if r.PriceCents != nil {
		p.PriceCents = *r.PriceCents
	}
	f := map[string]string{}
	if p.Name == "" || len(p.Name) > 100 {
		f["name"] = "Give the package a name of at most 100 characters."
	}
	switch p.Kind {
	case store.KindSingle:
		p.PhotoCount = 1
	case store.KindBundle:
		if p.PhotoCount < 2 || p.PhotoCount > 1000 {
			f["photoCount"] = "A bundle holds between 2 and 1000 photos."
		}
	case store.KindAll:
		p.PhotoCount = 0
	default:
		f["kind"] = `Use "single", "bundle" or "all".`
	}
	if p.PriceCents < 0 || p.PriceCents > 100_000_000 {
		f["priceCents"] = "Give a price in minor units (cents), from 0."
	}
	if r.Currency != "" && strings.ToUpper(r.Currency) != project.Currency {
		f["currency"] = fmt.Sprintf("Packages use the project's currency, %s.", project.Currency)
	}
	return f
}

func (s *Server) createPackage(c echo.Context) error {
	project, err := s.project(c, c.Param("id"))
	if err != nil {
		return err
	}
	var req packageRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	p := store.Package{ProjectID: project.ID, Kind: req.Kind, Currency: project.Currency}
	if req.PriceCents == nil {
		return invalid(map[string]string{"priceCents": "Give a price in minor units (cents)."})
	}
	if f := req.apply(&p, project); len(f) > 0 {
		return invalid(f)
	}
	if err := s.db.CreatePackage(c.Request().Context(), &p); err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, p)
}

func (s *Server) updatePackage(c echo.Context) error {
	ctx := c.Request().Context()
	project, err := s.project(c, c.Param("id"))
	if err != nil {
		return err
	}
	p, err := s.db.Package(ctx, project.ID, c.Param("packageId"))
	if err != nil {
		return err
	}
	var req packageRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	req.Kind = ""
	if f := req.apply(&p, project); len(f) > 0 {
		return invalid(f)
	}
	if req.Retired != nil {
		if *req.Retired && p.RetiredAt == nil {
			now := time.Now().UTC()
			p.RetiredAt = &now
		} else if !*req.Retired {
			p.RetiredAt = nil
		}
	}
	if err := s.db.UpdatePackage(ctx, &p); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, p)
}

func (s *Server) listPackages(c echo.Context) error {
	project, err := s.project(c, c.Param("id"))
	if err != nil {
		return err
	}
	all := currentUser(c).Role == store.RoleOperator && c.QueryParam("retired") == "true"
	ps, err := s.db.Packages(c.Request().Context(), project.ID, all)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, list(ps, ""))
}

// purchaseView is an order as its buyer sees it: while an online payment
// waits for them, with the client secret to finish paying.
type purchaseView struct {
	store.Purchase
	ClientSecret   *string `json:"clientSecret,omitempty"`
	PublishableKey string  `json:"publishableKey,omitempty"`
	// PaymentError says why the payment cannot be resumed right now.
	PaymentError *Error `json:"paymentError,omitempty"`
}

func (s *Server) createPurchase(c echo.Context) error {
	ctx := c.Request().Context()
	u := currentUser(c)
	var req struct {
		ProjectID string   `json:"projectId"`
		PackageID string   `json:"packageId"`
		PhotoIDs  []string `json:"photoIds"`
	}
	if err := decode(c, &req); err != nil {
		return err
	}
	project, err := s.project(c, req.ProjectID)
	if err != nil {
		return err
	}
	pkg, err := s.db.Package(ctx, project.ID, req.PackageID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && pkg.RetiredAt != nil) {
		return invalid(map[string]string{"packageId": "This package is not on sale."})
	}
	if err != nil {
		return err
	}
	photos := dedupe(req.PhotoIDs)
	switch pkg.Kind {
	case store.KindAll:
		photos = nil
	case store.KindSingle, store.KindBundle:
		if len(photos) != pkg.PhotoCount {
			return invalid(map[string]string{"photoIds": fmt.Sprintf("Choose exactly %d photo(s) for %s.", pkg.PhotoCount, pkg.Name)})
		}
	}
	for _, id := range photos {
		ok, err := s.db.IsTagged(ctx, u.ID, project.ID, id)
		if err != nil {
			return err
		}
		if !ok {
			return invalid(map[string]string{"photoIds": "You can only buy photos you appear in."})
		}
	}
	p := store.Purchase{ProjectID: project.ID, UserID: u.ID, PackageID: pkg.ID, PackageName: pkg.Name, Kind: pkg.Kind,
		Amount: pkg.PriceCents, Currency: pkg.Currency, Payment: "offline", PhotoIDs: photos}
	if s.payments != nil {
		p.Payment = "stripe"
	}
	if err := s.db.CreatePurchase(ctx, &p); err != nil {
		return err
	}
	if s.payments == nil {
		return c.JSON(http.StatusCreated, map[string]any{"id": p.ID, "status": p.Status, "amount": p.Amount, "currency": p.Currency,
			"photoIds": p.PhotoIDs, "clientSecret": nil, "payment": "offline",
			"message": "Online payment is not set up. Pay the photographer directly; your photos unlock once they record the payment."})
	}
	intent, err := s.payments.CreateIntent(ctx, IntentRequest{PurchaseID: p.ID, UserID: u.ID, Amount: p.Amount, Currency: p.Currency,
		Description: project.Name + " — " + pkg.Name})
	if err != nil {
		return err // mapped by the payment provider to 402 or 503
	}
	if err := s.db.SetPaymentIntent(ctx, p.ID, intent.ID); err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, map[string]any{"id": p.ID, "status": p.Status, "amount": p.Amount, "currency": p.Currency,
		"photoIds": p.PhotoIDs, "clientSecret": intent.ClientSecret, "payment": "stripe", "publishableKey": s.cfg.StripePublishableKey})
}

func dedupe(ids []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// purchase loads an order the current user may see.
func (s *Server) purchase(c echo.Context) (store.Purchase, error) {
	p, err := s.db.Purchase(c.Request().Context(), c.Param("id"))
	if errors.Is(err, store.ErrNotFound) {
		return p, errNotFound
	}
	if err != nil {
		return p, err
	}
	u := currentUser(c)
	if u.Role != store.RoleOperator && p.UserID != u.ID {
		return p, errNotFound
	}
	return p, nil
}

func (s *Server) getPurchase(c echo.Context) error {
	p, err := s.purchase(c)
	if err != nil {
		return err
	}
	v := purchaseView{Purchase: p}
	if s.payments != nil && p.Status == store.PurchasePending && p.Payment == "stripe" && p.PaymentIntentID != "" && p.UserID == currentUser(c).ID {
		secret, err := s.payments.ResumeIntent(c.Request().Context(), p.PaymentIntentID)
		var apiErr *Error
		switch {
		case errors.As(err, &apiErr):
			v.PaymentError = apiErr
		case err != nil:
			s.log.Warn("resume payment", "purchase_id", p.ID, "request_id", c.Response().Header().Get(echo.HeaderXRequestID), "err", err)
			v.PaymentError = errPaymentsDown
		case secret != "":
			v.ClientSecret, v.PublishableKey = &secret, s.cfg.StripePublishableKey
		}
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, v)
}

func (s *Server) myPurchases(c echo.Context) error {
	project, err := s.project(c, c.Param("id"))
	if err != nil {
		return err
	}
	ps, err := s.db.Purchases(c.Request().Context(), project.ID, currentUser(c).ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, list(ps, ""))
}

func (s *Server) listPurchases(c echo.Context) error {
	project, err := s.project(c, c.Param("id"))
	if err != nil {
		return err
	}
	ps, err := s.db.Purchases(c.Request().Context(), project.ID, "")
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, list(ps, ""))
}

func (s *Server) markPaid(c echo.Context) error {
	ctx := c.Request().Context()
	p, err := s.purchase(c)
	if err != nil {
		return err
	}
	if _, err := s.db.MarkPaid(ctx, p.ID); err != nil {
		return err
	}
	p, err = s.db.Purchase(ctx, p.ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, p)
}

type downloadItem struct {
	PhotoID   string    `json:"photoId"`
	URL       string    `json:"url"`
	ExpiresAt time.Time `json:"expiresAt"`
}

// downloads hands out short-lived links to the EXIF-free full-resolution
// files of a paid order, and to a zip of them all once it is built.
func (s *Server) downloads(c echo.Context) error {
	ctx := c.Request().Context()
	p, err := s.purchase(c)
	if err != nil {
		return err
	}
	if p.Status != store.PurchasePaid {
		return newError(http.StatusForbidden, "not_paid", "Downloads unlock once the order is paid.")
	}
	items := []downloadItem{}
	pending := 0
	for i, id := range p.PhotoIDs {
		ph, err := s.db.Photo(ctx, p.ProjectID, id)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		if !ph.CleanReady {
			pending++
			continue
		}
		url, exp, err := s.blobs.PresignGet(ctx, store.PhotoKey(ph.ProjectID, ph.ID, "clean.jpg"), s.cfg.DownloadTTL,
			blob.GetOptions{Filename: fmt.Sprintf("photo-%03d.jpg", i+1)})
		if err != nil {
			return err
		}
		items = append(items, downloadItem{PhotoID: ph.ID, URL: url, ExpiresAt: exp})
	}
	if pending > 0 {
		// New tags on an "all" package, or preparation still running.
		if err := s.db.Enqueue(ctx, store.JobPreparePurchase, store.PurchasePayload{PurchaseID: p.ID}); err != nil {
			return err
		}
	}
	resp := map[string]any{"items": items, "pending": pending}
	if n, err := s.db.ArchiveCount(ctx, p.ID); err == nil && n > 0 && n == len(p.PhotoIDs) {
		url, exp, err := s.blobs.PresignGet(ctx, store.ArchiveKey(p.ProjectID, p.ID), s.cfg.DownloadTTL, blob.GetOptions{Filename: "photos.zip"})
		if err != nil {
			return err
		}
		resp["archive"] = map[string]any{"url": url, "expiresAt": exp, "photoCount": n}
	}
	return c.JSON(http.StatusOK, resp)
}
