package clock

import (
	"testing"
	"time"
)

func TestFake(t *testing.T) {
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	f := NewFake(t0)
	now := f.NewTimer(0)
	select {
	case got := <-now.C():
		if !got.Equal(t0) {
			t.Errorf("immediate timer fired at %v", got)
		}
	default:
		t.Fatal("a zero-duration timer did not fire at once")
	}
	a := f.NewTimer(time.Minute)
	b := f.NewTimer(time.Hour)
	if !f.WaitTimers(2, time.Second) {
		t.Fatal("two pending timers not seen")
	}
	f.Advance(59 * time.Second)
	select {
	case <-a.C():
		t.Fatal("fired early")
	default:
	}
	f.Advance(time.Second)
	if got := <-a.C(); !got.Equal(t0.Add(time.Minute)) {
		t.Errorf("fired at %v", got)
	}
	if !b.Stop() {
		t.Error("stopping a pending timer reports false")
	}
	f.Advance(2 * time.Hour)
	select {
	case <-b.C():
		t.Fatal("a stopped timer fired")
	default:
	}
	if len(f.Pending()) != 0 || b.Stop() {
		t.Error("timers left pending")
	}
	if f.WaitTimers(1, 10*time.Millisecond) {
		t.Error("WaitTimers returned true with no timer pending")
	}
}
