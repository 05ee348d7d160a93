package results

import "testing"

func TestWorst(t *testing.T) {
	tests := []struct{ a, b, want int }{
		{Success, Skipped, Success},
		{Skipped, Skipped, Skipped},
		{Warnings, Success, Warnings},
		{Failure, Warnings, Failure},
		{Exception, Failure, Exception},
		{Retry, Exception, Retry},
		{Cancelled, Retry, Cancelled},
	}
	for _, tt := range tests {
		if got := Worst(tt.a, tt.b); got != tt.want {
			t.Errorf("Worst(%s, %s) = %s, want %s", Name(tt.a), Name(tt.b), Name(got), Name(tt.want))
		}
		if got := Worst(tt.b, tt.a); got != tt.want {
			t.Errorf("Worst(%s, %s) = %s, want %s", Name(tt.b), Name(tt.a), Name(got), Name(tt.want))
		}
	}
}

func TestComputeResultAndTermination(t *testing.T) {
	def := StepFlags{FlunkOnFailure: true}
	tests := []struct {
		name       string
		f          StepFlags
		step, prev int
		want       int
		term       bool
	}{
		{"failure flunks", def, Failure, Success, Failure, false},
		{"failure halts", StepFlags{FlunkOnFailure: true, HaltOnFailure: true}, Failure, Success, Failure, true},
		{"failure warns", StepFlags{WarnOnFailure: true}, Failure, Success, Warnings, false},
		{"failure ignored", StepFlags{}, Failure, Success, Success, false},
		{"warnings ignored by default", def, Warnings, Success, Success, false},
		{"warn on warnings", StepFlags{WarnOnWarnings: true}, Warnings, Success, Warnings, false},
		{"flunk on warnings", StepFlags{FlunkOnWarnings: true}, Warnings, Success, Failure, false},
		{"exception terminates", def, Exception, Success, Exception, true},
		{"cancelled terminates", def, Cancelled, Warnings, Cancelled, true},
		{"skipped keeps previous", def, Skipped, Warnings, Warnings, false},
	}
	for _, tt := range tests {
		got, term := ComputeResultAndTermination(tt.f, tt.step, tt.prev)
		if got != tt.want || term != tt.term {
			t.Errorf("%s: got (%s, %v), want (%s, %v)", tt.name, Name(got), term, Name(tt.want), tt.term)
		}
	}
}
