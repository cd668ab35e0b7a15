package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/pprof"
	"strings"
	"time"
)

// parseConfig reads defaults, the environment and flags for a subcommand.
func parseConfig(name string, args []string, stderr io.Writer, extra func(fs *flag.FlagSet)) (Config, *flag.FlagSet, error) {
	cfg := DefaultConfig()
	fs := flag.NewFlagSet("parley "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	envErr := cfg.bindFlags(fs)
	if extra != nil {
		extra(fs)
	}
	if err := fs.Parse(args); err != nil {
		return cfg, fs, err
	}
	if fs.NArg() > 0 {
		return cfg, fs, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	if err := errors.Join(envErr, cfg.validate()); err != nil {
		return cfg, fs, fmt.Errorf("invalid configuration:\n%w", err)
	}
	return cfg, fs, nil
}

// newHTTPServer is the public listener's server. A request has
// --body-timeout to send its headers and body, so slow bodies cannot hold
// connections open; uploads extend their own deadline once authenticated
// (channels.ExtendReadDeadline), and WebSocket connections set their own
// once upgraded.
func newHTTPServer(cfg Config, h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: min(10*time.Second, cfg.BodyTimeout),
		ReadTimeout:       cfg.BodyTimeout,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
}

// shutdownGrace is how long in-flight requests get after SIGTERM.
const shutdownGrace = 15 * time.Second

func serveCommand(ctx context.Context, args []string, stderr io.Writer) error {
	cfg, _, err := parseConfig("serve", args, stderr, nil)
	if err != nil {
		return err
	}
	logger := newLogger(cfg, stderr)
	a, err := openApp(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer a.Close()

	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Listen, err)
	}
	// The background work lives until serve returns, after the graceful
	// shutdown, not until the signal that starts it.
	bg, stopBackground := context.WithCancel(context.Background())
	defer stopBackground()
	publicURL := cfg.publicURL(ln.Addr())
	if err := a.Start(bg, publicURL); err != nil {
		ln.Close()
		return err
	}
	router, err := newRouter(a)
	if err != nil {
		ln.Close()
		return err
	}
	srv := newHTTPServer(cfg, router)
	go a.svc.RunMaintenance(bg, time.Hour)
	if cfg.DebugListen != "" {
		dln, err := net.Listen("tcp", cfg.DebugListen)
		if err != nil {
			return fmt.Errorf("listen on %s for the profiler: %w", cfg.DebugListen, err)
		}
		logger.Info("profiler listening", "addr", dln.Addr().String())
		defer serveDebug(dln)()
	}
	if cfg.MetricsListen != "" {
		mln, err := net.Listen("tcp", cfg.MetricsListen)
		if err != nil {
			return fmt.Errorf("listen on %s for metrics: %w", cfg.MetricsListen, err)
		}
		// parley bench reads this line for the address (port 0 picks one).
		logger.Info("metrics listening", "addr", mln.Addr().String())
		defer serveMetrics(mln, a.metrics.registry)()
	}

	logger.Info("listening", "addr", ln.Addr().String(), "url", publicURL, "data_dir", cfg.DataDir)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	select {
	case err := <-served:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	stopBackground()
	logger.Info("stopped")
	return nil
}

// serveDebug serves Go's profiler on its own listener, so that it is never
// reachable through the public address; it returns a function that stops it.
func serveDebug(ln net.Listener) func() {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return func() { _ = srv.Close() }
}
