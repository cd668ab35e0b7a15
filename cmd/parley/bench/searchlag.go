package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"time"
)

// lagWindow is a group of consecutive posts sharing a word found nowhere
// else, so that one search tells which of them are findable.
type lagWindow struct {
	word     string
	posts    map[int64]time.Time // acknowledged, not yet found: when acknowledged
	lastPoll time.Time
	polling  bool
}

type lagFigures struct {
	extra  map[string]float64
	errors int64
}

// Index lag: posts are sent on a fixed schedule (open loop) by posters in
// the channels they are members of; each post carries the word of its
// window of lagWindowSize consecutive posts. A poller searches (as the
// admin, who is in every channel) for the word of each window that still
// has posts acknowledged but not found, at most every lagPollEvery per
// window (lagPollers searches at a time); a post's lag is from its acknowledgement to the answer of the
// first search that finds it. Searching per window rather than per post
// keeps the poller's own load small at 1,000 posts/s.
const (
	lagWindowSize = 100 // a search's page holds up to 100 results
	lagPollers    = 2
	lagPollEvery  = 5 * time.Millisecond
	lagPosters    = 32 // users posting
	lagInFlight   = 256
	lagGiveUp     = 30 * time.Second
)

func measureIndexLag(ctx context.Context, env *benchEnv, srv *benchServer, hc *http.Client, meta searchCorpusMeta, progressBase int64) (lagFigures, error) {
	rate := env.size(100, 1_000, 1_000)
	total := rate * env.size(1, 2, 10)
	r := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 9))
	letters := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte('a' + r.IntN(26))
		}
		return string(b)
	}
	windows := make([]*lagWindow, (total+lagWindowSize-1)/lagWindowSize)
	for i := range windows {
		windows[i] = &lagWindow{word: "lag" + letters(12), posts: map[int64]time.Time{}}
	}
	var (
		mu      sync.Mutex
		lags    []time.Duration
		found   = map[int64]time.Time{} // found before its acknowledgement was seen
		postErr error
		posted  int
		acked   sync.WaitGroup
	)
	vocab := searchVocab()
	postHC := benchHTTP(lagInFlight)
	defer postHC.CloseIdleConnections()
	meter, err := srv.meter()
	if err != nil {
		return lagFigures{}, err
	}
	start := time.Now()
	var (
		postLat []time.Duration
		lastAck time.Time
	)
	post := func(i int) {
		defer acked.Done()
		u := 1 + i%lagPosters
		channelID := meta.Channels[meta.Joined[u][i%len(meta.Joined[u])]]
		w := windows[i/lagWindowSize]
		text := fmt.Sprintf("%s %s %s post %d", vocab[i%50], w.word, vocab[(i*7)%500], i)
		req, err := http.NewRequestWithContext(ctx, "POST", fmt.Sprintf("%s/api/v1/channels/%d/messages", srv.base, channelID),
			strings.NewReader(fmt.Sprintf(`{"text":%q}`, text)))
		var m struct {
			ID int64 `json:"id"`
		}
		t0 := time.Now()
		if err == nil {
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+meta.Tokens[u])
			var body []byte
			err = call(postHC, req, func(status int, b []byte) bool { body = b; return status == http.StatusCreated })
			if err == nil {
				err = json.Unmarshal(body, &m)
			}
		}
		now := time.Now()
		mu.Lock()
		defer mu.Unlock()
		posted++
		lastAck = now
		postLat = append(postLat, now.Sub(t0))
		switch at, ok := found[m.ID]; {
		case err != nil:
			if postErr == nil {
				postErr = err
			}
		case ok:
			lags = append(lags, max(0, at.Sub(now)))
			delete(found, m.ID)
		default:
			w.posts[m.ID] = now
		}
	}
	// Open loop: each post is sent at its time on its own goroutine, so a
	// slow answer does not delay the next posts (up to lagInFlight at once).
	acked.Add(total)
	go func() {
		inFlight := make(chan struct{}, lagInFlight)
		for i := 0; i < total; i++ {
			time.Sleep(time.Until(start.Add(time.Duration(i) * time.Second / time.Duration(rate))))
			inFlight <- struct{}{}
			go func(i int) {
				defer func() { <-inFlight }()
				post(i)
			}(i)
		}
	}()
	postersDone := make(chan struct{})
	go func() { acked.Wait(); close(postersDone) }()

	// The pollers: round the windows with posts waiting, oldest first, each
	// window polled by one at a time.
	var (
		searches   int64
		searchErrs int64
		searchErr  error
		deadline   time.Time
		polling    sync.WaitGroup
	)
	poll := func() {
		defer polling.Done()
		for ctx.Err() == nil {
			mu.Lock()
			select {
			case <-postersDone:
				if deadline.IsZero() {
					deadline = time.Now().Add(lagGiveUp)
				}
			default:
			}
			var next *lagWindow
			pending := false
			for _, w := range windows {
				if len(w.posts) > 0 {
					pending = true
					if next == nil && !w.polling && time.Since(w.lastPoll) >= lagPollEvery {
						next = w
					}
				}
			}
			stop := posted == total && !pending || !deadline.IsZero() && time.Now().After(deadline) || searchErrs > 100
			if next != nil {
				next.polling, next.lastPoll = true, time.Now()
			}
			env.progress(progressBase+int64(len(lags))*progressBase/int64(max(total, 1)), progressBase*2)
			mu.Unlock()
			if stop {
				return
			}
			if next == nil {
				time.Sleep(time.Millisecond)
				continue
			}
			var hits searchHits
			err := getJSON(ctx, hc, searchURL(srv.base, next.word, "newest", lagWindowSize), meta.Tokens[0], &hits)
			now := time.Now()
			mu.Lock()
			next.polling = false
			searches++
			if err != nil {
				searchErrs++
				searchErr = err
			}
			for _, it := range hits.Items {
				id := it.Message.ID
				if at, ok := next.posts[id]; ok {
					lags = append(lags, now.Sub(at))
					delete(next.posts, id)
				} else if _, ok := found[id]; !ok {
					found[id] = now // its poster has not seen the answer yet
				}
			}
			mu.Unlock()
		}
	}
	polling.Add(lagPollers)
	for range lagPollers {
		go poll()
	}
	polling.Wait()
	<-postersDone
	var res benchResult
	if err := meter.finish(&res); err != nil {
		return lagFigures{}, err
	}
	mu.Lock()
	defer mu.Unlock()
	missing := 0
	for _, w := range windows {
		missing += len(w.posts)
	}
	if searchErrs > 100 {
		return lagFigures{}, fmt.Errorf("index lag: searches fail: %w", searchErr)
	}
	if postErr != nil {
		fmt.Fprintf(env.log, "  index lag: first post error: %v\n", postErr)
	}
	if missing > 0 {
		fmt.Fprintf(env.log, "  index lag: %d posts not found within %s\n", missing, lagGiveUp)
	}
	p50, p99, maxLag := latencyMillis(lags)
	_, postP99, _ := latencyMillis(postLat)
	postSeconds := lastAck.Sub(start).Seconds()
	return lagFigures{
		extra: map[string]float64{
			"lag_p50_ms": p50, "lag_p99_ms": p99, "lag_max_ms": maxLag, "lag_missing": float64(missing),
			"lag_posts_per_s": float64(posted) / postSeconds, "lag_post_p99_ms": postP99,
			"lag_polls": float64(searches), "lag_server_cpu_s": res.CPUSeconds,
		},
		errors: int64(total-len(lags)) + searchErrs,
	}, nil
}
