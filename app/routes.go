package app

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

// routes lists the whole HTTP surface.
func (s *Server) routes() {
	e := s.echo
	e.GET("/v1/health", s.health)
	e.GET("/static/*", s.static)
	if s.local != nil {
		// The embedded object store: signed, expiring URLs only.
		blobs := echo.WrapHandler(http.StripPrefix("", s.local))
		e.GET("/blobs/*", blobs)
		e.HEAD("/blobs/*", blobs)
		e.PUT("/blobs/*", blobs)
	}

	// Stripe calls this with its own signature; no session, no CSRF.
	e.POST("/v1/stripe/webhook", s.stripeWebhook, middleware.BodyLimit("256K"))

	v1 := e.Group("/v1", middleware.BodyLimit("2M"), s.authenticate, s.csrf)
	v1.POST("/auth/login", s.login)
	v1.POST("/auth/logout", s.logout)
	v1.POST("/auth/password-reset", s.requestReset)
	v1.POST("/auth/password-reset/confirm", s.confirmReset)
	v1.POST("/invites/accept", s.acceptInvite)
	v1.GET("/invites/:token", s.inviteInfo, hideParams)
	v1.POST("/setup", s.createFirstOperator)

	user := v1.Group("", requireUser)
	user.GET("/me", s.me)
	user.GET("/config", s.config)
	user.POST("/me/consent", s.giveConsent)
	user.DELETE("/me/consent", s.withdrawConsent)
	user.POST("/selfies", s.createSelfie)
	user.POST("/selfies/:id/complete", s.completeSelfie)
	user.GET("/me/selfie", s.mySelfie)
	user.DELETE("/me/selfie", s.deleteMySelfie)
	user.DELETE("/me/tags/:photoId", s.removeMyTag)
	user.GET("/projects", s.listProjects)
	user.GET("/projects/:id", s.getProject)
	user.GET("/projects/:id/packages", s.listPackages)
	user.GET("/projects/:id/my-photos", s.myPhotos)
	user.GET("/projects/:id/my-purchases", s.myPurchases)
	user.POST("/purchases", s.createPurchase)
	user.GET("/purchases/:id", s.getPurchase)
	user.GET("/purchases/:id/downloads", s.downloads)

	op := v1.Group("", requireOperator)
	op.POST("/projects", s.createProject)
	op.PATCH("/projects/:id", s.updateProject)
	op.DELETE("/projects/:id", s.deleteProject)
	op.POST("/projects/:id/photos", s.createPhotos)
	op.GET("/projects/:id/photos", s.listPhotos)
	op.POST("/projects/:id/photos/:photoId/complete", s.completePhoto)
	op.DELETE("/projects/:id/photos/:photoId", s.deletePhoto)
	op.POST("/projects/:id/invites", s.createInvites)
	op.GET("/projects/:id/invites", s.listInvites)
	op.POST("/projects/:id/invites/:inviteId/resend", s.resendInvite)
	op.DELETE("/projects/:id/invites/:inviteId", s.revokeInvite)
	op.GET("/projects/:id/attendees", s.listAttendees)
	op.POST("/projects/:id/packages", s.createPackage)
	op.PATCH("/projects/:id/packages/:packageId", s.updatePackage)
	op.GET("/projects/:id/purchases", s.listPurchases)
	op.POST("/purchases/:id/mark-paid", s.markPaid)
	op.GET("/projects/:id/tags", s.listTags)
	op.DELETE("/tags/:id", s.removeTag)
	op.GET("/projects/:id/face-reviews", s.listFaceReviews)
	op.POST("/face-reviews/:id", s.decideFaceReview)
	op.GET("/jobs", s.listJobs)
	op.POST("/jobs/:id/retry", s.retryJob)
	op.GET("/outbox", s.outbox)
	op.POST("/selfies/process-pending", s.processPendingSelfies)
	op.GET("/timezone", s.timezone)

	// Prometheus metrics for operators (or on METRICS_ADDR, unauthenticated, for a scraper on a private address).
	e.GET("/metrics", echo.WrapHandler(s.MetricsHandler()), s.authenticate, requireOperator)

	s.pageRoutes()
}
