package search

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeMeili plays the few Meilisearch endpoints the backend uses and
// records what it was sent. Write endpoints answer with an enqueued task
// summary; GET /tasks/{uid} reports "processing" once, then the task's
// outcome, as a busy Meilisearch would.
type fakeMeili struct {
	t  *testing.T
	mu sync.Mutex

	requests []fakeRequest
	tasks    map[int64]*fakeTask
	nextTask int64

	// failType makes the next tasks of that type fail with failCode.
	failType, failCode, failErrType string
	// status, when set, is the answer to every request (503, 429, ...).
	status int
	// searchReply is the body of every search answer.
	searchReply string
}

type fakeRequest struct {
	Method, Path, RawQuery, Auth string
	Body                         []byte
}

type fakeTask struct {
	uid          int64
	typ, index   string
	polls        int
	failCode     string
	failType     string
	neverResolve bool
}

func newFakeMeili(t *testing.T) (*fakeMeili, *httptest.Server) {
	f := &fakeMeili{t: t, tasks: map[int64]*fakeTask{}, searchReply: `{"hits":[],"offset":0,"limit":21,"estimatedTotalHits":0,"processingTimeMs":0,"query":""}`}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv
}

func (f *fakeMeili) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = append(f.requests, fakeRequest{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Get("Authorization"), body})
	w.Header().Set("Content-Type", "application/json")
	if f.status != 0 {
		w.WriteHeader(f.status)
		fmt.Fprintf(w, `{"message":"fake failure","code":"internal","type":"internal","link":"https://docs.meilisearch.com/errors#internal"}`)
		return
	}
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	route := r.Method + " " + r.URL.Path
	switch {
	case route == "GET /health":
		fmt.Fprint(w, `{"status":"available"}`)
	case route == "POST /indexes":
		var req struct{ UID string }
		_ = json.Unmarshal(body, &req)
		f.enqueue(w, req.UID, "indexCreation")
	case len(parts) == 3 && parts[0] == "indexes" && r.Method == http.MethodDelete:
		f.enqueue(w, parts[1], "indexDeletion")
	case len(parts) == 3 && parts[2] == "settings" && r.Method == http.MethodPatch:
		f.enqueue(w, parts[1], "settingsUpdate")
	case len(parts) == 3 && parts[2] == "documents" && (r.Method == http.MethodPost || r.Method == http.MethodPut):
		f.enqueue(w, parts[1], "documentAdditionOrUpdate")
	case len(parts) == 3 && parts[2] == "documents" && r.Method == http.MethodDelete:
		f.enqueue(w, parts[1], "documentDeletion")
	case len(parts) == 4 && parts[3] == "delete-batch" && r.Method == http.MethodPost:
		f.enqueue(w, parts[1], "documentDeletion")
	case len(parts) == 3 && parts[2] == "search" && r.Method == http.MethodPost:
		fmt.Fprint(w, f.searchReply)
	case len(parts) == 2 && parts[0] == "tasks" && r.Method == http.MethodGet:
		var uid int64
		fmt.Sscan(parts[1], &uid)
		task, ok := f.tasks[uid]
		if !ok {
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprintf(w, `{"message":"Task %d not found.","code":"task_not_found","type":"invalid_request","link":""}`, uid)
			return
		}
		task.polls++
		status, taskErr := "processing", "null"
		if task.polls > 1 && !task.neverResolve {
			status = "succeeded"
			if task.failCode != "" {
				status = "failed"
				taskErr = fmt.Sprintf(`{"message":"fake %s","code":%q,"type":%q,"link":""}`, task.failCode, task.failCode, task.failType)
			}
		}
		fmt.Fprintf(w, `{"uid":%d,"batchUid":%d,"indexUid":%q,"status":%q,"type":%q,"canceledBy":null,"details":{},"error":%s,"duration":"PT0.001S","enqueuedAt":"2026-01-01T00:00:00Z","startedAt":"2026-01-01T00:00:00Z","finishedAt":"2026-01-01T00:00:00Z"}`,
			uid, uid, task.index, status, task.typ, taskErr)
	default:
		f.t.Errorf("fake meilisearch: unexpected %s %s", r.Method, r.URL.Path)
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `{"message":"not found","code":"not_found","type":"invalid_request","link":""}`)
	}
}

