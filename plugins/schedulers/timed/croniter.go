package timed

import (
	"fmt"
	"strconv"
	"strings"
)

// fieldRanges are croniter's bounds of the five fields.
var fieldRanges = [5][2]int{{0, 59}, {0, 23}, {1, 31}, {1, 12}, {0, 6}}

// fieldNames are the names croniter reads in the month and day-of-week
// fields.
var fieldNames = [5]map[string]int{
	3: {"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12},
	4: {"sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6},
}

// croniterSteps rewrites the step items of a Nightly schedule ("*/10",
// "1-20/5") as the lists Buildbot's croniter makes of them: the values of
// the range that are multiples of the step (so "*/10" in day of month is
// 10,20,30, where cron would give 1,11,21,31). Other items stay.
func croniterSteps(expr string) (string, error) {
	fields := strings.Fields(expr)
	if len(fields) != 5 {
		return "", fmt.Errorf("%q: a cron expression has five fields", expr)
	}
	for i, f := range fields {
		items := strings.Split(f, ",")
		for j, item := range items {
			rng, stepStr, ok := strings.Cut(item, "/")
			if !ok {
				continue
			}
			step, err := strconv.Atoi(stepStr)
			if err != nil || step <= 0 {
				return "", fmt.Errorf("%q: bad step in %q", expr, item)
			}
			lo, hi := fieldRanges[i][0], fieldRanges[i][1]
			if rng != "*" {
				a, b, ok := strings.Cut(rng, "-")
				if !ok {
					return "", fmt.Errorf("%q: a step needs a range or *, as in %q", expr, "1-10/"+stepStr)
				}
				if lo, err = fieldValue(i, a); err != nil {
					return "", fmt.Errorf("%q: %w", expr, err)
				}
				if hi, err = fieldValue(i, b); err != nil {
					return "", fmt.Errorf("%q: %w", expr, err)
				}
				if lo > hi {
					return "", fmt.Errorf("%q: range %q runs backwards", expr, rng)
				}
				if lo < fieldRanges[i][0] || hi > fieldRanges[i][1] {
					return "", fmt.Errorf("%q: range %q is out of %d-%d", expr, rng, fieldRanges[i][0], fieldRanges[i][1])
				}
			}
			var vals []string
			for v := lo; v <= hi; v++ {
				if v%step == 0 {
					vals = append(vals, strconv.Itoa(v))
				}
			}
			if len(vals) == 0 {
				return "", fmt.Errorf("%q: %q selects no value", expr, item)
			}
			items[j] = strings.Join(vals, ",")
		}
		fields[i] = strings.Join(items, ",")
	}
	return strings.Join(fields, " "), nil
}

func fieldValue(i int, s string) (int, error) {
	if n, err := strconv.Atoi(s); err == nil {
		return n, nil
	}
	if n, ok := fieldNames[i][strings.ToLower(s)]; ok {
		return n, nil
	}
	return 0, fmt.Errorf("%q is not a value of this field", s)
}
