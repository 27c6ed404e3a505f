package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
)

// timezoneTimeout bounds a look-up: the form only preselects a zone, so a
// slow answer is not worth waiting for.
const timezoneTimeout = 5 * time.Second

var (
	errPlacesOff = newError(http.StatusNotFound, "not_configured", "Location search is not set up on this server.")
	errNoZone    = newError(http.StatusNotFound, "not_found", "No time zone is known for that place.")
	errZoneDown  = newError(http.StatusBadGateway, "timezone_unavailable",
		"The time zone could not be looked up right now. Choose it from the list.")
)

// timezone answers which time zone a point is in, so the project form can
// preselect it once a place is picked. Google's Time Zone API is asked
// from here because it cannot be called from a browser.
func (s *Server) timezone(c echo.Context) error {
	if s.serverKey() == "" {
		return errPlacesOff
	}
	f := map[string]string{}
	lat, ok := coordinate(c.QueryParam("lat"), 90)
	if !ok {
		f["lat"] = "Latitude is a number between -90 and 90."
	}
	lng, ok := coordinate(c.QueryParam("lng"), 180)
	if !ok {
		f["lng"] = "Longitude is a number between -180 and 180."
	}
	if len(f) > 0 {
		return invalid(f)
	}
	zone, err := s.lookupZone(c.Request().Context(), lat, lng)
	switch {
	case errors.Is(err, errNoZone):
		return errNoZone
	case err != nil:
		s.log.Warn("time zone look-up failed", "request_id", c.Response().Header().Get(echo.HeaderXRequestID), "err", err)
		return errZoneDown
	}
	return c.JSON(http.StatusOK, map[string]string{"timeZoneId": zone})
}

// coordinate parses a latitude or longitude within ±limit degrees.
func coordinate(v string, limit float64) (float64, bool) {
	x, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil || math.IsNaN(x) || x < -limit || x > limit {
		return 0, false
	}
	return x, true
}

// lookupZone asks Google's Time Zone API for the zone at lat,lng. Its
// errors never contain the key: they name the status or the failure, not
// the request URL.
func (s *Server) lookupZone(ctx context.Context, lat, lng float64) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, timezoneTimeout)
	defer cancel()
	q := url.Values{
		"location":  {strconv.FormatFloat(lat, 'f', -1, 64) + "," + strconv.FormatFloat(lng, 'f', -1, 64)},
		"timestamp": {strconv.FormatInt(time.Now().Unix(), 10)},
		"key":       {s.serverKey()},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.cfg.GoogleAPIURL+"/maps/api/timezone/json?"+q.Encode(), nil)
	if err != nil {
		return "", errors.New("time zone request: bad Google API URL")
	}
	req.Header.Set("Accept", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		// A *url.Error quotes the URL, key included; keep only the cause.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return "", fmt.Errorf("time zone request: %s", s.redact(err.Error()))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("time zone request: HTTP %d", resp.StatusCode)
	}
	var out struct {
		Status       string `json:"status"`
		TimeZoneID   string `json:"timeZoneId"`
		ErrorMessage string `json:"errorMessage"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&out); err != nil {
		return "", errors.New("time zone request: the answer is not JSON")
	}
	switch out.Status {
	case "OK":
	case "ZERO_RESULTS":
		return "", errNoZone
	default:
		return "", fmt.Errorf("time zone request: status %s: %s", out.Status, s.redact(out.ErrorMessage))
	}
	if out.TimeZoneID == "" || out.TimeZoneID == "Local" {
		return "", fmt.Errorf("time zone request: no usable zone in the answer (%q)", out.TimeZoneID)
	}
	if _, err := time.LoadLocation(out.TimeZoneID); err != nil {
		return "", fmt.Errorf("time zone request: unknown zone %q", out.TimeZoneID)
	}
	return out.TimeZoneID, nil
}

// serverKey is the Google key for calls made by the server.
func (s *Server) serverKey() string {
	if s.cfg.GoogleServerKey != "" {
		return s.cfg.GoogleServerKey
	}
	return s.cfg.GooglePlacesKey
}

// redact removes the Google keys from text bound for the log.
func (s *Server) redact(text string) string {
	for _, k := range []string{s.cfg.GoogleServerKey, s.cfg.GooglePlacesKey} {
		if k != "" {
			text = strings.ReplaceAll(text, k, "[key]")
		}
	}
	return text
}