// enqueue answers 202 with a task summary, as Meilisearch does for writes.
func (f *fakeMeili) enqueue(w http.ResponseWriter, index, typ string) {
	f.nextTask++
	task := &fakeTask{uid: f.nextTask, typ: typ, index: index}
	if typ == f.failType {
		task.failCode, task.failType = f.failCode, f.failErrType
		if f.failCode == "" {
			task.neverResolve = true
		}
	}
	f.tasks[task.uid] = task
	w.WriteHeader(http.StatusAccepted)
	fmt.Fprintf(w, `{"taskUid":%d,"indexUid":%q,"status":"enqueued","type":%q,"enqueuedAt":"2026-01-01T00:00:00Z"}`, task.uid, index, typ)
}

// take returns the requests received since the last take, leaving out
// task polls.
func (f *fakeMeili) take() []fakeRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []fakeRequest
	for _, r := range f.requests {
		if !strings.HasPrefix(r.Path, "/tasks/") {
			out = append(out, r)
		}
	}
	f.requests = nil
	return out
}

func (f *fakeMeili) set(fn func(f *fakeMeili)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(f)
}

func openFakeMeili(t *testing.T) (*Meili, *fakeMeili) {
	t.Helper()
	f, srv := newFakeMeili(t)
	m, err := NewMeili(context.Background(), srv.URL+"/", "secret", MeiliPollInterval(time.Millisecond))
	if err != nil {
		t.Fatalf("NewMeili: %v", err)
	}
	t.Cleanup(m.Close)
	f.take()
	return m, f
}

// jsonEqual compares a JSON body with the expected JSON text.
func jsonEqual(t *testing.T, got []byte, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("body %s: %v", got, err)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("want %s: %v", want, err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("body\n got %s\nwant %s", got, want)
	}
}

func TestMeili_Start(t *testing.T) {
	f, srv := newFakeMeili(t)
	m, err := NewMeili(context.Background(), srv.URL, "secret", MeiliPollInterval(time.Millisecond))
	if err != nil {
		t.Fatalf("NewMeili: %v", err)
	}
	defer m.Close()
	if m.Name() != "meilisearch" {
		t.Errorf("Name = %q", m.Name())
	}
	reqs := f.take()
	var got []string
	for _, r := range reqs {
		got = append(got, r.Method+" "+r.Path)
		if r.Auth != "Bearer secret" {
			t.Errorf("%s %s: Authorization %q", r.Method, r.Path, r.Auth)
		}
	}
	want := []string{"GET /health", "POST /indexes", "PATCH /indexes/messages/settings"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("requests %q, want %q", got, want)
	}
	jsonEqual(t, reqs[1].Body, `{"uid":"messages","primaryKey":"id"}`)
	jsonEqual(t, reqs[2].Body, `{
		"searchableAttributes": ["text"],
		"filterableAttributes": ["channel_id","channel_public","user_id","is_bot","is_thread","has_link","has_file","has_reaction","created_at"],
		"sortableAttributes": ["created_at","id"],
		"rankingRules": ["words","typo","proximity","attribute","sort","exactness","created_at:desc"]
	}`)

	t.Run("an existing index is fine", func(t *testing.T) {
		f, srv := newFakeMeili(t)
		f.set(func(f *fakeMeili) {
			f.failType, f.failCode, f.failErrType = "indexCreation", "index_already_exists", "invalid_request"
		})
		m, err := NewMeili(context.Background(), srv.URL, "", MeiliPollInterval(time.Millisecond), MeiliIndex("msgs_1"))
		if err != nil {
			t.Fatalf("NewMeili: %v", err)
		}
		m.Close()
		reqs := f.take()
		if last := reqs[len(reqs)-1]; last.Path != "/indexes/msgs_1/settings" {
			t.Errorf("last request %s %s", last.Method, last.Path)
		}
	})

	t.Run("failed settings are an error", func(t *testing.T) {
		f, srv := newFakeMeili(t)
		f.set(func(f *fakeMeili) {
			f.failType, f.failCode, f.failErrType = "settingsUpdate", "invalid_settings_ranking_rules", "invalid_request"
		})
		_, err := NewMeili(context.Background(), srv.URL, "", MeiliPollInterval(time.Millisecond))
		if err == nil || errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "invalid_settings_ranking_rules") {
			t.Fatalf("err = %v, want the failed task, not unavailable", err)
		}
	})
}

