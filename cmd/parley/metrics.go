package main

import (
	"context"
	"math"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/parley-chat/parley/channels/realtime"
	"github.com/parley-chat/parley/search"
	"github.com/parley-chat/parley/webhooks"
)

// metrics are the server's Prometheus metrics, on their own registry.
type metrics struct {
	registry *prometheus.Registry
	duration *prometheus.HistogramVec
	// webhookAttempts counts (as _count) and times outgoing webhook
	// delivery attempts by result.
	webhookAttempts *prometheus.HistogramVec
}

func newMetrics() *metrics {
	m := &metrics{registry: prometheus.NewRegistry()}
	m.duration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "parley_http_request_duration_seconds",
		Help:    "HTTP request latency by route template, method and status.",
		Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14),
	}, []string{"route", "method", "status"})
	m.webhookAttempts = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "parley_webhook_delivery_attempts_seconds",
		Help:    "Outgoing webhook delivery attempts by result (succeeded, retrying, failed) and the receiver's response time.",
		Buckets: prometheus.ExponentialBuckets(0.001, 2, 15),
	}, []string{"result"})
	m.registry.MustRegister(m.duration, m.webhookAttempts, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func (m *metrics) observe(c *gin.Context) {
	start := time.Now()
	c.Next()
	route := c.FullPath()
	if route == "" {
		route = "unmatched"
	}
	m.duration.WithLabelValues(route, c.Request.Method, strconv.Itoa(c.Writer.Status())).Observe(time.Since(start).Seconds())
}

// watchOutgoing exports the outgoing webhooks' queue.
func (m *metrics) watchOutgoing(out *webhooks.Outgoing) {
	m.registry.MustRegister(&statusCollector[webhooks.OutgoingStats]{read: out.Stats, series: []series[webhooks.OutgoingStats]{
		gauge("parley_webhook_deliveries_pending", "Outgoing webhook deliveries waiting for an attempt or a retry.",
			func(st webhooks.OutgoingStats) float64 { return float64(st.Pending) }),
		gauge("parley_webhook_dispatch_lag_events", "Event-log entries the outgoing webhook dispatcher has not read yet.",
			func(st webhooks.OutgoingStats) float64 { return float64(st.Lag) }),
	}})
}

// observeWebhookAttempt records one outgoing webhook delivery attempt.
func (m *metrics) observeWebhookAttempt(result string, latency time.Duration) {
	m.webhookAttempts.WithLabelValues(result).Observe(latency.Seconds())
}

// watchSearch exports the search indexer's progress.
func (m *metrics) watchSearch(ix *search.Indexer) {
	m.registry.MustRegister(&statusCollector[search.Status]{read: ix.Status, series: []series[search.Status]{
		gauge("parley_search_index_lag_events", "Event-log entries the search indexer has not indexed yet.",
			func(st search.Status) float64 { return float64(st.Lag) }),
		gauge("parley_search_index_failing", "1 while the search indexer's last attempt failed (it retries with backoff).",
			func(st search.Status) float64 {
				if st.LastError != "" {
					return 1
				}
				return 0
			}),
		counter("parley_search_indexed_documents_total", "Documents written to the search index since start.",
			func(st search.Status) float64 { return float64(st.Indexed) }),
	}})
}

// watchHub exports the realtime gateway's numbers.
func (m *metrics) watchHub(hub *realtime.Hub) {
	stats := func(context.Context) (realtime.HubStats, error) { return hub.Stats(), nil }
	m.registry.MustRegister(&statusCollector[realtime.HubStats]{read: stats, series: []series[realtime.HubStats]{
		gauge("parley_ws_connections", "Open WebSocket connections.",
			func(st realtime.HubStats) float64 { return float64(st.Connections) }),
		counter("parley_ws_slow_closed_total", "WebSocket connections closed because the client fell behind.",
			func(st realtime.HubStats) float64 { return float64(st.SlowClosed) }),
		gauge("parley_ws_dispatched_seq", "The last event-log seq fanned out to WebSocket clients.",
			func(st realtime.HubStats) float64 { return float64(st.Dispatched) }),
	}})
}

// statusCollector exports several series read from one status call per
// scrape (the status may cost a query or two).
type statusCollector[T any] struct {
	read   func(context.Context) (T, error)
	series []series[T]
}

type series[T any] struct {
	desc  *prometheus.Desc
	kind  prometheus.ValueType
	value func(T) float64
}

func gauge[T any](name, help string, value func(T) float64) series[T] {
	return series[T]{prometheus.NewDesc(name, help, nil, nil), prometheus.GaugeValue, value}
}

func counter[T any](name, help string, value func(T) float64) series[T] {
	return series[T]{prometheus.NewDesc(name, help, nil, nil), prometheus.CounterValue, value}
}

func (c *statusCollector[T]) Describe(ch chan<- *prometheus.Desc) {
	for _, s := range c.series {
		ch <- s.desc
	}
}

func (c *statusCollector[T]) Collect(ch chan<- prometheus.Metric) {
	st, err := c.read(context.Background())
	for _, s := range c.series {
		v := math.NaN()
		if err == nil {
			v = s.value(st)
		}
		ch <- prometheus.MustNewConstMetric(s.desc, s.kind, v)
	}
}

// serveMetrics serves the Prometheus metrics on their own listener, so that
// route names and counts are never public; it returns a function that stops
// it.
func serveMetrics(ln net.Listener, registry *prometheus.Registry) func() {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(registry, promhttp.HandlerOpts{}))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return func() { _ = srv.Close() }
}
