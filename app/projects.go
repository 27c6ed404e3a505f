package app

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"lightbox/store"
)

type projectRequest struct {
	Name              *string  `json:"name"`
	Date              *string  `json:"date"`
	Location          *string  `json:"location"`
	Latitude          *float64 `json:"latitude"`
	Longitude         *float64 `json:"longitude"`
	Timezone          *string  `json:"timezone"`
	Currency          *string  `json:"currency"`
	WatermarkText     *string  `json:"watermarkText"`
	GalleryVisibility *string  `json:"galleryVisibility"`
	// FaceThreshold sets the similarity from which the built-in face
	// engine tags an attendee; 0 goes back to the engine's default.
	FaceThreshold *float64 `json:"faceThreshold"`
}

// Bounds of a project's face-matching threshold: below, strangers match;
// above, people stop matching themselves.
const minFaceThreshold, maxFaceThreshold = 0.3, 0.95

// apply copies the given fields onto p and validates the result.
func (r projectRequest) apply(p *store.Project) map[string]string {
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = strings.TrimSpace(*src)
		}
	}
	set(&p.Name, r.Name)
	set(&p.Date, r.Date)
	set(&p.Location, r.Location)
	set(&p.Timezone, r.Timezone)
	set(&p.WatermarkText, r.WatermarkText)
	set(&p.GalleryVisibility, r.GalleryVisibility)
	if r.Currency != nil {
		p.Currency = strings.ToUpper(strings.TrimSpace(*r.Currency))
	}
	if r.Latitude != nil {
		p.Latitude = r.Latitude
	}
	if r.Longitude != nil {
		p.Longitude = r.Longitude
	}
	f := map[string]string{}
	if t := r.FaceThreshold; t != nil {
		switch {
		case *t == 0:
			p.FaceThreshold = nil
		case math.IsNaN(*t) || *t < minFaceThreshold || *t > maxFaceThreshold:
			f["faceThreshold"] = fmt.Sprintf("Use a similarity from %.2f (more matches, more mistakes) to %.2f (fewer), or 0 for the default.",
				minFaceThreshold, maxFaceThreshold)
		default:
			p.FaceThreshold = t
		}
	}
	if p.Name == "" {
		f["name"] = "Give the event a name."
	} else if len(p.Name) > 200 {
		f["name"] = "Use at most 200 characters."
	}
	if _, err := time.Parse("2006-01-02", p.Date); err != nil {
		f["date"] = "Use a date like 2026-06-21."
	}
	if len(p.Location) > 300 {
		f["location"] = "Use at most 300 characters."
	}
	if p.Timezone == "" {
		f["timezone"] = "Choose the event's time zone."
	} else if _, err := time.LoadLocation(p.Timezone); err != nil || p.Timezone == "Local" {
		f["timezone"] = "Not a known time zone (use a name like Europe/Paris)."
	}
	if !validCurrency(p.Currency) {
		f["currency"] = "Use a three-letter ISO 4217 currency code like EUR or USD."
	}
	if (p.Latitude == nil) != (p.Longitude == nil) {
		f["latitude"] = "Give both latitude and longitude, or neither."
	}
	if p.Latitude != nil && (math.IsNaN(*p.Latitude) || *p.Latitude < -90 || *p.Latitude > 90) {
		f["latitude"] = "Latitude is between -90 and 90."
	}
	if p.Longitude != nil && (math.IsNaN(*p.Longitude) || *p.Longitude < -180 || *p.Longitude > 180) {
		f["longitude"] = "Longitude is between -180 and 180."
	}
	if len(p.WatermarkText) > 80 {
		f["watermarkText"] = "Use at most 80 characters."
	}
	if p.GalleryVisibility != "tagged" && p.GalleryVisibility != "all" {
		f["galleryVisibility"] = `Use "tagged" (attendees see only their photos) or "all".`
	}
	return f
}

func (s *Server) createProject(c echo.Context) error {
	var req projectRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	p := store.Project{GalleryVisibility: "tagged"}
	if f := req.apply(&p); len(f) > 0 {
		return invalid(f)
	}
	if p.WatermarkText == "" {
		p.WatermarkText = s.cfg.StudioName
	}
	if err := s.db.CreateProject(c.Request().Context(), &p); err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, p)
}

func (s *Server) updateProject(c echo.Context) error {
	p, err := s.db.Project(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	var req projectRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	if f := req.apply(&p); len(f) > 0 {
		return invalid(f)
	}
	if err := s.db.UpdateProject(c.Request().Context(), &p); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, p)
}

func (s *Server) deleteProject(c echo.Context) error {
	if err := s.db.DeleteProject(c.Request().Context(), c.Param("id")); err != nil {
		return err
	}
	return c.NoContent(http.StatusAccepted)
}

func (s *Server) listProjects(c echo.Context) error {
	ctx := c.Request().Context()
	u := currentUser(c)
	var ps []store.Project
	var err error
	if u.Role == store.RoleOperator {
		ps, err = s.db.Projects(ctx)
	} else {
		ps, err = s.db.ProjectsOfUser(ctx, u.ID)
	}
	if err != nil {
		return err
	}
	if u.Role != store.RoleOperator {
		return c.JSON(http.StatusOK, list(ps, ""))
	}
	views := make([]projectView, len(ps))
	for i := range ps {
		st, err := s.db.Stats(ctx, ps[i].ID)
		if err != nil {
			return err
		}
		ps[i].Stats = &st
		views[i].Project = ps[i]
		if views[i].Cover, err = s.cover(ctx, ps[i].ID); err != nil {
			return err
		}
	}
	return c.JSON(http.StatusOK, list(views, ""))
}

// projectView is a project on the operator's dashboard, with its first
// ready photo as a cover (absent until a photo is ready).
type projectView struct {
	store.Project
	Cover *photoView `json:"cover,omitempty"`
}

// cover presigns the project's first ready photo, as the photo list does.
func (s *Server) cover(ctx context.Context, projectID string) (*photoView, error) {
	photos, _, err := s.db.Photos(ctx, store.PhotoFilter{ProjectID: projectID, Status: store.PhotoReady, Limit: 1})
	if err != nil || len(photos) == 0 {
		return nil, err
	}
	v, err := s.view(ctx, photos[0], false)
	return &v, err
}

func (s *Server) getProject(c echo.Context) error {
	p, err := s.project(c, c.Param("id"))
	if err != nil {
		return err
	}
	if currentUser(c).Role == store.RoleOperator {
		st, err := s.db.Stats(c.Request().Context(), p.ID)
		if err != nil {
			return err
		}
		p.Stats = &st
	}
	return c.JSON(http.StatusOK, p)
}

// project loads a project the current user may see: any for operators,
// only their own for attendees (others read as not found).
func (s *Server) project(c echo.Context, id string) (store.Project, error) {
	ctx := c.Request().Context()
	u := currentUser(c)
	var p store.Project
	var err error
	if u.Role == store.RoleOperator {
		p, err = s.db.Project(ctx, id)
	} else {
		p, err = s.db.ProjectOfMember(ctx, id, u.ID)
	}
	if errors.Is(err, store.ErrNotFound) {
		return p, errNotFound
	}
	return p, err
}

// iso4217 lists the active ISO 4217 currency codes.
const iso4217 = "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK " +
	"DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD " +
	"KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON " +
	"RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VES VND VUV WST XAF XCD " +
	"XCG XOF XPF YER ZAR ZMW ZWG"

func validCurrency(code string) bool {
	return len(code) == 3 && strings.Contains(" "+iso4217+" ", " "+code+" ")
}
