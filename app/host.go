package app

import (
	"strings"
	"sync"

	"github.com/labstack/echo/v4"

	"lightbox/store"
)

// maxWarnedHosts bounds the hosts remembered for the "other host" warning:
// the Host header is the client's to choose.
const maxWarnedHosts = 32

// hostWatch notices requests that arrive at another host than PUBLIC_URL's
// (a LAN IP, 127.0.0.1 for localhost, a proxy that rewrites Host). They
// work, but the links in emails point at PUBLIC_URL, so the operator is
// told once per host in the log and on every backoffice page.
type hostWatch struct {
	public string // PUBLIC_URL's host[:port], lower case
	mu     sync.Mutex
	warned map[string]bool
}

func newHostWatch(publicHost string) *hostWatch {
	return &hostWatch{public: strings.ToLower(publicHost), warned: map[string]bool{}}
}

// other returns the request's host when it is not PUBLIC_URL's, else "".
func (h *hostWatch) other(c echo.Context) string {
	host := strings.ToLower(c.Request().Host)
	if host == "" || host == h.public {
		return ""
	}
	return host
}

// firstTime reports whether host has not been warned about yet; past
// maxWarnedHosts hosts it reports false.
func (h *hostWatch) firstTime(host string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.warned[host] || len(h.warned) >= maxWarnedHosts {
		return false
	}
	h.warned[host] = true
	return true
}

// watchHost logs the first request at each other host. Health checks are
// left out: platforms send them to an internal address.
func (s *Server) watchHost(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if host := s.hosts.other(c); host != "" && c.Request().URL.Path != "/v1/health" && s.hosts.firstTime(host) {
			s.log.Warn("a request arrived at another host than PUBLIC_URL's: pages and photos work there, but links in emails point at PUBLIC_URL; set PUBLIC_URL to the address people use",
				"host", host, "public_url", s.cfg.PublicURL)
		}
		return next(c)
	}
}

// hostNotice is the backoffice banner about another host.
type hostNotice struct{ Host, PublicURL string }

// otherHost returns the banner for an operator's page opened at another
// host than PUBLIC_URL's, else nil.
func (s *Server) otherHost(c echo.Context) *hostNotice {
	if u := currentUser(c); u == nil || u.Role != store.RoleOperator {
		return nil
	}
	if host := s.hosts.other(c); host != "" {
		return &hostNotice{Host: host, PublicURL: s.cfg.PublicURL}
	}
	return nil
}
