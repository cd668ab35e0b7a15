package bench

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/parley-chat/parley/bots"
	"github.com/parley-chat/parley/channels"
	"github.com/parley-chat/parley/search"
	"github.com/parley-chat/parley/webhooks"
)

// Workspace is a data folder opened with the product's services, for
// seeding it before a server starts on it.
type Workspace struct {
	Core     *channels.Service
	Bots     *bots.Service
	Incoming *webhooks.IncomingService
	// Indexer builds the search index of a generated corpus (unstarted).
	Indexer *search.Indexer
}

// Opener opens dataDir, creating and migrating it, with the default
// configuration and the cheapest password hashing (the load generator
// holds tokens, never passwords); closeWorkspace closes it.
type Opener func(ctx context.Context, dataDir string) (w *Workspace, closeWorkspace func() error, err error)

// benchWorkload is one entry of the suite.
type benchWorkload struct {
	name  string
	about string
	// run performs one measured run; quick asks for the short version.
	run func(ctx context.Context, env *benchEnv) (benchResult, error)
}

// benchWorkloads is the suite, in the order it runs.
func benchWorkloads() []benchWorkload {
	return []benchWorkload{
		{"post", "32 clients posting through the native API, durable commits", benchPost},
		{"webhook-in", "32 senders on one incoming webhook, Slack JSON with an attachment", benchWebhookIn},
		{"slack-api", "32 bots calling chat.postMessage form-encoded", benchSlackAPI},
		{"fanout", "1,000 WebSocket listeners in one channel; posts at 50/s, 200/s, then flat out", benchFanout},
		{"idle", "10,000 idle authenticated WebSocket connections; server RSS per connection", benchIdle},
		{"resume", "100 clients resume with since after 10,000 messages; time to catch up", benchResume},
		{"search", "query mix on a generated corpus (1M messages) by 4 members of 30 channels; index lag posting 1,000/s", benchSearch},
		{"webhook-out", "8 clients posting, one outgoing webhook delivering to a local receiver", benchWebhookOut},
		{"start", "cold start to healthy and to a search on the search corpus, index caught up", benchStart},
	}
}

// benchResult is what one run measured. Latencies are in milliseconds.
type benchResult struct {
	Workload   string  `json:"workload"`
	Ops        int64   `json:"ops"`
	Seconds    float64 `json:"seconds"`
	Throughput float64 `json:"throughput"`
	Unit       string  `json:"unit"`
	P50        float64 `json:"p50_ms"`
	P99        float64 `json:"p99_ms"`
	Max        float64 `json:"max_ms"`
	Errors     int64   `json:"errors"`
	CPUSeconds float64 `json:"server_cpu_s"`
	PeakRSSKiB int64   `json:"server_peak_rss_kib"`
	// Extra holds a workload's own figures (missing deliveries, KiB per
	// connection, index lag, ...), named with their unit.
	Extra map[string]float64 `json:"extra,omitempty"`
	Runs  int                `json:"runs"`
}

// benchEnv is what a workload gets to work with.
type benchEnv struct {
	bin   string // the parley binary to serve with
	open  Opener // seeds data folders before a server starts on them
	quick bool
	smoke bool   // tiny sizes, for the suite's own test
	tmp   string // a folder for this run's data, removed afterwards
	cache string // a folder kept across runs (generated corpora)
	// serveFlags are added to every server's command line (--serve-flags).
	serveFlags []string
	// progress reports how far the measured phase is, 0..1.
	progress func(done, total int64)
	log      io.Writer
}

// size picks a workload parameter for the run's size: smoke (the test of
// the suite itself), quick, or full.
func (e *benchEnv) size(smoke, quick, full int) int {
	switch {
	case e.smoke:
		return smoke
	case e.quick:
		return quick
	}
	return full
}

