package app

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"lightbox/store"
)

// clientConfig is what a signed-in browser or app may know about the
// server's setup before it acts: how orders are paid, whether face
// matching runs and, for operators, the key for location search.
type clientConfig struct {
	StudioName string `json:"studioName"`
	// Payments is "stripe" (pay online at checkout) or "offline" (pay the
	// photographer, who records the payment).
	Payments       string `json:"payments"`
	PublishableKey string `json:"publishableKey,omitempty"`
	FaceMatching   bool   `json:"faceMatching"`
	// PlacesKey is the Google browser key for location search in the
	// project form; only operators get it, and only when one is set.
	PlacesKey string `json:"placesKey,omitempty"`
}

func (s *Server) config(c echo.Context) error {
	cc := clientConfig{StudioName: s.cfg.StudioName, Payments: "offline", FaceMatching: s.cfg.FaceMatching}
	if s.payments != nil {
		cc.Payments, cc.PublishableKey = "stripe", s.cfg.StripePublishableKey
	}
	if u := currentUser(c); u != nil && u.Role == store.RoleOperator {
		cc.PlacesKey = s.cfg.GooglePlacesKey
	}
	return c.JSON(http.StatusOK, cc)
}
