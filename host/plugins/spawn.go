package plugins

import (
	"errors"
	"runtime"
)

// spawner runs process starts on one goroutine locked to its OS thread for
// the life of the Host. Pdeathsig fires when the thread that forked a child
// exits, not the process (golang/go#27505); starting every plugin from this
// thread ties the plugins' lives to the master's.
type spawner struct {
	reqs chan spawnReq
	done chan struct{}
}

type spawnReq struct {
	fn  func() error
	res chan error
}

var errSpawnerClosed = errors.New("plugin host is stopped")

func newSpawner() *spawner {
	s := &spawner{reqs: make(chan spawnReq), done: make(chan struct{})}
	go s.loop()
	return s
}

func (s *spawner) loop() {
	runtime.LockOSThread()
	// Never unlocked: when this goroutine returns the thread exits, which
	// also signals any plugin still alive (there should be none by then).
	defer close(s.done)
	for r := range s.reqs {
		r.res <- r.fn()
	}
}

// run calls fn on the spawner's thread.
func (s *spawner) run(fn func() error) (err error) {
	defer func() {
		if recover() != nil {
			err = errSpawnerClosed
		}
	}()
	r := spawnReq{fn: fn, res: make(chan error, 1)}
	s.reqs <- r
	return <-r.res
}

// close stops the spawner after the requests in flight.
func (s *spawner) close() {
	defer func() { _ = recover() }()
	close(s.reqs)
	<-s.done
}
