package bench

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/parley-chat/parley/channels"
	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// benchServer is a "parley serve" process started for one run.
type benchServer struct {
	cmd    *exec.Cmd
	base   string // http://127.0.0.1:PORT
	exited chan struct{}
	out    *bytes.Buffer // the server's log, shown when something fails
	outMu  sync.Mutex

	// metricsBase serves /metrics (--metrics-listen): http://127.0.0.1:PORT
	metricsBase string
}

// benchServeArgs are the flags every benchmarked server gets on top of the
// defaults: loopback, its own data folder, metrics on a loopback port of
// their own, and no per-user or per-hook rate limits, which a load
// generator posting as 32 users would trip by design.
func benchServeArgs(dataDir string) []string {
	return []string{"serve", "--listen", "127.0.0.1:0", "--data-dir", dataDir, "--metrics-listen", "127.0.0.1:0",
		"--rate-limit", "0", "--bot-post-rate", "0", "--incoming-webhook-rate", "0"}
}

// startServer starts the binary on dataDir and waits until it listens.
// extra flags are appended (they win over the bench defaults).
func (e *benchEnv) startServer(ctx context.Context, dataDir string, extra ...string) (*benchServer, error) {
	args := append(append(benchServeArgs(dataDir), e.serveFlags...), extra...)
	cmd := exec.Command(e.bin, args...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PARLEY_") { // the embedded defaults, not this shell's settings
			cmd.Env = append(cmd.Env, kv)
		}
	}
	s := &benchServer{cmd: cmd, exited: make(chan struct{}), out: &bytes.Buffer{}}
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", e.bin, err)
	}
	go func() {
		_ = cmd.Wait()
		pw.Close()
		close(s.exited)
	}()
	// The main and the metrics listener's addresses; the server logs the
	// metrics one first.
	addr := make(chan [2]string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		sent := false
		metrics := ""
		for sc.Scan() {
			line := sc.Text()
			s.outMu.Lock()
			if s.out.Len() < 1<<20 {
				s.out.WriteString(line + "\n")
			}
			s.outMu.Unlock()
			a, ok := logAddr(line)
			switch {
			case !ok || sent:
			case strings.Contains(line, `msg="metrics listening"`):
				metrics = a
			case strings.Contains(line, "msg=listening"):
				addr <- [2]string{a, metrics}
				sent = true
			}
		}
		_, _ = io.Copy(io.Discard, pr)
	}()
	select {
	case a := <-addr:
		s.base, s.metricsBase = "http://"+a[0], "http://"+a[1]
		return s, nil
	case <-s.exited:
		return nil, fmt.Errorf("server exited before listening:\n%s", s.log())
	case <-ctx.Done():
		s.stop()
		return nil, ctx.Err()
	case <-time.After(2 * time.Minute):
		s.stop()
		return nil, fmt.Errorf("server did not listen within 2 minutes:\n%s", s.log())
	}
}

// logAddr is the addr= of a log line.
func logAddr(line string) (string, bool) {
	i := strings.Index(line, "addr=")
	if i < 0 {
		return "", false
	}
	return strings.Fields(line[i+len("addr="):])[0], true
}

func (s *benchServer) pid() int { return s.cmd.Process.Pid }

func (s *benchServer) log() string {
	s.outMu.Lock()
	defer s.outMu.Unlock()
	return s.out.String()
}

// stop ends the server with SIGTERM (SIGKILL after 10 s) and waits for it.
func (s *benchServer) stop() {
	select {
	case <-s.exited:
		return
	default:
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(10 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.exited
	}
}

// cpuSeconds is the server's CPU time so far: the sum of its threads' time
// on a CPU in nanoseconds (/proc/PID/task/*/schedstat), which a phase of a
// few milliseconds still shows. /proc/PID/stat counts whole 10 ms ticks and
// reads 0 for such a phase; it is the fallback where schedstat is missing.
func (s *benchServer) cpuSeconds() (float64, error) {
	if ns, err := threadsRunTime(s.pid()); err == nil {
		return float64(ns) / 1e9, nil
	}
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", s.pid()))
	if err != nil {
		return 0, fmt.Errorf("read server CPU time: %w", err)
	}
	// The command name (field 2) may hold spaces; the fields after it do not.
	rest := string(raw[bytes.LastIndexByte(raw, ')')+2:])
	f := strings.Fields(rest)
	if len(f) < 13 {
		return 0, fmt.Errorf("unexpected /proc stat: %q", raw)
	}
	utime, _ := strconv.ParseFloat(f[11], 64)
	stime, _ := strconv.ParseFloat(f[12], 64)
	return (utime + stime) / 100, nil // clock ticks: USER_HZ is 100 on Linux
}

// threadsRunTime sums the time pid's threads have spent on a CPU, in ns.
func threadsRunTime(pid int) (int64, error) {
	tasks, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/schedstat", pid))
	if err != nil || len(tasks) == 0 {
		return 0, fmt.Errorf("no schedstat for process %d", pid)
	}
	var total int64
	for _, path := range tasks {
		raw, err := os.ReadFile(path)
		if err != nil {
			continue // a thread that just exited
		}
		f := strings.Fields(string(raw))
		if len(f) < 1 {
			return 0, fmt.Errorf("unexpected %s: %q", path, raw)
		}
		ns, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("unexpected %s: %q", path, raw)
		}
		total += ns
	}
	return total, nil
}