func TestMeili_Writes(t *testing.T) {
	ctx := context.Background()
	m, f := openFakeMeili(t)

	docs := []Document{
		{ID: 7, ChannelID: 2, ChannelPublic: true, UserID: 3, Text: "hello world", CreatedAt: 1700000000123, HasLink: true},
		{ID: 8, ChannelID: 4, UserID: 5, IsBot: true, IsThread: true, Text: `quote " and ünïcode`, CreatedAt: 1700000000456, HasFile: true, HasReaction: true},
	}
	if err := m.Upsert(ctx, docs); err != nil {
		t.Fatalf("Upsert: %v", err)
	}
	reqs := f.take()
	if len(reqs) != 1 || reqs[0].Method != http.MethodPost || reqs[0].Path != "/indexes/messages/documents" || reqs[0].RawQuery != "primaryKey=id" {
		t.Fatalf("Upsert sent %+v", reqs)
	}
	jsonEqual(t, reqs[0].Body, `[
		{"id":7,"channel_id":2,"channel_public":true,"user_id":3,"is_bot":false,"is_thread":false,"text":"hello world","created_at":1700000000123,"has_link":true,"has_file":false,"has_reaction":false},
		{"id":8,"channel_id":4,"channel_public":false,"user_id":5,"is_bot":true,"is_thread":true,"text":"quote \" and ünïcode","created_at":1700000000456,"has_link":false,"has_file":true,"has_reaction":true}
	]`)
	// Ids and times are JSON integers, not strings or floats in exponent form.
	if !strings.Contains(string(reqs[0].Body), `"created_at":1700000000123`) {
		t.Errorf("created_at not an integer: %s", reqs[0].Body)
	}

	if err := m.Delete(ctx, []int64{7, 9000000000123}); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	reqs = f.take()
	if len(reqs) != 1 || reqs[0].Method != http.MethodPost || reqs[0].Path != "/indexes/messages/documents/delete-batch" {
		t.Fatalf("Delete sent %+v", reqs)
	}
	jsonEqual(t, reqs[0].Body, `["7","9000000000123"]`)

	if err := m.Reset(ctx); err != nil {
		t.Fatalf("Reset: %v", err)
	}
	reqs = f.take()
	if len(reqs) != 1 || reqs[0].Method != http.MethodDelete || reqs[0].Path != "/indexes/messages/documents" {
		t.Fatalf("Reset sent %+v", reqs)
	}

	t.Run("empty batches send nothing", func(t *testing.T) {
		if err := m.Upsert(ctx, nil); err != nil {
			t.Fatal(err)
		}
		if err := m.Delete(ctx, nil); err != nil {
			t.Fatal(err)
		}
		if reqs := f.take(); len(reqs) != 0 {
			t.Fatalf("sent %+v", reqs)
		}
	})

	t.Run("writes wait for their task", func(t *testing.T) {
		f.set(func(f *fakeMeili) { f.requests = nil })
		if err := m.Upsert(ctx, docs[:1]); err != nil {
			t.Fatal(err)
		}
		f.mu.Lock()
		defer f.mu.Unlock()
		polls := 0
		for _, r := range f.requests {
			if strings.HasPrefix(r.Path, "/tasks/") {
				polls++
			}
		}
		// The fake reports "processing" on the first poll.
		if polls < 2 {
			t.Errorf("task polled %d times, want until it succeeded", polls)
		}
	})
}

