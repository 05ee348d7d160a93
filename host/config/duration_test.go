package config

import (
	"testing"
	"time"

	"github.com/zclconf/go-cty/cty"
)

func TestParseDuration(t *testing.T) {
	cases := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"10s", 10 * time.Second, true},
		{"5m", 5 * time.Minute, true},
		{"1h30m", 90 * time.Minute, true},
		{"30", 30 * time.Second, true},
		{"1.5", 1500 * time.Millisecond, true},
		{" 2m ", 2 * time.Minute, true},
		{"0", 0, true},
		{"", 0, false},
		{"10x", 0, false},
		{"-5s", 0, false},
		{"-1", 0, false},
		{"1e300", 0, false},
		{"NaN", 0, false},
		{"soon", 0, false},
	}
	for _, c := range cases {
		got, err := ParseDuration(c.in)
		if (err == nil) != c.ok || (c.ok && got != c.want) {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v ok=%v", c.in, got, err, c.want, c.ok)
		}
	}
	if d, err := DurationValue(cty.NumberFloatVal(2.5)); err != nil || d != 2500*time.Millisecond {
		t.Errorf("DurationValue(2.5) = %v, %v", d, err)
	}
	if _, err := DurationValue(cty.True); err == nil {
		t.Errorf("DurationValue(true): no error")
	}
	if _, err := DurationValue(cty.NullVal(cty.String)); err == nil {
		t.Errorf("DurationValue(null): no error")
	}
}

func TestIsDurationAttr(t *testing.T) {
	for name, want := range map[string]bool{
		"poll_interval": true, "tree_stable_timer": true, "missing_timeout": true, "timeout": true,
		"start_delay": true, "interval": true, "branch": false, "timeouts": false, "cron": false,
	} {
		if got := IsDurationAttr(name); got != want {
			t.Errorf("IsDurationAttr(%q) = %v", name, got)
		}
	}
}

func TestParseCron(t *testing.T) {
	for expr, ok := range map[string]bool{
		"0 3 * * *":                      true,
		"*/15 * * * 1-5":                 true,
		"0 0 1 jan *":                    true,
		"@daily":                         true,
		"0 25 * * *":                     false,
		"0 3 * *":                        false,
		"0 0 3 * * *":                    false,
		"":                               false,
		"@every 1h":                      false,
		"TZ=UTC":                         false,
		"CRON_TZ=Europe/Paris 0 3 * * *": false,
		"*/0 * * * *":                    false,
		"a b c d e":                      false,
	} {
		if err := ParseCron(expr); (err == nil) != ok {
			t.Errorf("ParseCron(%q) = %v, want ok=%v", expr, err, ok)
		}
	}
}
