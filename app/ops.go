package app

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
)

// health reports the database and the queue backlog; 503 when the
// database does not answer.
func (s *Server) health(c echo.Context) error {
	ctx := c.Request().Context()
	if err := s.db.Ping(ctx); err != nil {
		s.log.Error("health: database", "err", err)
		return c.JSON(http.StatusServiceUnavailable, map[string]any{"status": "unavailable", "database": "unavailable"})
	}
	resp := map[string]any{"status": "ok", "database": "ok", "version": s.cfg.Version, "time": time.Now().UTC()}
	if depth, err := s.db.QueueDepth(ctx); err == nil {
		total := 0
		for _, n := range depth {
			total += n
		}
		resp["queue"] = map[string]any{"backlog": total, "byKind": depth}
	}
	if n, err := s.db.CountFailedJobs(ctx); err == nil {
		resp["failedJobs"] = n
	}
	return c.JSON(http.StatusOK, resp)
}

func (s *Server) listJobs(c echo.Context) error {
	state := c.QueryParam("state")
	if state != "" && state != "failed" {
		return invalid(map[string]string{"state": `Only state=failed can be listed.`})
	}
	limit, _ := strconv.Atoi(c.QueryParam("limit"))
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	ctx := c.Request().Context()
	jobs, err := s.db.FailedJobs(ctx, limit)
	if err != nil {
		return err
	}
	sj := newSubjects(s.db)
	views := make([]jobView, len(jobs))
	for i, j := range jobs {
		views[i].FailedJob = j
		if views[i].Subject, err = sj.subject(ctx, j); err != nil {
			return err
		}
	}
	return c.JSON(http.StatusOK, list(views, ""))
}

func (s *Server) retryJob(c echo.Context) error {
	j, err := s.db.RetryFailed(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusAccepted, map[string]string{"id": j.ID, "kind": j.Kind, "status": "queued"})
}

func (s *Server) outbox(c echo.Context) error {
	emails, err := s.db.Outbox(c.Request().Context(), 200)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, list(emails, ""))
}