func TestMeili_WriteFailures(t *testing.T) {
	ctx := context.Background()
	doc := []Document{{ID: 1, Text: "x"}}

	t.Run("a failed task is an error", func(t *testing.T) {
		m, f := openFakeMeili(t)
		f.set(func(f *fakeMeili) {
			f.failType, f.failCode, f.failErrType = "documentAdditionOrUpdate", "invalid_document_fields", "invalid_request"
		})
		err := m.Upsert(ctx, doc)
		if err == nil || errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "invalid_document_fields") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("a task failing inside Meilisearch is unavailable", func(t *testing.T) {
		m, f := openFakeMeili(t)
		f.set(func(f *fakeMeili) {
			f.failType, f.failCode, f.failErrType = "documentDeletion", "no_space_left_on_device", "system"
		})
		if err := m.Delete(ctx, []int64{1}); !errors.Is(err, ErrUnavailable) {
			t.Fatalf("err = %v, want ErrUnavailable", err)
		}
	})
	t.Run("a task that never ends is unavailable after the timeout", func(t *testing.T) {
		f, srv := newFakeMeili(t)
		m, err := NewMeili(ctx, srv.URL, "", MeiliPollInterval(time.Millisecond), MeiliTaskTimeout(50*time.Millisecond))
		if err != nil {
			t.Fatal(err)
		}
		defer m.Close()
		f.set(func(f *fakeMeili) { f.failType, f.failCode = "documentAdditionOrUpdate", "" })
		if err := m.Upsert(ctx, doc); !errors.Is(err, ErrUnavailable) {
			t.Fatalf("err = %v, want ErrUnavailable", err)
		}
	})
	for _, status := range []int{http.StatusServiceUnavailable, http.StatusInternalServerError, http.StatusTooManyRequests} {
		t.Run(fmt.Sprintf("status %d is unavailable", status), func(t *testing.T) {
			m, f := openFakeMeili(t)
			f.set(func(f *fakeMeili) { f.status = status })
			if err := m.Upsert(ctx, doc); !errors.Is(err, ErrUnavailable) {
				t.Errorf("Upsert err = %v", err)
			}
			if _, err := m.Search(ctx, Query{Limit: 10}); !errors.Is(err, ErrUnavailable) {
				t.Errorf("Search err = %v", err)
			}
		})
	}
	t.Run("a 4xx is not unavailable", func(t *testing.T) {
		m, f := openFakeMeili(t)
		f.set(func(f *fakeMeili) { f.status = http.StatusBadRequest })
		if _, err := m.Search(ctx, Query{Limit: 10}); err == nil || errors.Is(err, ErrUnavailable) {
			t.Errorf("Search err = %v", err)
		}
	})
	t.Run("a closed port is unavailable", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		l.Close()
		_, err = NewMeili(ctx, "http://"+addr, "")
		if !errors.Is(err, ErrUnavailable) {
			t.Fatalf("err = %v, want ErrUnavailable", err)
		}
	})
	t.Run("a down server at start is unavailable", func(t *testing.T) {
		f, srv := newFakeMeili(t)
		f.set(func(f *fakeMeili) { f.status = http.StatusServiceUnavailable })
		if _, err := NewMeili(ctx, srv.URL, ""); !errors.Is(err, ErrUnavailable) {
			t.Fatalf("err = %v, want ErrUnavailable", err)
		}
	})
}

