// Package results holds Buildbot's result codes and the rules that combine
// them (process/results.py).
package results

import "fmt"

// Result codes, as Buildbot numbers them.
const (
	Success   = 0
	Warnings  = 1
	Failure   = 2
	Skipped   = 3
	Exception = 4
	Retry     = 5
	Cancelled = 6
)

var names = [...]string{"success", "warnings", "failure", "skipped", "exception", "retry", "cancelled"}

// String is Buildbot's statusToString: "success", …, "not finished" for nil.
func String(r *int) string {
	if r == nil {
		return "not finished"
	}
	return Name(*r)
}

// Name returns the lower-case name of a result code.
func Name(r int) string {
	if r >= 0 && r < len(names) {
		return names[r]
	}
	return "Invalid status"
}

// Parse turns a name back into its code.
func Parse(s string) (int, error) {
	for i, n := range names {
		if n == s {
			return i, nil
		}
	}
	return 0, fmt.Errorf("unknown result %q", s)
}

// worstOrder is Buildbot's worst_status order, worst first: SKIPPED is the
// weakest, below SUCCESS.
var worstOrder = [...]int{Cancelled, Retry, Exception, Failure, Warnings, Success, Skipped}

// Worst returns the worse of two results (Buildbot's worst_status).
func Worst(a, b int) int {
	for _, r := range worstOrder {
		if a == r || b == r {
			return r
		}
	}
	if a > b {
		return a
	}
	return b
}

// StepFlags are the result flags of a step that decide its effect on the build.
type StepFlags struct {
	FlunkOnFailure  bool
	WarnOnFailure   bool
	HaltOnFailure   bool
	FlunkOnWarnings bool
	WarnOnWarnings  bool
}

// ComputeResultAndTermination is Buildbot's computeResultAndTermination: the
// build's new result after a step finished with stepResult, and whether the
// build terminates.
func ComputeResultAndTermination(f StepFlags, stepResult, previous int) (result int, terminate bool) {
	contribution := stepResult
	switch stepResult {
	case Failure:
		switch {
		case f.FlunkOnFailure:
			contribution = Failure
		case f.WarnOnFailure:
			contribution = Warnings
		default:
			contribution = Success
		}
		terminate = f.HaltOnFailure
	case Warnings:
		switch {
		case f.FlunkOnWarnings:
			contribution = Failure
		case f.WarnOnWarnings:
			contribution = Warnings
		default:
			contribution = Success
		}
	case Exception, Retry, Cancelled:
		terminate = true
	}
	return Worst(previous, contribution), terminate
}
