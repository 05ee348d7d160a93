package timed

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/bbhost/bbhost/sdk/base"
	"github.com/robfig/cron/v3"
)

// cronParser reads five-field cron expressions.
var cronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow)

// cronSchedule is a cron expression evaluated as Buildbot's croniter does:
// when both day of month and day of week are restricted, a day matching
// either is taken.
type cronSchedule struct {
	expr string
	// either holds the two halves of a schedule restricting both days:
	// the day-of-month one and the day-of-week one.
	either [2]cron.Schedule
	one    cron.Schedule
}

// parseCron parses a five-field expression. robfig/cron has panicked on
// malformed input before, so a panic is turned into an error.
func parseCron(expr string) (s *cronSchedule, err error) {
	defer func() {
		if r := recover(); r != nil {
			s, err = nil, fmt.Errorf("%q: %v", expr, r)
		}
	}()
	fields := strings.Fields(expr)
	if len(fields) != 5 {
		return nil, fmt.Errorf("%q: a cron expression has five fields (minute hour day-of-month month day-of-week)", expr)
	}
	s = &cronSchedule{expr: strings.Join(fields, " ")}
	if fields[2] != "*" && fields[4] != "*" {
		dom := strings.Join([]string{fields[0], fields[1], fields[2], fields[3], "*"}, " ")
		dow := strings.Join([]string{fields[0], fields[1], "*", fields[3], fields[4]}, " ")
		for i, e := range []string{dom, dow} {
			if s.either[i], err = cronParser.Parse(e); err != nil {
				return nil, fmt.Errorf("%q: %w", expr, err)
			}
		}
		return s, nil
	}
	if s.one, err = cronParser.Parse(s.expr); err != nil {
		return nil, fmt.Errorf("%q: %w", expr, err)
	}
	return s, nil
}

// next is NightlyBase.getNextBuildTime: the first cron time after the last
// build, or after now when it never built.
func (s *cronSchedule) next(last *time.Time, now time.Time) (time.Time, bool) {
	from := now
	if last != nil {
		from = *last
	}
	var at time.Time
	if s.one != nil {
		at = s.one.Next(from)
	} else {
		a, b := s.either[0].Next(from), s.either[1].Next(from)
		at = a
		if !b.IsZero() && (a.IsZero() || b.Before(a)) {
			at = b
		}
	}
	return at, !at.IsZero()
}

// fieldsToCron builds the cron expression from Nightly's fields
// (NightlyBase._timeToCron), converting Python day-of-week numbers
// (0 = Monday) to cron's (0 = Sunday) as Buildbot does: numbers, the
// numbers of a list, and each purely numeric item of a comma-separated
// string; other items (ranges, names, steps) are kept as written.
func fieldsToCron(minute, hour, dom, month, dow any) (string, base.Diagnostics) {
	var diags base.Diagnostics
	defaults := []any{int64(0), "*", "*", "*", "*"}
	names := []string{"minute", "hour", "day_of_month", "month", "day_of_week"}
	parts := make([]string, 5)
	for i, v := range []any{minute, hour, dom, month, dow} {
		if v == nil {
			v = defaults[i]
		}
		s, err := timeToCron(v, i == 4)
		if err != nil {
			diags = append(diags, base.AttrError(names[i], "Invalid "+names[i], err.Error()))
			continue
		}
		parts[i] = s
	}
	return strings.Join(parts, " "), diags
}

func pyDow(n int64) int64 { return ((n+1)%7 + 7) % 7 }

func timeToCron(v any, dayOfWeek bool) (string, error) {
	switch v := v.(type) {
	case int64:
		if dayOfWeek {
			v = pyDow(v)
		}
		return strconv.FormatInt(v, 10), nil
	case float64:
		if v != float64(int64(v)) {
			return "", fmt.Errorf("%v is not a whole number", v)
		}
		return timeToCron(int64(v), dayOfWeek)
	case string:
		if !dayOfWeek {
			return v, nil
		}
		items := strings.Split(v, ",")
		for i, item := range items {
			if n, err := strconv.ParseInt(strings.TrimSpace(item), 10, 64); err == nil {
				items[i] = strconv.FormatInt(pyDow(n), 10)
			}
		}
		return strings.Join(items, ","), nil
	case []any:
		items := make([]string, 0, len(v))
		for _, x := range v {
			switch x := x.(type) {
			case string:
				if dayOfWeek {
					return "", fmt.Errorf("day_of_week lists take numbers, not %q", x)
				}
				items = append(items, x)
			case int64, float64:
				s, err := timeToCron(x, dayOfWeek)
				if err != nil {
					return "", err
				}
				items = append(items, s)
			default:
				return "", fmt.Errorf("a list of numbers is required")
			}
		}
		if len(items) == 0 {
			return "", fmt.Errorf("the list is empty")
		}
		return strings.Join(items, ","), nil
	}
	return "", fmt.Errorf("give a number, a list of numbers or a cron field string")
}