// memKiB reads a "Vm..." line (VmRSS, VmHWM) of the server's status in KiB.
func (s *benchServer) memKiB(field string) (int64, error) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.pid()))
	if err != nil {
		return 0, fmt.Errorf("read server memory: %w", err)
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if strings.HasPrefix(line, field+":") {
			f := strings.Fields(line)
			if len(f) >= 2 {
				return strconv.ParseInt(f[1], 10, 64)
			}
		}
	}
	return 0, fmt.Errorf("no %s in /proc/%d/status", field, s.pid())
}

// benchMeter measures the server's CPU time over a phase and its peak RSS.
type benchMeter struct {
	s        *benchServer
	cpuStart float64
	t0       time.Time
}

func (s *benchServer) meter() (*benchMeter, error) {
	cpu, err := s.cpuSeconds()
	if err != nil {
		return nil, err
	}
	return &benchMeter{s: s, cpuStart: cpu, t0: time.Now()}, nil
}

// finish fills the CPU seconds since the meter started and the peak RSS.
func (m *benchMeter) finish(r *benchResult) error {
	cpu, err := m.s.cpuSeconds()
	if err != nil {
		return err
	}
	hwm, err := m.s.memKiB("VmHWM")
	if err != nil {
		return err
	}
	r.CPUSeconds, r.PeakRSSKiB = cpu-m.cpuStart, hwm
	return nil
}

// seed opens dataDir (creating and migrating it) with the product's
// services, runs fn on the workspace, and closes it, before any server is
// started on it. Seeding through the services is much faster than through
// HTTP and does not trip the sign-up limits.
func (e *benchEnv) seed(ctx context.Context, dataDir string, fn func(w *Workspace) error) error {
	w, closeWorkspace, err := e.open(ctx, dataDir)
	if err != nil {
		return fmt.Errorf("open %s: %w", dataDir, err)
	}
	if err := fn(w); err != nil {
		closeWorkspace()
		return err
	}
	return closeWorkspace()
}

// seedUsers creates n users named prefix0..prefix<n-1> (the first an admin)
// and returns their ids and API tokens.
func seedUsers(ctx context.Context, w *Workspace, prefix string, n int) ([]int64, []string, error) {
	ids, tokens := make([]int64, n), make([]string, n)
	err := benchParallel(n, 8, func(i int) error {
		name := fmt.Sprintf("%s%d", prefix, i)
		u, err := w.Core.CreateUser(ctx, name, "password-"+name, i == 0)
		if err != nil {
			return fmt.Errorf("create user %s: %w", name, err)
		}
		_, token, err := w.Core.CreateTokenFor(ctx, name, "bench")
		if err != nil {
			return fmt.Errorf("token for %s: %w", name, err)
		}
		ids[i], tokens[i] = u.ID, token
		return nil
	})
	return ids, tokens, err
}

// seedChannel creates a public channel owned by the first token's user and
// has every other user join it.
func seedChannel(ctx context.Context, w *Workspace, name string, tokens []string) (int64, error) {
	owner, err := w.Core.Authenticate(ctx, tokens[0])
	if err != nil {
		return 0, err
	}
	ch, err := w.Core.CreateChannel(ctx, owner, channels.NewChannel{Name: name})
	if err != nil {
		return 0, fmt.Errorf("create channel %s: %w", name, err)
	}
	err = benchParallel(len(tokens)-1, 8, func(i int) error {
		actor, err := w.Core.Authenticate(ctx, tokens[i+1])
		if err != nil {
			return err
		}
		_, err = w.Core.Join(ctx, actor, ch.ID)
		return err
	})
	return ch.ID, err
}

// benchParallel runs fn(0..n-1) on workers goroutines and returns the first
// error.
func benchParallel(n, workers int, fn func(i int) error) error {
	var (
		mu    sync.Mutex
		next  int
		first error
		wg    sync.WaitGroup
	)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				i := next
				next++
				stop := first != nil
				mu.Unlock()
				if i >= n || stop {
					return
				}
				if err := fn(i); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	return first
}

// raiseFileLimit lifts the soft open-file limit to the hard one: the idle
// and fan-out workloads hold thousands of sockets on both ends. The
// servers started afterwards inherit it.
func raiseFileLimit() {
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err == nil && l.Cur < l.Max {
		l.Cur = l.Max
		_ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &l)
	}
}

// benchProgress shows a run's progress on a terminal, and nothing otherwise
// but a line when the run ends.
type benchProgress struct {
	w     io.Writer
	label string
	bar   *progressbar.ProgressBar
	mu    sync.Mutex
}

func newBenchProgress(w io.Writer, label string) *benchProgress {
	p := &benchProgress{w: w, label: label}
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		p.bar = progressbar.NewOptions64(1000, progressbar.OptionSetWriter(w), progressbar.OptionSetDescription(label),
			progressbar.OptionThrottle(100*time.Millisecond), progressbar.OptionClearOnFinish())
	}
	return p
}

func (p *benchProgress) set(done, total int64) {
	if p.bar == nil || total <= 0 {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	_ = p.bar.Set64(min(1000, done*1000/total))
}

func (p *benchProgress) done(ok bool, took time.Duration) {
	if p.bar != nil {
		_ = p.bar.Finish()
	}
	status := "done"
	if !ok {
		status = "failed"
	}
	fmt.Fprintf(p.w, "%s: %s in %s\n", p.label, status, took.Round(100*time.Millisecond))
}