func TestMeili_Filter(t *testing.T) {
	tests := []struct {
		name   string
		filter Filter
		want   string
	}{
		{"public only", Filter{}, "channel_public = true"},
		{"readable channels", Filter{Readable: []int64{3, 5}},
			"(channel_public = true OR channel_id IN [3, 5])"},
		{"from users", Filter{Readable: []int64{3}, FromUserIDs: []int64{9, 10}},
			"(channel_public = true OR channel_id IN [3]) AND user_id IN [9, 10]"},
		{"in channels", Filter{Readable: []int64{3}, ChannelIDs: []int64{3}},
			"(channel_public = true OR channel_id IN [3]) AND channel_id IN [3]"},
		{"dates", Filter{Before: 1700000000000, After: 1600000000000},
			"channel_public = true AND created_at < 1700000000000 AND created_at >= 1600000000000"},
		{"after only", Filter{After: 1},
			"channel_public = true AND created_at >= 1"},
		{"flags", Filter{HasLink: true, HasFile: true, HasReaction: true, IsThread: true, IsBot: true},
			"channel_public = true AND has_link = true AND has_file = true AND has_reaction = true AND is_thread = true AND is_bot = true"},
		{"everything", Filter{Readable: []int64{1, 2}, FromUserIDs: []int64{4}, ChannelIDs: []int64{2}, Before: 20, After: 10, HasLink: true, IsBot: true},
			"(channel_public = true OR channel_id IN [1, 2]) AND user_id IN [4] AND channel_id IN [2] AND created_at < 20 AND created_at >= 10 AND has_link = true AND is_bot = true"},
	}
	m, f := openFakeMeili(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := m.Search(context.Background(), Query{Filter: tt.filter, Limit: 5}); err != nil {
				t.Fatal(err)
			}
			var body struct{ Filter string }
			reqs := f.take()
			if len(reqs) != 1 {
				t.Fatalf("requests %+v", reqs)
			}
			if err := json.Unmarshal(reqs[0].Body, &body); err != nil {
				t.Fatal(err)
			}
			if body.Filter != tt.want {
				t.Errorf("filter\n got %s\nwant %s", body.Filter, tt.want)
			}
		})
	}
}

func TestMeili_Q(t *testing.T) {
	tests := []struct {
		name  string
		terms []Term
		want  string
	}{
		{"none", nil, ""},
		{"words", []Term{{Text: "deploy"}, {Text: "failed"}}, "deploy failed "},
		{"phrase", []Term{{Text: "release notes", Phrase: true}, {Text: "draft"}}, `"release notes" draft `},
		{"negations first", []Term{{Text: "deploy"}, {Text: "staging", Negated: true}, {Text: "dry run", Phrase: true, Negated: true}},
			`-staging -"dry run" deploy `},
		{"only negations", []Term{{Text: "spam", Negated: true}}, "-spam"},
		{"prefix last", []Term{{Text: "depl", Prefix: true}, {Text: "prod"}}, "prod depl"},
		{"quotes and leading dashes dropped", []Term{{Text: `--x"y`}, {Text: `a "b`, Phrase: true}}, `x y "a b" `},
		{"empty phrase skipped", []Term{{Text: `"`, Phrase: true}, {Text: "ok"}}, "ok "},
	}
	m, f := openFakeMeili(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := meiliQ(tt.terms); got != tt.want {
				t.Errorf("meiliQ = %q, want %q", got, tt.want)
			}
			if _, err := m.Search(context.Background(), Query{Terms: tt.terms, Limit: 5}); err != nil {
				t.Fatal(err)
			}
			var body struct{ Q string }
			reqs := f.take()
			if err := json.Unmarshal(reqs[0].Body, &body); err != nil {
				t.Fatal(err)
			}
			if body.Q != tt.want {
				t.Errorf("q sent %q, want %q", body.Q, tt.want)
			}
		})
	}
}