// Command is "parley bench": it parses args and runs the selected
// workloads, writing one JSON line per workload and a table to stdout and
// progress to stderr. open seeds the data folders.
func Command(ctx context.Context, args []string, stdout, stderr io.Writer, open Opener) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	quick := fs.Bool("quick", false, "short runs (the whole suite in under 2 minutes)")
	smoke := fs.Bool("smoke", false, "tiny runs that only check every workload works (the suite's own test)")
	only := fs.String("only", "", "comma-separated workloads to run (default: all)")
	runs := fs.Int("runs", 3, "runs per workload; each figure is the median of the runs")
	bin := fs.String("bin", "", "parley binary to benchmark (default: this one)")
	cache := fs.String("cache", "", "folder for generated corpora kept between runs (default: the user cache folder)")
	jsonOut := fs.String("json", "", "also append the JSON lines to this file")
	serveFlags := fs.String("serve-flags", "", `extra flags for the benchmarked servers, e.g. "--sqlite-sync normal"`)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *runs < 1 {
		return fmt.Errorf("--runs must be at least 1")
	}
	if *bin == "" {
		exe, err := os.Executable()
		if err != nil {
			return fmt.Errorf("find this binary: %w", err)
		}
		*bin = exe
	}
	if *cache == "" {
		dir, err := os.UserCacheDir()
		if err != nil {
			dir = os.TempDir()
		}
		*cache = filepath.Join(dir, "parley-bench")
	}
	if err := os.MkdirAll(*cache, 0o755); err != nil {
		return fmt.Errorf("cache folder: %w", err)
	}
	selected, err := selectWorkloads(benchWorkloads(), *only)
	if err != nil {
		return err
	}
	raiseFileLimit()

	var jsonFile io.Writer = io.Discard
	if *jsonOut != "" {
		f, err := os.OpenFile(*jsonOut, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
		if err != nil {
			return fmt.Errorf("open %s: %w", *jsonOut, err)
		}
		defer f.Close()
		jsonFile = f
	}
	fmt.Fprintf(stderr, "parley bench: %d workload(s), %d run(s) each%s\n", len(selected), *runs, map[bool]string{true: ", quick"}[*quick])
	var results []benchResult
	for _, w := range selected {
		var got []benchResult
		for r := 0; r < *runs; r++ {
			if err := ctx.Err(); err != nil {
				return err
			}
			env := &benchEnv{bin: *bin, open: open, quick: *quick, smoke: *smoke, cache: *cache, serveFlags: strings.Fields(*serveFlags), log: stderr}
			res, err := runWorkload(ctx, w, env, r, *runs)
			if err != nil {
				return fmt.Errorf("%s run %d: %w", w.name, r+1, err)
			}
			got = append(got, res)
		}
		med := medianResult(got)
		results = append(results, med)
		line, err := json.Marshal(med)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s\n", line)
		fmt.Fprintf(jsonFile, "%s\n", line)
	}
	printBenchTable(stdout, results)
	return nil
}

// WorkloadNames lists the suite's workloads in the order they run.
func WorkloadNames() []string {
	var names []string
	for _, w := range benchWorkloads() {
		names = append(names, w.name)
	}
	return names
}

func selectWorkloads(all []benchWorkload, only string) ([]benchWorkload, error) {
	if only == "" {
		return all, nil
	}
	var out []benchWorkload
	for _, name := range strings.Split(only, ",") {
		name = strings.TrimSpace(name)
		i := slices.IndexFunc(all, func(w benchWorkload) bool { return w.name == name })
		if i < 0 {
			return nil, fmt.Errorf("unknown workload %q (have %s)", name, strings.Join(WorkloadNames(), ", "))
		}
		out = append(out, all[i])
	}
	return out, nil
}

// runWorkload runs w once in a data folder of its own.
func runWorkload(ctx context.Context, w benchWorkload, env *benchEnv, run, runs int) (benchResult, error) {
	tmp, err := os.MkdirTemp("", "parley-bench-")
	if err != nil {
		return benchResult{}, err
	}
	defer os.RemoveAll(tmp)
	bar := newBenchProgress(env.log, fmt.Sprintf("%-12s run %d/%d", w.name, run+1, runs))
	env.tmp, env.progress = tmp, bar.set
	start := time.Now()
	res, err := w.run(ctx, env)
	bar.done(err == nil, time.Since(start))
	res.Workload, res.Runs = w.name, 1
	return res, err
}

// medianResult takes the median of each figure over the runs.
func medianResult(rs []benchResult) benchResult {
	med := func(f func(benchResult) float64) float64 {
		v := make([]float64, len(rs))
		for i, r := range rs {
			v[i] = f(r)
		}
		return median(v)
	}
	out := benchResult{
		Workload:   rs[0].Workload,
		Unit:       rs[0].Unit,
		Runs:       len(rs),
		Ops:        int64(med(func(r benchResult) float64 { return float64(r.Ops) })),
		Seconds:    med(func(r benchResult) float64 { return r.Seconds }),
		Throughput: med(func(r benchResult) float64 { return r.Throughput }),
		P50:        med(func(r benchResult) float64 { return r.P50 }),
		P99:        med(func(r benchResult) float64 { return r.P99 }),
		Max:        med(func(r benchResult) float64 { return r.Max }),
		Errors:     int64(med(func(r benchResult) float64 { return float64(r.Errors) })),
		CPUSeconds: med(func(r benchResult) float64 { return r.CPUSeconds }),
		PeakRSSKiB: int64(med(func(r benchResult) float64 { return float64(r.PeakRSSKiB) })),
	}
	for k := range rs[0].Extra {
		if out.Extra == nil {
			out.Extra = map[string]float64{}
		}
		out.Extra[k] = med(func(r benchResult) float64 { return r.Extra[k] })
	}
	return out
}

// median of v (the mean of the middle two for an even count).
func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func printBenchTable(w io.Writer, rs []benchResult) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "workload\tthroughput\tunit\tp50 ms\tp99 ms\tmax ms\terrors\tcpu s\tpeak RSS MiB\textra\t")
	for _, r := range rs {
		var extra []string
		for _, k := range slices.Sorted(maps.Keys(r.Extra)) {
			extra = append(extra, fmt.Sprintf("%s=%.4g", k, r.Extra[k]))
		}
		fmt.Fprintf(tw, "%s\t%.0f\t%s\t%.2f\t%.2f\t%.2f\t%d\t%.1f\t%.0f\t%s\t\n", r.Workload, r.Throughput, r.Unit,
			r.P50, r.P99, r.Max, r.Errors, r.CPUSeconds, float64(r.PeakRSSKiB)/1024, strings.Join(extra, " "))
	}
	tw.Flush()
}
