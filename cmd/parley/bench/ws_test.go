package bench

import "testing"

// The realtime workloads parse frames by hand; check the parser against
// the frames the server writes and a few it must refuse.
func TestBench_WSQuickParse(t *testing.T) {
	for _, tc := range []struct {
		raw  string
		seq  int64
		typ  string
		want bool
	}{
		{`{"seq":1042,"type":"message.created","channel_id":3,"data":{"text":"fo 1 2 3"}}`, 1042, "message.created", true},
		{`{"seq":7,"type":"member.joined"}`, 7, "member.joined", true},
		{`{"type":"hello","seq":1041,"user_id":7}`, 0, "", false},
		{`{"seq":,"type":"x"}`, 0, "", false},
		{`{"seq":12,"kind":"x"}`, 0, "", false},
		{`{"seq":12,"type":"unterminated`, 0, "", false},
	} {
		seq, typ, ok := wsQuickParse([]byte(tc.raw))
		if ok != tc.want || ok && (seq != tc.seq || string(typ) != tc.typ) {
			t.Errorf("wsQuickParse(%s) = %d, %q, %v", tc.raw, seq, typ, ok)
		}
	}
	var nums [3]int64
	if err := wsTextNumbers([]byte(`{"data":{"text":"fo 4 56 789","x":1}}`), fanTextKey, nums[:]); err != nil || nums != [3]int64{4, 56, 789} {
		t.Errorf("wsTextNumbers = %v, %v", nums, err)
	}
	if err := wsTextNumbers([]byte(`{"data":{"text":"fo 4 x"}}`), fanTextKey, nums[:]); err == nil {
		t.Error("wsTextNumbers accepted a bad text")
	}
}
