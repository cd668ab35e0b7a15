package main

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/parley-chat/parley/bots"
	"github.com/parley-chat/parley/channels"
	"github.com/parley-chat/parley/channels/realtime"
	"github.com/parley-chat/parley/search"
	"github.com/parley-chat/parley/ui"
	"github.com/parley-chat/parley/webhooks"
)

// newRouter builds the HTTP server of a started app (see app.Start):
// middleware, the /api/v1 group with every package's routes, operations
// endpoints, and the web client as catch-all. It only mounts: what runs in
// the background was started by app.Start.
func newRouter(a *app) (*gin.Engine, error) {
	gin.SetMode(gin.ReleaseMode)
	metrics, publicURL, hub := a.metrics, a.publicURL, a.hub

	r := gin.New()
	// Only named proxies may set the client IP that per-IP limits key on.
	if err := r.SetTrustedProxies(a.cfg.trustedProxies()); err != nil {
		return nil, fmt.Errorf("trusted proxies: %w", err)
	}
	r.HandleMethodNotAllowed = true
	r.ContextWithFallback = true
	r.Use(recovery(a.log), requestID, accessLog(a.log), metrics.observe, securityHeaders)

	r.GET("/healthz", healthz(a))

	api := r.Group("/api/v1")
	// Loaded on first request: validating the description takes a while,
	// which start-up need not wait for (the tests validate it).
	api.GET("/openapi.json", func(c *gin.Context) {
		spec, err := openAPIJSON()
		if err != nil {
			a.log.Error("openapi", "err", err)
			c.AbortWithStatusJSON(http.StatusInternalServerError, gin.H{"error": channels.HTTPError{Code: "internal_error", Message: "internal server error"}})
			return
		}
		c.Data(http.StatusOK, "application/json", spec)
	})
	// One budget per user, whichever API the requests come through.
	userLimiter := channels.NewRateLimiter(a.cfg.RateLimit, a.cfg.RateBurst)
	core := channels.NewHandler(a.svc, a.log, channels.HTTPOptions{
		SecureCookies: strings.HasPrefix(publicURL, "https://"),
		MaxBodyBytes:  a.cfg.MaxBodyBytes,
		Limiter:       userLimiter,
		LoginLimiter:  loginLimiter(a.cfg),
		UploadTimeout: a.cfg.UploadTimeout,
	})
	core.Routes(api)
	realtime.NewHandler(hub, core, a.log).Routes(api)
	bots.NewSlackAPI(a.svc, hub, a.log, bots.SlackOptions{PublicURL: publicURL, MaxBodyBytes: a.cfg.MaxBodyBytes, Limiter: userLimiter,
		UploadTimeout: a.cfg.UploadTimeout}).Routes(r)
	bots.NewHandler(a.bots, core, a.log).Routes(api)
	webhooks.NewOutgoingHandler(a.outgoing, core, a.log).Routes(api)
	search.NewHandler(a.search, core, a.log).Routes(api)
	api.GET("/admin/status", core.RequireAuth, adminStatus(a))
	bots.NewCommandsHandler(a.commands, core, a.log, a.cfg.MaxBodyBytes).Routes(r, api)
	webhooks.NewIncomingHandler(a.incoming, core, a.log, webhooks.IncomingHTTPOptions{PublicURL: publicURL, MaxBodyBytes: a.cfg.MaxBodyBytes}).Routes(r, api)

	client, err := ui.New()
	if err != nil {
		return nil, err
	}
	r.NoRoute(func(c *gin.Context) {
		if strings.HasPrefix(c.Request.URL.Path, "/api/") {
			c.JSON(http.StatusNotFound, gin.H{"error": channels.HTTPError{Code: "route_not_found", Message: "no such API route"}})
			return
		}
		c.Status(http.StatusOK) // gin presets 404 for NoRoute; the client sets its own errors
		client.ServeHTTP(c.Writer, c.Request)
	})
	r.NoMethod(func(c *gin.Context) {
		c.JSON(http.StatusMethodNotAllowed, gin.H{"error": channels.HTTPError{Code: "method_not_allowed", Message: "method not allowed on this route"}})
	})
	return r, nil
}

// loginLimiter slows password guessing: one attempt a second per IP, in
// bursts of 20. It is off when rate limiting is off.
func loginLimiter(cfg Config) *channels.RateLimiter {
	if cfg.RateLimit == 0 {
		return nil
	}
	return channels.NewRateLimiter(1, 20)
}

func healthz(a *app) gin.HandlerFunc {
	return func(c *gin.Context) {
		if err := a.db.Reader.PingContext(c.Request.Context()); err != nil {
			c.JSON(http.StatusServiceUnavailable, gin.H{"status": "unavailable"})
			return
		}
		c.JSON(http.StatusOK, gin.H{"status": "ok"})
	}
}

// recovery turns a panic into a logged 500 with the error envelope.
func recovery(logger *slog.Logger) gin.HandlerFunc {
	return gin.CustomRecoveryWithWriter(nil, func(c *gin.Context, err any) {
		logger.Error("panic", "route", c.FullPath(), "request_id", c.GetString("request_id"), "panic", err)
		c.AbortWithStatusJSON(http.StatusInternalServerError, gin.H{"error": channels.HTTPError{Code: "internal_error", Message: "internal server error"}})
	})
}

// requestID takes the caller's X-Request-ID, or makes one, and echoes it.
func requestID(c *gin.Context) {
	id := c.GetHeader("X-Request-ID")
	if id == "" || len(id) > 64 {
		var b [8]byte
		_, _ = rand.Read(b[:])
		id = hex.EncodeToString(b[:])
	}
	c.Set("request_id", id)
	c.Header("X-Request-ID", id)
	c.Next()
}

// accessLog logs each request by route template (never the raw URL, which
// may carry a token).
func accessLog(logger *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		status := c.Writer.Status()
		level := slog.LevelDebug
		if status >= 500 {
			level = slog.LevelError
		}
		if !logger.Enabled(c.Request.Context(), level) {
			return
		}
		logger.Log(c.Request.Context(), level, "request", "method", c.Request.Method, "route", c.FullPath(),
			"status", status, "duration", time.Since(start), "request_id", c.GetString("request_id"), "user_id", c.GetInt64("user_id"))
	}
}

func securityHeaders(c *gin.Context) {
	h := c.Writer.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	c.Next()
}
