package timed

import (
	"testing"
	"time"
)

// FuzzSchedule feeds arbitrary cron expressions and day-of-week strings
// through the Nightly schedule: errors are fine, panics and a next time
// not after the start are not.
func FuzzSchedule(f *testing.F) {
	for _, s := range []string{"0 3 * * *", "*/7 1-5/2 */10 jan-mar/2 mon-fri", "0 0 31 2 *", "0 3 15 * 1-5/2"} {
		f.Add(s, "0,6")
	}
	from := time.Date(2024, 1, 1, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, expr, dow string) {
		for _, build := range []func() (*cronSchedule, error){
			func() (*cronSchedule, error) { return parseCron(expr) },
			func() (*cronSchedule, error) {
				e, err := croniterSteps(expr)
				if err != nil {
					return nil, err
				}
				return parseCron(e)
			},
			func() (*cronSchedule, error) {
				e, diags := fieldsToCron(int64(0), "3", "*", "*", dow)
				if diags.HasErrors() {
					return nil, diags.Err()
				}
				if e, err := croniterSteps(e); err == nil {
					return parseCron(e)
				}
				return nil, nil
			},
		} {
			s, err := build()
			if err != nil || s == nil {
				continue
			}
			if at, ok := s.next(&from, time.Time{}); ok && !at.After(from) {
				t.Fatalf("%q: next %v is not after %v", expr, at, from)
			}
		}
	})
}
