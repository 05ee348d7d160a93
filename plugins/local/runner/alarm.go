package runner

import "time"

// alarm is a timer whose channel is nil while it is not armed, so it can sit
// in a select.
type alarm struct {
	t *time.Timer
	c <-chan time.Time
}

func (a *alarm) set(d time.Duration) {
	if a.t == nil {
		a.t = time.NewTimer(d)
	} else {
		a.t.Reset(d)
	}
	a.c = a.t.C
}

func (a *alarm) stop() {
	if a.t != nil {
		a.t.Stop()
	}
	a.c = nil
}
