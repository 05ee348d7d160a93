package timed

import (
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/bbhost/bbhost/sdk/base"
)

// TestNightlyMatchesCroniter compares the cron expression built from
// Nightly's fields and the next build times with Buildbot's own
// _timeToCron and croniter (testdata/buildbot_croniter.py, run with
// TZ=UTC).
func TestNightlyMatchesCroniter(t *testing.T) {
	b, err := os.ReadFile("testdata/buildbot_croniter.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []struct {
		Fields map[string]any `json:"fields"`
		Expr   string         `json:"expr"`
		Start  string         `json:"start"`
		Next   string         `json:"next"`
	}
	if err := json.Unmarshal(b, &cases); err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		f := func(k string) any { return jsonValue(c.Fields[k]) }
		expr, diags := fieldsToCron(f("minute"), f("hour"), f("dayOfMonth"), f("month"), f("dayOfWeek"))
		if diags.HasErrors() {
			t.Fatalf("%v: %v", c.Fields, diags)
		}
		if expr != c.Expr {
			t.Errorf("%v: expression %q, Buildbot %q", c.Fields, expr, c.Expr)
		}
		expanded, err := croniterSteps(expr)
		if err != nil {
			t.Fatal(err)
		}
		s, err := parseCron(expanded)
		if err != nil {
			t.Fatalf("%q: %v", expanded, err)
		}
		from, _ := time.ParseInLocation("2006-01-02T15:04:05", c.Start, time.UTC)
		want, _ := time.ParseInLocation("2006-01-02T15:04:05", c.Next, time.UTC)
		got, ok := s.next(&from, time.Time{})
		if !ok || !got.Equal(want) {
			t.Errorf("%q from %s: next %s, croniter %s", expr, c.Start, got.Format(time.RFC3339), c.Next)
		}
	}
}

func jsonValue(v any) any {
	switch v := v.(type) {
	case float64:
		return int64(v)
	case []any:
		out := make([]any, len(v))
		for i := range v {
			out[i] = jsonValue(v[i])
		}
		return out
	}
	return v
}

// TestDayOfWeekConversion is the Python-to-cron day numbering table.
func TestDayOfWeekConversion(t *testing.T) {
	tests := []struct {
		in   any
		want string
	}{
		{int64(0), "1"}, // Monday
		{int64(6), "0"}, // Sunday
		{int64(-1), "0"},
		{[]any{int64(4), int64(5)}, "5,6"},
		{"0,6", "1,0"},
		{"5,sun", "6,sun"},
		{"1-5", "1-5"}, // not numeric: kept as written (Buildbot's behaviour)
		{"*", "*"},
		{" 2", "3"},
	}
	for _, tt := range tests {
		got, err := timeToCron(tt.in, true)
		if err != nil || got != tt.want {
			t.Errorf("timeToCron(%#v) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	if got, _ := timeToCron([]any{int64(0), "30"}, false); got != "0,30" {
		t.Errorf("minute list = %q", got)
	}
	if _, err := timeToCron([]any{"mon"}, true); err == nil {
		t.Error("a day-of-week list with a name was accepted (Buildbot fails on it)")
	}
}

// TestCronString: the cron attribute is standard cron, with either day
// field matching when both are restricted.
func TestCronString(t *testing.T) {
	from := time.Date(2024, 1, 1, 12, 0, 0, 0, time.UTC) // a Monday
	tests := []struct{ expr, want string }{
		{"0 3 * * *", "2024-01-02T03:00:00Z"},
		{"0 3 * * 0", "2024-01-07T03:00:00Z"},
		{"0 3 */10 * *", "2024-01-11T03:00:00Z"},
		{"0 3 13 * 5", "2024-01-05T03:00:00Z"},
		{"15 14 1 * *", "2024-01-01T14:15:00Z"},
		{"15 11 1 * *", "2024-02-01T11:15:00Z"},
	}
	for _, tt := range tests {
		s, err := parseCron(tt.expr)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := s.next(nil, from)
		if got.Format(time.RFC3339) != tt.want {
			t.Errorf("%q: %s, want %s", tt.expr, got.Format(time.RFC3339), tt.want)
		}
	}
	for _, bad := range []string{"", "* * * *", "61 * * * *", "@every 1m", "0 0 * * 8", "a b c d e"} {
		if _, err := parseCron(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// TestNightlyInstance: the first build at the first cron time (not at
// once), the next one a day later, and one build after a long stop.
func TestNightlyInstance(t *testing.T) {
	h, fc := newHarness(t)
	body := `
		hour = 3
		minute = 30
	`
	s := start(t, h, NightlyKind, "n", body, "b0")
	waitTimer(t, fc)
	first := time.Date(2024, 1, 2, 3, 30, 0, 0, time.UTC)
	if p := fc.Pending(); len(p) != 1 || !p[0].Equal(first) {
		t.Fatalf("timer %v, want %v", p, first)
	}
	fc.Set(first)
	bss := h.Master.WaitBuildsets(t, 1, limit)
	if bss[0].Reason != "The Nightly scheduler named 'n' triggered this build" {
		t.Errorf("reason %q", bss[0].Reason)
	}
	waitTimer(t, fc)
	if p := fc.Pending(); len(p) != 1 || !p[0].Equal(first.Add(24*time.Hour)) {
		t.Fatalf("next timer %v", p)
	}
	stop(t, s)
	fc.Set(first.Add(5*24*time.Hour + time.Hour))
	start(t, h, NightlyKind, "n", body, "b0")
	h.Master.WaitBuildsets(t, 2, limit)
	waitTimer(t, fc)
	if n := len(h.Master.Buildsets()); n != 2 {
		t.Errorf("%d buildsets after five missed nights, want 2", n)
	}
	if p := fc.Pending(); len(p) != 1 || !p[0].Equal(first.Add(6*24*time.Hour)) {
		t.Errorf("timer %v, want %v", p, first.Add(6*24*time.Hour))
	}
}

func TestNightlyConfig(t *testing.T) {
	h, _ := newHarness(t)
	tests := []struct{ body, path string }{
		{"cron = \"0 3 * * *\"\nhour = 4", "hour"},
		{`cron = "0 3 * *"`, "cron"},
		{`day_of_week = ["mon"]`, "day_of_week"},
		{`minute = 1.5`, "minute"},
		{`hour = true`, "hour"},
		{`day_of_month = "*/40"`, "minute"},
		{`minute = "0-999999999/1"`, "minute"},
	}
	for _, tt := range tests {
		diags, err := h.Validate(base.TypeScheduler, NightlyKind, tt.body)
		if err != nil {
			t.Fatalf("%s: %v", tt.body, err)
		}
		found := false
		for _, d := range diags {
			found = found || base.FormatPath(d.Path) == tt.path
		}
		if !found {
			t.Errorf("%s: diagnostics %v, want one at %s", tt.body, diags, tt.path)
		}
	}
	for _, ok := range []string{``, `cron = "0 3 * * 1-5"`, "minute = [0, 30]\nday_of_week = \"0,6\""} {
		if diags, err := h.Validate(base.TypeScheduler, NightlyKind, ok); err != nil || diags.HasErrors() {
			t.Errorf("%s refused: %v %v", ok, err, diags)
		}
	}
}