func TestMeili_SearchRequest(t *testing.T) {
	m, f := openFakeMeili(t)
	ctx := context.Background()

	t.Run("relevance", func(t *testing.T) {
		q := Query{Terms: []Term{{Text: "hello"}}, Filter: Filter{Readable: []int64{1}}, Sort: SortRelevance, Offset: 40, Limit: 20}
		if _, err := m.Search(ctx, q); err != nil {
			t.Fatal(err)
		}
		reqs := f.take()
		if len(reqs) != 1 || reqs[0].Method != http.MethodPost || reqs[0].Path != "/indexes/messages/search" {
			t.Fatalf("requests %+v", reqs)
		}
		var body map[string]any
		if err := json.Unmarshal(reqs[0].Body, &body); err != nil {
			t.Fatal(err)
		}
		delete(body, "hybrid") // meilisearch-go sends "hybrid": null
		want := map[string]any{
			"q":                     "hello ",
			"filter":                "(channel_public = true OR channel_id IN [1])",
			"offset":                40.0,
			"limit":                 21.0,
			"attributesToRetrieve":  []any{"id", "text"},
			"attributesToCrop":      []any{"text"},
			"cropLength":            24.0,
			"attributesToHighlight": []any{"text"},
			"highlightPreTag":       MarkStart,
			"highlightPostTag":      MarkEnd,
			"matchingStrategy":      "all",
		}
		if !reflect.DeepEqual(body, want) {
			t.Errorf("body\n got %v\nwant %v", body, want)
		}
	})

	t.Run("newest", func(t *testing.T) {
		if _, err := m.Search(ctx, Query{Sort: SortNewest, Limit: 3}); err != nil {
			t.Fatal(err)
		}
		var body struct {
			Sort   []string
			Offset *int
			Limit  int
		}
		if err := json.Unmarshal(f.take()[0].Body, &body); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(body.Sort, []string{"created_at:desc", "id:desc"}) || body.Limit != 4 || body.Offset != nil {
			t.Errorf("sort %q limit %d offset %v", body.Sort, body.Limit, body.Offset)
		}
	})

	t.Run("hits, snippets and more", func(t *testing.T) {
		f.set(func(f *fakeMeili) {
			f.searchReply = `{"hits":[
				{"id":12,"text":"the deploy failed","_formatted":{"id":"12","text":"the ` + MarkStart + `deploy` + MarkEnd + ` failed"}},
				{"id":9000000000001,"text":"deploy again","_formatted":{"id":"9000000000001","text":"` + MarkStart + `deploy` + MarkEnd + ` again"}},
				{"id":3,"text":"deploy","_formatted":{"id":"3","text":"deploy"}}
			],"offset":0,"limit":3,"estimatedTotalHits":3,"processingTimeMs":1,"query":"deploy"}`
		})
		res, err := m.Search(ctx, Query{Terms: []Term{{Text: "deploy"}}, Limit: 2})
		if err != nil {
			t.Fatal(err)
		}
		want := Results{Hits: []Hit{
			{ID: 12, Snippet: "the " + MarkStart + "deploy" + MarkEnd + " failed"},
			{ID: 9000000000001, Snippet: MarkStart + "deploy" + MarkEnd + " again"},
		}, More: true}
		if !reflect.DeepEqual(res, want) {
			t.Errorf("results %+v, want %+v", res, want)
		}

		res, err = m.Search(ctx, Query{Terms: []Term{{Text: "deploy"}}, Limit: 3})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Hits) != 3 || res.More {
			t.Errorf("limit 3: %+v", res)
		}
	})
}

// TestMeili_Real runs against a real Meilisearch when PARLEY_TEST_MEILI_URL
// is set, in an index of its own that it deletes afterwards.
func TestMeili_Real(t *testing.T) {
	url := os.Getenv("PARLEY_TEST_MEILI_URL")
	if url == "" {
		t.Skip("set PARLEY_TEST_MEILI_URL (and PARLEY_TEST_MEILI_KEY) to run against a real Meilisearch")
	}
	key := os.Getenv("PARLEY_TEST_MEILI_KEY")
	n := 0
	var mu sync.Mutex
	open := func(t *testing.T) Index {
		mu.Lock()
		n++
		uid := fmt.Sprintf("parley_test_%d_%d", time.Now().UnixNano(), n)
		mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		m, err := NewMeili(ctx, url, key, MeiliIndex(uid))
		if err != nil {
			t.Fatalf("NewMeili: %v", err)
		}
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			if err := m.deleteIndex(ctx); err != nil {
				t.Errorf("delete index %s: %v", uid, err)
			}
			m.Close()
		})
		return m
	}
	runIndexSuite(t, open)
}
