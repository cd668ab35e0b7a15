package bench

import (
	"strings"
	"testing"
)

func TestBench_MedianAndSelect(t *testing.T) {
	for _, tc := range []struct {
		in   []float64
		want float64
	}{{nil, 0}, {[]float64{3}, 3}, {[]float64{5, 1, 3}, 3}, {[]float64{4, 1, 3, 2}, 2.5}} {
		if got := median(tc.in); got != tc.want {
			t.Errorf("median(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
	got := medianResult([]benchResult{
		{Workload: "post", Throughput: 100, P99: 9, Extra: map[string]float64{"missing": 0}},
		{Workload: "post", Throughput: 300, P99: 1, Extra: map[string]float64{"missing": 2}},
		{Workload: "post", Throughput: 200, P99: 5, Extra: map[string]float64{"missing": 1}},
	})
	if got.Throughput != 200 || got.P99 != 5 || got.Extra["missing"] != 1 || got.Runs != 3 {
		t.Errorf("medianResult = %+v", got)
	}
	if _, err := selectWorkloads(benchWorkloads(), "post,nope"); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Errorf("unknown workload accepted: %v", err)
	}
	ws, err := selectWorkloads(benchWorkloads(), " slack-api ,post")
	if err != nil || len(ws) != 2 || ws[0].name != "slack-api" {
		t.Errorf("selectWorkloads = %v, %v", ws, err)
	}
}
